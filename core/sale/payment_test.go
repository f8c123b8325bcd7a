package sale

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"tilldesk/core/money"
)

func TestTotalsTaxInclusive(t *testing.T) {
	s := newSale(t)
	mustAdd(t, s, pen, 1000)  // 11.30 at 13%
	mustAdd(t, s, rice, 2000) // 79.80 at 9%
	mustAdd(t, s, apple, 532) // 6.81 at 9%
	tot := s.Totals()
	wantLines := []LineTotal{
		{LineID: 1, Gross: 1130, Net: 1130, Tax: 130}, // 1130 x 13/113
		{LineID: 2, Gross: 7980, Net: 7980, Tax: 659}, // 658.90
		{LineID: 3, Gross: 681, Net: 681, Tax: 56},    // 56.23
	}
	if !reflect.DeepEqual(tot.Lines, wantLines) {
		t.Errorf("lines:\n got %+v\nwant %+v", tot.Lines, wantLines)
	}
	want := Totals{Items: 4, Subtotal: 9791, Total: 9791, Tax: 845, Due: 9791, Lines: wantLines}
	if !reflect.DeepEqual(tot, want) {
		t.Errorf("totals:\n got %+v\nwant %+v", tot, want)
	}
}

func TestTotalsWithOrderDiscount(t *testing.T) {
	s := newSale(t)
	mustAdd(t, s, pen, 1000)
	mustAdd(t, s, rice, 2000)
	mustAdd(t, s, apple, 532)
	if err := s.SetOrderDiscount(Discount{PercentBP: 1000}); err != nil {
		t.Fatal(err)
	}
	tot := s.Totals()
	// 10% of 97.91 = 9.79, spread 1.13 / 7.98 / 0.68 by largest remainder.
	wantLines := []LineTotal{
		{LineID: 1, Gross: 1130, OrderDiscount: 113, Net: 1017, Tax: 117},
		{LineID: 2, Gross: 7980, OrderDiscount: 798, Net: 7182, Tax: 593},
		{LineID: 3, Gross: 681, OrderDiscount: 68, Net: 613, Tax: 51},
	}
	if !reflect.DeepEqual(tot.Lines, wantLines) {
		t.Errorf("lines:\n got %+v\nwant %+v", tot.Lines, wantLines)
	}
	if tot.OrderDiscount != 979 || tot.Total != 8812 || tot.Tax != 761 || tot.Due != 8812 {
		t.Errorf("totals = %+v", tot)
	}
}

func TestTotalsEmptySale(t *testing.T) {
	tot := newSale(t).Totals()
	if !reflect.DeepEqual(tot, Totals{}) {
		t.Errorf("empty sale totals = %+v, want zero", tot)
	}
}

func TestCashPayment(t *testing.T) {
	tests := []struct {
		tendered, due money.Amount
		want          Payment
	}{
		{10000, 8812, Payment{Method: Cash, Amount: 8812, Tendered: 10000, Change: 1188}},
		{8812, 8812, Payment{Method: Cash, Amount: 8812, Tendered: 8812}},
		{5000, 8812, Payment{Method: Cash, Amount: 5000, Tendered: 5000}}, // part payment
		{1, 1, Payment{Method: Cash, Amount: 1, Tendered: 1}},
	}
	for _, tt := range tests {
		p, err := CashPayment(tt.tendered, tt.due, opened)
		if err != nil {
			t.Errorf("CashPayment(%d, %d): %v", tt.tendered, tt.due, err)
			continue
		}
		if !p.At.Equal(opened) || p.At.Location() != time.UTC {
			t.Errorf("CashPayment At = %v, want %v in UTC", p.At, opened)
		}
		p.At = time.Time{}
		if p != tt.want {
			t.Errorf("CashPayment(%d, %d) = %+v, want %+v", tt.tendered, tt.due, p, tt.want)
		}
	}
	for _, tendered := range []money.Amount{0, -100} {
		if _, err := CashPayment(tendered, 100, opened); !errors.Is(err, ErrBadPayment) {
			t.Errorf("CashPayment(%d) = %v, want ErrBadPayment", tendered, err)
		}
	}
}

func TestPayAndComplete(t *testing.T) {
	s := newSale(t)
	id := mustAdd(t, s, pen, 1000) // 11.30
	if err := s.Complete(); !errors.Is(err, ErrUnderpaid) {
		t.Fatalf("Complete unpaid = %v, want ErrUnderpaid", err)
	}
	if err := s.AddPayment(Payment{Method: Card, Amount: 1131, Ref: "****1234"}); !errors.Is(err, ErrOverpaid) {
		t.Fatalf("overpaying by card = %v, want ErrOverpaid", err)
	}
	if err := s.AddPayment(Payment{Method: Card, Amount: 500, Ref: "****1234", At: opened}); err != nil {
		t.Fatalf("part payment by card: %v", err)
	}
	if tot := s.Totals(); tot.Paid != 500 || tot.Due != 630 {
		t.Fatalf("after card: paid %d due %d, want 500, 630", tot.Paid, tot.Due)
	}
	if err := s.Complete(); !errors.Is(err, ErrUnderpaid) {
		t.Fatalf("Complete part-paid = %v, want ErrUnderpaid", err)
	}

	// Once a payment is on the sale, nothing on it may change.
	edits := map[string]func() error{
		"Add":              func() error { _, err := s.Add(water, 1000); return err },
		"SetQty":           func() error { return s.SetQty(id, 2000) },
		"VoidLine":         func() error { return s.VoidLine(id) },
		"SetLineDiscount":  func() error { return s.SetLineDiscount(id, Discount{PercentBP: 1000}) },
		"SetOrderDiscount": func() error { return s.SetOrderDiscount(Discount{Amount: 100}) },
		"Cancel":           func() error { return s.Cancel() },
	}
	for name, edit := range edits {
		if err := edit(); !errors.Is(err, ErrPaying) {
			t.Errorf("%s after a payment = %v, want ErrPaying", name, err)
		}
	}

	cash, err := CashPayment(1000, s.Totals().Due, opened)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddPayment(cash); err != nil {
		t.Fatalf("cash payment: %v", err)
	}
	tot := s.Totals()
	if tot.Paid != 1130 || tot.Due != 0 || tot.Change != 370 || tot.Total != 1130 {
		t.Errorf("after cash: %+v", tot)
	}
	if err := s.Complete(); err != nil || s.State != Completed {
		t.Fatalf("Complete = %v, state %s", err, s.State)
	}
	for name, edit := range map[string]func() error{
		"Add":        func() error { _, err := s.Add(water, 1000); return err },
		"AddPayment": func() error { return s.AddPayment(Payment{Method: Card, Amount: 1}) },
		"Complete":   s.Complete,
		"Cancel":     s.Cancel,
	} {
		if err := edit(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s on a completed sale = %v, want ErrClosed", name, err)
		}
	}
}

func TestAddPaymentRefuses(t *testing.T) {
	tests := []struct {
		name string
		p    Payment
		want error
	}{
		{"zero", Payment{Method: Card, Amount: 0}, ErrBadPayment},
		{"negative", Payment{Method: Cash, Amount: -100}, ErrBadPayment},
		{"negative change", Payment{Method: Cash, Amount: 100, Tendered: 50, Change: -50}, ErrBadPayment},
		{"change on a card", Payment{Method: Card, Amount: 1130, Tendered: 2000, Change: 870}, ErrBadPayment},
		{"change that does not add up", Payment{Method: Cash, Amount: 1130, Tendered: 2000, Change: 800}, ErrBadPayment},
		{"card over the total", Payment{Method: Card, Amount: 1131}, ErrOverpaid},
		{"wallet over the total", Payment{Method: Alipay, Amount: 5000, Ref: "2025"}, ErrOverpaid},
		{"cash applied over the total", Payment{Method: Cash, Amount: 2000, Tendered: 2000}, ErrOverpaid},
	}
	for _, tt := range tests {
		s := newSale(t)
		mustAdd(t, s, pen, 1000)
		if err := s.AddPayment(tt.p); !errors.Is(err, tt.want) {
			t.Errorf("%s: AddPayment = %v, want %v", tt.name, err, tt.want)
		}
		if len(s.Payments) != 0 {
			t.Errorf("%s: refused payment was recorded", tt.name)
		}
	}
	s := newSale(t)
	if err := s.AddPayment(Payment{Method: Cash, Amount: 100, Tendered: 100}); !errors.Is(err, ErrEmpty) {
		t.Errorf("paying an empty sale = %v, want ErrEmpty", err)
	}
}

func TestCompleteEmptyAndFree(t *testing.T) {
	s := newSale(t)
	if err := s.Complete(); !errors.Is(err, ErrEmpty) {
		t.Errorf("Complete empty = %v, want ErrEmpty", err)
	}
	id := mustAdd(t, s, water, 1000)
	_ = s.VoidLine(id)
	if err := s.Complete(); !errors.Is(err, ErrEmpty) {
		t.Errorf("Complete with only voided lines = %v, want ErrEmpty", err)
	}
	mustAdd(t, s, noodles, 1000)
	if err := s.SetOrderDiscount(Discount{PercentBP: 10000}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPayment(Payment{Method: Cash, Amount: 1, Tendered: 1}); !errors.Is(err, ErrOverpaid) {
		t.Errorf("paying a free sale = %v, want ErrOverpaid", err)
	}
	if err := s.Complete(); err != nil {
		t.Errorf("Complete a free sale = %v", err)
	}
}

func TestCancel(t *testing.T) {
	s := newSale(t)
	mustAdd(t, s, water, 1000)
	if err := s.Cancel(); err != nil || s.State != Cancelled {
		t.Fatalf("Cancel = %v, state %s", err, s.State)
	}
	if _, err := s.Add(water, 1000); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Cancel = %v, want ErrClosed", err)
	}
	if err := s.Cancel(); !errors.Is(err, ErrClosed) {
		t.Errorf("Cancel twice = %v, want ErrClosed", err)
	}
	if err := s.Complete(); !errors.Is(err, ErrClosed) {
		t.Errorf("Complete after Cancel = %v, want ErrClosed", err)
	}
	if err := s.AddPayment(Payment{Method: Card, Amount: 100}); !errors.Is(err, ErrClosed) {
		t.Errorf("AddPayment after Cancel = %v, want ErrClosed", err)
	}
	if err := newSale(t).Cancel(); err != nil {
		t.Errorf("Cancel an empty sale = %v", err)
	}
}

func TestJSONRoundTripKeepsLineIDsUnique(t *testing.T) {
	s := newSale(t)
	mustAdd(t, s, water, 2000)
	b := mustAdd(t, s, apple, 532)
	c := mustAdd(t, s, pen, 1000)
	_ = s.SetLineDiscount(b, Discount{Amount: 100})
	_ = s.SetOrderDiscount(Discount{PercentBP: 500})
	_ = s.VoidLine(c) // the highest ID is on a voided line

	data, back := jsonRoundTrip(t, s)
	again, _ := json.Marshal(&back)
	if !bytes.Equal(data, again) {
		t.Errorf("JSON round trip changed the sale:\n%s\n%s", data, again)
	}
	if !reflect.DeepEqual(back.Totals(), s.Totals()) {
		t.Errorf("totals changed over JSON: %+v vs %+v", back.Totals(), s.Totals())
	}

	id := mustAdd(t, &back, noodles, 1000)
	if id != c+1 {
		t.Errorf("new line after decode got ID %d, want %d", id, c+1)
	}
	mustAdd(t, &back, rice, 1000)
	seen := map[int]bool{}
	for _, l := range back.Lines {
		if seen[l.ID] {
			t.Fatalf("duplicate line ID %d after JSON round trip: %+v", l.ID, back.Lines)
		}
		seen[l.ID] = true
	}
	if err := back.SetQty(id, 3000); err != nil || back.Lines[3].QtyMilli != 3000 {
		t.Errorf("SetQty on the new line: %v, %+v", err, back.Lines[3])
	}
}

func TestJSONRoundTripCompletedSale(t *testing.T) {
	s := newSale(t)
	mustAdd(t, s, pen, 1000)
	cash, _ := CashPayment(2000, s.Totals().Due, opened)
	if err := s.AddPayment(cash); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(); err != nil {
		t.Fatal(err)
	}
	_, back := jsonRoundTrip(t, s)
	if back.State != Completed || len(back.Payments) != 1 || back.Payments[0] != s.Payments[0] {
		t.Errorf("decoded sale = %+v", back)
	}
	if _, err := back.Add(water, 1000); !errors.Is(err, ErrClosed) {
		t.Errorf("Add to a decoded completed sale = %v, want ErrClosed", err)
	}
}

// jsonRoundTrip encodes s and decodes it into a new Sale.
func jsonRoundTrip(t *testing.T, s *Sale) ([]byte, Sale) {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Sale
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	return data, back
}
