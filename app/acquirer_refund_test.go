package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
)

// A whole card sale of the open batch is voided (0200); the customer gets it all back
// and the batch counts nothing for it.
func TestCardRefundVoidsASaleOfTheOpenBatch(t *testing.T) {
	f := newCardFixture(t)
	sold := f.mustPay("visa", water, noodles)
	before := f.balance("visa")
	refunds := f.refundsWithCard()
	f.card("visa", false)
	id := refunds.NewID()
	res, err := refunds.Refund(context.Background(), sold.Number, refund.Request{ID: id, Full: true}, "op1", "mgr1", "other")
	if err != nil {
		t.Fatalf("refund: %v", err)
	}
	if len(res.Refund.Tenders) != 1 || !strings.HasPrefix(res.Refund.Tenders[0].Ref, "void Visa ") {
		t.Fatalf("tenders %+v", res.Refund.Tenders)
	}
	if f.balance("visa") != before+750 {
		t.Fatal("the void did not give the money back")
	}
	var voided bool
	for _, x := range f.sb.Transactions("") {
		voided = voided || x.Kind == acquirersim.Sale && x.Status == acquirersim.Voided
	}
	if !voided {
		t.Fatalf("sandbox %+v", f.sb.Transactions(""))
	}
	if sum, _ := f.d.OpenBatch(); sum.Count != 0 || sum.Net != 0 {
		t.Fatalf("batch after the void %+v", sum)
	}
	// A retry of the same refund pays nothing twice.
	again, err := refunds.Refund(context.Background(), sold.Number, refund.Request{ID: id, Full: true}, "op1", "mgr1", "other")
	if err != nil || !again.Replayed || f.sb.Count(posmsg.KindVoid) != 1 {
		t.Fatalf("retry: %+v %v, voids %d", again, err, f.sb.Count(posmsg.KindVoid))
	}
	if k := f.kinds(); k[KindCardVoided] != 1 {
		t.Fatalf("records %v", k)
	}
	if _, err := f.d.Settle(context.Background(), "mgr1"); err != nil {
		t.Fatalf("settle: %v", err)
	}
	if s := f.sb.Settlements(); len(s) != 1 || !s[0].Balanced {
		t.Fatalf("sandbox settlements %+v", s)
	}
}

// Part of a sale, or a sale of a settled batch, is refunded (0220) up to what is left;
// the card refunder is idempotent by its key.
func TestCardRefundOfEarlierBatch(t *testing.T) {
	f := newCardFixture(t)
	sold := f.mustPay("unionpay", water, noodles)
	if _, err := f.d.Settle(context.Background(), "mgr1"); err != nil {
		t.Fatal(err)
	}
	before := f.balance("unionpay")
	f.card("unionpay", false)
	rf := f.d.Refunder(nil)
	req := TenderRefundRequest{Key: "R1/card/" + sold.Sale.Payments[0].Ref, RefundID: "R1", OriginalReceipt: sold.Number,
		Method: sale.Card, Amount: 550, OriginalRef: sold.Sale.Payments[0].Ref}
	asked := f.pad.asked()
	ref, err := rf.Refund(context.Background(), req)
	if err != nil || !strings.HasPrefix(ref, "refund UnionPay ") {
		t.Fatalf("refund: %q %v", ref, err)
	}
	if f.pad.asked() != asked {
		t.Fatal("a refund asked the customer for the PIN")
	}
	again, err := rf.Refund(context.Background(), req)
	if err != nil || again != ref || f.sb.Count(posmsg.KindRefund) != 1 {
		t.Fatalf("retry: %q %v (refunds sent %d)", again, err, f.sb.Count(posmsg.KindRefund))
	}
	if f.balance("unionpay") != before+550 {
		t.Fatal("refund not credited")
	}
	// More than is left is refused by the host.
	req.Key, req.RefundID, req.Amount = "R2/card/x", "R2", 300
	var de *CardDeclinedError
	if _, err := rf.Refund(context.Background(), req); !errors.As(err, &de) || de.Code.Code != "64" {
		t.Fatalf("over-refund: %v", err)
	}
	// Another card is not the sale's.
	f.card("visa", false)
	req.Key, req.Amount = "R3/card/x", 100
	if _, err := rf.Refund(context.Background(), req); !errors.Is(err, ErrWrongCard) {
		t.Fatalf("wrong card: %v", err)
	}
	if sum, _ := f.d.OpenBatch(); sum.Count != 1 || sum.Net != -550 || sum.Totals.Domestic.CreditCount != 1 {
		t.Fatalf("batch %+v", sum)
	}
	assertNoClearPAN(t, f, "unionpay")
}

// A refund whose answer does not come is resent unchanged on the retry: the host
// answers it once.
func TestCardRefundInDoubtIsResent(t *testing.T) {
	f := newCardFixture(t)
	sold := f.mustPay("visa", noodles)
	if _, err := f.d.Settle(context.Background(), "mgr1"); err != nil {
		t.Fatal(err)
	}
	before := f.balance("visa")
	refunds := f.refundsWithCard()
	f.card("visa", false)
	f.sb.Inject(acquirersim.Fault{Kind: posmsg.KindRefund, Drop: true})
	id := refunds.NewID()
	if _, err := refunds.Refund(context.Background(), sold.Number, refund.Request{ID: id, Full: true}, "op1", "mgr1", "other"); !errors.Is(err, ErrRefundInDoubt) {
		t.Fatalf("refund: %v, want in doubt", err)
	}
	res, err := refunds.Refund(context.Background(), sold.Number, refund.Request{ID: id, Full: true}, "op1", "mgr1", "other")
	if err != nil || res.Replayed {
		t.Fatalf("retry: %+v %v", res, err)
	}
	if f.balance("visa") != before+550 {
		t.Fatalf("balance %d, want %d", f.balance("visa"), before+550)
	}
	if n := f.sb.Count(posmsg.KindRefund); n != 2 {
		t.Fatalf("refunds sent %d", n)
	}
}
