package sale

import (
	"errors"
	"testing"
	"time"

	"tilldesk/core/catalog"
	"tilldesk/core/money"
)

var (
	water   = catalog.Product{Code: "6936352322870", NameZH: "农夫山泉 550ml", NameEN: "Nongfu Spring 550ml", Price: 200, TaxBP: 1300, Unit: "瓶"}
	noodles = catalog.Product{Code: "6935212207081", NameZH: "红烧牛肉面", NameEN: "Beef Noodles", Price: 550, TaxBP: 1300, Unit: "桶"}
	pen     = catalog.Product{Code: "4006381333931", NameZH: "荧光笔", NameEN: "Highlighter", Price: 1130, TaxBP: 1300, Unit: "支"}
	rice    = catalog.Product{Code: "96385074", NameZH: "大米 5kg", NameEN: "Rice 5kg", Price: 3990, TaxBP: 900, Unit: "袋"}
	apple   = catalog.Product{Code: "P001", NameZH: "苹果", NameEN: "Apple", Price: 1280, TaxBP: 900, Unit: "kg", Weighed: true}
)

var opened = time.Date(2025, 3, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newSale(t *testing.T) *Sale {
	t.Helper()
	s := New("S-1", opened)
	if s.State != Open || !s.Opened.Equal(opened) || s.Opened.Location() != time.UTC {
		t.Fatalf("New: %+v", s)
	}
	return s
}

func mustAdd(t *testing.T, s *Sale, p catalog.Product, qty int64) int {
	t.Helper()
	id, err := s.Add(p, qty)
	if err != nil {
		t.Fatalf("Add(%s, %d): %v", p.Code, qty, err)
	}
	return id
}

func TestAddNewLines(t *testing.T) {
	s := newSale(t)
	ids := []int{mustAdd(t, s, water, 1000), mustAdd(t, s, noodles, 3000), mustAdd(t, s, apple, 532)}
	if ids[0] != 1 || ids[1] != 2 || ids[2] != 3 {
		t.Fatalf("line IDs = %v, want [1 2 3]", ids)
	}
	l := s.Lines[2]
	want := Line{ID: 3, Code: "P001", NameZH: "苹果", NameEN: "Apple", Unit: "kg", UnitPrice: 1280, QtyMilli: 532, Weighed: true, TaxBP: 900}
	if l != want {
		t.Errorf("weighed line = %+v, want %+v", l, want)
	}
	if got := l.Gross(); got != 681 { // 12.80 x 0.532 = 6.8096
		t.Errorf("apple Gross = %d, want 681", got)
	}
	if l.Name("zh") != "苹果" || l.Name("en") != "Apple" {
		t.Errorf("line names = %q, %q", l.Name("zh"), l.Name("en"))
	}
}

func TestAddMergesRepeatedScans(t *testing.T) {
	tests := []struct {
		name      string
		scans     []catalog.Product
		wantLines int
		wantQty   []int64
	}{
		{"same counted item", []catalog.Product{water, water, water}, 1, []int64{3000}},
		{"only with the last line", []catalog.Product{water, noodles, water}, 3, []int64{1000, 1000, 1000}},
		{"back to back groups", []catalog.Product{water, water, noodles, noodles}, 2, []int64{2000, 2000}},
		{"weighed items never merge", []catalog.Product{apple, apple}, 2, []int64{1000, 1000}},
		{"changed price starts a new line", []catalog.Product{water, withPrice(water, 250)}, 2, []int64{1000, 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSale(t)
			var lastID int
			for _, p := range tt.scans {
				lastID = mustAdd(t, s, p, 1000)
			}
			if len(s.Lines) != tt.wantLines {
				t.Fatalf("%d lines, want %d: %+v", len(s.Lines), tt.wantLines, s.Lines)
			}
			for i, q := range tt.wantQty {
				if s.Lines[i].QtyMilli != q {
					t.Errorf("line %d qty = %d, want %d", i, s.Lines[i].QtyMilli, q)
				}
			}
			if lastID != s.Lines[len(s.Lines)-1].ID {
				t.Errorf("Add returned line %d, want the last line %d", lastID, s.Lines[len(s.Lines)-1].ID)
			}
		})
	}
}

func withPrice(p catalog.Product, price money.Amount) catalog.Product {
	p.Price = price
	return p
}

func TestAddDoesNotMergeIntoVoidedOrDiscountedLine(t *testing.T) {
	s := newSale(t)
	id := mustAdd(t, s, water, 1000)
	if err := s.VoidLine(id); err != nil {
		t.Fatal(err)
	}
	if id2 := mustAdd(t, s, water, 1000); id2 == id || len(s.Lines) != 2 {
		t.Errorf("scan after void merged into the voided line: %+v", s.Lines)
	}
	if err := s.SetLineDiscount(2, Discount{PercentBP: 1000}); err != nil {
		t.Fatal(err)
	}
	if mustAdd(t, s, water, 1000); len(s.Lines) != 3 {
		t.Errorf("scan after a line discount merged into the discounted line: %+v", s.Lines)
	}
}

func TestAddRefusesBadQuantity(t *testing.T) {
	s := newSale(t)
	for _, tt := range []struct {
		p   catalog.Product
		qty int64
	}{{water, 1500}, {water, 0}, {water, -1000}, {water, MaxUnits + QtyOne}, {apple, MaxWeightMilli + 1}, {apple, 0}} {
		if _, err := s.Add(tt.p, tt.qty); !errors.Is(err, ErrQuantity) {
			t.Errorf("Add(%s, %d) = %v, want ErrQuantity", tt.p.Code, tt.qty, err)
		}
	}
	mustAdd(t, s, water, MaxUnits-QtyOne)
	if _, err := s.Add(water, 2*QtyOne); !errors.Is(err, ErrQuantity) {
		t.Errorf("merge beyond MaxUnits = %v, want ErrQuantity", err)
	}
	if len(s.Lines) != 1 || s.Lines[0].QtyMilli != MaxUnits-QtyOne {
		t.Errorf("refused merge changed the sale: %+v", s.Lines)
	}
}

func TestAddMaxLines(t *testing.T) {
	s := newSale(t)
	for i := 0; i < MaxLines; i++ {
		p := water
		if i%2 == 1 {
			p = noodles
		}
		mustAdd(t, s, p, 1000)
	}
	if _, err := s.Add(water, 1000); !errors.Is(err, ErrTooMany) {
		t.Errorf("line %d: %v, want ErrTooMany", MaxLines+1, err)
	}
	// The same item as the last line still merges.
	if _, err := s.Add(noodles, 1000); err != nil || s.Lines[MaxLines-1].QtyMilli != 2000 {
		t.Errorf("merge at MaxLines: %v, qty %d", err, s.Lines[MaxLines-1].QtyMilli)
	}
}

func TestSetQty(t *testing.T) {
	s := newSale(t)
	w := mustAdd(t, s, water, 1000)
	a := mustAdd(t, s, apple, 500)
	if err := s.SetQty(w, 4000); err != nil || s.Lines[0].QtyMilli != 4000 {
		t.Fatalf("SetQty(water, 4): %v, qty %d", err, s.Lines[0].QtyMilli)
	}
	if err := s.SetQty(a, 1234); err != nil || s.Lines[1].QtyMilli != 1234 {
		t.Fatalf("SetQty(apple, 1.234): %v, qty %d", err, s.Lines[1].QtyMilli)
	}
	tests := []struct {
		name string
		line int
		qty  int64
		want error
	}{
		{"fraction of a counted item", w, 1500, ErrQuantity},
		{"zero", w, 0, ErrQuantity},
		{"too heavy", a, MaxWeightMilli + 1, ErrQuantity},
		{"unknown line", 99, 1000, ErrNoLine},
	}
	for _, tt := range tests {
		if err := s.SetQty(tt.line, tt.qty); !errors.Is(err, tt.want) {
			t.Errorf("%s: SetQty = %v, want %v", tt.name, err, tt.want)
		}
	}
	if s.Lines[0].QtyMilli != 4000 || s.Lines[1].QtyMilli != 1234 {
		t.Errorf("refused SetQty changed quantities: %+v", s.Lines)
	}
	if err := s.VoidLine(w); err != nil {
		t.Fatal(err)
	}
	if err := s.SetQty(w, 1000); !errors.Is(err, ErrNoLine) {
		t.Errorf("SetQty on a voided line = %v, want ErrNoLine", err)
	}
}

func TestSetQtyKeepsDiscountsValid(t *testing.T) {
	s := newSale(t)
	id := mustAdd(t, s, water, 3000) // 6.00
	if err := s.SetLineDiscount(id, Discount{Amount: 500}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetQty(id, 2000); !errors.Is(err, ErrDiscount) { // 4.00 < 5.00 off
		t.Errorf("SetQty below the line discount = %v, want ErrDiscount", err)
	}
	if s.Lines[0].QtyMilli != 3000 {
		t.Errorf("refused SetQty left qty %d, want 3000", s.Lines[0].QtyMilli)
	}

	s = newSale(t)
	id = mustAdd(t, s, water, 5000) // 10.00
	if err := s.SetOrderDiscount(Discount{Amount: 800}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetQty(id, 2000); !errors.Is(err, ErrDiscount) { // 4.00 < 8.00 off
		t.Errorf("SetQty below the order discount = %v, want ErrDiscount", err)
	}
	if s.Lines[0].QtyMilli != 5000 {
		t.Errorf("refused SetQty left qty %d, want 5000", s.Lines[0].QtyMilli)
	}
	if tot := s.Totals(); tot.Total != 200 || tot.OrderDiscount != 800 {
		t.Errorf("after refused SetQty: total %d, order discount %d; want 200, 800", tot.Total, tot.OrderDiscount)
	}
}

func TestVoidLine(t *testing.T) {
	s := newSale(t)
	w := mustAdd(t, s, water, 2000)
	n := mustAdd(t, s, noodles, 1000)
	if err := s.VoidLine(w); err != nil {
		t.Fatal(err)
	}
	if len(s.Lines) != 2 || !s.Lines[0].Voided {
		t.Fatalf("voided line not kept as voided: %+v", s.Lines)
	}
	if act := s.ActiveLines(); len(act) != 1 || act[0].ID != n {
		t.Errorf("ActiveLines = %+v, want only line %d", act, n)
	}
	if tot := s.Totals(); tot.Total != 550 || tot.Items != 1 || len(tot.Lines) != 1 {
		t.Errorf("Totals after void = %+v", tot)
	}
	if err := s.VoidLine(w); !errors.Is(err, ErrNoLine) {
		t.Errorf("second void = %v, want ErrNoLine", err)
	}
	if err := s.VoidLine(42); !errors.Is(err, ErrNoLine) {
		t.Errorf("void unknown line = %v, want ErrNoLine", err)
	}
}

func TestVoidLineDropsOrderDiscountThatNoLongerFits(t *testing.T) {
	s := newSale(t)
	w := mustAdd(t, s, water, 5000)   // 10.00
	n := mustAdd(t, s, noodles, 1000) // 5.50
	if err := s.SetOrderDiscount(Discount{Amount: 800}); err != nil {
		t.Fatal(err)
	}
	if err := s.VoidLine(w); err != nil { // 5.50 left, 8.00 off no longer fits
		t.Fatal(err)
	}
	if !s.Discount.IsZero() {
		t.Errorf("order discount %+v kept after it stopped fitting", s.Discount)
	}
	if tot := s.Totals(); tot.Total != 550 {
		t.Errorf("total = %d, want 550", tot.Total)
	}
	// A percentage always fits and is kept.
	if err := s.SetOrderDiscount(Discount{PercentBP: 1000}); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, pen, 1000)
	if err := s.VoidLine(n); err != nil || s.Discount.PercentBP != 1000 {
		t.Errorf("void with a percentage discount: %v, discount %+v", err, s.Discount)
	}
}

func TestLineDiscounts(t *testing.T) {
	tests := []struct {
		name    string
		d       Discount
		wantOff money.Amount
		wantErr error
	}{
		{"10 percent", Discount{PercentBP: 1000}, 113, nil},
		{"12.5 percent rounds to the fen", Discount{PercentBP: 1250}, 141, nil},        // 141.25
		{"15 percent rounds half away from zero", Discount{PercentBP: 1500}, 170, nil}, // 169.5
		{"100 percent", Discount{PercentBP: 10000}, 1130, nil},
		{"amount", Discount{Amount: 130}, 130, nil},
		{"whole line", Discount{Amount: 1130}, 1130, nil},
		{"none", Discount{}, 0, nil},
		{"amount above line total", Discount{Amount: 1131}, 0, ErrDiscount},
		{"both set", Discount{PercentBP: 1000, Amount: 100}, 0, ErrDiscount},
		{"over 100 percent", Discount{PercentBP: 10001}, 0, ErrDiscount},
		{"negative percent", Discount{PercentBP: -1}, 0, ErrDiscount},
		{"negative amount", Discount{Amount: -1}, 0, ErrDiscount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSale(t)
			id := mustAdd(t, s, pen, 1000) // 11.30
			err := s.SetLineDiscount(id, tt.d)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SetLineDiscount(%+v) = %v, want %v", tt.d, err, tt.wantErr)
			}
			tot := s.Totals()
			if tot.LineDiscounts != tt.wantOff || tot.Lines[0].LineDiscount != tt.wantOff {
				t.Errorf("line discount = %d, want %d", tot.LineDiscounts, tt.wantOff)
			}
			if tot.Total != 1130-tt.wantOff {
				t.Errorf("total = %d, want %d", tot.Total, 1130-tt.wantOff)
			}
			if err != nil && !s.Lines[0].Discount.IsZero() {
				t.Errorf("refused discount was kept: %+v", s.Lines[0].Discount)
			}
		})
	}
}

func TestLineDiscountMustLeaveRoomForOrderDiscount(t *testing.T) {
	s := newSale(t)
	id := mustAdd(t, s, pen, 1000)
	if err := s.SetOrderDiscount(Discount{Amount: 1000}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLineDiscount(id, Discount{Amount: 200}); !errors.Is(err, ErrDiscount) {
		t.Errorf("line discount squeezing out the order discount = %v, want ErrDiscount", err)
	}
	if !s.Lines[0].Discount.IsZero() {
		t.Errorf("refused line discount kept: %+v", s.Lines[0].Discount)
	}
	if err := s.SetLineDiscount(id, Discount{Amount: 130}); err != nil {
		t.Errorf("line discount that leaves exactly the order discount: %v", err)
	}
	if err := s.SetLineDiscount(id, Discount{}); err != nil || !s.Lines[0].Discount.IsZero() {
		t.Errorf("clearing the line discount: %v, %+v", err, s.Lines[0].Discount)
	}
	if err := s.SetLineDiscount(99, Discount{Amount: 1}); !errors.Is(err, ErrNoLine) {
		t.Errorf("discount on unknown line = %v, want ErrNoLine", err)
	}
}

func TestOrderDiscounts(t *testing.T) {
	tests := []struct {
		name    string
		d       Discount
		wantOff money.Amount
		wantErr error
	}{
		{"10 percent", Discount{PercentBP: 1000}, 310, nil}, // of 31.00 after line discounts
		{"amount", Discount{Amount: 500}, 500, nil},
		{"everything", Discount{Amount: 3100}, 3100, nil},
		{"amount above total", Discount{Amount: 3101}, 0, ErrDiscount},
		{"both set", Discount{PercentBP: 500, Amount: 100}, 0, ErrDiscount},
		{"over 100 percent", Discount{PercentBP: 20000}, 0, ErrDiscount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSale(t)
			a := mustAdd(t, s, water, 5000)                  // 10.00
			b := mustAdd(t, s, rice, 1000)                   // 39.90
			mustAdd(t, s, noodles, 2000)                     // 11.00
			_ = s.SetLineDiscount(a, Discount{Amount: 100})  // 9.00
			_ = s.SetLineDiscount(b, Discount{Amount: 2890}) // 10.00
			err := s.SetOrderDiscount(tt.d)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SetOrderDiscount(%+v) = %v, want %v", tt.d, err, tt.wantErr)
			}
			tot := s.Totals()
			if tot.Subtotal != 6090 || tot.LineDiscounts != 2990 {
				t.Fatalf("subtotal %d, line discounts %d; want 6090, 2990", tot.Subtotal, tot.LineDiscounts)
			}
			if tot.OrderDiscount != tt.wantOff || tot.Total != 3100-tt.wantOff {
				t.Errorf("order discount %d, total %d; want %d, %d", tot.OrderDiscount, tot.Total, tt.wantOff, 3100-tt.wantOff)
			}
			var shares money.Amount
			for _, l := range tot.Lines {
				shares += l.OrderDiscount
			}
			if shares != tot.OrderDiscount {
				t.Errorf("order discount shares sum to %d, want %d", shares, tot.OrderDiscount)
			}
		})
	}
}
