package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"tilldesk/core/catalog"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

const (
	water   = "6936352322870" // ¥2.00
	noodles = "6935212207081" // ¥5.50
	apples  = "P001"          // ¥12.80/kg
)

func fixedClock() func() time.Time {
	t := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func newTestTill(t testing.TB) (*Till, *journal.Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.db")
	till, j := openTestTill(t, path, fixedClock(), nil)
	return till, j, path
}

// openTestTill opens (or reopens) the journal at path, closed when the test ends, and
// builds a demo-config till with the demo catalog over it.
func openTestTill(t testing.TB, path string, now func() time.Time, log *slog.Logger) (*Till, *journal.Journal) {
	t.Helper()
	return openTestTillWith(t, DefaultConfig(), path, journal.Options{Now: now}, log)
}

// openTestTillWith is openTestTill for a till configured as cfg, its journal opened with
// opt (the terminal is cfg's).
func openTestTillWith(t testing.TB, cfg Config, path string, opt journal.Options, log *slog.Logger) (*Till, *journal.Journal) {
	t.Helper()
	opt.Terminal = cfg.Terminal.ID
	j, err := journal.Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	cat, err := LoadCatalog("", nil)
	if err != nil {
		t.Fatal(err)
	}
	return NewTill(cfg, j, cat, opt.Now, log), j
}

func payCash(t *testing.T, till *Till, tendered int64) *Receipt {
	t.Helper()
	r, err := till.Pay(context.Background(), CashTender{Now: fixedClock()}, PayRequest{Tendered: money.Amount(tendered)})
	if err != nil {
		t.Fatalf("pay cash: %v", err)
	}
	return r
}

func TestTillCashSaleIsJournaledBeforeReceipt(t *testing.T) {
	till, j, _ := newTestTill(t)
	for _, code := range []string{water, water, noodles} {
		if _, err := till.Scan(code); err != nil {
			t.Fatal(err)
		}
	}
	p, err := till.Scan(apples)
	if !errors.Is(err, ErrNeedsWeight) || !p.Weighed {
		t.Fatalf("scanning a weighed product: %v", err)
	}
	if err := till.AddWeighed(p, 500); err != nil { // 0.5 kg x 12.80 = 6.40
		t.Fatal(err)
	}
	r := payCash(t, till, 2000)
	if r == nil || r.Sale.State != sale.Completed {
		t.Fatalf("receipt = %+v", r)
	}
	if want := "DEMO0001-00000002"; r.Number != want { // record 1 is journal.created
		t.Errorf("receipt number %s, want %s", r.Number, want)
	}
	rec, err := j.Get(2)
	if err != nil || rec.Kind != journal.KindSaleCompleted {
		t.Fatalf("record 2 = %+v, %v", rec, err)
	}
	var got saleRecord
	if err := json.Unmarshal(rec.Data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Totals.Total != 1590 || got.Totals.Change != 410 || got.Totals.Paid != 1590 {
		t.Errorf("journaled totals %+v, want total 1590 paid 1590 change 410", got.Totals)
	}
	if till.Current().ID == r.Sale.ID || len(till.Current().Lines) != 0 {
		t.Error("the next sale did not start empty")
	}
}

func TestTillJournalFailureLeavesSaleOpenAndUnpaid(t *testing.T) {
	till, j, _ := newTestTill(t)
	if _, err := till.Scan(water); err != nil {
		t.Fatal(err)
	}
	j.Close()
	_, err := till.Pay(context.Background(), CashTender{Now: fixedClock()}, PayRequest{Tendered: 500})
	if !errors.Is(err, ErrNotRecorded) {
		t.Fatalf("pay with a closed journal: %v, want ErrNotRecorded", err)
	}
	s := till.Current()
	if s.State != sale.Open || len(s.Payments) != 0 || s.Totals().Due != 200 {
		t.Fatalf("after a failed commit: state %s, payments %v, due %s", s.State, s.Payments, s.Totals().Due)
	}
}

func TestTillSplitTenderJournalsEachPayment(t *testing.T) {
	till, j, _ := newTestTill(t)
	till.Scan(noodles)
	till.Scan(noodles) // ¥11.00
	r, err := till.Pay(context.Background(), CashTender{Now: fixedClock()}, PayRequest{Amount: 500, Tendered: 500})
	if err != nil || r != nil {
		t.Fatalf("first part: receipt %v, err %v; want no receipt yet", r, err)
	}
	if due := till.Current().Totals().Due; due != 600 {
		t.Fatalf("due after ¥5 = %s", due)
	}
	r = payCash(t, till, 1000)
	if r == nil || len(r.Sale.Payments) != 2 || r.Sale.Totals().Change != 400 {
		t.Fatalf("second part: %+v", r)
	}
	kinds := map[string]int{}
	j.Each(journal.Filter{}, func(rec journal.Record) error { kinds[rec.Kind]++; return nil })
	if kinds[journal.KindPayment] != 1 || kinds[journal.KindSaleCompleted] != 1 {
		t.Errorf("journal kinds %v, want one payment and one sale.completed", kinds)
	}
}

func TestTillHoldRecallCancel(t *testing.T) {
	till, j, path := newTestTill(t)
	if err := till.Hold(); !errors.Is(err, sale.ErrEmpty) {
		t.Errorf("holding an empty sale: %v", err)
	}
	till.Scan(water)
	first := till.Current().ID
	if err := till.Hold(); err != nil {
		t.Fatal(err)
	}
	till.Scan(noodles)
	if err := till.Recall(first); !errors.Is(err, ErrSaleInProgress) {
		t.Errorf("recall over a cart: %v", err)
	}
	if err := till.Cancel(); err != nil {
		t.Fatal(err)
	}
	// Held sales survive a restart.
	j.Close()
	j2, err := journal.Open(path, journal.Options{Terminal: "DEMO0001", Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	till = NewTill(DefaultConfig(), j2, till.Catalog(), fixedClock(), nil)
	held, err := till.Held()
	if err != nil || len(held) != 1 || held[0].ID != first || held[0].Total != 200 {
		t.Fatalf("held after restart = %+v, %v", held, err)
	}
	if err := till.Recall(first); err != nil {
		t.Fatal(err)
	}
	if got := till.Current(); got.ID != first || got.Totals().Total != 200 {
		t.Fatalf("recalled sale %s total %s", got.ID, got.Totals().Total)
	}
	if _, err := till.Current().Add(catalog.Product{Code: water, NameZH: "水", Price: 200}, 1000); err != nil {
		t.Fatalf("adding to a recalled sale: %v", err)
	}
	if held, _ := till.Held(); len(held) != 0 {
		t.Errorf("recalled sale still held: %v", held)
	}
	kinds := map[string]int{}
	j2.Each(journal.Filter{}, func(rec journal.Record) error { kinds[rec.Kind]++; return nil })
	for _, k := range []string{journal.KindSaleHeld, journal.KindSaleCancelled, journal.KindSaleRecalled} {
		if kinds[k] != 1 {
			t.Errorf("journal has %d %s records, want 1 (%v)", kinds[k], k, kinds)
		}
	}
}

func TestReceiptRowsText(t *testing.T) {
	till, _, _ := newTestTill(t)
	till.Scan(water)
	r := payCash(t, till, 1000)
	var buf bytes.Buffer
	for _, row := range till.Rows(r, "zh", func(k string) string { return k }) {
		buf.WriteString(row.Left + "|" + row.Right + "\n")
	}
	for _, want := range []string{"收银台演示超市", "农夫山泉", "total|¥2.00", "change|¥8.00", "receipt.no|DEMO0001-00000002"} {
		if !bytes.Contains(buf.Bytes(), []byte(want)) {
			t.Errorf("receipt lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestSalesGateStopsScanAndPay(t *testing.T) {
	till, _, _ := newTestTill(t)
	till.Scan(water)
	closed := errors.New("terminal is deregistered")
	till.AddSalesGate(func() error { return closed })
	if _, err := till.Scan(water); !errors.Is(err, closed) {
		t.Fatalf("scan past a closed gate: %v", err)
	}
	if _, err := till.Pay(context.Background(), CashTender{Now: fixedClock()}, PayRequest{Tendered: 500}); !errors.Is(err, closed) {
		t.Fatalf("pay past a closed gate: %v", err)
	}
}
