package reports

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"tilldesk/core/catalog"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// start is the time of the first hand-built record.
var start = time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)

// tape builds journal records by hand, one minute apart, the way the till writes them.
type tape struct {
	t       fataler
	records []journal.Record
	sales   int
}

func (tp *tape) add(kind string, data any) {
	tp.t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		tp.t.Fatal(err)
	}
	seq := uint64(len(tp.records) + 1)
	tp.records = append(tp.records, journal.Record{Seq: seq, Terminal: "T0000001",
		Time: start.Add(time.Duration(seq) * time.Minute), Kind: kind, Data: raw})
}

// fataler is what tape needs of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// item is one thing put on a hand-built sale.
type item struct {
	price  money.Amount
	qty    int64 // units
	taxBP  int64
	off    money.Amount // line discount
	voided bool
}

// newSale rings items up on a fresh sale.
func (tp *tape) newSale(items ...item) *sale.Sale {
	tp.t.Helper()
	tp.sales++
	s := sale.New(fmt.Sprintf("S%03d", tp.sales), start)
	for i, it := range items {
		p := catalog.Product{Code: fmt.Sprintf("C%d", i), NameEN: fmt.Sprintf("Item %d", i), Price: it.price, TaxBP: it.taxBP}
		// A different code per line keeps the lines apart.
		id, err := s.Add(p, it.qty*sale.QtyOne)
		if err != nil {
			tp.t.Fatal(err)
		}
		if it.off != 0 {
			if err := s.SetLineDiscount(id, sale.Discount{Amount: it.off}); err != nil {
				tp.t.Fatal(err)
			}
		}
		if it.voided {
			if err := s.VoidLine(id); err != nil {
				tp.t.Fatal(err)
			}
		}
	}
	return s
}

// saleData is the JSON app.Till journals for a sale: the sale and its totals.
func saleJSON(s *sale.Sale) map[string]any {
	t := s.Totals()
	return map[string]any{"sale": s, "totals": map[string]any{
		"items": t.Items, "subtotal": t.Subtotal, "discount": t.LineDiscounts + t.OrderDiscount,
		"total": t.Total, "tax": t.Tax, "paid": t.Paid, "change": t.Change}}
}

// complete pays s with payments as app.Till.Pay does: a "payment" record for each but
// the last, then the sale.completed record carrying them all.
func (tp *tape) complete(s *sale.Sale, payments ...sale.Payment) {
	tp.t.Helper()
	for i, p := range payments {
		if err := s.AddPayment(p); err != nil {
			tp.t.Fatalf("payment %d on %s: %v", i, s.ID, err)
		}
		if i < len(payments)-1 {
			tp.add(journal.KindPayment, map[string]any{"sale_id": s.ID, "payment": p})
		}
	}
	if err := s.Complete(); err != nil {
		tp.t.Fatal(err)
	}
	tp.add(journal.KindSaleCompleted, saleJSON(s))
}

// cancel journals s as cancelled.
func (tp *tape) cancel(s *sale.Sale) {
	tp.t.Helper()
	if err := s.Cancel(); err != nil {
		tp.t.Fatal(err)
	}
	tp.add(journal.KindSaleCancelled, saleJSON(s))
}

func cash(tendered, due money.Amount) sale.Payment {
	p, err := sale.CashPayment(tendered, due, start)
	if err != nil {
		panic(err)
	}
	return p
}

func other(m sale.Method, amount money.Amount, ref string) sale.Payment {
	return sale.Payment{Method: m, Amount: amount, Ref: ref, At: start}
}

// tenders lists the standard tenders, empty except for the given ones.
func tenders(given ...Tender) []Tender {
	var out []Tender
	for _, m := range StandardMethods {
		t := Tender{Method: m}
		for _, g := range given {
			if g.Method == m {
				t = g
			}
		}
		out = append(out, t)
	}
	for _, g := range given {
		if !slices.Contains(StandardMethods, g.Method) {
			out = append(out, g)
		}
	}
	return out
}
