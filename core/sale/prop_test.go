package sale

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"tilldesk/core/catalog"
	"tilldesk/core/money"
)

// genProducts draws a small random catalog: counted and weighed items with prices up to
// ¥2,000 (often just a few fen, so discounts collide with line totals) and the usual
// Chinese VAT rates (or an odd one).
func genProducts(t *rapid.T) []catalog.Product {
	n := rapid.IntRange(1, 6).Draw(t, "products")
	ps := make([]catalog.Product, n)
	for i := range ps {
		ps[i] = catalog.Product{
			Code:    fmt.Sprintf("P%03d", i),
			NameEN:  fmt.Sprintf("Product %d", i),
			Price:   money.Amount(rapid.OneOf(rapid.Int64Range(0, 20), rapid.Int64Range(0, 200_000)).Draw(t, "price")),
			TaxBP:   rapid.SampledFrom([]int64{0, 600, 900, 1300, 1, 10000}).Draw(t, "tax"),
			Weighed: rapid.Bool().Draw(t, "weighed"),
		}
	}
	return ps
}

func genQty(t *rapid.T, weighed bool) int64 {
	if weighed {
		return rapid.Int64Range(-10, MaxWeightMilli+10).Draw(t, "grams")
	}
	return rapid.Int64Range(-1, 30).Draw(t, "units") * QtyOne
}

// genDiscount draws a discount, often one that just fits base (the line or order amount
// it would apply to), so later edits can push it out of range.
func genDiscount(t *rapid.T, label string, base money.Amount) Discount {
	switch rapid.IntRange(0, 4).Draw(t, label+" kind") {
	case 0:
		return Discount{}
	case 1:
		return Discount{PercentBP: rapid.Int64Range(0, 10000).Draw(t, label+" bp")}
	case 2:
		return Discount{Amount: money.Amount(rapid.Int64Range(0, 50_000).Draw(t, label+" amount"))}
	case 3: // often invalid: both, or out of range
		return Discount{
			PercentBP: rapid.Int64Range(-10, 10010).Draw(t, label+" bad bp"),
			Amount:    money.Amount(rapid.Int64Range(-10, 10).Draw(t, label+" bad amount")),
		}
	default:
		return Discount{Amount: money.Amount(rapid.Int64Range(0, max(0, int64(base))).Draw(t, label+" fitting amount"))}
	}
}

// expected lists the errors a cashier can cause; anything else is a bug.
var expected = []error{ErrNoLine, ErrDiscount, ErrQuantity, ErrTooMany}

func checkExpected(t *rapid.T, op string, err error) {
	if err == nil {
		return
	}
	for _, e := range expected {
		if errors.Is(err, e) {
			return
		}
	}
	t.Fatalf("%s: unexpected error %v", op, err)
}

func snapshot(t *rapid.T, s *Sale) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// randomSale builds a sale by a random run of cashier actions, checking that every
// refused action leaves the sale exactly as it was.
func randomSale(t *rapid.T) *Sale {
	ps := genProducts(t)
	s := New("S-prop", opened)
	steps := rapid.IntRange(1, 30).Draw(t, "steps")
	for i := 0; i < steps; i++ {
		before := snapshot(t, s)
		lineID := rapid.IntRange(0, len(s.Lines)+1).Draw(t, "line")
		var op string
		var err error
		switch rapid.IntRange(0, 5).Draw(t, "action") {
		case 0, 1:
			p := rapid.SampledFrom(ps).Draw(t, "product")
			q := genQty(t, p.Weighed)
			op = fmt.Sprintf("Add(%s, %d)", p.Code, q)
			_, err = s.Add(p, q)
		case 2:
			weighed := lineID >= 1 && lineID <= len(s.Lines) && s.Lines[lineID-1].Weighed
			q := genQty(t, weighed)
			op = fmt.Sprintf("SetQty(%d, %d)", lineID, q)
			err = s.SetQty(lineID, q)
		case 3:
			var gross money.Amount
			if lineID >= 1 && lineID <= len(s.Lines) {
				gross = s.Lines[lineID-1].Gross()
			}
			d := genDiscount(t, "line discount", gross)
			op = fmt.Sprintf("SetLineDiscount(%d, %+v)", lineID, d)
			err = s.SetLineDiscount(lineID, d)
		case 4:
			tot := s.Totals()
			d := genDiscount(t, "order discount", tot.Subtotal-tot.LineDiscounts)
			op = fmt.Sprintf("SetOrderDiscount(%+v)", d)
			err = s.SetOrderDiscount(d)
		case 5:
			op = fmt.Sprintf("VoidLine(%d)", lineID)
			err = s.VoidLine(lineID)
		}
		checkExpected(t, op, err)
		if err != nil {
			if after := snapshot(t, s); after != before {
				t.Fatalf("%s failed with %v but changed the sale:\nbefore %s\nafter  %s", op, err, before, after)
			}
		}
		checkTotals(t, s)
	}
	return s
}

func checkTotals(t *rapid.T, s *Sale) {
	tot := s.Totals()
	if tot.Total != tot.Subtotal-tot.LineDiscounts-tot.OrderDiscount {
		t.Fatalf("Total %d != Subtotal %d - LineDiscounts %d - OrderDiscount %d", tot.Total, tot.Subtotal, tot.LineDiscounts, tot.OrderDiscount)
	}
	if tot.Total < 0 || tot.Tax < 0 || tot.Tax > tot.Total {
		t.Fatalf("Total %d, Tax %d: want 0 <= Tax <= Total", tot.Total, tot.Tax)
	}
	if want := max(0, tot.Total-tot.Paid); tot.Due != want {
		t.Fatalf("Due %d, want max(0, %d - %d)", tot.Due, tot.Total, tot.Paid)
	}
	active := s.ActiveLines()
	if len(tot.Lines) != len(active) {
		t.Fatalf("%d line totals for %d active lines", len(tot.Lines), len(active))
	}
	var nets, gross, lineOff, orderOff, tax money.Amount
	var items int64
	for i, lt := range tot.Lines {
		l := active[i]
		if lt.LineID != l.ID || lt.Gross != l.Gross() {
			t.Fatalf("line total %+v does not match line %+v", lt, l)
		}
		if lt.Net < 0 || lt.LineDiscount < 0 || lt.OrderDiscount < 0 || lt.LineDiscount > lt.Gross {
			t.Fatalf("line total out of range: %+v", lt)
		}
		if lt.Net != lt.Gross-lt.LineDiscount-lt.OrderDiscount {
			t.Fatalf("line Net %d != %d - %d - %d", lt.Net, lt.Gross, lt.LineDiscount, lt.OrderDiscount)
		}
		if lt.Tax < 0 || lt.Tax > lt.Net || lt.Tax != money.MulRatio(lt.Net, l.TaxBP, 10000+l.TaxBP) {
			t.Fatalf("line tax %d for Net %d at %d bp", lt.Tax, lt.Net, l.TaxBP)
		}
		if err := CheckQty(l.QtyMilli, l.Weighed); err != nil {
			t.Fatalf("line %d holds a bad quantity: %v", l.ID, err)
		}
		if l.Weighed {
			items++
		} else {
			items += l.QtyMilli / QtyOne
		}
		nets += lt.Net
		gross += lt.Gross
		lineOff += lt.LineDiscount
		orderOff += lt.OrderDiscount
		tax += lt.Tax
	}
	if nets != tot.Total || gross != tot.Subtotal || lineOff != tot.LineDiscounts || orderOff != tot.OrderDiscount || tax != tot.Tax || items != tot.Items {
		t.Fatalf("line totals do not add up to %+v", tot)
	}
	if !s.Discount.IsZero() && len(active) > 0 {
		base := tot.Subtotal - tot.LineDiscounts
		if want, err := s.Discount.off(base); err != nil || want != tot.OrderDiscount {
			t.Fatalf("order discount %+v on %d: applied %d, want %d (%v)", s.Discount, base, tot.OrderDiscount, want, err)
		}
	}
	ids := map[int]bool{}
	for _, l := range s.Lines {
		if ids[l.ID] || l.ID <= 0 {
			t.Fatalf("bad or duplicate line ID %d in %+v", l.ID, s.Lines)
		}
		ids[l.ID] = true
	}
}

func TestPropSaleTotals(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := randomSale(t)
		tot := s.Totals()
		if len(tot.Lines) == 0 {
			if err := s.Complete(); !errors.Is(err, ErrEmpty) {
				t.Fatalf("Complete on a sale with no active lines = %v, want ErrEmpty", err)
			}
			return
		}
		if tot.Due > 0 {
			if err := s.Complete(); !errors.Is(err, ErrUnderpaid) {
				t.Fatalf("Complete with %d due = %v, want ErrUnderpaid", tot.Due, err)
			}
			extra := money.Amount(rapid.Int64Range(0, 10_000).Draw(t, "extra cash"))
			cash, err := CashPayment(tot.Due+extra, tot.Due, opened)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.AddPayment(cash); err != nil {
				t.Fatalf("cash payment of the amount due: %v", err)
			}
			after := s.Totals()
			if after.Due != 0 || after.Paid != tot.Total || after.Change != extra {
				t.Fatalf("after paying %d due with %d extra: %+v", tot.Due, extra, after)
			}
			checkTotals(t, s)
		}
		if err := s.Complete(); err != nil || s.State != Completed {
			t.Fatalf("Complete after paying: %v", err)
		}
	})
}

func TestPropSaleJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := randomSale(t)
		var back Sale
		if err := json.Unmarshal([]byte(snapshot(t, s)), &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back.Totals(), s.Totals()) {
			t.Fatalf("totals changed over JSON:\n%+v\n%+v", back.Totals(), s.Totals())
		}
		// Two different items so the second never merges into the first.
		for i, p := range []catalog.Product{water, apple} {
			if _, err := back.Add(p, QtyOne); err != nil {
				checkExpected(t, "Add after decode", err)
				return
			}
			checkTotals(t, &back)
			if i == 1 && back.Lines[len(back.Lines)-1].ID <= back.Lines[len(back.Lines)-2].ID {
				t.Fatalf("line IDs not increasing after decode: %+v", back.Lines)
			}
		}
	})
}
