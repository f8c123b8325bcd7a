package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
	"tilldesk/devices/scanner"
)

func init() { queueOutcomes = true } // outcomes of background jobs run in Wait

// approver is a fake manager override: it remembers the reasons asked about and
// answers at once with who (or err).
type approver struct {
	reasons []string
	who     string
	err     error
}

func (a *approver) approve(reason string, done func(string, error)) {
	a.reasons = append(a.reasons, reason)
	done(a.who, a.err)
}

// browserFixture is the cashier fixture with sales rung up and the journal browser open.
type browserFixture struct {
	*fixture
	b          *JournalBrowser
	approver   *approver
	printer    *fakePrinter
	exported   bytes.Buffer
	exportedAs string // the file name of the last export
	sales      []*app.Receipt
}

// openBrowser rings up one sale per basket (codes, "2*code" for two) through the till,
// then opens the journal browser over the cashier screen with kind chosen.
func openBrowser(t *testing.T, language, kind string, baskets ...[]string) *browserFixture {
	t.Helper()
	return openBrowserWith(t, language, kind, nil, baskets...)
}

// openBrowserWith is openBrowser with more options set by more, when not nil.
func openBrowserWith(t *testing.T, language, kind string, more func(*BrowserOptions), baskets ...[]string) *browserFixture {
	t.Helper()
	f := &browserFixture{fixture: newFixture(t, language), approver: &approver{who: "mgr-01"}, printer: &fakePrinter{}}
	f.till.SetPrinter(f.printer)
	for _, basket := range baskets {
		for _, code := range basket {
			n := 1
			if q, c, ok := strings.Cut(code, "*"); ok { // "2*code": one digit is all the tests need
				n, code = int(q[0]-'0'), c
			}
			for range n {
				if _, err := f.till.Scan(code); err != nil {
					t.Fatal(err)
				}
			}
		}
		r, err := f.till.Pay(context.Background(), app.CashTender{Now: f.now}, app.PayRequest{Tendered: money.Yuan(100)})
		if err != nil || r == nil {
			t.Fatalf("sale: %v, %v", r, err)
		}
		f.sales = append(f.sales, r)
	}
	refunds := app.NewRefunds(f.till, app.RefundsOptions{Language: language, Labels: receiptLabel})
	opt := BrowserOptions{
		Operator: func() string { return "op-01" }, Approve: f.approver.approve, Kind: kind, Location: time.UTC, Now: f.now,
		ExportTo: func(_, name string, write func(io.WriteCloser)) { f.exportedAs = name; write(nopCloser{&f.exported}) },
	}
	if more != nil {
		more(&opt)
	}
	f.b = f.c.OpenJournalBrowser(refunds, opt)
	f.b.Wait()
	return f
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// rowTexts is what the browser's list shows.
func (f *browserFixture) rowTexts() []string {
	var out []string
	for _, r := range f.b.Rows {
		out = append(out, r.Text)
	}
	return out
}

// search types text into the search box and presses Enter.
func (f *browserFixture) search(text string) {
	f.b.Search.SetText(text)
	f.b.Search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	f.b.Wait()
}

func (f *browserFixture) detailText() string {
	var b strings.Builder
	for _, r := range f.b.DetailRows {
		b.WriteString(r.Left + " | " + r.Right + "\n")
	}
	return b.String()
}

func TestJournalBrowserListsSearchesAndShowsRecords(t *testing.T) {
	f := openBrowser(t, "en", "", []string{water}, []string{noodles, water})
	b := f.b
	// Newest first: the two sales, then the journal's first record.
	if len(b.Rows) != 3 || b.Rows[0].Receipt != f.sales[1].Number || b.Rows[1].Receipt != f.sales[0].Number || b.Rows[2].Seq != 1 {
		t.Fatalf("rows %q", f.rowTexts())
	}
	if !strings.Contains(b.Rows[0].Text, "¥7.50") || !strings.Contains(b.Rows[0].Text, "2 items") || !strings.Contains(b.Rows[0].Text, "Cash") {
		t.Errorf("sale row %q", b.Rows[0].Text)
	}
	if b.Message.Text != "3 shown" || b.More.Disabled() == false {
		t.Errorf("message %q, more enabled %v", b.Message.Text, !b.More.Disabled())
	}
	f.search("Noodles")
	if len(b.Rows) != 1 || b.Rows[0].Receipt != f.sales[1].Number {
		t.Fatalf("text search: %q", f.rowTexts())
	}
	// The sale shows as its receipt, with the refund button.
	b.List.Select(0)
	b.Wait()
	if text := f.detailText(); !strings.Contains(text, "Master Kong Braised Beef Noodles Cup") || !strings.Contains(text, f.sales[1].Number) || b.Refund.Disabled() {
		t.Errorf("sale detail (refund enabled %v):\n%s", !b.Refund.Disabled(), text)
	}
	// Any other record shows as JSON.
	f.search("")
	b.List.Select(2)
	b.Wait()
	if !strings.Contains(b.DetailJSON.Text, `"kind": "journal.created"`) || b.DetailRows != nil || !b.Refund.Disabled() {
		t.Errorf("journal.created detail %q, refund enabled %v", b.DetailJSON.Text, !b.Refund.Disabled())
	}
	// Dates.
	b.From.SetText("2026-11-27")
	f.search("")
	if len(b.Rows) != 0 {
		t.Errorf("records from 27 Nov: %q", f.rowTexts())
	}
	b.From.SetText("2026-11-26")
	b.To.SetText("2026-11-26")
	f.search("")
	if len(b.Rows) != 3 {
		t.Errorf("records of 26 Nov: %q", f.rowTexts())
	}
	b.To.SetText("26/11/2026")
	f.search("")
	if !strings.Contains(b.Message.Text, "YYYY-MM-DD") {
		t.Errorf("a bad date says %q", b.Message.Text)
	}
}

func TestJournalBrowserSalesModeAndScans(t *testing.T) {
	f := openBrowser(t, "en", "", []string{water}, []string{"2*" + noodles})
	b := f.b
	b.Kind.SetValue(journal.KindSaleCompleted)
	b.Wait()
	if len(b.Rows) != 2 || b.Rows[0].Receipt != f.sales[1].Number {
		t.Fatalf("sales: %q", f.rowTexts())
	}
	f.search("11.00") // an amount
	if len(b.Rows) != 1 || b.Rows[0].Receipt != f.sales[1].Number {
		t.Fatalf("sales of ¥11.00: %q", f.rowTexts())
	}
	f.search("nongfu") // a product
	if len(b.Rows) != 1 || b.Rows[0].Receipt != f.sales[0].Number {
		t.Fatalf("sales of water: %q", f.rowTexts())
	}
	// A scanned receipt (its QR code is the receipt number) finds the sale, even from
	// another filter.
	b.Kind.SetValue("")
	b.Wait()
	f.c.onScan(scanner.Scan{Data: f.sales[0].Number})
	b.Wait()
	if !b.salesMode() || len(b.Rows) != 1 || b.Rows[0].Receipt != f.sales[0].Number {
		t.Fatalf("after scanning %s: %q", f.sales[0].Number, f.rowTexts())
	}
	test.Tap(b.Close)
	if f.c.scanWanted != nil || f.w.Canvas().Focused() != f.c.Scan {
		t.Errorf("after closing: scans still routed (%v) or focus on %v", f.c.scanWanted != nil, f.w.Canvas().Focused())
	}
}

func TestJournalBrowserExportsTheFilteredRecords(t *testing.T) {
	f := openBrowser(t, "en", journal.KindSaleCompleted, []string{water}, []string{noodles})
	test.Tap(f.b.ExportCSV)
	f.b.Wait()
	lines := strings.Split(strings.TrimSpace(f.exported.String()), "\n")
	if len(lines) != 3 || lines[0] != "seq,terminal,time,kind,data,prev,hash" || !strings.Contains(f.b.Message.Text, "Exported 2 records") {
		t.Fatalf("export (%q):\n%s", f.b.Message.Text, f.exported.String())
	}
	f.exported.Reset()
	f.b.Kind.SetValue("")
	f.b.Wait()
	f.search("Nongfu")
	test.Tap(f.b.ExportJSONL)
	f.b.Wait()
	var rec journal.Record
	if err := json.Unmarshal(f.exported.Bytes(), &rec); err != nil || rec.Kind != journal.KindSaleCompleted || strings.Count(f.exported.String(), "\n") != 1 {
		t.Fatalf("jsonl export of the water sale: %v\n%s", err, f.exported.String())
	}
}

// openRefund selects the sale with receipt number in the sales list and opens the
// refund dialog for it.
func (f *browserFixture) openRefund(t *testing.T, number string) *RefundDialog {
	t.Helper()
	f.b.Kind.SetValue(journal.KindSaleCompleted)
	f.b.Wait()
	f.search(number)
	if len(f.b.Rows) != 1 {
		t.Fatalf("sale %s not found: %q", number, f.rowTexts())
	}
	f.b.List.Select(0)
	f.b.Wait()
	test.Tap(f.b.Refund)
	f.b.Wait()
	if f.b.RefundPad == nil {
		t.Fatalf("no refund dialog: %s", f.b.Message.Text)
	}
	return f.b.RefundPad
}

func TestRefundOneLineFromTheBrowser(t *testing.T) {
	f := openBrowser(t, "en", "", []string{"2*" + water, noodles}) // ¥4.00 + ¥5.50
	number := f.sales[0].Number
	d := f.openRefund(t, number)
	water := d.Lines[0]
	if water.Left.Text != "2 left, ¥4.00" || water.Qty.Text != "2" || water.Pick.Checked || d.Total.Text != "—" || d.Error.Text != "" {
		t.Fatalf("water line: left %q qty %q picked %v; total %q", water.Left.Text, water.Qty.Text, water.Pick.Checked, d.Total.Text)
	}
	test.Tap(d.Confirm) // nothing chosen
	if !strings.Contains(d.Error.Text, "Choose the items") || len(f.approver.reasons) != 0 {
		t.Fatalf("confirming nothing: %q", d.Error.Text)
	}
	test.Tap(water.Pick)
	water.Qty.SetText("1")
	if d.Total.Text != "-¥2.00" || water.Amount.Text != "-¥2.00" || d.Tenders.Text != "Cash -¥2.00" || d.Error.Text != "" {
		t.Fatalf("one water: total %q amount %q tenders %q error %q", d.Total.Text, water.Amount.Text, d.Tenders.Text, d.Error.Text)
	}
	test.Tap(d.Confirm)
	if !strings.Contains(d.Error.Text, "Choose a reason") || len(f.approver.reasons) != 0 {
		t.Fatalf("no reason: error %q, approvals asked %v", d.Error.Text, f.approver.reasons)
	}
	d.Reason.SetValue("damaged")
	test.Tap(d.Confirm)
	f.b.Wait()
	if f.b.RefundPad != nil {
		t.Fatalf("dialog still open: %s", d.Error.Text)
	}
	if len(f.approver.reasons) != 1 || f.approver.reasons[0] != "damaged" {
		t.Errorf("approvals asked %v", f.approver.reasons)
	}
	var rec journal.Record
	if n := f.records(t, refund.Kind); n != 1 {
		t.Fatalf("%d refund records", n)
	}
	f.j.Each(journal.Filter{Kind: refund.Kind}, func(r journal.Record) error { rec = r; return nil })
	var got refund.Refund
	json.Unmarshal(rec.Data, &got)
	if got.Total != 200 || got.OriginalReceipt != number || got.Operator != "op-01" || got.ApprovedBy != "mgr-01" || got.Reason != "damaged" {
		t.Errorf("journaled refund %+v", got)
	}
	if !strings.Contains(f.b.Message.Text, "Refunded ¥2.00") || !strings.Contains(f.b.Message.Text, "Receipt printed") {
		t.Errorf("browser says %q", f.b.Message.Text)
	}
	if f.printer.drawers != 1 || len(f.printer.printed) != 1 {
		t.Errorf("drawer kicks %d, receipts %d", f.printer.drawers, len(f.printer.printed))
	}
	if len(f.b.Rows) != 1 || !strings.Contains(f.b.Rows[0].Text, "refunded ¥2.00") {
		t.Errorf("the sale's row after the refund: %q", f.rowTexts())
	}
}

func TestRefundDialogRefusesOverRefundsAndRefusedApprovals(t *testing.T) {
	f := openBrowser(t, "en", "", []string{"2*" + water, noodles})
	number := f.sales[0].Number
	d := f.openRefund(t, number)
	test.Tap(d.Lines[0].Pick)
	d.Lines[0].Qty.SetText("3")
	if !strings.Contains(d.Error.Text, "more than is left to refund") || d.Total.Text != "—" {
		t.Fatalf("3 of 2 waters: error %q total %q", d.Error.Text, d.Total.Text)
	}
	d.Reason.SetValue("wrong_item")
	test.Tap(d.Confirm)
	if len(f.approver.reasons) != 0 || f.records(t, refund.Kind) != 0 {
		t.Fatal("an over-refund went to the manager or the journal")
	}
	d.Lines[0].Qty.SetText("1.5")
	if !strings.Contains(d.Error.Text, "Invalid quantity") {
		t.Errorf("1.5 bottles: %q", d.Error.Text)
	}
	// The manager says no: nothing happens, and Confirm can be tried again.
	d.Lines[0].Qty.SetText("2")
	f.approver.err = ErrApprovalRefused
	test.Tap(d.Confirm)
	f.b.Wait()
	if !strings.Contains(d.Error.Text, "did not approve") || d.Confirm.Disabled() || f.records(t, refund.Kind) != 0 {
		t.Fatalf("refused approval: error %q, confirm disabled %v", d.Error.Text, d.Confirm.Disabled())
	}
	// Full refund: every line at what is left.
	f.approver.err = nil
	test.Tap(d.Full)
	if d.Total.Text != "-¥9.50" || !d.Lines[1].Pick.Checked || !d.Lines[1].Qty.Disabled() {
		t.Fatalf("full refund: total %q, noodles picked %v", d.Total.Text, d.Lines[1].Pick.Checked)
	}
	test.Tap(d.Confirm)
	f.b.Wait()
	if f.b.RefundPad != nil || f.records(t, refund.Kind) != 1 {
		t.Fatalf("full refund not done: %q", d.Error.Text)
	}
	// Nothing is left: every line is disabled and a full refund is refused.
	d = f.openRefund(t, number)
	if !d.Lines[0].Pick.Disabled() || !d.Lines[1].Pick.Disabled() || d.Lines[0].Left.Text != "0 left, ¥0.00" {
		t.Errorf("lines of a refunded sale: %q enabled %v", d.Lines[0].Left.Text, !d.Lines[0].Pick.Disabled())
	}
	test.Tap(d.Full)
	if !strings.Contains(d.Error.Text, "more than is left to refund") {
		t.Errorf("full refund of a refunded sale: %q", d.Error.Text)
	}
	test.Tap(d.Cancel)
	if f.b.RefundPad != nil {
		t.Error("Cancel left the dialog open")
	}
}

func TestJournalBrowserInChinese(t *testing.T) {
	f := openBrowser(t, "zh", journal.KindSaleCompleted, []string{water})
	d := f.openRefund(t, f.sales[0].Number)
	if f.b.Refund.Text != "退货…" || d.Full.Text != "整单退货" || !strings.Contains(d.Lines[0].Pick.Text, "农夫山泉") {
		t.Errorf("labels %q, %q, %q", f.b.Refund.Text, d.Full.Text, d.Lines[0].Pick.Text)
	}
	if !strings.Contains(f.detailText(), "农夫山泉") {
		t.Errorf("receipt preview:\n%s", f.detailText())
	}
}

// failingCash is a cash refunder that fails until told otherwise.
type failingCash struct{ fail error }

func (failingCash) Method() sale.Method { return sale.Cash }
func (c *failingCash) Refund(context.Context, app.TenderRefundRequest) (string, error) {
	return "", c.fail
}

// After a failure that may have paid something back, the dialog keeps the refund as it
// was, and Confirm finishes it once.
func TestRefundDialogPinsARefundInDoubt(t *testing.T) {
	f := openBrowser(t, "en", "", []string{"2*" + water})
	cash := &failingCash{fail: errors.New("drawer jammed")}
	f.b.refunds.Register(cash)
	d := f.openRefund(t, f.sales[0].Number)
	test.Tap(d.Lines[0].Pick)
	d.Lines[0].Qty.SetText("1")
	d.Reason.SetValue("other")
	test.Tap(d.Confirm)
	f.b.Wait()
	if f.b.RefundPad == nil || !strings.Contains(d.Error.Text, "press Refund again") || !d.Lines[0].Qty.Disabled() || !d.Full.Disabled() {
		t.Fatalf("after a failure in doubt: error %q, qty editable %v", d.Error.Text, !d.Lines[0].Qty.Disabled())
	}
	cash.fail = nil
	test.Tap(d.Confirm)
	f.b.Wait()
	if f.b.RefundPad != nil || f.records(t, refund.Kind) != 1 || !strings.Contains(f.b.Message.Text, "Refunded ¥2.00") {
		t.Fatalf("retry: dialog open %v, %d refunds, %q", f.b.RefundPad != nil, f.records(t, refund.Kind), f.b.Message.Text)
	}
}
