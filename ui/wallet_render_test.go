package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/app/walletsim"
	"tilldesk/core/money"
	"tilldesk/core/wallet"
)

// checkRendering checks (and with shotsEnv set, saves) a capture of the window with
// popup open, as the prepaid screens' rendering test does.
func (f *walletFixture) checkRendering(t *testing.T, name string, popup *widget.PopUp) {
	t.Helper()
	(&prepaidFixture{consoleFixture: &consoleFixture{fixture: f.fixture}}).checkRendering(t, name, popup)
}

// The wallet dialogs render in both languages: waiting for the customer, a refusal,
// the QR code, the resolution of a payment in doubt, and the simulator's phone.
func TestWalletScreensRenderInBothLanguages(t *testing.T) {
	for _, language := range []string{"zh", "en"} {
		t.Run(language, func(t *testing.T) {
			f := newWalletFixture(t, language)
			startDemoDevices(t, f.fixture)
			_, d := f.payWaiting(t, wallet.Alipay)
			f.checkRendering(t, language+"-wallet-waiting", d.popup)
			f.sandbox.Inject(walletsim.Fault{Op: wallet.OpCancel, Kind: walletsim.FaultSystemError, Times: -1})
			test.Tap(d.Cancel)
			d.Wait()
			rd := f.c.Screen.(*WalletResolveDialog)
			f.checkRendering(t, language+"-wallet-in-doubt", rd.popup)
			f.sandbox.ClearFaults()
			test.Tap(rd.Retry)
			rd.Wait()
			f.checkRendering(t, language+"-wallet-resolved", rd.popup)
			rd.Dismiss()

			_, poor := f.code(t, wallet.WeChat, money.Yuan(1), walletsim.PayAtOnce)
			d = f.c.OpenWalletCode()
			f.scan(poor)
			d.Wait()
			f.checkRendering(t, language+"-wallet-declined", d.popup)
			d.Dismiss()

			d = f.c.OpenWalletQR("alipay")
			waitStage(t, d, app.WalletShowQR)
			f.checkRendering(t, language+"-wallet-qr", d.popup)
			f.c.openSimPanel()
			p := f.c.SimPanel.Phone
			if p == nil {
				t.Fatal("the simulator panel has no phone")
			}
			p.Ask.SetChecked(true)
			test.Tap(p.ScanQR)
			p.Wait()
			if len(p.Waiting) != 1 {
				t.Fatalf("the phone shows %d payments waiting: %q", len(p.Waiting), p.Error.Text)
			}
			f.checkRendering(t, language+"-wallet-phone", f.c.SimPanel.popup)
			test.Tap(p.Waiting[0].Confirm)
			d.Wait()
			f.paid(t, "alipay")
		})
	}
}
