package refund

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"tilldesk/core/catalog"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

var opened = time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)

// item is a line to put on a test sale.
type item struct {
	price    money.Amount
	qty      int64 // thousandths
	weighed  bool
	discount sale.Discount
}

// completedSale rings up items with an order discount and pays the total with pays
// (method and amount; the last payment takes whatever is still due).
func completedSale(t testing.TB, items []item, order sale.Discount, pays ...sale.Payment) *sale.Sale {
	t.Helper()
	s := sale.New("S1", opened)
	for i, it := range items {
		id, err := s.Add(catalog.Product{Code: fmt.Sprintf("C%02d", i), NameEN: fmt.Sprintf("Item %d", i), Price: it.price, Weighed: it.weighed}, it.qty)
		if err != nil {
			t.Fatalf("add item %d: %v", i, err)
		}
		if err := s.SetLineDiscount(id, it.discount); err != nil {
			t.Fatalf("discount item %d: %v", i, err)
		}
	}
	if err := s.SetOrderDiscount(order); err != nil {
		t.Fatal(err)
	}
	if len(pays) == 0 {
		pays = []sale.Payment{{Method: sale.Cash}}
	}
	for i, p := range pays {
		if i == len(pays)-1 {
			p.Amount = s.Totals().Due
		}
		p.At = opened
		if err := s.AddPayment(p); err != nil {
			t.Fatalf("payment %d: %v", i, err)
		}
	}
	if err := s.Complete(); err != nil {
		t.Fatal(err)
	}
	return s
}

func mustPlan(t *testing.T, s *sale.Sale, prior []Refund, req Request) Refund {
	t.Helper()
	p, err := Compute(s, prior)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Plan(req)
	if err != nil {
		t.Fatalf("plan %+v: %v", req, err)
	}
	return r
}

func one(lineID int, units int64) Request {
	return Request{ID: "R", Lines: []LineRequest{{LineID: lineID, QtyMilli: units * sale.QtyOne}}}
}

// A partial quantity gets its share of the net after both discounts; the last unit
// takes the remainder, so the line's refunds add up to its net exactly.
func TestPartialQuantitiesAddUpToTheNet(t *testing.T) {
	// 3 x ¥3.33 = ¥9.99, 10% off the order = ¥1.00 off, net ¥8.99.
	s := completedSale(t, []item{{price: 333, qty: 3000}}, sale.Discount{PercentBP: 1000})
	if net := s.Totals().Lines[0].Net; net != 899 {
		t.Fatalf("net = %s, want ¥8.99", net)
	}
	var prior []Refund
	for i, want := range []money.Amount{300, 299, 300} {
		r := mustPlan(t, s, prior, one(1, 1))
		if r.Total != want || r.Lines[0].Amount != want || r.Tenders[0].Amount != want {
			t.Errorf("refund %d of one unit = %+v, want %s", i+1, r, want)
		}
		if r.Full != (i == 2) {
			t.Errorf("refund %d: Full = %v", i+1, r.Full)
		}
		prior = append(prior, r)
	}
	p, _ := Compute(s, prior)
	if p.Remaining() != 0 || p.Refunded != 899 || p.Lines[0].RemainingQty() != 0 {
		t.Fatalf("after refunding every unit: %+v", p)
	}
	if _, err := p.Plan(one(1, 1)); !errors.Is(err, ErrOverRefund) {
		t.Fatalf("a fourth unit: %v, want ErrOverRefund", err)
	}
}

func TestWeighedLinesRefundByTheGram(t *testing.T) {
	s := completedSale(t, []item{{price: 1280, qty: 532, weighed: true}}, sale.Discount{}) // ¥6.81
	r := mustPlan(t, s, nil, Request{Lines: []LineRequest{{LineID: 1, QtyMilli: 200}}})
	if r.Total != 256 { // 6.81 x 200/532 = 2.56
		t.Errorf("200 g of 532 g = %s, want ¥2.56", r.Total)
	}
	r2 := mustPlan(t, s, []Refund{r}, Request{Full: true})
	if r.Total+r2.Total != 681 || r2.Lines[0].QtyMilli != 332 || !r2.Full {
		t.Errorf("the rest = %+v, want 332 g and ¥4.25", r2)
	}
}

func TestRequestsRefused(t *testing.T) {
	s := completedSale(t, []item{{price: 200, qty: 2000}, {price: 550, qty: 1000, discount: sale.Discount{PercentBP: 10000}}}, sale.Discount{})
	done := mustPlan(t, s, nil, Request{Full: true})
	cancelled := sale.New("S2", opened)
	cancelled.Add(catalog.Product{Code: "X", Price: 100}, 1000)
	cancelled.Cancel()
	open := sale.New("S3", opened)
	for _, tc := range []struct {
		name  string
		s     *sale.Sale
		prior []Refund
		req   Request
		want  error
	}{
		{"cancelled sale", cancelled, nil, Request{Full: true}, ErrCancelled},
		{"open sale", open, nil, Request{Full: true}, ErrNotCompleted},
		{"no lines", s, nil, Request{}, ErrNothing},
		{"zero quantity", s, nil, Request{Lines: []LineRequest{{LineID: 1}}}, ErrQuantity},
		{"negative quantity", s, nil, Request{Lines: []LineRequest{{LineID: 1, QtyMilli: -1000}}}, ErrQuantity},
		{"part of a unit", s, nil, Request{Lines: []LineRequest{{LineID: 1, QtyMilli: 500}}}, ErrQuantity},
		{"more than sold", s, nil, one(1, 3), ErrOverRefund},
		{"unknown line", s, nil, one(9, 1), ErrNoLine},
		{"line twice", s, nil, Request{Lines: []LineRequest{{LineID: 1, QtyMilli: 1000}, {LineID: 1, QtyMilli: 1000}}}, ErrQuantity},
		{"a free line only", s, nil, one(2, 1), ErrNothing},
		{"full after full", s, []Refund{done}, Request{Full: true}, ErrOverRefund},
		{"line after full", s, []Refund{done}, one(1, 1), ErrOverRefund},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compute(tc.s, tc.prior)
			if err == nil {
				_, err = p.Plan(tc.req)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVoidedLinesAreNotRefundable(t *testing.T) {
	s := sale.New("S", opened)
	s.Add(catalog.Product{Code: "A", Price: 100}, 1000)
	s.Add(catalog.Product{Code: "B", Price: 200}, 1000)
	s.VoidLine(1)
	s.AddPayment(sale.Payment{Method: sale.Cash, Amount: 200})
	s.Complete()
	p, err := Compute(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Plan(one(1, 1)); !errors.Is(err, ErrNoLine) {
		t.Errorf("refunding a voided line: %v", err)
	}
	if r, _ := p.Plan(Request{Full: true}); r.Total != 200 || len(r.Lines) != 1 {
		t.Errorf("full refund = %+v, want line 2 only", r)
	}
}

func TestAllocateGoesBackToTheLargestTenderFirst(t *testing.T) {
	tenders := []TenderState{
		{Method: sale.Cash, Paid: 500},
		{Method: sale.Card, Ref: "6222****1234", Paid: 1500, Refunded: 200},
		{Method: sale.Alipay, Ref: "2026112622001", Paid: 1300},
	}
	for _, tc := range []struct {
		amount money.Amount
		want   []TenderRefund
	}{
		{1000, []TenderRefund{{Method: sale.Card, Amount: 1000, OriginalRef: "6222****1234"}}},
		{1300, []TenderRefund{{Method: sale.Card, Amount: 1300, OriginalRef: "6222****1234"}}},
		{1400, []TenderRefund{{Method: sale.Card, Amount: 1300, OriginalRef: "6222****1234"}, {Method: sale.Alipay, Amount: 100, OriginalRef: "2026112622001"}}},
		{3100, []TenderRefund{{Method: sale.Card, Amount: 1300, OriginalRef: "6222****1234"}, {Method: sale.Alipay, Amount: 1300, OriginalRef: "2026112622001"}, {Method: sale.Cash, Amount: 500}}},
	} {
		got, err := Allocate(tenders, tc.amount)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Allocate(%s) = %v, %v; want %v", tc.amount, got, err, tc.want)
		}
	}
	if _, err := Allocate(tenders, 3101); !errors.Is(err, ErrTenders) {
		t.Errorf("allocating more than was paid: %v", err)
	}
	if _, err := Allocate(tenders, 0); !errors.Is(err, ErrNothing) {
		t.Errorf("allocating nothing: %v", err)
	}
}

func TestSplitTenderRefundMethod(t *testing.T) {
	s := completedSale(t, []item{{price: 1000, qty: 3000}}, sale.Discount{},
		sale.Payment{Method: sale.Card, Amount: 2000, Ref: "6222****1234"}, sale.Payment{Method: sale.Cash})
	r := mustPlan(t, s, nil, one(1, 1))
	if r.Method != sale.Card || len(r.Tenders) != 1 {
		t.Errorf("¥10 of a ¥20 card + ¥10 cash sale = %+v, want all to the card", r)
	}
	r = mustPlan(t, s, nil, Request{Full: true})
	if r.Method != MixedMethod || len(r.Tenders) != 2 || r.Tenders[0].Amount != 2000 || r.Tenders[1].Amount != 1000 {
		t.Errorf("full refund = %+v, want card ¥20 and cash ¥10", r)
	}
}

func TestEarlierRefundsMustMatchTheSale(t *testing.T) {
	s := completedSale(t, []item{{price: 200, qty: 1000}}, sale.Discount{})
	for name, bad := range map[string]Refund{
		"unknown line":   {Lines: []RefundLine{{LineID: 7, QtyMilli: 1000, Amount: 200}}},
		"too much":       {Lines: []RefundLine{{LineID: 1, QtyMilli: 2000, Amount: 400}}},
		"unknown tender": {Tenders: []TenderRefund{{Method: sale.Card, Amount: 100}}},
		"tender overrun": {Tenders: []TenderRefund{{Method: sale.Cash, Amount: 201}}},
	} {
		if _, err := Compute(s, []Refund{bad}); !errors.Is(err, ErrInconsistent) {
			t.Errorf("%s: %v, want ErrInconsistent", name, err)
		}
	}
}
