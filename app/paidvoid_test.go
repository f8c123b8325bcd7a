package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/reports"
	"tilldesk/core/sale"
)

// fakeReverser gives card payments back, or fails when told to.
type fakeReverser struct {
	given []sale.Payment
	fail  error
}

func (r *fakeReverser) Reverse(_ context.Context, _ string, p sale.Payment) error {
	if r.fail != nil {
		return r.fail
	}
	r.given = append(r.given, p)
	return nil
}

func partPay(t *testing.T, till *Till, tender Tender, amount int64) {
	t.Helper()
	r, err := till.Pay(context.Background(), tender, PayRequest{Amount: money.Amount(amount), Tendered: money.Amount(amount)})
	if err != nil || r != nil {
		t.Fatalf("part payment of %d: %v, %v", amount, r, err)
	}
}

// A line voided after part payment: allowed while the payments fit the new total; a
// void that pays the sale off completes it.
func TestVoidPaidLine(t *testing.T) {
	const cola = "6936095145095" // ¥3.00
	s, till, _ := newShiftFixture(t)
	openShift(t, s, 10000)
	ringUp(t, till, water, noodles, cola) // 10.50
	partPay(t, till, CashTender{Now: fixedClock()}, 750)
	r, err := till.VoidPaidLine(till.Current().Lines[2].ID, "M1") // 7.50 left, 7.50 paid
	if err != nil || r == nil || r.Sale.State != sale.Completed {
		t.Fatalf("void paying the sale off: receipt %v, %v", r, err)
	}

	ringUp(t, till, water, noodles, cola) // 10.50
	partPay(t, till, CashTender{Now: fixedClock()}, 200)
	for _, i := range []int{0, 2} { // water, then cola: 8.50, then 5.50 left
		if r, err := till.VoidPaidLine(till.Current().Lines[i].ID, "M1"); err != nil || r != nil {
			t.Fatalf("void leaving money due: %v, %v", r, err)
		}
	}
	if _, err := till.VoidPaidLine(till.Current().Lines[1].ID, "M1"); !errors.Is(err, sale.ErrPaidOver) {
		t.Fatalf("voiding the last line with 2.00 paid = %v, want ErrPaidOver", err)
	}
	if due := till.Current().Totals().Due; due != 350 {
		t.Fatalf("due = %s, want 3.50", due)
	}
	if r, err := till.Pay(context.Background(), CashTender{Now: fixedClock()}, PayRequest{Tendered: 500}); err != nil || r == nil {
		t.Fatalf("paying the rest: %v, %v", r, err)
	}
}

// An abandoned part-paid sale gives every payment back through its tender, journals
// each, and the drawer's expected cash leaves out what was handed back.
func TestCancelPaid(t *testing.T) {
	s, till, j := newShiftFixture(t)
	openShift(t, s, 10000)
	ringUp(t, till, water, noodles, noodles) // 13.00
	partPay(t, till, CashTender{Now: fixedClock()}, 300)
	partPay(t, till, shiftCardTender{"UnionPay 6222****0001"}, 400)
	if err := till.CancelPaid(context.Background(), "M1"); !errors.Is(err, ErrNoReversal) {
		t.Fatalf("cancel with a card payment and no card reversal = %v", err)
	}
	if len(till.Current().Payments) != 2 {
		t.Fatal("a refused cancel gave something back")
	}
	rev := &fakeReverser{fail: errors.New("host down")}
	till.RegisterReverser(sale.Card, rev)
	if err := till.CancelPaid(context.Background(), "M1"); err == nil {
		t.Fatal("cancel succeeded although the card was not given back")
	}
	rev.fail = nil
	if err := till.CancelPaid(context.Background(), "M1"); err != nil {
		t.Fatal(err)
	}
	if len(rev.given) != 1 || rev.given[0].Amount != 400 {
		t.Fatalf("card given back: %+v", rev.given)
	}
	n := 0
	_ = j.Each(journal.Filter{Kind: KindPaymentReversed}, func(journal.Record) error { n++; return nil })
	if n != 2 || len(till.Current().Lines) != 0 {
		t.Fatalf("%d reversal records, current sale %+v", n, till.Current())
	}
	rep, err := s.XReport(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cash := rep.Tenders[0]
	if cash.Sales.Amount != 300 || cash.Reversed.Amount != 300 || cash.Net() != 0 ||
		rep.Drawer.CashReversed != 300 || rep.Drawer.Expected != 10000 || rep.Cancelled.Count != 1 {
		t.Fatalf("X report after the abandoned sale: cash %+v, drawer %+v, cancelled %+v", cash, rep.Drawer, rep.Cancelled)
	}
	if card := rep.Tenders[1]; card.Method != sale.Card || card.Net() != 0 {
		t.Fatalf("card tender %+v", card)
	}
	if KindPaymentReversed != reports.KindPaymentReversed {
		t.Error("the reversal kind differs between app and reports")
	}
}

// A payment a tender took but the till could not record is given back at once, so the
// customer is not charged for a sale that did not happen.
func TestPaymentNotRecordedIsGivenBack(t *testing.T) {
	till, j, _ := newTestTill(t)
	rev := &fakeReverser{}
	till.RegisterReverser(sale.Card, rev)
	ringUp(t, till, water)
	if err := j.Close(); err != nil { // the next journal write fails
		t.Fatal(err)
	}
	r, err := till.Pay(context.Background(), shiftCardTender{"UnionPay 6222****0001"}, PayRequest{})
	if err == nil || r != nil {
		t.Fatalf("Pay with a dead journal = %v, %v", r, err)
	}
	if !errors.Is(err, ErrNotRecorded) || len(rev.given) != 1 || rev.given[0].Amount != 200 {
		t.Fatalf("error %v, given back %+v", err, rev.given)
	}
	if len(till.Current().Payments) != 0 {
		t.Fatal("the unrecorded payment stayed on the sale")
	}
}
