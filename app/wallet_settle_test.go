package app

import (
	"context"
	"errors"
	"testing"

	"tilldesk/app/walletsim"
	"tilldesk/core/dereg"
	"tilldesk/core/journal"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// Refunds through the journal browser's refund use case: partial, a retry of the same
// refund ID (nothing paid twice), the rest; and the refunder itself retried after a
// dropped answer.
func TestWalletRefunds(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		for _, code := range []string{water, water, noodles} { // ¥9.50
			if _, err := f.till.Scan(code); err != nil {
				t.Fatal(err)
			}
		}
		r, err := f.payCode(context.Background(), f.code(w, walletsim.PayAtOnce), 0)
		if err != nil || r == nil {
			t.Fatalf("sale: %v, %v", r, err)
		}
		refunds := NewRefunds(f.till, RefundsOptions{Language: "en"})
		f.w.RegisterRefunders(refunds)
		partial := refund.Request{ID: refunds.NewID(), Lines: []refund.LineRequest{{LineID: r.Sale.Lines[len(r.Sale.Lines)-1].ID, QtyMilli: sale.QtyOne}}}
		for i := range 2 {
			res, err := refunds.Refund(context.Background(), r.Number, partial, "op-01", "mgr-01", "damaged")
			if err != nil || res.Replayed != (i == 1) || res.Refund.Tenders[0].Method != m || res.Refund.Tenders[0].Amount != 550 {
				t.Fatalf("partial refund, try %d: %+v, %v", i, res, err)
			}
		}
		if f.balance(w) != 10000-950+550 {
			t.Fatalf("balance after the partial refund %d", f.balance(w))
		}
		// The rest, its first answer lost: the retry with the same refund number pays once.
		f.sandbox.Inject(walletsim.Fault{Provider: p, Op: wallet.OpRefund, Kind: walletsim.FaultDrop})
		rest, err := refunds.Refund(context.Background(), r.Number, refund.Request{ID: refunds.NewID(), Full: true}, "op-01", "mgr-01", "damaged")
		if err != nil || rest.Refund.Total != 400 {
			t.Fatalf("refund of the rest: %+v, %v", rest, err)
		}
		if f.balance(w) != 10000 {
			t.Fatalf("balance after refunding all %d", f.balance(w))
		}
		// Asking the refunder again with a used key moves nothing.
		tr := walletRefunder{w: f.w, m: m}
		if _, err := tr.Refund(context.Background(), TenderRefundRequest{Key: partial.ID + "/" + string(m) + "/" + r.Sale.Payments[0].Ref, OriginalRef: r.Sale.Payments[0].Ref, Amount: 550}); err != nil {
			t.Fatal(err)
		}
		if f.balance(w) != 10000 {
			t.Fatalf("balance after a repeated refund %d", f.balance(w))
		}
		// More than was paid is refused by the provider.
		if _, err := tr.Refund(context.Background(), TenderRefundRequest{Key: "other", OriginalRef: r.Sale.Payments[0].Ref, Amount: 100}); !errors.Is(err, ErrWalletDeclined) {
			t.Fatalf("over-refund: %v", err)
		}
	})
}

// A part-paid sale abandoned with a manager's approval: the wallet payment is given
// back through the reverser.
func TestWalletReverserOnAbandonedSale(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		if _, err := f.till.Scan(noodles); err != nil {
			t.Fatal(err)
		}
		if r, err := f.payCode(context.Background(), f.code(w, walletsim.PayAtOnce), 300); err != nil || r != nil {
			t.Fatalf("part payment: %v, %v", r, err)
		}
		if err := f.till.SalesAllowed(); err != nil {
			t.Fatalf("the open sale's own payment blocks sales: %v", err)
		}
		if err := f.till.CancelPaid(context.Background(), "mgr-01"); err != nil {
			t.Fatal(err)
		}
		if f.balance(w) != 10000 {
			t.Fatalf("balance %d", f.balance(w))
		}
		f.wantLast(walletReversed)
		f.settledAll()
	})
}

// A till that stopped with a wallet payment on its open sale: the sale is gone, so at
// the next start the payment is given back before any sale.
func TestWalletResolvePaidOnLostSale(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		if _, err := f.till.Scan(noodles); err != nil {
			t.Fatal(err)
		}
		if _, err := f.payCode(context.Background(), f.code(w, walletsim.PayAtOnce), 300); err != nil {
			t.Fatal(err)
		}
		f.reopen()
		if err := f.till.SalesAllowed(); !errors.Is(err, ErrWalletUnresolved) {
			t.Fatalf("sales before resolution: %v", err)
		}
		pre := &dereg.Registry{}
		f.w.AddDeregPreconditions(pre)
		if res := pre.Check(); len(res) != 1 || res[0].OK() || res[0].Name != "wallet_no_intents" {
			t.Fatalf("deregistration precondition: %+v", res)
		}
		if err := f.w.ResolvePending(context.Background()); err != nil {
			t.Fatal(err)
		}
		if f.balance(w) != 10000 {
			t.Fatalf("balance %d", f.balance(w))
		}
		if res := pre.Check(); !res[0].OK() {
			t.Fatalf("precondition after resolution: %+v", res)
		}
		f.settledAll()
	})
}

// Each unsettled state left by a stopped till resolves by asking the provider.
func TestWalletResolveEachState(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		// Left "sent" for a trade the provider completed (the answer never came back),
		// and "paying" for one the customer never confirmed.
		leave := func(b walletsim.Behaviour, state string) string {
			code := f.code(w, b)
			api := f.w.apis[m]
			wp := f.w.newPayment(api, walletFlowCode, PayRequest{SaleID: "S", Amount: 100}, nil)
			wp.order.AuthCode = code
			if err := f.w.record(KindWalletIntent, &wp.in, walletSent, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := api.call(context.Background(), wallet.OpPay, wp.order); err != nil {
				t.Fatal(err)
			}
			if err := f.w.move(&wp.in, state, ""); err != nil {
				t.Fatal(err)
			}
			return wp.in.OutTradeNo
		}
		paid, paying := leave(walletsim.PayAtOnce, walletSent), leave(walletsim.AskConfirm, walletPaying)
		f.reopen()
		if n, _ := f.w.Unresolved(); n != 2 {
			t.Fatalf("%d unresolved, want 2", n)
		}
		if err := f.w.ResolvePending(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := f.states(paid); got[len(got)-1] != walletReversed {
			t.Fatalf("paid: %v", got)
		}
		if got := f.states(paying); got[len(got)-1] != walletCancelled {
			t.Fatalf("paying: %v", got)
		}
		if f.balance(w) != 10000 || len(f.phone.Pending()) != 0 {
			t.Fatalf("balance %d, pending %v", f.balance(w), f.phone.Pending())
		}
		f.settledAll()
		if n := countWalletKind(t, f.j, KindWalletState); n < 4 {
			t.Fatalf("%d state records", n)
		}
	})
}

func countWalletKind(t *testing.T, j *journal.Journal, kind string) int {
	t.Helper()
	n := 0
	if err := j.Each(journal.Filter{Kind: kind}, func(journal.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
