package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/receipt"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
)

// refundClock ticks a second per reading and can jump ahead, so sales land on given days.
type refundClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *refundClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func (c *refundClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// refundFixture is a till with a real journal, a refund use case and a fake printer.
type refundFixture struct {
	till    *Till
	j       *journal.Journal
	path    string
	clock   *refundClock
	refunds *Refunds
	printer *refundPrinter
}

func newRefundFixture(t *testing.T) *refundFixture {
	t.Helper()
	f := &refundFixture{path: filepath.Join(t.TempDir(), "journal.db"), clock: &refundClock{t: time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)}}
	f.open(t)
	return f
}

// open (re)opens the journal and builds the till and refunds over it.
func (f *refundFixture) open(t *testing.T) {
	t.Helper()
	f.till, f.j = openTestTill(t, f.path, f.clock.now, quietLog())
	f.printer = &refundPrinter{}
	f.till.SetPrinter(f.printer)
	f.refunds = NewRefunds(f.till, RefundsOptions{Language: "en"})
}

// sell rings up codes ("3*code" for a quantity) and pays tenders in turn, the last in
// full (cash unless given).
func (f *refundFixture) sell(t *testing.T, codes []string, tenders ...Tender) *Receipt {
	t.Helper()
	for _, c := range codes {
		n := 1
		if q, code, ok := strings.Cut(c, "*"); ok {
			fmt.Sscan(q, &n)
			c = code
		}
		for range n {
			if _, err := f.till.Scan(c); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(tenders) == 0 {
		tenders = []Tender{CashTender{Now: f.clock.now}}
	}
	var r *Receipt
	for i, tender := range tenders {
		req := PayRequest{Amount: 1000} // split tenders take ¥10 each, the last the rest
		if i == len(tenders)-1 {
			req.Amount = 0
		}
		req.Tendered = money.Amount(1_000_000)
		var err error
		if r, err = f.till.Pay(context.Background(), tender, req); err != nil {
			t.Fatal(err)
		}
	}
	if r == nil {
		t.Fatal("sale not completed")
	}
	return r
}

func (f *refundFixture) refund(number string, req refund.Request) (*RefundResult, error) {
	if req.ID == "" {
		req.ID = f.refunds.NewID()
	}
	return f.refunds.Refund(context.Background(), number, req, "op-01", "mgr-01", "damaged")
}

func (f *refundFixture) count(t *testing.T, kind string) int {
	t.Helper()
	n := 0
	if err := f.j.Each(journal.Filter{Kind: kind}, func(journal.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func refundUnits(lineID int, n int64) refund.Request {
	return refund.Request{Lines: []refund.LineRequest{{LineID: lineID, QtyMilli: n * sale.QtyOne}}}
}

// refundPrinter is a receipt printer that remembers what it printed.
type refundPrinter struct {
	mu      sync.Mutex
	drawers int
	printed []string
}

func (p *refundPrinter) PrintReceipt(_ context.Context, rows []receipt.Row, qr string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printed = append(p.printed, receipt.Text(rows, 48)+"QR:"+qr)
	return nil
}

func (p *refundPrinter) OpenDrawer(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drawers++
	return nil
}

// refundCardTender pays by a (fake) bank card; refundCardRefunder refunds it, idempotently by key.
type refundCardTender struct{}

func (refundCardTender) Method() sale.Method { return sale.Card }
func (refundCardTender) Pay(_ context.Context, req PayRequest) (sale.Payment, error) {
	return sale.Payment{Method: sale.Card, Amount: req.Amount, Ref: "6222****1234"}, nil
}

type refundCardRefunder struct {
	mu   sync.Mutex
	fail error
	done map[string]money.Amount
	log  []string // keys in call order
}

func (c *refundCardRefunder) Method() sale.Method { return sale.Card }
func (c *refundCardRefunder) Refund(_ context.Context, req TenderRefundRequest) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, req.Key)
	if c.fail != nil {
		return "", c.fail
	}
	if c.done == nil {
		c.done = map[string]money.Amount{}
	}
	if _, ok := c.done[req.Key]; !ok {
		c.done[req.Key] = req.Amount
	}
	return "RF-" + req.OriginalRef, nil
}

func TestRefundByLineThenTheRest(t *testing.T) {
	f := newRefundFixture(t)
	sold := f.sell(t, []string{"2*" + water, "3*" + noodles}) // ¥4.00 + ¥16.50
	res, err := f.refund(sold.Number, refundUnits(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Refund.Total != 200 || res.Refund.Method != sale.Cash || res.Refund.Full || res.PaperErr != nil {
		t.Fatalf("refund of one water = %+v", res)
	}
	// The record carries what reports read, in fen, with the audit.
	rec, err := f.j.Get(res.Seq)
	if err != nil || rec.Kind != refund.Kind {
		t.Fatalf("refund record %+v, %v", rec, err)
	}
	var data map[string]any
	json.Unmarshal(rec.Data, &data)
	for k, want := range map[string]any{"original_receipt": sold.Number, "amount": 200.0, "method": "cash",
		"operator": "op-01", "approved_by": "mgr-01", "reason": "damaged"} {
		if data[k] != want {
			t.Errorf("record %s = %v, want %v (%s)", k, data[k], want, rec.Data)
		}
	}
	if !strings.Contains(string(rec.Data), `"tenders":[{"method":"cash","amount":200}]`) ||
		!strings.Contains(string(rec.Data), `"lines":[{"line_id":1,"code":"`+water+`","qty_milli":1000,"amount":200}]`) {
		t.Errorf("record data %s", rec.Data)
	}
	if res.Number != fmt.Sprintf("DEMO0001-%08d", res.Seq) {
		t.Errorf("refund number %s for record %d", res.Number, res.Seq)
	}
	// Two more waters than remain are refused; the last one is not; then no more.
	if _, err := f.refund(sold.Number, refundUnits(1, 2)); !errors.Is(err, refund.ErrOverRefund) {
		t.Fatalf("refunding 2 of the 1 water left: %v", err)
	}
	if _, err := f.refund(sold.Number, refundUnits(1, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.refund(sold.Number, refundUnits(1, 1)); !errors.Is(err, refund.ErrOverRefund) {
		t.Fatalf("refunding the same water line again: %v", err)
	}
	rest, err := f.refund(sold.Number, refund.Request{Full: true})
	if err != nil || rest.Refund.Total != 1650 || !rest.Refund.Full || len(rest.Refund.Lines) != 1 {
		t.Fatalf("full refund of the rest = %+v, %v", rest, err)
	}
	if _, err := f.refund(sold.Number, refund.Request{Full: true}); !errors.Is(err, refund.ErrOverRefund) {
		t.Fatalf("a second full refund: %v", err)
	}
	loaded, err := f.refunds.Load(sold.Number)
	if err != nil || len(loaded.Prior) != 3 || loaded.Position.Refunded != 2050 || loaded.Position.Remaining() != 0 {
		t.Fatalf("after refunding everything: %+v, %v", loaded, err)
	}
	if f.count(t, refund.Kind) != 3 || f.printer.drawers != 3 || len(f.printer.printed) != 3 {
		t.Errorf("refund records %d, drawer kicks %d, receipts %d; want 3 each", f.count(t, refund.Kind), f.printer.drawers, len(f.printer.printed))
	}
	if slip := f.printer.printed[2]; !strings.Contains(slip, "-¥16.50") || !strings.Contains(slip, "QR:"+rest.Number) || !strings.Contains(slip, sold.Number) {
		t.Errorf("refund receipt:\n%s", slip)
	}
	if _, err := f.j.Verify(); err != nil {
		t.Fatal(err)
	}
}

// A part of a line gets its share of the net after the order discount, and the parts
// add up to what was paid.
func TestRefundSharesTheOrderDiscount(t *testing.T) {
	f := newRefundFixture(t)
	for range 3 {
		f.till.Scan(noodles)
	}
	if err := f.till.Current().SetOrderDiscount(sale.Discount{PercentBP: 1000}); err != nil {
		t.Fatal(err)
	}
	sold := f.sell(t, nil) // ¥16.50 - 10% = ¥14.85
	var got []money.Amount
	for range 3 {
		res, err := f.refund(sold.Number, refundUnits(1, 1))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res.Refund.Total)
	}
	if fmt.Sprint(got) != "[¥4.95 ¥4.95 ¥4.95]" {
		t.Errorf("unit refunds %v, want ¥4.95 each", got)
	}
}

func TestRefundRetryWithTheSameIDRefundsOnce(t *testing.T) {
	f := newRefundFixture(t)
	sold := f.sell(t, []string{water})
	other := f.sell(t, []string{noodles})
	id := f.refunds.NewID()
	first, err := f.refund(sold.Number, refund.Request{ID: id, Full: true})
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.refund(sold.Number, refund.Request{ID: id, Full: true})
	if err != nil || !again.Replayed || again.Number != first.Number || again.Refund.Total != 200 {
		t.Fatalf("retry = %+v, %v; want the first refund replayed", again, err)
	}
	if _, err := f.refund(other.Number, refund.Request{ID: id, Full: true}); !errors.Is(err, ErrRefundIDReuse) {
		t.Fatalf("the same ID for another sale: %v", err)
	}
	// The issued ID survives a restart.
	f.j.Close()
	f.open(t)
	again, err = f.refund(sold.Number, refund.Request{ID: id, Full: true})
	if err != nil || !again.Replayed {
		t.Fatalf("retry after a restart = %+v, %v", again, err)
	}
	if n := f.count(t, refund.Kind); n != 1 {
		t.Errorf("%d refund records, want 1", n)
	}
	if id := f.refunds.NewID(); !strings.HasPrefix(id, "DEMO0001-R") || id == first.Refund.ID {
		t.Errorf("NewID = %s", id)
	}
}

func TestRefundsRefused(t *testing.T) {
	f := newRefundFixture(t)
	sold := f.sell(t, []string{water})
	f.till.Scan(noodles)
	if err := f.till.Cancel(); err != nil {
		t.Fatal(err)
	}
	cancelled, _ := f.j.LastSeq()
	ctx := context.Background()
	full := refund.Request{ID: "X1", Full: true}
	for _, tc := range []struct {
		name                         string
		number                       string
		req                          refund.Request
		operator, approvedBy, reason string
		want                         error
	}{
		{"no approval", sold.Number, full, "op", "", "damaged", ErrRefundAudit},
		{"no operator", sold.Number, full, "", "mgr", "damaged", ErrRefundAudit},
		{"unknown reason", sold.Number, full, "op", "mgr", "because", ErrRefundAudit},
		{"no ID", sold.Number, refund.Request{Full: true}, "op", "mgr", "damaged", ErrRefundAudit},
		{"cancelled sale", fmt.Sprint(cancelled), full, "op", "mgr", "damaged", refund.ErrCancelled},
		{"not a sale", "1", full, "op", "mgr", "damaged", ErrNotASale},
		{"no such record", "999", full, "op", "mgr", "damaged", ErrNotASale},
		{"another terminal", "SHOP0002-00000002", full, "op", "mgr", "damaged", ErrNotASale},
		{"not a number", "abc", full, "op", "mgr", "damaged", ErrNotASale},
		{"nothing", sold.Number, refund.Request{ID: "X2"}, "op", "mgr", "damaged", refund.ErrNothing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.refunds.Refund(ctx, tc.number, tc.req, tc.operator, tc.approvedBy, tc.reason); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	closed := errors.New("shift is closed")
	f.till.AddSalesGate(func() error { return closed }) // the till's gates by default
	if _, err := f.refund(sold.Number, full); !errors.Is(err, closed) {
		t.Errorf("refund past a closed gate: %v", err)
	}
	if n := f.count(t, refund.Kind); n != 0 || f.printer.drawers != 0 {
		t.Errorf("refused refunds left %d records and %d drawer kicks", n, f.printer.drawers)
	}
}

func TestSplitTenderRefundGoesBackToEachTender(t *testing.T) {
	f := newRefundFixture(t)
	sold := f.sell(t, []string{"4*" + noodles}, refundCardTender{}, CashTender{Now: f.clock.now}) // ¥22: card ¥10, cash ¥12
	if _, err := f.refund(sold.Number, refund.Request{Full: true}); !errors.Is(err, ErrNoRefunder) {
		t.Fatalf("refund to a card with no card refunder: %v", err)
	}
	card := &refundCardRefunder{fail: errors.New("acquirer unreachable")}
	f.refunds.Register(card)
	id := f.refunds.NewID()
	if _, err := f.refund(sold.Number, refund.Request{ID: id, Full: true}); !errors.Is(err, ErrRefundInDoubt) || f.printer.drawers != 0 {
		t.Fatalf("refund with the card refund failing: %v, drawer kicks %d", err, f.printer.drawers)
	}
	card.fail = nil
	changed := refundUnits(1, 1)
	changed.ID = id
	if _, err := f.refund(sold.Number, changed); !errors.Is(err, ErrRefundInDoubt) || len(card.log) != 1 {
		t.Fatalf("a changed retry of a refund in doubt: %v (card asked %d times)", err, len(card.log))
	}
	res, err := f.refund(sold.Number, refund.Request{ID: id, Full: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []refund.TenderRefund{{Method: sale.Cash, Amount: 1200}, {Method: sale.Card, Amount: 1000, OriginalRef: "6222****1234", Ref: "RF-6222****1234"}}
	if res.Refund.Method != refund.MixedMethod || fmt.Sprint(res.Refund.Tenders) != fmt.Sprint(want) {
		t.Errorf("tenders %+v, want %+v", res.Refund.Tenders, want)
	}
	key := id + "/card/6222****1234"
	if len(card.log) != 2 || card.log[0] != key || card.log[1] != key || card.done[key] != 1000 {
		t.Errorf("card refunder calls %v, done %v", card.log, card.done)
	}
	if f.count(t, refund.Kind) != 1 || f.printer.drawers != 1 {
		t.Errorf("refund records %d, drawer kicks %d", f.count(t, refund.Kind), f.printer.drawers)
	}
}

func TestFindSales(t *testing.T) {
	f := newRefundFixture(t)
	first := f.sell(t, []string{water}) // 26 Nov, ¥2.00
	f.clock.advance(24 * time.Hour)
	second := f.sell(t, []string{noodles}, refundCardTender{}) // 27 Nov, ¥5.50 by card
	f.clock.advance(24 * time.Hour)
	third := f.sell(t, []string{"2*" + water}) // 28 Nov, ¥4.00
	if _, err := f.refund(third.Number, refundUnits(1, 1)); err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		q    SaleQuery
		want []*Receipt
	}{
		{"all, newest first", SaleQuery{}, []*Receipt{third, second, first}},
		{"receipt number", SaleQuery{Receipt: second.Number}, []*Receipt{second}},
		{"receipt digits", SaleQuery{Receipt: strings.TrimLeft(strings.TrimPrefix(first.Number, "DEMO0001-"), "0")}, []*Receipt{first}},
		{"date range", SaleQuery{From: day(27), To: day(28)}, []*Receipt{second}},
		{"from a day", SaleQuery{From: day(27)}, []*Receipt{third, second}},
		{"amount", SaleQuery{Amount: 400}, []*Receipt{third}},
		{"card reference", SaleQuery{Ref: "1234"}, []*Receipt{second}},
		{"product name", SaleQuery{Text: "nongfu"}, []*Receipt{third, first}},
		{"text in a reference", SaleQuery{Text: "****1234"}, []*Receipt{second}},
		{"limit", SaleQuery{Limit: 2}, []*Receipt{third, second}},
		{"nothing", SaleQuery{Amount: 1}, nil},
		{"receipt and a wrong amount", SaleQuery{Receipt: first.Number, Amount: 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.refunds.Find(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var numbers, want []string
			for _, s := range got {
				numbers = append(numbers, s.Receipt)
			}
			for _, r := range tc.want {
				want = append(want, r.Number)
			}
			if fmt.Sprint(numbers) != fmt.Sprint(want) {
				t.Fatalf("found %v, want %v", numbers, want)
			}
		})
	}
	for _, q := range []SaleQuery{{}, {Receipt: third.Number}} {
		got, _ := f.refunds.Find(q)
		if got[0].RefundedSoFar != 200 || got[0].Total != 400 || got[0].Items != 2 || fmt.Sprint(got[0].Methods) != "[cash]" {
			t.Errorf("Find(%+v)[0] = %+v, want ¥2.00 of ¥4.00 refunded", q, got[0])
		}
	}
	if _, err := f.refunds.Find(SaleQuery{Receipt: "SHOP0002-00000002"}); !errors.Is(err, ErrNotASale) {
		t.Errorf("finding another terminal's receipt: %v", err)
	}
}

func TestParseSaleQuery(t *testing.T) {
	for text, want := range map[string]SaleQuery{
		"":                  {},
		" 12 ":              {Receipt: "12"},
		"DEMO0001-00000012": {Receipt: "DEMO0001-00000012"},
		"20.50":             {Amount: 2050},
		"¥20":               {Amount: 2000},
		"*1234":             {Ref: "1234"},
		"2026112622001":     {Receipt: "2026112622001"},
		"TRADE-X1":          {Text: "TRADE-X1"},
		"农夫山泉":              {Text: "农夫山泉"},
	} {
		if got := ParseSaleQuery(text); got != want {
			t.Errorf("ParseSaleQuery(%q) = %+v, want %+v", text, got, want)
		}
	}
}
