package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/users"
)

// approveAs fills the open override dialog with a manager's ID, PIN and reason.
func (f *consoleFixture) approveAs(t *testing.T, reason users.ReasonCode) {
	t.Helper()
	d, ok := f.c.Screen.(*OverrideDialog)
	if !ok {
		t.Fatalf("no override dialog open (screen %T, message %q)", f.c.Screen, f.c.Message.Text)
	}
	d.ManagerID.SetText(uiManager)
	d.PIN.SetText(uiManagerPIN)
	d.Reason.SetValue(string(reason))
	test.Tap(d.Approve)
	if f.c.Screen != nil {
		t.Fatalf("the override dialog stayed open: %q", d.Error.Text)
	}
}

// A cashier's "@price" waits for a manager; the completed sale's record says which
// price the catalog had and who allowed the change.
func TestPriceOverrideNeedsAManager(t *testing.T) {
	f := newConsoleFixture(t)
	if _, err := f.auth.Login(uiCashier, uiCashierPIN); err != nil {
		t.Fatal(err)
	}
	f.scan(noodles) // ¥5.50
	f.scan("@abc")
	if !strings.Contains(f.c.Message.Text, tr("err.amount")) || f.c.Screen != nil {
		t.Fatalf("bad price: message %q, screen %T", f.c.Message.Text, f.c.Screen)
	}
	f.scan("@0")
	if !strings.Contains(f.c.Message.Text, tr("err.price")) || f.c.Screen != nil {
		t.Fatalf("zero price: message %q, screen %T", f.c.Message.Text, f.c.Screen)
	}
	f.scan("@4.00")
	if f.c.lines[0].UnitPrice != 550 {
		t.Fatal("the price changed before a manager approved")
	}
	f.approveAs(t, users.PriceError)
	if l := f.c.lines[0]; l.UnitPrice != 400 || l.Override == nil || l.Override.CatalogPrice != 550 || l.Override.ApprovedBy != uiManager || l.Override.Reason != string(users.PriceError) {
		t.Fatalf("line after the override: %+v %+v", l, l.Override)
	}
	if f.c.Total.Text != money.Amount(400).Format() {
		t.Errorf("total shows %q", f.c.Total.Text)
	}
	if _, err := f.till.Pay(t.Context(), app.CashTender{Now: f.now}, app.PayRequest{Tendered: 500}); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Sale struct {
			Lines []struct {
				Override *struct {
					CatalogPrice money.Amount `json:"catalog_price"`
					ApprovedBy   string       `json:"approved_by"`
				} `json:"price_override"`
			} `json:"lines"`
		} `json:"sale"`
	}
	_ = f.j.Each(journal.Filter{Kind: journal.KindSaleCompleted}, func(r journal.Record) error { return json.Unmarshal(r.Data, &rec) })
	if o := rec.Sale.Lines[0].Override; o == nil || o.CatalogPrice != 550 || o.ApprovedBy != uiManager {
		t.Fatalf("the journaled sale does not show the override: %+v", rec)
	}
	if n := f.records(t, "override"); n != 1 {
		t.Errorf("%d override records, want 1", n)
	}
}

// After a part payment, F3 and F8 need a manager; F8 gives the cash back.
func TestVoidAndCancelAfterPayment(t *testing.T) {
	f := newConsoleFixture(t)
	if _, err := f.auth.Login(uiCashier, uiCashierPIN); err != nil {
		t.Fatal(err)
	}
	f.scan(water)
	f.scan(noodles)
	f.scan(noodles) // 2.00 + 11.00
	if _, err := f.till.Pay(t.Context(), app.CashTender{Now: f.now}, app.PayRequest{Amount: 300, Tendered: 300}); err != nil {
		t.Fatal(err)
	}
	f.c.refresh()
	f.c.selectLine(0)
	f.key(fyne.KeyF3)
	f.approveAs(t, users.WrongItem)
	if len(f.c.lines) != 1 || f.c.till.Current().Totals().Due != 800 {
		t.Fatalf("after the paid void: %d lines, due %s", len(f.c.lines), f.c.till.Current().Totals().Due)
	}
	f.key(fyne.KeyF8)
	if f.c.Popup == nil || !strings.Contains(f.c.Popup.Title.Text, money.Amount(300).Format()) {
		t.Fatal("no confirmation naming what was paid")
	}
	f.press(fyne.KeyReturn)
	f.approveAs(t, users.CustomerChangedMind)
	if len(f.c.lines) != 0 || !strings.Contains(f.c.Message.Text, money.Amount(300).Format()) {
		t.Fatalf("after the paid cancel: %d lines, message %q", len(f.c.lines), f.c.Message.Text)
	}
	if n := f.records(t, app.KindPaymentReversed); n != 1 {
		t.Errorf("%d payment reversals, want 1", n)
	}
	if n := f.records(t, "override"); n != 2 {
		t.Errorf("%d override records, want 2", n)
	}
}
