package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// The simulator's phone shows a payment code that travels through the simulated
// scanner into the scan field; the payment then waits on the phone until the customer
// confirms there.
func TestPhoneShowsACodeThroughTheScanner(t *testing.T) {
	f := newWalletFixture(t, "en")
	devices := startDemoDevices(t, f.fixture)
	f.scan(water)
	f.c.openSimPanel()
	p := f.c.SimPanel.Phone
	if p == nil {
		t.Fatal("the simulator panel has no phone")
	}
	test.Tap(p.ScanQR) // nothing shown to scan yet
	if p.Error.Text != tr("sim.phone.no_qr") || !p.Error.Visible() {
		t.Errorf("scanning no QR code: %q", p.Error.Text)
	}
	p.Wallet.SetSelected(providerName(wallet.WeChat))
	p.Balance.SetText("50.00")
	p.Ask.SetChecked(true)
	test.Tap(p.ShowCode)
	if !strings.HasPrefix(p.Info.Text, "WeChat Pay wallet: ¥50.00  code 13") || p.Error.Visible() {
		t.Fatalf("phone: %q, error %q", p.Info.Text, p.Error.Text)
	}
	nextScan(t, f.fixture, devices)
	d, ok := f.c.Screen.(*WalletDialog)
	if !ok {
		t.Fatalf("the scanned code did not start a payment: %q", f.c.Message.Text)
	}
	waitStage(t, d, app.WalletWaitingCustomer)
	p.Wait()
	if len(p.Waiting) != 1 || !strings.Contains(p.Waiting[0].Label.Text, "¥2.00") {
		t.Fatalf("the phone shows %d payments waiting", len(p.Waiting))
	}
	test.Tap(p.Waiting[0].Confirm)
	d.Wait()
	f.paid(t, sale.WeChat)
	p.Wait()
	if len(p.Waiting) != 0 || !strings.Contains(p.Info.Text, "¥48.00") {
		t.Errorf("after paying: %q, %d waiting", p.Info.Text, len(p.Waiting))
	}
	test.Tap(f.c.SimPanel.Close)
}
