package app

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"tilldesk/app/acquirer"
	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583/posmsg"
)

// A sale whose answer never comes, comes broken or comes too late is reversed, the
// reversal retried until the host acknowledges it, and the customer ends up charged
// nothing; the next sale goes through normally.
func TestCardSaleInDoubtIsReversed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  acquirersim.Fault
		kind   error
		reason string
	}{
		{"timeout", acquirersim.Fault{Kind: posmsg.KindSale, Drop: true}, acquirer.ErrTimeout, posmsg.ReasonNoResponse},
		{"connection dropped", acquirersim.Fault{Kind: posmsg.KindSale, Close: true}, acquirer.ErrConnectionLost, posmsg.ReasonNoResponse},
		{"garbage", acquirersim.Fault{Kind: posmsg.KindSale, Garbage: true}, acquirer.ErrGarbage, posmsg.ReasonNoResponse},
		{"bad MAC", acquirersim.Fault{Kind: posmsg.KindSale, BadMAC: true}, acquirer.ErrMAC, posmsg.ReasonResponseMAC},
		{"late answer", acquirersim.Fault{Kind: posmsg.KindSale, Delay: 3 * testResponseTimeout}, acquirer.ErrTimeout, posmsg.ReasonNoResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCardFixture(t)
			f.card("visa", false)
			before := f.balance("visa")
			f.sb.Inject(tc.fault)
			// The first two reversals are lost on the way: the till must keep trying.
			f.sb.Inject(acquirersim.Fault{Kind: posmsg.KindReversal, Ignore: true, Times: 2})
			_, err := f.pay(water)
			if !errors.Is(err, ErrCardInDoubt) || !errors.Is(err, tc.kind) || !acquirer.InDoubt(err) {
				t.Fatalf("pay: %v, want in doubt (%v)", err, tc.kind)
			}
			if k := CardErrorKey(err); k != "card.err.in_doubt" && k != (&acquirer.Error{Kind: tc.kind}).Key() {
				t.Fatalf("key %q", k)
			}
			if s := f.till.Current(); len(s.Payments) != 0 {
				t.Fatalf("a payment in doubt was kept: %+v", s.Payments)
			}
			f.eventually("the reversal acknowledged", func() bool { return f.status().PendingReversals == 0 })
			if got := f.balance("visa"); got != before {
				t.Fatalf("balance %d after the reversal, want %d (charged without a sale)", got, before)
			}
			if n := f.sb.Count(posmsg.KindReversal); n < 3 {
				t.Fatalf("%d reversals sent, want the lost ones retried", n)
			}
			txns := f.sb.Transactions("")
			if len(txns) != 1 || txns[0].Status != acquirersim.Reversed || txns[0].ReversalReason != tc.reason {
				t.Fatalf("sandbox ledger %+v, want the sale reversed for %s", txns, tc.reason)
			}
			if k := f.kinds(); k[KindCardReversalDue] != 1 || k[KindCardReversed] != 1 {
				t.Fatalf("records %v", k)
			}
			// The cashier tries again: it goes through, and is the only charge.
			r, err := f.pay()
			if err != nil || r == nil {
				t.Fatalf("next sale: %v", err)
			}
			if got := f.balance("visa"); got != before-200 {
				t.Fatalf("balance %d after one sale, want %d", got, before-200)
			}
		})
	}
}

// A late answer after the till gave up must never be taken, even when it arrives on
// a later exchange: the reversal wins and the customer is charged once in all.
func TestCardLateApprovalNeverDoubleCharges(t *testing.T) {
	f := newCardFixture(t)
	f.card("unionpay", false)
	before := f.balance("unionpay")
	f.sb.Inject(acquirersim.Fault{Kind: posmsg.KindSale, Delay: 2 * testResponseTimeout})
	if _, err := f.pay(water); !errors.Is(err, acquirer.ErrTimeout) {
		t.Fatalf("pay: %v, want a timeout", err)
	}
	// The cashier tries again at once: the reversal goes first.
	r, err := f.pay()
	if err != nil || r == nil {
		t.Fatalf("second attempt: %v", err)
	}
	time.Sleep(3 * testResponseTimeout) // the late answer has long been written by now
	f.eventually("no pending reversal", func() bool { return f.status().PendingReversals == 0 })
	if got := f.balance("unionpay"); got != before-200 {
		t.Fatalf("balance %d, want %d: charged %d", got, before-200, before-got)
	}
	var approved, reversed int
	for _, x := range f.sb.Transactions("") {
		switch x.Status {
		case acquirersim.Approved:
			approved++
		case acquirersim.Reversed:
			reversed++
		}
	}
	if approved != 1 || reversed != 1 {
		t.Fatalf("sandbox: %d approved, %d reversed", approved, reversed)
	}
}

// dialSwitch makes the host unreachable while off is set.
type dialSwitch struct{ off atomic.Bool }

func (d *dialSwitch) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if d.off.Load() {
		return nil, errors.New("connection refused (test)")
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

// With the host unreachable, a sale under the floor limit that the card approves
// offline is taken, stored, and sent as an advice once the host is back; one over
// the offline limit is declined with the reason.
func TestCardOfflineApprovalSentLater(t *testing.T) {
	f, sw := newOfflineCardFixture(t)
	f.card("unionpay", false)
	before := f.balance("unionpay")
	sw.off.Store(true)
	r, err := f.pay(water, noodles)
	if err != nil || r == nil {
		t.Fatalf("offline pay: %v", err)
	}
	rc, ok := f.d.ReceiptFor(r.Sale.Payments[0].Ref)
	if !ok || !rc.Offline {
		t.Fatalf("receipt data %+v", rc)
	}
	if st := f.status(); st.PendingAdvices != 1 || st.BatchCount != 1 {
		t.Fatalf("status %+v", st)
	}
	time.Sleep(100 * time.Millisecond) // a few retries against the dead host
	if f.balance("unionpay") != before {
		t.Fatal("charged while the host was unreachable")
	}
	sw.off.Store(false)
	f.eventually("the advice sent", func() bool { return f.status().PendingAdvices == 0 })
	if got := f.balance("unionpay"); got != before-750 {
		t.Fatalf("balance %d, want %d", got, before-750)
	}
	// The card asked to go online: the intent was journaled, then nothing could be sent.
	if k := f.kinds(); k[KindCardAdviceStored] != 1 || k[KindCardAdviceSent] != 1 || k[KindCardIntent] != 1 || k[KindCardNotSent] != 1 {
		t.Fatalf("records %v", k)
	}
	assertNoClearPAN(t, f, "unionpay")

	// Over the offline limit: declined, nothing stored.
	f.d.opt.Config.OfflineLimitFen = 100
	sw.off.Store(true)
	if _, err := f.pay(water); !errors.Is(err, ErrOfflineLimit) || !errors.Is(err, acquirer.ErrUnreachable) {
		t.Fatalf("over the offline limit: %v", err)
	}
	if st := f.status(); st.PendingAdvices != 0 || st.BatchCount != 1 {
		t.Fatalf("status %+v", st)
	}
}

// newOfflineCardFixture is a card fixture whose host can be made unreachable, with a
// floor limit of ¥1,000 so that the cards may approve offline.
func newOfflineCardFixture(t *testing.T) (*cardFixture, *dialSwitch) {
	f := newCardFixture(t)
	sw := &dialSwitch{}
	f.floor = 100000
	f.reopenWith(func(o *CardPaymentsOptions) { o.Dial = sw.dial })
	return f, sw
}

// reopenWith restarts the till with changed options.
func (f *cardFixture) reopenWith(change func(*CardPaymentsOptions)) {
	f.t.Helper()
	f.d.Close()
	if err := f.j.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.change = change
	f.open()
}
