package app

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"tilldesk/app/acquirersim"
	"tilldesk/core/dereg"
	"tilldesk/core/emv/tlv"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/journal"
	"tilldesk/core/refund"
	"tilldesk/core/reports"
	"tilldesk/core/sale"
)

// refundsWithCard is the refund use case with the card refunder registered.
func (f *cardFixture) refundsWithCard() *Refunds {
	r := NewRefunds(f.till, RefundsOptions{Language: "en"})
	r.Register(f.d.Refunder(nil))
	return r
}

func (f *cardFixture) mustPay(profile string, codes ...string) *Receipt {
	f.t.Helper()
	f.card(profile, false)
	r, err := f.pay(codes...)
	if err != nil || r == nil {
		f.t.Fatalf("pay with %s: %v", profile, err)
	}
	return r
}

// settlementRecords decodes the journal's settlement records.
func (f *cardFixture) settlementRecords() []reports.Settlement {
	var out []reports.Settlement
	for _, raw := range f.records(reports.KindSettlement) {
		var s reports.Settlement
		if err := json.Unmarshal(raw, &s); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestCardSettlementBalanced(t *testing.T) {
	f := newCardFixture(t)
	f.mustPay("visa", water, noodles)           // 750, foreign
	sold := f.mustPay("unionpay", water, water) // 400, domestic
	f.mustPay("mastercard", noodles)            // 550, foreign
	// A partial refund of the UnionPay sale (0220).
	refunds := f.refundsWithCard()
	f.card("unionpay", false)
	res, err := refunds.Refund(context.Background(), sold.Number, refund.Request{ID: refunds.NewID(),
		Lines: []refund.LineRequest{{LineID: sold.Sale.Lines[0].ID, QtyMilli: sale.QtyOne}}}, "op1", "mgr1", "other")
	if err != nil || res.Refund.Total != 200 {
		t.Fatalf("refund: %+v %v", res, err)
	}
	pre := &dereg.Registry{}
	f.d.AddDeregPreconditions(pre)
	if failing(pre) != 1 {
		t.Fatalf("preconditions before settling: %+v", pre.Check())
	}
	sum, err := f.d.OpenBatch()
	if err != nil || sum.Count != 4 || sum.Net != 750+400+550-200 || len(sum.Brands) != 3 {
		t.Fatalf("open batch %+v %v", sum, err)
	}
	got, err := f.d.Settle(context.Background(), "mgr1")
	if err != nil {
		t.Fatalf("settle: %v", err)
	}
	if got.Result != SettlementBalanced || got.Uploaded != 0 || got.Batch != "000001" || got.Next != "000002" ||
		got.Totals.Domestic.DebitCount != 1 || got.Totals.Domestic.CreditAmount != 200 || got.Totals.Foreign.DebitAmount != 1300 {
		t.Fatalf("settlement %+v", got)
	}
	if recs := f.settlementRecords(); len(recs) != 1 || recs[0] != (reports.Settlement{Batch: "000001", Result: "balanced", Count: 4, Amount: 1500}) {
		t.Fatalf("journal %+v", recs)
	}
	if s := f.sb.Settlements(); len(s) != 1 || !s[0].Balanced {
		t.Fatalf("sandbox %+v", s)
	}
	if failing(pre) != 0 {
		t.Fatalf("preconditions after settling: %+v", pre.Check())
	}
	// The report shows it.
	rep, err := reports.Build(reports.Header{Type: reports.X}, allRecords(t, f.j))
	if err != nil || len(rep.Settlements) != 1 || rep.Settlements[0].Result != "balanced" {
		t.Fatalf("X report settlements %+v %v", rep.Settlements, err)
	}
	// The next sale goes into batch 2, which the host has open.
	r := f.mustPay("visa", water)
	if ref, _ := parseCardRef(r.Sale.Payments[0].Ref); ref.Batch != 2 {
		t.Fatalf("next sale in batch %s", ref.Batch)
	}
}

func failing(r *dereg.Registry) int {
	n := 0
	for _, res := range r.Check() {
		if res.Err != nil {
			n++
		}
	}
	return n
}

func allRecords(t *testing.T, j *journal.Journal) []journal.Record {
	t.Helper()
	var out []journal.Record
	if err := j.Each(journal.Filter{}, func(r journal.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// The host disagrees (an offline sale whose TC it does not accept): the settlement
// is out of balance, the batch is uploaded, and the closing settlement balances.
func TestCardSettlementOutOfBalanceUploadsTheBatch(t *testing.T) {
	f, sw := newOfflineCardFixture(t)
	f.mustPay("visa", water)
	sw.off.Store(true)
	f.mustPay("unionpay", noodles) // offline: stored as an advice
	tamperAdviceCryptogram(t, f)
	sw.off.Store(false)
	f.eventually("the advice sent", func() bool { return f.status().PendingAdvices == 0 })
	got, err := f.d.Settle(context.Background(), "mgr1")
	if err != nil {
		t.Fatalf("settle: %v", err)
	}
	if got.Result != SettlementBalancedAfterUpload || got.Uploaded != 2 || got.Count != 2 {
		t.Fatalf("settlement %+v", got)
	}
	s := f.sb.Settlements()
	if len(s) != 2 || s[0].Balanced || !s[1].AfterUpload || !s[1].Balanced || len(s[1].Missing) != 1 || f.sb.Count(posmsg.KindBatchUpload) != 1 {
		t.Fatalf("sandbox %+v", s)
	}
	if recs := f.settlementRecords(); len(recs) != 1 || recs[0].Result != SettlementBalancedAfterUpload {
		t.Fatalf("journal %+v", recs)
	}
}

// tamperAdviceCryptogram changes the TC of the stored advice, so the host will not
// count it.
func tamperAdviceCryptogram(t *testing.T, f *cardFixture) {
	t.Helper()
	f.d.flushMu.Lock() // the sender must not hold a copy from before
	defer f.d.flushMu.Unlock()
	f.d.stateMu.Lock() // it rewrites the entry after each attempt
	defer f.d.stateMu.Unlock()
	var key string
	var adv pendingAdvice
	if err := eachEntry(f.j, prefixAdvice, func(k string, a pendingAdvice) error { key, adv = k, a; return nil }); err != nil || key == "" {
		t.Fatalf("no advice: %v", err)
	}
	objs, err := tlv.Decode(adv.ICC)
	if err != nil {
		t.Fatal(err)
	}
	var icc []byte
	for _, o := range objs {
		if o.Tag == 0x9F26 {
			o.Value = append([]byte(nil), o.Value...)
			o.Value[0] ^= 0xFF
		}
		icc, _ = o.AppendTo(icc)
	}
	adv.ICC = icc
	c, err := put(key, adv)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.j.PutState(c); err != nil {
		t.Fatal(err)
	}
}

func TestCardSettlementWaitsForReversals(t *testing.T) {
	f := newCardFixture(t)
	f.card("visa", false)
	f.sb.Inject(acquirersim.Fault{Kind: posmsg.KindSale, Drop: true})
	f.sb.Inject(acquirersim.Fault{Kind: posmsg.KindReversal, Ignore: true, Times: -1})
	if _, err := f.pay(water); !errors.Is(err, ErrCardInDoubt) {
		t.Fatalf("pay: %v", err)
	}
	if _, err := f.d.Settle(context.Background(), "mgr1"); !errors.Is(err, ErrCardQueueBusy) {
		t.Fatalf("settle: %v, want ErrCardQueueBusy", err)
	}
	// Card sales wait for the reversal too; cash does not.
	if _, err := f.pay(); !errors.Is(err, ErrReversalPending) {
		t.Fatalf("card sale with a reversal pending: %v", err)
	}
	if _, err := f.till.Pay(context.Background(), CashTender{Now: fixedClock()}, PayRequest{Tendered: 500}); err != nil {
		t.Fatalf("cash: %v", err)
	}
	pre := &dereg.Registry{}
	f.d.AddDeregPreconditions(pre)
	if failing(pre) != 1 {
		t.Fatalf("preconditions %+v", pre.Check())
	}
	f.sb.ClearFaults()
	f.eventually("the reversal acknowledged", func() bool { return f.status().PendingReversals == 0 })
	if _, err := f.d.Settle(context.Background(), "mgr1"); err != nil {
		t.Fatalf("settle once sent: %v", err)
	}
}

// While the batch is being settled no transaction joins it.
func TestCardSaleWaitsForSettlement(t *testing.T) {
	f := newCardFixture(t)
	f.card("visa", false)
	f.d.setSettling(true)
	if _, err := f.pay(water); !errors.Is(err, ErrCardSettling) || f.sb.Count(posmsg.KindSale) != 0 {
		t.Fatalf("pay while settling: %v", err)
	}
	f.d.setSettling(false)
	if _, err := f.pay(); err != nil {
		t.Fatalf("pay after: %v", err)
	}
}
