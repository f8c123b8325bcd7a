package app

import (
	"context"
	"errors"
	"testing"
)

// The customer reads their card's balance on the PIN pad (the simulated pad on a
// pseudo-terminal, through its driver): after a look-up, nothing before the PIN, and
// after a payment what was paid and what is left. With the pad unplugged the look-up
// and the payment still go through.
func TestPrepaidBalanceOnThePINPad(t *testing.T) {
	f := newPrepaidFixture(t)
	d, err := StartDevices(DefaultConfig(), Paths{DataDir: t.TempDir()}, f.till, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	AttachCustomerDisplay(&Session{Prepaid: f.desk}, d)
	waitFor(t, "the PIN pad in its slot", func() bool { return d.PINPad().Ready() == nil })
	pad := d.Simulators().PINPad
	before := pad.Display()

	card := f.sellCard(t, 8800, "2468")
	if _, err := f.desk.Identify(CardCredential{Entry: CardTyped, Code: card.Number}); !errors.Is(err, ErrPINNeeded) {
		t.Fatalf("typed card without its PIN: %v", err)
	}
	f.desk.WaitCustomerDisplay()
	if got := pad.Display(); got != before {
		t.Errorf("the pad shows %q before the card's PIN", got)
	}
	if _, err := f.desk.Identify(CardCredential{Entry: CardTyped, Code: card.Number, PIN: "2468"}); err != nil {
		t.Fatal(err)
	}
	f.desk.WaitCustomerDisplay()
	if got := pad.Display(); got != "BALANCE    88.00\n" {
		t.Errorf("after the look-up the pad shows %q", got)
	}

	if _, err := f.till.Scan(noodles); err != nil {
		t.Fatal(err)
	}
	if _, err := f.till.Pay(context.Background(), f.desk.Tender(card, false), PayRequest{}); err != nil {
		t.Fatal(err)
	}
	f.desk.WaitCustomerDisplay()
	if got := pad.Display(); got != "PAID    CNY 5.50\nBALANCE    82.50" {
		t.Errorf("after the payment the pad shows %q", got)
	}

	if err := pad.Unplug(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Identify(CardCredential{Entry: CardTyped, Code: card.Number, PIN: "2468"}); err != nil {
		t.Fatalf("look-up with the pad unplugged: %v", err)
	}
	f.desk.WaitCustomerDisplay()
	if v := f.verify(t); v.Liability != 8250 {
		t.Errorf("liability %s", v.Liability)
	}
}
