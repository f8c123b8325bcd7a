package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/receipt"
	"tilldesk/core/reports"
	"tilldesk/core/sale"
)

// shiftCardTender approves every card payment with a fixed reference.
type shiftCardTender struct{ ref string }

func (shiftCardTender) Method() sale.Method { return sale.Card }

func (c shiftCardTender) Pay(_ context.Context, req PayRequest) (sale.Payment, error) {
	return sale.Payment{Method: sale.Card, Amount: req.Amount, Ref: c.ref, At: time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)}, nil
}

// shiftPrinter records the rows it is asked to print.
type shiftPrinter struct {
	mu      sync.Mutex
	printed [][]receipt.Row
	drawers int
}

func (p *shiftPrinter) PrintReceipt(_ context.Context, rows []receipt.Row, _ string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printed = append(p.printed, rows)
	return nil
}

func (p *shiftPrinter) OpenDrawer(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drawers++
	return nil
}

func newShiftFixture(t *testing.T) (*Shifts, *Till, *journal.Journal) {
	t.Helper()
	till, j, _ := newTestTill(t)
	return NewShifts(till, ShiftOptions{Now: fixedClock(), ReportDir: filepath.Join(t.TempDir(), "reports")}), till, j
}

// ringUp scans codes onto the current sale.
func ringUp(t *testing.T, till *Till, codes ...string) {
	t.Helper()
	for _, c := range codes {
		if _, err := till.Scan(c); err != nil {
			t.Fatal(err)
		}
	}
}

func openShift(t *testing.T, s *Shifts, float money.Amount) Shift {
	t.Helper()
	sh, err := s.Open("op1", float)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

func TestShiftOpenOnlyOnce(t *testing.T) {
	s, till, j := newShiftFixture(t)
	for _, tc := range []struct {
		operator string
		float    money.Amount
		want     error
	}{{"", 100, ErrNoOperator}, {"op1", -1, ErrCashAmount}, {"op1", money.MaxAmount + 1, ErrCashAmount}} {
		if _, err := s.Open(tc.operator, tc.float); !errors.Is(err, tc.want) {
			t.Errorf("Open(%q, %d) = %v, want %v", tc.operator, tc.float, err, tc.want)
		}
	}
	if err := s.Closed(); err != nil {
		t.Fatalf("Closed() with no shift = %v", err)
	}
	sh := openShift(t, s, 20000)
	if _, err := s.Open("op2", 0); !errors.Is(err, ErrShiftOpen) {
		t.Fatalf("second Open = %v, want ErrShiftOpen", err)
	}
	if err := s.Closed(); !errors.Is(err, ErrShiftOpen) || !strings.Contains(err.Error(), "op1") {
		t.Fatalf("Closed() with a shift open = %v", err)
	}
	// The open shift is state in the journal file: another Shifts over it sees it.
	cur, err := NewShifts(till, ShiftOptions{}).Current()
	if err != nil || cur == nil || *cur != sh || sh.Float != 20000 || sh.AfterSeq != 1 {
		t.Fatalf("Current() = %+v, %v; opened %+v", cur, err, sh)
	}
	n := 0
	j.Each(journal.Filter{Kind: reports.KindShiftOpened}, func(r journal.Record) error {
		var d reports.ShiftOpened
		if err := json.Unmarshal(r.Data, &d); err != nil || d != (reports.ShiftOpened{Shift: sh.ID, Operator: "op1", Float: 20000}) {
			t.Errorf("shift.opened data %s (%v)", r.Data, err)
		}
		n++
		return nil
	})
	if n != 1 {
		t.Errorf("%d shift.opened records, want 1", n)
	}
}

// A shift of real sales through the till, as the X report sees it.
func TestXReportOfRealSales(t *testing.T) {
	s, till, j := newShiftFixture(t)
	if _, err := s.XReport(time.Now()); !errors.Is(err, ErrNoShift) {
		t.Fatalf("X report with no shift = %v", err)
	}
	ringUp(t, till, water)
	payCash(t, till, 200) // before the shift: not in its report
	openShift(t, s, 20000)
	var tax money.Amount
	ringUp(t, till, water, water, noodles)
	tax += payCash(t, till, 2000).Sale.Totals().Tax // ¥9.50, ¥10.50 change
	ringUp(t, till, noodles, noodles)               // ¥11.00: ¥5 cash, ¥6 card
	if r, err := till.Pay(context.Background(), CashTender{Now: fixedClock()}, PayRequest{Amount: 500, Tendered: 500}); err != nil || r != nil {
		t.Fatalf("part payment: %v, %v", r, err)
	}
	r, err := till.Pay(context.Background(), shiftCardTender{"UnionPay 6222****0001"}, PayRequest{})
	if err != nil {
		t.Fatal(err)
	}
	tax += r.Sale.Totals().Tax
	ringUp(t, till, water, noodles) // water voided: ¥5.50 by a card of unknown scheme
	if err := till.Current().VoidLine(till.Current().Lines[0].ID); err != nil {
		t.Fatal(err)
	}
	if r, err = till.Pay(context.Background(), shiftCardTender{"AUTH12"}, PayRequest{}); err != nil {
		t.Fatal(err)
	}
	tax += r.Sale.Totals().Tax
	ringUp(t, till, water)
	if err := till.Cancel(); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(reports.KindRefund, map[string]any{"original_receipt": "DEMO0001-00000004", "amount": 200,
		"method": "cash", "tenders": []map[string]any{{"method": "cash", "amount": 200}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CashMovement("op1", true, 5000, "change"); err != nil {
		t.Fatal(err)
	}
	if err := s.CashMovement("op1", false, 3000, "bank drop"); err != nil {
		t.Fatal(err)
	}

	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	rep, err := s.XReport(at)
	if err != nil {
		t.Fatal(err)
	}
	type tally = reports.Tally
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"type", rep.Type, reports.X}, {"operator", rep.Operator, "op1"}, {"to", rep.To, at}, {"records", rep.Records, 9},
		{"sales", rep.Sales, tally{Count: 3, Amount: 2600}}, {"cancelled", rep.Cancelled, tally{Count: 1, Amount: 200}},
		{"voided", rep.Voided, tally{Count: 1, Amount: 200}}, {"refunds", rep.Refunds, tally{Count: 1, Amount: 200}},
		{"items", rep.Items, int64(6)}, {"gross", rep.Gross, money.Amount(2600)}, {"net", rep.Net, money.Amount(2400)},
		{"tax", rep.Tax, tax}, {"tax by hand", rep.Tax, money.Amount(46 + 63 + 127 + 63)},
		{"cash", rep.Tenders[0], reports.Tender{Method: sale.Cash, Sales: tally{Count: 2, Amount: 1450}, Refunds: tally{Count: 1, Amount: 200}}},
		{"card", rep.Tenders[1], reports.Tender{Method: sale.Card, Sales: tally{Count: 2, Amount: 1150},
			Brands: []reports.Brand{{Name: "UnionPay", Sales: tally{Count: 1, Amount: 600}}, {Name: "", Sales: tally{Count: 1, Amount: 550}}}}},
		{"drawer", rep.Drawer, reports.Drawer{Float: 20000, CashSales: 1450, CashRefunds: 200, CashIn: 5000, CashOut: 3000, Expected: 23250}},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %+v, want %+v", c.what, c.got, c.want)
		}
	}
}

func TestCashMovementRules(t *testing.T) {
	s, _, _ := newShiftFixture(t)
	if err := s.CashMovement("op1", true, 100, "float top-up"); !errors.Is(err, ErrNoShift) {
		t.Fatalf("cash in with no shift = %v", err)
	}
	openShift(t, s, 1000)
	for _, tc := range []struct {
		in     bool
		amount money.Amount
		reason string
		want   error
	}{
		{true, 0, "x", ErrCashAmount}, {true, -5, "x", ErrCashAmount}, {true, 100, "  ", ErrNoReason},
		{false, 1001, "bank drop", ErrDrawerShort}, {false, 1000, "bank drop", nil}, {false, 1, "again", ErrDrawerShort},
	} {
		if err := s.CashMovement("op1", tc.in, tc.amount, tc.reason); !errors.Is(err, tc.want) {
			t.Errorf("CashMovement(in=%v, %d, %q) = %v, want %v", tc.in, tc.amount, tc.reason, err, tc.want)
		}
	}
}

func TestShiftCloseDifference(t *testing.T) {
	s, till, j := newShiftFixture(t)
	if _, err := s.Close("op1", nil); !errors.Is(err, ErrNoShift) {
		t.Fatalf("close with no shift = %v", err)
	}
	sh := openShift(t, s, 10000)
	ringUp(t, till, water, water, noodles)
	payCash(t, till, 2000) // ¥9.50 kept: ¥109.50 expected
	if _, err := s.Close("op1", reports.Count{"3": 1}); !errors.Is(err, reports.ErrCount) {
		t.Fatalf("close with a bad count = %v", err)
	}
	count := reports.Count{reports.Note100: 1, reports.Note5: 1, reports.Note1: 2, reports.Coin1: 2}
	c, err := s.Close("op2", count) // ¥109.00: 50 fen short
	if err != nil {
		t.Fatal(err)
	}
	want := reports.ShiftClosed{Shift: sh.ID, Operator: "op2", OpenedBy: "op1", Expected: 10950, Counted: 10900, Difference: -50, Count: count}
	if !reflect.DeepEqual(c.Closed, want) {
		t.Errorf("closing %+v, want %+v", c.Closed, want)
	}
	if d := c.Report.Drawer; d.Expected != 10950 || d.Closes != 1 || d.Counted != 10900 || d.Difference != -50 {
		t.Errorf("closing report drawer %+v", d)
	}
	var rec reports.ShiftClosed
	j.Each(journal.Filter{Kind: reports.KindShiftClosed}, func(r journal.Record) error { return json.Unmarshal(r.Data, &rec) })
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("journaled %+v, want %+v", rec, want)
	}
	if cur, err := s.Current(); cur != nil || err != nil || s.Closed() != nil {
		t.Errorf("after close: current %+v, %v, Closed() %v", cur, err, s.Closed())
	}
	if _, err := s.Close("op1", count); !errors.Is(err, ErrNoShift) {
		t.Errorf("second close = %v", err)
	}
}

// closedShift opens a shift, sells codes for cash and closes it with the exact count.
func closedShift(t *testing.T, s *Shifts, till *Till, codes ...string) {
	t.Helper()
	openShift(t, s, 0)
	ringUp(t, till, codes...)
	tot := till.Current().Totals().Total
	payCash(t, till, int64(tot))
	if _, err := s.Close("op1", reports.Count{reports.Fen1: int(tot)}); err != nil {
		t.Fatal(err)
	}
}

func TestZReportNumberingAndPeriod(t *testing.T) {
	s, till, j := newShiftFixture(t)
	openShift(t, s, 0)
	if _, err := s.ZReport("mgr"); !errors.Is(err, ErrShiftOpen) {
		t.Fatalf("Z with a shift open = %v", err)
	}
	ringUp(t, till, water)
	payCash(t, till, 200)
	if _, err := s.Close("op1", reports.Count{reports.Note1: 2}); err != nil {
		t.Fatal(err)
	}
	z1, err := s.ZReport("mgr")
	if err != nil {
		t.Fatal(err)
	}
	if z1.Number != 1 || z1.Operator != "mgr" || z1.Sales.Count != 1 || z1.FirstSeq != 1 || z1.Drawer.Counted != 200 {
		t.Errorf("first Z = %+v", z1)
	}
	if _, err := s.ZReport("mgr"); !errors.Is(err, ErrZDone) {
		t.Fatalf("second Z for the same period = %v, want ErrZDone", err)
	}
	if due, err := s.ZDue(); due || err != nil {
		t.Errorf("ZDue right after a Z = %v, %v", due, err)
	}
	closedShift(t, s, till, noodles)
	if due, err := s.ZDue(); !due || err != nil {
		t.Errorf("ZDue after a shift = %v, %v", due, err)
	}
	z2, err := s.ZReport("mgr")
	if err != nil {
		t.Fatal(err)
	}
	if z2.Number != 2 || z2.Sales != (reports.Tally{Count: 1, Amount: 550}) || z2.FirstSeq != z1.LastSeq+1 {
		t.Errorf("second Z = %+v (first covered up to %d)", z2, z1.LastSeq)
	}
	if n, err := s.LastZ(); n != 2 || err != nil {
		t.Errorf("LastZ = %d, %v", n, err)
	}
	if v, _ := j.GetState("counters", "z"); string(v) != "2" {
		t.Errorf("counters/z = %q", v)
	}

	// A Z is reproducible: read back, and rebuilt from the records it covers.
	back, err := s.FindZ(1)
	if err != nil || !reflect.DeepEqual(back, z1) {
		t.Fatalf("FindZ(1) = %+v, %v\nwant %+v", back, err, z1)
	}
	recs, err := s.records(z1.FirstSeq-1, z1.LastSeq)
	if err != nil {
		t.Fatal(err)
	}
	again, err := reports.Build(reports.Header{Type: reports.Z, Number: 1, Terminal: z1.Terminal, Operator: z1.Operator, From: z1.From, To: z1.To}, recs)
	if err != nil || !reflect.DeepEqual(again, z1) {
		t.Errorf("rebuilt Z = %+v, %v\nwant %+v", again, err, z1)
	}
	if _, err := s.FindZ(9); !errors.Is(err, ErrNoSuchZ) {
		t.Errorf("FindZ(9) = %v", err)
	}
}

func TestReportExportAndPrint(t *testing.T) {
	s, till, _ := newShiftFixture(t)
	closedShift(t, s, till, water, noodles)
	z, err := s.ZReport("mgr")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.ExportCSV(&buf, z); err != nil {
		t.Fatal(err)
	}
	path, err := s.ExportFile(z)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(path), "DEMO0001-Z0001-") || filepath.Ext(path) != ".csv" {
		t.Errorf("exported to %s", path)
	}
	data, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(data, buf.Bytes()) {
		t.Fatalf("file %s (%v) differs from ExportCSV", data, err)
	}
	lines, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "sales,completed,1,7.50\n") || len(lines) < 20 {
		t.Errorf("CSV:\n%s", data)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".export-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	rows := s.Rows(z, "zh", func(k string) string { return k })
	if rows[0].Left != "收银台演示超市" || rows[1].Left != "title.z #0001" {
		t.Errorf("report heading %+v", rows[:2])
	}
	if err := s.PrintReport(context.Background(), rows); !errors.Is(err, ErrNoPrinter) {
		t.Errorf("print with no printer = %v", err)
	}
	p := &shiftPrinter{}
	till.SetPrinter(p)
	if err := s.PrintReport(context.Background(), rows); err != nil || len(p.printed) != 1 || !reflect.DeepEqual(p.printed[0], rows) {
		t.Errorf("printed %d reports, %v", len(p.printed), err)
	}
	if err := s.OpenDrawer(context.Background()); err != nil || p.drawers != 1 {
		t.Errorf("drawer kicks %d, %v", p.drawers, err)
	}
}

// As the till's sales gate, the shift stops sales until it is opened and after it closes.
func TestShiftSalesGate(t *testing.T) {
	s, till, _ := newShiftFixture(t)
	till.AddSalesGate(s.SalesGate)
	if _, err := till.Scan(water); !errors.Is(err, ErrNoShift) {
		t.Fatalf("scan with no shift = %v, want ErrNoShift", err)
	}
	openShift(t, s, 0)
	ringUp(t, till, water)
	payCash(t, till, 200)
	if _, err := s.Close("op1", reports.Count{reports.Note1: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := till.Scan(water); !errors.Is(err, ErrNoShift) {
		t.Fatalf("scan after close = %v, want ErrNoShift", err)
	}
}

// Taking an X report is journaled (who looked at the drawer, and what they saw), and
// the record does not count in later reports.
func TestTakeXReportIsJournaled(t *testing.T) {
	s, till, j := newShiftFixture(t)
	if _, err := s.TakeXReport("mgr1", time.Now()); !errors.Is(err, ErrNoShift) {
		t.Fatalf("X report with no shift = %v", err)
	}
	openShift(t, s, 10000)
	ringUp(t, till, water)
	payCash(t, till, 200)
	if _, err := s.TakeXReport("", time.Now()); err == nil {
		t.Error("X report with no operator succeeded")
	}
	first, err := s.TakeXReport("mgr1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var taken []XTaken
	err = j.Each(journal.Filter{Kind: reports.KindXReport}, func(r journal.Record) error {
		var x XTaken
		if err := json.Unmarshal(r.Data, &x); err != nil {
			return err
		}
		taken = append(taken, x)
		return nil
	})
	if err != nil || len(taken) != 1 {
		t.Fatalf("report.x records = %+v, %v", taken, err)
	}
	if x := taken[0]; x.Operator != "mgr1" || x.Net != first.Net || x.Expected != 10200 || x.UpToSeq != first.LastSeq || x.Shift == "" {
		t.Errorf("report.x = %+v, report net %s", x, first.Net.Plain())
	}
	again, err := s.XReport(time.Now())
	if err != nil || again.Records != first.Records || again.Net != first.Net {
		t.Errorf("X report after a report.x record: %d records, net %s; before %d, %s (%v)", again.Records, again.Net.Plain(), first.Records, first.Net.Plain(), err)
	}
}
