package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
)

// checkRendering checks (and with shotsEnv set, saves) a capture of the window with
// popup open, as the prepaid screens' rendering test does.
func (f *cardFixture) checkRendering(t *testing.T, name string, popup *widget.PopUp) {
	t.Helper()
	(&prepaidFixture{consoleFixture: &consoleFixture{fixture: f.fixture}}).checkRendering(t, name, popup)
}

// The card screens render in both languages: the dialog waiting for the card and for
// the PIN (with the simulator's card side and PIN pad), a decline, the receipt with
// the EMV fields and a signature line, the settlement, the refund prompt, and the
// devices screen with the card reader and PIN pad.
func TestCardScreensRenderInBothLanguages(t *testing.T) {
	for _, language := range []string{"zh", "en"} {
		t.Run(language, func(t *testing.T) {
			f := newCardFixture(t, language)
			d := f.openCardDialog(t, water, noodles)
			f.checkRendering(t, language+"-card-present", d.popup)
			test.Tap(d.Simulator)
			panel := f.c.SimPanel
			t.Cleanup(func() { test.Tap(panel.Close) })
			f.insert(t, "unionpay")
			waitCardStage(t, d, app.CardEnterPIN)
			f.eventually(t, "the pad asking for the PIN", f.sims.PINPad.InEntry)
			panel.Card.work.flush()
			test.Tap(panel.Card.Keys["1"])
			test.Tap(panel.Card.Keys["2"])
			f.eventually(t, "two stars", func() bool { return strings.Contains(f.sims.PINPad.Display(), "**") })
			panel.Card.work.flush()
			f.checkRendering(t, language+"-card-pin", d.popup)
			saveShot(t, f.w, language+"-card-simulator") // (the hidden section's widgets defeat the size checks)
			test.Tap(panel.Card.Keys["cancel"])          // the customer gives up at the pad
			d.Wait()
			f.eventually(t, "the pad saying so", func() bool { return strings.Contains(f.sims.PINPad.Display(), "NOT APPROVED") })
			panel.Card.work.flush()
			f.checkRendering(t, language+"-card-declined", d.popup)
			if !strings.Contains(d.Message.Text, tr("bankcard.err.cancelled_at_pad")) {
				t.Errorf("cancelled at the pad: %q", d.Message.Text)
			}
			test.Tap(d.Cancel)

			f.w.Canvas().Focus(f.c.Scan)
			f.insert(t, "signature") // in place of the card the customer gave up with
			d = f.openCardDialog(t)
			d.Wait()
			f.receiptText(t)
			saveShot(t, f.w, language+"-card-receipt") // (the receipt's compact theme defeats the size checks)
			savePrinted(t, f, language+"-card-printed")
			f.c.Receipt.close()

			s := f.c.OpenCardSettlement("mgr")
			f.checkRendering(t, language+"-card-settle", s.popup)
			test.Tap(s.Settle)
			s.Wait()
			f.checkRendering(t, language+"-card-settled", s.popup)
			s.Dismiss()

			f.c.openCardRefundPrompt(200)
			f.checkRendering(t, language+"-card-refund", f.c.cards.prompt.popup)
			f.c.closeCardRefundPrompt()

			ds := f.c.OpenDevicesScreen(app.DefaultConfig(), func(app.Config) error { return nil })
			ds.RefreshStatus()
			for _, o := range test.LaidOutObjects(ds.popup) {
				if sc, ok := o.(*container.Scroll); ok {
					sc.ScrollToBottom() // the card reader and the PIN pad are below the scanner and printer
				}
			}
			f.checkRendering(t, language+"-card-devices", ds.popup)
			ds.Dismiss()
			ds.jobs.Wait()
		})
	}
}

// savePrinted saves, with shotsEnv set, the last receipt the simulated printer
// printed, rendered from the ESC/POS bytes it received.
func savePrinted(t *testing.T, f *cardFixture, name string) {
	t.Helper()
	docs := f.sims.Printer.Receipts()
	if len(docs) == 0 {
		t.Fatal("nothing printed")
	}
	img, err := docs[len(docs)-1].Image()
	if err != nil {
		t.Fatal(err)
	}
	savePNG(t, img, name)
}
