package ui

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/devices/sim"
)

// withReader gives the prepaid fixture the demo devices: the simulated serial card
// reader and PIN pad on pseudo-terminals through their real drivers, the pad as the
// customer's display of the prepaid desk.
func (f *prepaidFixture) withReader(t *testing.T) app.Simulators {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := app.StartDevices(app.DefaultConfig(), app.Paths{DataDir: t.TempDir()}, f.till, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	app.AttachCustomerDisplay(&app.Session{Prepaid: f.desk}, d)
	f.c.devices = d
	for end := time.Now().Add(10 * time.Second); d.CardReader().Ready() != nil || d.PINPad().Ready() != nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the card reader and PIN pad never connected")
		}
	}
	return d.Simulators()
}

// tapStoreCard holds the demo's store card on the simulated reader until the test
// ends.
func tapStoreCard(t *testing.T, sims app.Simulators) {
	t.Helper()
	card, err := sim.NewStoreCard(sim.DemoStoreCardUID)
	if err != nil {
		t.Fatal(err)
	}
	sims.CardReader.Tap(card)
	t.Cleanup(sims.CardReader.TakeAway)
}

// flushUntil runs a screen's queued outcomes until cond holds (up to 10 s).
func flushUntil(t *testing.T, w *worker, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		w.flush()
		if cond() {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// A prepaid card linked to a contactless UID pays by a tap: the reader reads the
// UID while the dialog is open, the card is found (its balance on the screen and on
// the PIN pad), and the sale is paid. The card left on the reader is not looked up
// again and again.
func TestPrepaidTenderTakesATappedCard(t *testing.T) {
	f := newPrepaidFixture(t)
	sims := f.withReader(t)
	o, err := f.desk.SellCard(app.SellCardRequest{Amount: 5000, UID: sim.DemoStoreCardUID, Operator: uiManager})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.till.Pay(context.Background(), app.CashTender{Now: f.now}, app.PayRequest{Tendered: 5000}); err != nil {
		t.Fatal(err)
	}
	f.ring(water)
	d := f.openTender(t)
	tapStoreCard(t, sims)
	flushUntil(t, &d.work, "the tapped card found", func() bool { return d.Lookup.Card != nil })
	if d.Lookup.Card.Number != o.Card || d.Lookup.Balance.Text != "¥50.00" || d.PayFull.Disabled() {
		t.Fatalf("card found %+v, balance %q, message %q", d.Lookup.Card, d.Lookup.Balance.Text, d.Message.Text)
	}
	f.desk.WaitCustomerDisplay()
	if got := sims.PINPad.Display(); !strings.HasPrefix(got, "BALANCE") || !strings.Contains(got, "50.00") {
		t.Errorf("the PIN pad shows %q", got)
	}
	time.Sleep(3 * tapPause) // the card stays on the reader: read again, not looked up again
	if d.work.flush() {
		t.Error("the card left on the reader was looked up again")
	}
	test.Tap(d.PayFull)
	d.Wait()
	if r := f.till.LastReceipt(); r == nil || f.c.Screen != nil {
		t.Fatalf("not paid: screen %T, %q", f.c.Screen, f.c.Message.Text)
	}
	d.Taps.Wait()
	if got := f.card(t, o.Card); got.Balance != 5000-200 {
		t.Errorf("the card holds %s", got.Balance)
	}
}

// On the manager's screen a tap fills the link form's UID in; with no form open it
// looks the card up by its UID.
func TestPrepaidScreenLinksATappedCard(t *testing.T) {
	f := newPrepaidFixture(t)
	sims := f.withReader(t)
	s, card := f.screenWithCard(t, uiManager, uiManagerPIN, 1000, "")
	form := s.action(t, "card.action.link_uid")
	tapStoreCard(t, sims)
	flushUntil(t, &s.work, "the UID filled in", func() bool { return form.UID.Text != "" })
	if form.UID.Text != sim.DemoStoreCardUID {
		t.Fatalf("UID field %q", form.UID.Text)
	}
	s.confirm(form)
	if s.Form != nil || s.UID.Text != sim.DemoStoreCardUID {
		t.Fatalf("UID linked: %q %q", s.UID.Text, form.Error.Text)
	}
	sims.CardReader.TakeAway() // taken away, and tapped again a moment later: a new tap
	s.Lookup.show(nil)
	time.Sleep(tapForget + tapPause)
	tapStoreCard(t, sims)
	flushUntil(t, &s.work, "the card found by its tap", func() bool { return s.Lookup.Card != nil })
	if s.Lookup.Card.Number != card.Number {
		t.Fatalf("found %+v", s.Lookup.Card)
	}
	test.Tap(s.Close)
	s.Taps.Wait()
}
