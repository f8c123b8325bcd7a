package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
)

// A co-badged card (UnionPay and Visa-like applications on one chip): the dialog
// lists both, the customer picks the second (by tapping it, or by its number key),
// and the payment goes through that application: its AID and card number are on the
// receipt.
func TestCardCoBadgedCardholderChoosesTheApplication(t *testing.T) {
	for _, by := range []string{"tap", "key"} {
		t.Run(by, func(t *testing.T) {
			f := newCardFixture(t, "en")
			d := f.openCardDialog(t, water)
			f.insert(t, "cobadged")
			waitCardStage(t, d, app.CardChooseApp)
			f.eventually(t, "the applications listed", func() bool { d.work.flush(); return len(d.appPicks) > 0 })
			if !d.Apps.Visible() || len(d.Apps.Objects) != 2 || d.Stage.Text != tr("card.stage.choose") || d.Message.Text != tr("bankcard.choose_app") {
				t.Fatalf("choice: shown %v, %d applications, stage %q, message %q", d.Apps.Visible(), len(d.Apps.Objects), d.Stage.Text, d.Message.Text)
			}
			var names []string
			for _, o := range d.Apps.Objects {
				names = append(names, o.(*widget.Button).Text)
			}
			if !strings.HasPrefix(names[0], "1  ") || !strings.HasPrefix(names[1], "2  ") {
				t.Errorf("applications offered %q", names)
			}
			f.customerTypes(t, "112233")
			if by == "tap" {
				test.Tap(d.Apps.Objects[1].(*widget.Button))
			} else {
				d.key(&fyne.KeyEvent{Name: "2"})
			}
			if d.Apps.Visible() || d.appPicks != nil {
				t.Error("the choice stayed on the dialog after the pick")
			}
			d.Wait()
			text := f.receiptText(t)
			if !strings.Contains(text, "A0000000031010") || !strings.Contains(text, "499999******0098") {
				t.Errorf("the receipt is not of the chosen application (%q):\n%s", names[1], text)
			}
		})
	}
}

// Cancel while the customer chooses: the payment ends with nothing sent to the bank.
func TestCardCoBadgedChoiceCancelled(t *testing.T) {
	f := newCardFixture(t, "zh")
	d := f.openCardDialog(t, water)
	f.insert(t, "cobadged")
	waitCardStage(t, d, app.CardChooseApp)
	test.Tap(d.Cancel)
	d.Wait()
	if f.c.Screen != nil || f.c.Message.Text != tr("bankcard.cancelled") {
		t.Fatalf("after cancelling the choice: screen %T, message %q", f.c.Screen, f.c.Message.Text)
	}
	if s := f.till.Current(); len(s.Payments) != 0 {
		t.Fatalf("payments %+v", s.Payments)
	}
	if n := len(f.sandbox.Transactions("")); n != 0 {
		t.Fatalf("the bank saw %d transactions", n)
	}
}
