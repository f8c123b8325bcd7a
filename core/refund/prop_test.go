package refund

import (
	"errors"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"tilldesk/core/catalog"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// genSale draws a completed sale: counted and weighed lines with prices down to a few
// fen (so rounding bites), line and order discounts that fit, paid by one to three
// tenders of random methods (cash possibly over-tendered).
func genSale(t *rapid.T) *sale.Sale {
	s := sale.New("S", opened)
	n := rapid.IntRange(1, 6).Draw(t, "lines")
	for i := range n {
		weighed := rapid.Bool().Draw(t, "weighed")
		qty := rapid.Int64Range(1, 25).Draw(t, "units") * sale.QtyOne
		if weighed {
			qty = rapid.Int64Range(1, sale.MaxWeightMilli).Draw(t, "grams")
		}
		p := catalog.Product{Code: fmt.Sprintf("C%02d", i), Weighed: weighed,
			Price: money.Amount(rapid.OneOf(rapid.Int64Range(1, 30), rapid.Int64Range(1, 200_000)).Draw(t, "price"))}
		id, err := s.Add(p, qty)
		if err != nil {
			t.Fatal(err)
		}
		s.SetLineDiscount(id, genDiscount(t, "line", s.Lines[len(s.Lines)-1].Gross()))
	}
	s.SetOrderDiscount(genDiscount(t, "order", s.Totals().Total))
	if s.Totals().Total == 0 {
		t.Skip("a free sale is never paid, so never completed")
	}
	parts := rapid.IntRange(1, 3).Draw(t, "tenders")
	for i := range parts {
		due := s.Totals().Due
		amount := due
		if i < parts-1 && due > 1 {
			amount = money.Amount(rapid.Int64Range(1, int64(due)-1).Draw(t, "part"))
		}
		method := rapid.SampledFrom([]sale.Method{sale.Cash, sale.Card, sale.Alipay, sale.WeChat, sale.Prepaid}).Draw(t, "method")
		p := sale.Payment{Method: method, Amount: amount, Ref: fmt.Sprintf("REF%d", rapid.IntRange(0, 2).Draw(t, "ref"))}
		if method == sale.Cash {
			p.Ref = ""
			p.Change = money.Amount(rapid.Int64Range(0, 10_000).Draw(t, "change"))
			p.Tendered = p.Amount + p.Change
		}
		if err := s.AddPayment(p); err != nil {
			t.Fatal(err)
		}
		if s.Totals().Due == 0 {
			break
		}
	}
	if err := s.Complete(); err != nil {
		t.Fatal(err)
	}
	return s
}

func genDiscount(t *rapid.T, label string, base money.Amount) sale.Discount {
	switch rapid.IntRange(0, 2).Draw(t, label+" discount") {
	case 1:
		return sale.Discount{PercentBP: rapid.Int64Range(0, 10000).Draw(t, label+" bp")}
	case 2:
		return sale.Discount{Amount: money.Amount(rapid.Int64Range(0, int64(base)).Draw(t, label+" amount"))}
	}
	return sale.Discount{}
}

// checkRefund checks one planned refund against the position it was planned on: its
// parts add up, and no line or tender gets back more than it has left.
func checkRefund(t *rapid.T, p *Position, r Refund) {
	var lines, tenders money.Amount
	for _, rl := range r.Lines {
		l, _ := p.Line(rl.LineID)
		if rl.Amount < 0 || rl.Amount > l.RemainingAmount() || rl.QtyMilli > l.RemainingQty() {
			t.Fatalf("line %d refunds %d for %s with %d and %s left", rl.LineID, rl.QtyMilli, rl.Amount, l.RemainingQty(), l.RemainingAmount())
		}
		lines += rl.Amount
	}
	for _, tr := range r.Tenders {
		if tr.Amount <= 0 {
			t.Fatalf("tender %+v gets nothing", tr)
		}
		for _, ts := range p.Tenders {
			if ts.Method == tr.Method && ts.Ref == tr.OriginalRef && tr.Amount > ts.Remaining() {
				t.Fatalf("tender %s gets %s with %s left", tr.Method, tr.Amount, ts.Remaining())
			}
		}
		tenders += tr.Amount
	}
	if r.Total != lines || r.Total != tenders || r.Total > p.Remaining() {
		t.Fatalf("refund total %s, lines %s, tenders %s, remaining %s", r.Total, lines, tenders, p.Remaining())
	}
}

// Refunding a sale piece by piece, in any order and any quantities, gives back exactly
// the sale's total: each line's net and each tender's payment, to the fen, and then
// nothing more.
func TestPropertyPiecewiseRefundsAddUpToTheSale(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSale(t)
		var prior []Refund
		for {
			p, err := Compute(s, prior)
			if err != nil {
				t.Fatal(err)
			}
			if p.Remaining() == 0 {
				break
			}
			var open []LineState
			for _, l := range p.Lines {
				if l.RemainingAmount() > 0 {
					open = append(open, l)
				}
			}
			l := rapid.SampledFrom(open).Draw(t, "line")
			qty := l.RemainingQty()
			if rapid.Bool().Draw(t, "partial") {
				step := int64(sale.QtyOne)
				if l.Line.Weighed {
					step = 1
				}
				qty = rapid.Int64Range(1, qty/step).Draw(t, "steps") * step
			}
			over := Request{Lines: []LineRequest{{LineID: l.Line.ID, QtyMilli: l.RemainingQty() + sale.QtyOne}}}
			if _, err := p.Plan(over); !errors.Is(err, ErrOverRefund) {
				t.Fatalf("over-refund of line %d: %v", l.Line.ID, err)
			}
			r, err := p.Plan(Request{Lines: []LineRequest{{LineID: l.Line.ID, QtyMilli: qty}}})
			if errors.Is(err, ErrNothing) && l.AmountFor(qty) == 0 {
				// A share that rounds to nothing is refused; take the whole line instead.
				r, err = p.Plan(Request{Full: true})
			}
			if err != nil {
				t.Fatal(err)
			}
			checkRefund(t, p, r)
			prior = append(prior, r)
		}
		p, err := Compute(s, prior)
		if err != nil {
			t.Fatal(err)
		}
		if p.Refunded != s.Totals().Total || p.Remaining() != 0 {
			t.Fatalf("refunded %s of %s", p.Refunded, s.Totals().Total)
		}
		for i, l := range p.Lines {
			if l.RefundedAmount != s.Totals().Lines[i].Net {
				t.Fatalf("line %d refunded %s, net %s", l.Line.ID, l.RefundedAmount, s.Totals().Lines[i].Net)
			}
		}
		for _, ts := range p.Tenders {
			if ts.Remaining() != 0 {
				t.Fatalf("tender %s %s has %s left", ts.Method, ts.Ref, ts.Remaining())
			}
		}
		if !prior[len(prior)-1].Full {
			t.Fatal("the refund that emptied the sale is not marked full")
		}
		if _, err := p.Plan(Request{Full: true}); !errors.Is(err, ErrOverRefund) {
			t.Fatalf("refunding a fully refunded sale: %v", err)
		}
	})
}

// A full refund gives back every tender's payment exactly, largest first.
func TestPropertyFullRefundMatchesThePayments(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSale(t)
		p, err := Compute(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := p.Plan(Request{Full: true})
		if err != nil {
			t.Fatal(err)
		}
		checkRefund(t, p, r)
		if r.Total != s.Totals().Total || !r.Full || len(r.Tenders) != len(p.Tenders) {
			t.Fatalf("full refund %+v of a %s sale paid by %+v", r, s.Totals().Total, p.Tenders)
		}
		for i := 1; i < len(r.Tenders); i++ {
			if r.Tenders[i].Amount > r.Tenders[i-1].Amount {
				t.Fatalf("tenders not largest first: %+v", r.Tenders)
			}
		}
	})
}
