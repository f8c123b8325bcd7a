package ui

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

func TestQuickCash(t *testing.T) {
	for _, tc := range []struct {
		due  money.Amount
		want []money.Amount
	}{
		{750, []money.Amount{750, 1000, 2000, 5000}},
		{2050, []money.Amount{2050, 3000, 4000, 5000}},
		{2000, []money.Amount{2000, 5000, 10000}},
		{4500, []money.Amount{4500, 5000, 6000, 10000}},
		{9999, []money.Amount{9999, 10000}},
		{10000, []money.Amount{10000}},
		{30, []money.Amount{30, 1000, 2000, 5000}},
		{12345, []money.Amount{12345, 13000, 14000, 15000}},
	} {
		if got := quickCash(tc.due); !slices.Equal(got, tc.want) {
			t.Errorf("quickCash(%s) = %v, want %v", tc.due, got, tc.want)
		}
	}
	// Every suggestion covers the amount due, and no button repeats or goes backwards.
	for due := money.Amount(1); due <= 50000; due += 7 {
		got := quickCash(due)
		if got[0] != due || len(got) > 4 {
			t.Fatalf("quickCash(%s) = %v", due, got)
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Fatalf("quickCash(%s) = %v: not strictly increasing", due, got)
			}
		}
	}
}

func TestCashDialog(t *testing.T) {
	f := newFixture(t, "en")
	f.key(fyne.KeyF12)
	if f.c.CashPad != nil {
		t.Fatal("F12 on an empty cart opened the cash dialog")
	}
	wantMessage(t, f, "err.empty")

	f.scan(water)
	f.scan(noodles)
	f.key(fyne.KeyF12)
	d := f.c.CashPad
	if d == nil || d.Due.Text != "¥7.50" || f.w.Canvas().Focused() != d.Tendered {
		t.Fatalf("cash dialog = %+v, want ¥7.50 due and the tendered field focused", d)
	}
	var quick []string
	for _, b := range d.Quick {
		quick = append(quick, b.Text)
	}
	if strings.Join(quick, " ") != "¥7.50 ¥10.00 ¥20.00 ¥50.00" {
		t.Errorf("quick cash buttons = %q", quick)
	}

	// Too little, or not an amount: the dialog stays, nothing is paid or journaled.
	for _, tc := range []struct{ tendered, err string }{
		{"5", "¥2.50 short"},
		{"7.49", "¥0.01 short"},
		{"abc", tr("err.amount")},
		{"7.505", tr("err.amount")},
	} {
		d.Tendered.SetText("")
		f.scan(tc.tendered)
		if f.c.CashPad != d || f.c.Receipt != nil {
			t.Fatalf("tendered %q: the dialog closed", tc.tendered)
		}
		if d.Error.Text != tc.err || d.Change.Text != "—" {
			t.Errorf("tendered %q: error %q change %q, want %q", tc.tendered, d.Error.Text, d.Change.Text, tc.err)
		}
		if n := f.records(t, journal.KindSaleCompleted); n != 0 || len(f.till.Current().Payments) != 0 {
			t.Fatalf("tendered %q: %d sale records, payments %+v", tc.tendered, n, f.till.Current().Payments)
		}
	}

	// Quick cash fills in the amount and the change follows. A click leaves the focus
	// where it was on the GLFW driver, so Tapped is called directly (test.Tap unfocuses).
	d.Quick[2].Tapped(&fyne.PointEvent{})
	if d.Tendered.Text != "20.00" || d.Change.Text != "¥12.50" || d.Error.Text != "" {
		t.Errorf("after ¥20 quick cash: tendered %q change %q error %q", d.Tendered.Text, d.Change.Text, d.Error.Text)
	}
	d.Quick[0].Tapped(&fyne.PointEvent{})
	if d.Tendered.Text != "7.50" || d.Change.Text != "¥0.00" {
		t.Errorf("after exact quick cash: tendered %q change %q", d.Tendered.Text, d.Change.Text)
	}

	// Escape closes the dialog without paying and the scan field takes the next scan.
	f.key(fyne.KeyEscape)
	if f.c.CashPad != nil || f.w.Canvas().Focused() != f.c.Scan {
		t.Fatalf("after Escape: dialog %v focus %v", f.c.CashPad, f.w.Canvas().Focused())
	}
	if len(f.till.Current().Payments) != 0 || len(f.c.lines) != 2 {
		t.Fatal("Escape paid or changed the sale")
	}
	f.scan(water)
	wantTotal(t, f, "¥9.50")

	// An empty tendered field means exact cash.
	f.key(fyne.KeyF12)
	if f.c.CashPad.Tendered.PlaceHolder != "9.50" {
		t.Errorf("tendered placeholder = %q, want the amount due", f.c.CashPad.Tendered.PlaceHolder)
	}
	f.press(fyne.KeyReturn)
	if f.c.CashPad != nil || f.c.Receipt == nil {
		t.Fatal("exact cash did not complete the sale")
	}
	text := receiptText(f.c.Receipt)
	if !strings.Contains(text, "Cash | ¥9.50") || strings.Contains(text, "Change") {
		t.Errorf("exact-cash receipt:\n%s", text)
	}
	var rec journal.Record
	f.j.Each(journal.Filter{Kind: journal.KindSaleCompleted}, func(r journal.Record) error { rec = r; return nil })
	var data struct {
		Sale   struct{ Payments []sale.Payment }
		Totals struct{ Total, Paid, Change money.Amount }
	}
	if err := json.Unmarshal(rec.Data, &data); err != nil || data.Totals.Paid != 950 || data.Totals.Change != 0 ||
		len(data.Sale.Payments) != 1 || data.Sale.Payments[0].Tendered != 950 {
		t.Errorf("journal record = %s (%v)", rec.Data, err)
	}
}

// A journal that cannot write must never let a sale look paid, held or cancelled.
func TestJournalFailure(t *testing.T) {
	f := newFixture(t, "en")
	f.scan(water)
	f.scan("3*" + noodles)
	f.key(fyne.KeyF12)
	d := f.c.CashPad
	test.Type(d.Tendered, "50")
	if err := f.j.Close(); err != nil {
		t.Fatal(err)
	}
	f.press(fyne.KeyReturn)
	if f.c.CashPad != d || f.c.Receipt != nil {
		t.Fatalf("with the journal closed: dialog %v receipt %v; the dialog must stay open", f.c.CashPad, f.c.Receipt)
	}
	if !strings.HasPrefix(d.Error.Text, tr("err.journal")+"\n") {
		t.Errorf("dialog error = %q, want the journal failure", d.Error.Text)
	}
	s := f.till.Current()
	if len(s.Payments) != 0 || s.State != sale.Open || s.Totals().Due != 1850 {
		t.Errorf("after the failed payment: state %s payments %+v due %s", s.State, s.Payments, s.Totals().Due)
	}
	if strings.Contains(f.c.Message.Text, tr("msg.paid")) {
		t.Errorf("message %q reports the sale as paid", f.c.Message.Text)
	}
	f.key(fyne.KeyEscape)

	// Hold and cancel fail the same way and leave the sale as it was.
	f.key(fyne.KeyF6)
	wantMessage(t, f, "err.journal")
	f.key(fyne.KeyF8)
	p := f.c.Popup
	test.Tap(p.OK)
	wantPromptError(t, f, p, "err.journal", "cancel")
	test.Tap(p.Cancel)
	if s := f.till.Current(); s.State != sale.Open || len(s.ActiveLines()) != 2 || len(f.c.lines) != 2 {
		t.Errorf("after failed hold and cancel: state %s lines %d", s.State, len(f.c.lines))
	}
	wantTotal(t, f, "¥18.50")
}

func TestCashSaleInChinese(t *testing.T) {
	f := newFixture(t, "zh")
	if f.c.Message.Text != "请扫描商品" {
		t.Errorf("ready message = %q", f.c.Message.Text)
	}
	f.scan(water)
	f.scan(noodles)
	if got := f.cells(0); !strings.HasPrefix(got[1], "农夫山泉") {
		t.Errorf("cart row = %q, want the Chinese name", got)
	}
	f.key(fyne.KeyF12)
	test.Type(f.c.CashPad.Tendered, "10")
	if f.c.CashPad.Change.Text != "¥2.50" {
		t.Errorf("change = %q", f.c.CashPad.Change.Text)
	}
	f.press(fyne.KeyReturn)
	if f.c.Receipt == nil {
		t.Fatalf("no receipt: %q", f.c.CashPad.Error.Text)
	}
	text := receiptText(f.c.Receipt)
	for _, want := range []string{"农夫山泉", "合计 | ¥7.50", "找零 | ¥2.50", "现金 | ¥10.00", "单号 | " + f.c.Receipt.Number, "小计", "件数 | 2"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "receipt.") {
		t.Errorf("receipt shows an untranslated key:\n%s", text)
	}
	if !strings.HasPrefix(f.c.Message.Text, "收款成功") {
		t.Errorf("message = %q", f.c.Message.Text)
	}
}
