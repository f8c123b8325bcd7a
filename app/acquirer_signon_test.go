package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"tilldesk/app/acquirer"
	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583/posmsg"
)

// Registration records the sign-on as pending; the card payments sign on with the
// registered acquirer and turn it to done; the deregistration's sign-off is an 0820.
func TestCardSignOnAtRegistrationAndSignOff(t *testing.T) {
	f := newCardFixture(t)
	f.reopenWith(func(o *CardPaymentsOptions) { o.Address = "" }) // the registered host only
	id, err := f.reg.Register(RegistrationForm{MerchantID: "898310000000001", TerminalID: f.till.cfg.Terminal.ID, AcquirerHost: f.addr}, "tech1")
	if err != nil || id.SignOn != SignOnPending {
		t.Fatalf("register: %+v %v", id, err)
	}
	f.d.Kick()
	f.eventually("the sign-on", func() bool { id, _ := f.reg.Identity(); return id.SignOn == SignOnDone })
	if !f.sb.SignedOn(id.Terminal) || f.kinds()[KindCardSignedOn] != 1 {
		t.Fatalf("sandbox signed on %v, records %v", f.sb.SignedOn(id.Terminal), f.kinds())
	}
	f.mustPay("visa", water) // sales go to the registered host
	if err := f.d.SignOff(context.Background(), id); err != nil {
		t.Fatalf("sign-off: %v", err)
	}
	if f.sb.SignedOn(id.Terminal) || f.kinds()[KindCardSignedOff] != 1 {
		t.Fatal("not signed off")
	}
	// Unreachable: the wizard records the sign-off as due at the acquirer.
	f.sb.Inject(acquirersim.Fault{Kind: posmsg.KindSignOff, Ignore: true})
	if err := f.d.SignOff(context.Background(), id); !errors.Is(err, acquirer.ErrTimeout) {
		t.Fatalf("sign-off without an answer: %v", err)
	}
}

// A host that lost the terminal's session (77) gets a sign-on, then the sale again.
func TestCardSignsOnAgainWhenTheHostAsks(t *testing.T) {
	f := newCardFixture(t)
	f.mustPay("visa", water)
	f.sb.Inject(acquirersim.Fault{Kind: posmsg.KindSale, Code: "77"})
	f.mustPay("visa", noodles)
	if n := f.sb.Count(posmsg.KindSignOn); n != 2 {
		t.Fatalf("%d sign-ons", n)
	}
	if k := f.kinds(); k[KindCardDeclined] != 1 || k[KindCardAuthorised] != 2 {
		t.Fatalf("records %v", k)
	}
}

// The open sale dies with the till after a card part payment: at the restart the
// approval is reversed and the journaled payment marked given back.
func TestCardRestartReversesApprovalOfUnfinishedSale(t *testing.T) {
	f := newCardFixture(t)
	f.card("visa", false)
	before := f.balance("visa")
	ringUp(t, f.till, water, noodles)
	if _, err := f.till.Pay(context.Background(), f.d.Tender(nil), PayRequest{Amount: 300}); err != nil {
		t.Fatal(err)
	}
	f.reopen()
	f.eventually("the reversal acknowledged", func() bool { return f.status().PendingReversals == 0 })
	if f.balance("visa") != before {
		t.Fatal("the unfinished sale's card payment was not given back")
	}
	if k := f.kinds(); k[KindPaymentReversed] != 1 || k[KindCardReversed] != 1 {
		t.Fatalf("records %v", k)
	}
}

// Cancelling while the card or PIN is awaited sends nothing and takes nothing.
func TestCardCancelBeforeSending(t *testing.T) {
	f := newCardFixture(t)
	ringUp(t, f.till, water)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := f.till.Pay(ctx, f.d.Tender(f.onStage), PayRequest{}) // no card is presented
	if !errors.Is(err, context.DeadlineExceeded) || !f.saw(CardPresent) || !CardPresent.Cancellable() || CardProcessing.Cancellable() {
		t.Fatalf("pay: %v, stages %v", err, f.stages)
	}
	if n := f.sb.Count(posmsg.KindSale); n != 0 || f.kinds()[KindCardIntent] != 0 {
		t.Fatalf("sent %d sales", n)
	}
}
