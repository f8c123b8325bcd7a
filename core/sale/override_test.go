package sale

import (
	"errors"
	"testing"
	"time"

	"tilldesk/core/money"
)

func TestOverridePrice(t *testing.T) {
	by := PriceOverride{ApprovedBy: "M1", Reason: "price_error"}
	for _, tc := range []struct {
		name     string
		setup    func(s *Sale, id int)
		price    money.Amount
		o        PriceOverride
		want     error
		total    money.Amount
		override bool
	}{
		{"lower price", nil, 150, by, nil, 300 + 550, true},
		{"higher price", nil, 250, by, nil, 500 + 550, true},
		{"back to the catalog price", func(s *Sale, id int) { _ = s.OverridePrice(id, 150, by) }, 200, by, nil, 400 + 550, false},
		{"zero", nil, 0, by, ErrPrice, 400 + 550, false},
		{"negative", nil, -1, by, ErrPrice, 400 + 550, false},
		{"absurd", nil, money.MaxAmount + 1, by, ErrPrice, 400 + 550, false},
		{"nobody approving", nil, 150, PriceOverride{}, ErrPrice, 400 + 550, false},
		{"line discount no longer fits", func(s *Sale, id int) { _ = s.SetLineDiscount(id, Discount{Amount: 350}) }, 150, by, ErrDiscount, 50 + 550, false},
		{"paying", func(s *Sale, _ int) { _ = s.AddPayment(Payment{Method: Cash, Amount: 100, Tendered: 100}) }, 150, by, ErrPaying, 400 + 550, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSale(t)
			id := mustAdd(t, s, water, 2*QtyOne)
			mustAdd(t, s, noodles, QtyOne)
			if tc.setup != nil {
				tc.setup(s, id)
			}
			err := s.OverridePrice(id, tc.price, tc.o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("OverridePrice = %v, want %v", err, tc.want)
			}
			if got := s.Totals().Total; got != tc.total {
				t.Errorf("total = %s, want %s", got, tc.total)
			}
			l := s.Lines[0]
			if (l.Override != nil) != tc.override {
				t.Fatalf("override = %+v, want set: %v", l.Override, tc.override)
			}
			if l.Override != nil && (l.Override.CatalogPrice != 200 || l.Override.ApprovedBy != "M1") {
				t.Errorf("override = %+v, want catalog price 2.00 approved by M1", l.Override)
			}
		})
	}
	// A second override keeps the catalog price of the first.
	s := newSale(t)
	id := mustAdd(t, s, water, QtyOne)
	for _, p := range []money.Amount{180, 120} {
		if err := s.OverridePrice(id, p, by); err != nil {
			t.Fatal(err)
		}
	}
	if o := s.Lines[0].Override; o == nil || o.CatalogPrice != 200 || s.Lines[0].UnitPrice != 120 {
		t.Fatalf("after two overrides: %+v", s.Lines[0])
	}
}

func TestVoidLinePaid(t *testing.T) {
	paid := func(t *testing.T, amount money.Amount) (*Sale, int, int) {
		s := newSale(t)
		w := mustAdd(t, s, water, QtyOne)   // 2.00
		n := mustAdd(t, s, noodles, QtyOne) // 5.50
		mustAdd(t, s, pen, QtyOne)          // 11.30
		if err := s.AddPayment(Payment{Method: Card, Amount: amount, Ref: "x", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		return s, w, n
	}
	s, w, n := paid(t, 1000)
	if err := s.VoidLine(w); !errors.Is(err, ErrPaying) {
		t.Fatalf("plain VoidLine with payments = %v, want ErrPaying", err)
	}
	if err := s.VoidLinePaid(w); err != nil {
		t.Fatal(err)
	}
	if tot := s.Totals(); tot.Total != 1680 || tot.Due != 680 {
		t.Fatalf("after the paid void: total %s due %s", tot.Total, tot.Due)
	}
	if err := s.VoidLinePaid(n); err != nil { // 11.30 left, 10.00 paid
		t.Fatal(err)
	}
	if err := s.VoidLinePaid(s.Lines[2].ID); !errors.Is(err, ErrPaidOver) {
		t.Fatalf("voiding the last line with 10.00 paid = %v, want ErrPaidOver", err)
	}
	if s.Lines[2].Voided || s.Totals().Total != 1130 {
		t.Fatal("a refused void changed the sale")
	}

	s, _, n = paid(t, 1330)
	if err := s.VoidLinePaid(n); err != nil { // exactly covered: fully paid
		t.Fatal(err)
	}
	if s.Totals().Due != 0 || s.Complete() != nil {
		t.Fatal("a sale paid in full by a void does not complete")
	}
	if err := s.VoidLinePaid(s.Lines[0].ID); !errors.Is(err, ErrClosed) {
		t.Errorf("void on a completed sale = %v", err)
	}

	s, _, _ = paid(t, 500)
	if err := s.CancelPaid(); err != nil || s.State != Cancelled {
		t.Fatalf("CancelPaid = %v, state %s", err, s.State)
	}
	if err := s.CancelPaid(); !errors.Is(err, ErrClosed) {
		t.Errorf("second CancelPaid = %v", err)
	}
}

func TestCheckOverridePriceChangesNothing(t *testing.T) {
	s := newSale(t)
	id := mustAdd(t, s, water, QtyOne)
	if err := s.CheckOverridePrice(id, 150); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckOverridePrice(id, 0); !errors.Is(err, ErrPrice) {
		t.Errorf("check of a zero price = %v", err)
	}
	if l := s.Lines[0]; l.UnitPrice != 200 || l.Override != nil {
		t.Fatalf("a check changed the line: %+v", l)
	}
}
