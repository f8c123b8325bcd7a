package reports

import (
	"testing"

	"pgregory.net/rapid"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// The drawer is expected to hold the float, plus cash put in, less cash taken out, plus
// the cash handed over for sales less the change given back, less cash refunded: worked
// out here from the events as they happened, not from the report's own arithmetic.
func TestExpectedCashProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		tp := &tape{t: rt}
		var float, in, out, tendered, change, refunded money.Amount
		var allPayments, refunds money.Amount
		amount := func(label string) money.Amount {
			return money.Amount(rapid.Int64Range(1, 500_000).Draw(rt, label))
		}
		shifts := rapid.IntRange(0, 2).Draw(rt, "shifts")
		for range shifts {
			f := money.Amount(rapid.Int64Range(0, 100_000).Draw(rt, "float"))
			tp.add(KindShiftOpened, ShiftOpened{Shift: "S", Operator: "op", Float: f})
			float += f
		}
		for range rapid.IntRange(0, 25).Draw(rt, "events") {
			switch rapid.IntRange(0, 6).Draw(rt, "event") {
			case 0, 1: // a sale, cash or split cash and another tender
				it := item{price: amount("price"), qty: rapid.Int64Range(1, 5).Draw(rt, "qty"), taxBP: 1300}
				s := tp.newSale(it)
				due := s.Totals().Due
				cashPart := due
				if rapid.Bool().Draw(rt, "split") {
					cashPart = money.Amount(rapid.Int64Range(1, int64(due)).Draw(rt, "cash part"))
				}
				given := cashPart + money.Amount(rapid.Int64Range(0, 20_000).Draw(rt, "over-tendered"))
				pays := []sale.Payment{cash(given, cashPart)}
				if cashPart < due {
					m := rapid.SampledFrom([]sale.Method{sale.Card, sale.Alipay, sale.WeChat, sale.Prepaid}).Draw(rt, "method")
					pays = append(pays, other(m, due-cashPart, "ref"))
				}
				tp.complete(s, pays...)
				tendered += given
				change += given - cashPart
				allPayments += due
			case 2: // cash taken toward a sale that never completed
				a := amount("part")
				given := a + money.Amount(rapid.Int64Range(0, 1000).Draw(rt, "over"))
				tp.add(journal.KindPayment, map[string]any{"sale_id": "lost", "payment": cash(given, a)})
				tendered += given
				change += given - a
				allPayments += a
			case 3: // a refund, to cash, to another tender, or split
				a := amount("refund")
				m := rapid.SampledFrom([]sale.Method{sale.Cash, sale.Card, "mixed"}).Draw(rt, "refund method")
				data := map[string]any{"amount": a, "method": m}
				if m == "mixed" {
					c := money.Amount(rapid.Int64Range(0, int64(a)).Draw(rt, "cash share"))
					data["tenders"] = []RefundTender{{sale.Cash, c}, {sale.WeChat, a - c}}
					refunded += c
				} else if m == sale.Cash {
					refunded += a
				}
				tp.add(KindRefund, data)
				refunds += a
			case 4:
				a := amount("in")
				tp.add(KindCashIn, CashMovement{Amount: a, Reason: "in"})
				in += a
			case 5:
				a := amount("out")
				tp.add(KindCashOut, CashMovement{Amount: a, Reason: "out"})
				out += a
			case 6:
				tp.cancel(tp.newSale(item{price: amount("cancelled"), qty: 1}))
			}
		}
		r, err := Build(Header{Type: X}, tp.records)
		if err != nil {
			rt.Fatal(err)
		}
		if want := float + in - out + tendered - change - refunded; r.Drawer.Expected != want {
			rt.Fatalf("expected cash %s, want %s (float %s in %s out %s tendered %s change %s refunded %s)",
				r.Drawer.Expected, want, float, in, out, tendered, change, refunded)
		}
		var took, gave money.Amount
		for _, tn := range r.Tenders {
			took += tn.Sales.Amount
			gave += tn.Refunds.Amount
		}
		if took != allPayments || gave != refunds || r.Refunds.Amount != refunds {
			rt.Fatalf("tenders took %s gave %s; payments were %s, refunds %s (report %s)", took, gave, allPayments, refunds, r.Refunds.Amount)
		}
		if r.Net != r.NetSales-r.Refunds.Amount || r.NetSales != r.Gross-r.Discounts {
			rt.Fatalf("net %s, net sales %s, gross %s, discounts %s, refunds %s do not add up", r.Net, r.NetSales, r.Gross, r.Discounts, r.Refunds.Amount)
		}
	})
}
