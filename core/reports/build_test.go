package reports

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/sale"
)

// Products of the hand-built sales: prices in fen, VAT 13% or none.
var (
	prodA = item{price: 200, qty: 1, taxBP: 1300} // ¥2.00, VAT ¥0.23
	prodB = item{price: 550, qty: 1, taxBP: 1300} // ¥5.50, VAT ¥0.63
	prodC = item{price: 1000, qty: 1}             // ¥10.00, no VAT
)

func with(it item, f func(*item)) item { f(&it); return it }

// fullDay is a shift with every kind of record a report reads, and some it skips.
func fullDay(tp *tape) {
	tp.add(journal.KindJournalOpened, map[string]any{"schema": 1})
	tp.add(KindShiftOpened, ShiftOpened{Shift: "SH1", Operator: "op", Float: 20000})
	// ¥9.50 in cash: ¥20 handed over, ¥10.50 change. VAT 46 + 63.
	tp.complete(tp.newSale(with(prodA, func(i *item) { i.qty = 2 }), prodB), cash(2000, 950))
	// ¥30 less ¥3 off, a voided ¥5.50 line; ¥10 cash then ¥17 by UnionPay card.
	s2 := tp.newSale(with(prodC, func(i *item) { i.qty = 3; i.off = 300 }), with(prodB, func(i *item) { i.voided = true }))
	tp.complete(s2, cash(1000, 1000), other(sale.Card, 1700, "UnionPay 6222****1234"))
	tp.add(journal.KindSaleHeld, saleJSON(tp.newSale(prodA)))
	tp.complete(tp.newSale(prodA), other(sale.Alipay, 200, "2026112622001"))
	tp.cancel(tp.newSale(with(prodB, func(i *item) { i.qty = 2 }), with(prodA, func(i *item) { i.voided = true })))
	tp.add(KindRefund, map[string]any{"original_receipt": "T0000001-00000003", "lines": []any{}, "amount": 200, "method": "cash"})
	tp.add(KindRefund, map[string]any{"original_receipt": "T0000001-00000005", "amount": 400, "method": "mixed",
		"tenders": []map[string]any{{"method": "card", "amount": 300}, {"method": "alipay", "amount": 100}}})
	tp.add(KindCashIn, CashMovement{Shift: "SH1", Operator: "op", Amount: 5000, Reason: "change"})
	tp.add(KindCashOut, CashMovement{Shift: "SH1", Operator: "op", Amount: 3000, Reason: "bank drop"})
	tp.complete(tp.newSale(prodC), other(sale.Card, 1000, "VISA ****1111"))
	tp.complete(tp.newSale(prodA), other(sale.Card, 200, "AUTH99"))
	tp.add(KindShiftClosed, ShiftClosed{Shift: "SH1", Operator: "op", OpenedBy: "op", Expected: 23750, Counted: 23700, Difference: -50})
	tp.add(KindZReport, Report{Type: Z, Number: 7})
}

func TestBuild(t *testing.T) {
	from, to := start, start.Add(8*time.Hour)
	for _, tc := range []struct {
		name   string
		tape   func(*tape)
		change func(*Report) // from the empty report to the one wanted
	}{
		{"no records", func(*tape) {}, func(*Report) {}},
		{"full day", fullDay, func(r *Report) {
			r.FirstSeq, r.LastSeq, r.Records = 1, 16, 13
			r.Sales, r.Cancelled, r.Voided, r.Refunds = Tally{5, 5050}, Tally{1, 1100}, Tally{2, 750}, Tally{2, 600}
			r.Items, r.Gross, r.Discounts, r.NetSales, r.Net, r.Tax = 9, 5350, 300, 5050, 4450, 155
			r.Tenders = tenders(
				Tender{Method: sale.Cash, Sales: Tally{2, 1950}, Refunds: Tally{1, 200}},
				Tender{Method: sale.Card, Sales: Tally{3, 2900}, Refunds: Tally{1, 300},
					Brands: []Brand{{"UnionPay", Tally{1, 1700}}, {"Visa", Tally{1, 1000}}, {"", Tally{1, 200}}}},
				Tender{Method: sale.Alipay, Sales: Tally{1, 200}, Refunds: Tally{1, 100}})
			r.Drawer = Drawer{Float: 20000, CashSales: 1950, CashRefunds: 200, CashIn: 5000, CashOut: 3000,
				Expected: 23750, Closes: 1, Counted: 23700, Difference: -50}
		}},
		{"cash taken for a sale that never completed is expected in the drawer", func(tp *tape) {
			tp.add(journal.KindPayment, map[string]any{"sale_id": "S9", "payment": cash(1000, 500)})
		}, func(r *Report) {
			r.FirstSeq, r.LastSeq, r.Records = 1, 1, 1
			r.Tenders = tenders(Tender{Method: sale.Cash, Sales: Tally{1, 500}})
			r.Drawer.CashSales, r.Drawer.Expected = 500, 500
		}},
		{"a payment's brand field names the card scheme", func(tp *tape) {
			tp.add(journal.KindPayment, map[string]any{"sale_id": "S9",
				"payment": map[string]any{"method": "card", "amount": 100, "ref": "Visa 1", "brand": "UnionPay", "at": start}})
		}, func(r *Report) {
			r.FirstSeq, r.LastSeq, r.Records = 1, 1, 1
			r.Tenders = tenders(Tender{Method: sale.Card, Sales: Tally{1, 100}, Brands: []Brand{{"UnionPay", Tally{1, 100}}}})
		}},
		{"a refund's amount is a magnitude; unknown methods are listed after the standard ones", func(tp *tape) {
			tp.add(KindRefund, map[string]any{"amount": -300, "method": "voucher"})
		}, func(r *Report) {
			r.FirstSeq, r.LastSeq, r.Records = 1, 1, 1
			r.Refunds, r.Net = Tally{1, 300}, -300
			r.Tenders = tenders(Tender{Method: "voucher", Refunds: Tally{1, 300}})
		}},
		{"settlements are listed", func(tp *tape) {
			tp.add(KindSettlement, Settlement{Batch: "000123", Result: "balanced", Count: 4, Amount: 9900})
			tp.add("some.future.kind", map[string]any{"x": 1})
		}, func(r *Report) {
			r.FirstSeq, r.LastSeq, r.Records = 1, 2, 1
			r.Settlements = []Settlement{{"000123", "balanced", 4, 9900}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := &tape{t: t}
			tc.tape(tp)
			h := Header{Type: X, Terminal: "T0000001", Operator: "op", From: from, To: to}
			got, err := Build(h, tp.records)
			if err != nil {
				t.Fatal(err)
			}
			want := Report{Type: X, Terminal: "T0000001", Operator: "op", From: from, To: to, Tenders: tenders()}
			tc.change(&want)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("report:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

// The tenders add up to the sales when every sale completed, and a Z rebuilt from
// its JSON is the same report.
func TestBuildConsistency(t *testing.T) {
	tp := &tape{t: t}
	fullDay(tp)
	r, err := Build(Header{Type: Z, Number: 8}, tp.records)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, tn := range r.Tenders {
		sum += int64(tn.Sales.Amount)
		var brands int64
		for _, b := range tn.Brands {
			brands += int64(b.Sales.Amount)
		}
		if len(tn.Brands) > 0 && brands != int64(tn.Sales.Amount) {
			t.Errorf("%s brands add up to %d, tender took %s", tn.Method, brands, tn.Sales.Amount)
		}
	}
	if sum != int64(r.NetSales) {
		t.Errorf("tenders took %d, sales came to %s", sum, r.NetSales)
	}
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(raw, &back); err != nil || !reflect.DeepEqual(back, r) {
		t.Errorf("report does not survive JSON: %v\n%+v\n%+v", err, back, r)
	}
}

func TestBuildRefusesUndecodableRecord(t *testing.T) {
	tp := &tape{t: t}
	tp.add(KindShiftOpened, ShiftOpened{Float: 100})
	tp.add(KindCashIn, map[string]any{"amount": "lots"})
	_, err := Build(Header{Type: X}, tp.records)
	var syntax *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &syntax) || !strings.Contains(err.Error(), "record 2 (shift.cash_in)") {
		t.Fatalf("err = %v, want a decode error naming record 2", err)
	}
}
