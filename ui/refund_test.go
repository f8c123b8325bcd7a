package ui

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"

	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/refund"
	"tilldesk/core/users"
)

// consoleFixture is the cashier screen with real operators (a manager and a cashier)
// over the same journal, a sale rung up, and the journal browser in the console.
type consoleFixture struct {
	*fixture
	auth    *app.Auth
	refunds *app.Refunds
	sale    *app.Receipt
}

func newConsoleFixture(t *testing.T) *consoleFixture {
	t.Helper()
	f := &consoleFixture{fixture: newFixture(t, "en")}
	f.auth = app.NewAuth(f.j, app.AuthOptions{Now: f.now, Rand: rand.NewChaCha8([32]byte{9}),
		Params: users.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := f.auth.CreateFirstManager(uiManager, "王芳", uiManagerPIN); err != nil {
		t.Fatal(err)
	}
	m, err := f.auth.Login(uiManager, uiManagerPIN)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.auth.CreateOperator(m, uiCashier, "Li Wei", users.Cashier, uiCashierPIN); err != nil {
		t.Fatal(err)
	}
	f.till.Scan(water)
	if f.sale, err = f.till.Pay(context.Background(), app.CashTender{Now: f.now}, app.PayRequest{Tendered: money.Yuan(10)}); err != nil {
		t.Fatal(err)
	}
	f.refunds = app.NewRefunds(f.till, app.RefundsOptions{Language: "en", Labels: receiptLabel})
	f.c.EnableConsole(Console{Auth: f.auth, Extra: []ConsoleItem{f.c.JournalConsoleItem(f.refunds, "")}})
	return f
}

// openFromConsole signs id on and opens the journal browser's console entry, with the
// sale selected and its refund dialog open, one water picked, reason chosen.
func (f *consoleFixture) openFromConsole(t *testing.T, id, pin string) (*JournalBrowser, *RefundDialog) {
	t.Helper()
	if _, err := f.auth.Login(id, pin); err != nil {
		t.Fatal(err)
	}
	f.c.JournalConsoleItem(f.refunds, "").Open(id)
	b, ok := f.c.Screen.(*JournalBrowser)
	if !ok {
		t.Fatalf("the console entry opened %T", f.c.Screen)
	}
	bf := &browserFixture{fixture: f.fixture, b: b}
	d := bf.openRefund(t, f.sale.Number)
	test.Tap(d.Full)
	d.Reason.SetValue("damaged")
	return b, d
}

func (f *consoleFixture) lastRefund(t *testing.T) refund.Refund {
	t.Helper()
	var got refund.Refund
	f.j.Each(journal.Filter{Kind: refund.Kind}, func(r journal.Record) error { return json.Unmarshal(r.Data, &got) })
	return got
}

// A cashier's refund waits for a manager's override, and the journal says who did what.
func TestCashierRefundNeedsAManagersOverride(t *testing.T) {
	f := newConsoleFixture(t)
	b, d := f.openFromConsole(t, uiCashier, uiCashierPIN)
	test.Tap(d.Confirm)
	if b.Override == nil || f.records(t, refund.Kind) != 0 || d.Confirm.Disabled() {
		t.Fatalf("no override asked (error %q)", d.Error.Text)
	}
	b.Override.Dismiss() // cancelled: nothing happens, Confirm asks again
	test.Tap(d.Confirm)
	o := b.Override
	o.Reason.SetValue(string(users.Damaged))
	o.ManagerID.SetText(uiManager)
	o.PIN.SetText(uiManagerPIN)
	test.Tap(o.Approve)
	b.Wait()
	if b.RefundPad != nil || f.records(t, refund.Kind) != 1 || f.records(t, app.KindOverride) != 1 {
		t.Fatalf("after the override: dialog open %v, %d refunds, %d overrides (%q)", b.RefundPad != nil,
			f.records(t, refund.Kind), f.records(t, app.KindOverride), d.Error.Text)
	}
	if got := f.lastRefund(t); got.Operator != uiCashier || got.ApprovedBy != uiManager || got.Total != 200 || got.Reason != "damaged" {
		t.Errorf("journaled refund %+v", got)
	}
	test.Tap(b.Close)
	if f.c.Screen != nil || f.w.Canvas().Focused() != f.c.Scan {
		t.Errorf("after closing: screen %v, focus %v", f.c.Screen, f.w.Canvas().Focused())
	}
}

// A manager refunds on their own authority, with no override.
func TestManagerRefundsWithoutOverride(t *testing.T) {
	f := newConsoleFixture(t)
	b, d := f.openFromConsole(t, uiManager, uiManagerPIN)
	test.Tap(d.Confirm)
	b.Wait()
	if b.Override != nil || f.records(t, app.KindOverride) != 0 {
		t.Fatal("a manager was asked for an override")
	}
	if got := f.lastRefund(t); got.Operator != uiManager || got.ApprovedBy != uiManager {
		t.Errorf("journaled refund %+v", got)
	}
	// Signed off, nobody can approve.
	if err := f.auth.Logout(); err != nil {
		t.Fatal(err)
	}
	var gotErr error
	OverrideApproval(f.w, f.auth, nil)("damaged", func(_ string, err error) { gotErr = err })
	if !errors.Is(gotErr, ErrApprovalRefused) {
		t.Errorf("approval with nobody signed on: %v", gotErr)
	}
}
