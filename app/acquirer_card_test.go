package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"tilldesk/app/acquirersim"
	"tilldesk/core/emv/kernel"
	"tilldesk/core/sale"
)

// The card is pulled out after the bank approved (before the second GENERATE AC):
// the approval is reversed and no payment is kept.
func TestCardRemovedAfterApprovalIsReversed(t *testing.T) {
	f := newCardFixture(t)
	f.card("visa", false)
	before := f.balance("visa")
	setCardTestHook(t, func(point string) {
		if point == "sale.answered" {
			f.reader.Remove()
		}
	})
	_, err := f.pay(water)
	if !errors.Is(err, ErrCardRemoved) || CardErrorKey(err) != "card.err.not_completed" {
		t.Fatalf("pay: %v, want ErrCardRemoved", err)
	}
	if len(f.till.Current().Payments) != 0 {
		t.Fatal("a payment was kept")
	}
	f.eventually("the reversal acknowledged", func() bool { return f.status().PendingReversals == 0 })
	if f.balance("visa") != before {
		t.Fatal("charged without a sale")
	}
	if txns := f.sb.Transactions(""); len(txns) != 1 || txns[0].Status != acquirersim.Reversed {
		t.Fatalf("sandbox ledger %+v", txns)
	}
}

// setCardTestHook installs a crash-point hook for one test.
func setCardTestHook(t testing.TB, hook func(string)) {
	old := cardTestHook
	t.Cleanup(func() { cardTestHook = old })
	cardTestHook = hook
}

// acDecliner makes the card answer its second GENERATE AC with an AAC, as a card
// whose own risk management overrules the issuer's approval would.
type acDecliner struct{ inner CardSource }

func (s acDecliner) PresentCard(ctx context.Context, contactless bool) (kernel.Card, kernel.Interface, error) {
	c, iface, err := s.inner.PresentCard(ctx, contactless)
	return &secondACDecline{card: c}, iface, err
}

type secondACDecline struct {
	card kernel.Card
	acs  int
}

func (c *secondACDecline) Transmit(apdu []byte) ([]byte, error) {
	if len(apdu) > 4 && apdu[1] == 0xAE {
		if c.acs++; c.acs == 2 {
			apdu = append([]byte(nil), apdu...)
			apdu[2] &= 0x10 // AAC, keeping the CDA request bit
		}
	}
	return c.card.Transmit(apdu)
}

// The second GENERATE AC declines after the host approved: reversed, not charged.
func TestCardDeclinedAfterApprovalIsReversed(t *testing.T) {
	f := newCardFixture(t)
	term := *f.d.cardTerminal()
	term.Cards = acDecliner{f.reader}
	f.d.SetTerminal(&term)
	f.card("visa", false)
	before := f.balance("visa")
	_, err := f.pay(water)
	if !errors.Is(err, ErrCardLateDecline) {
		t.Fatalf("pay: %v, want ErrCardLateDecline", err)
	}
	f.eventually("the reversal acknowledged", func() bool { return f.status().PendingReversals == 0 })
	if f.balance("visa") != before {
		t.Fatal("charged without a sale")
	}
	if k := f.kinds(); k[KindCardAuthorised] != 1 || k[KindCardReversed] != 1 {
		t.Fatalf("records %v", k)
	}
}

// A split-tender sale abandoned after its card payment: the card payment is
// reversed through the card Reverser, and the journal shows it given back.
func TestCardPaymentOfAbandonedSaleIsReversed(t *testing.T) {
	f := newCardFixture(t)
	f.card("unionpay", false)
	before := f.balance("unionpay")
	ringUp(t, f.till, water, noodles)
	r, err := f.till.Pay(context.Background(), f.d.Tender(nil), PayRequest{Amount: 300})
	if err != nil || r != nil {
		t.Fatalf("part payment: %v %v", r, err)
	}
	if f.balance("unionpay") != before-300 {
		t.Fatal("part payment not charged")
	}
	if err := f.till.CancelPaid(context.Background(), "mgr1"); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	f.eventually("the reversal acknowledged", func() bool { return f.status().PendingReversals == 0 })
	if f.balance("unionpay") != before {
		t.Fatal("the abandoned sale's card payment was not given back")
	}
	if k := f.kinds(); k[KindPaymentReversed] != 1 || k[KindCardReversed] != 1 {
		t.Fatalf("records %v", k)
	}
}

// A split-tender sale: card for part, cash for the rest; the card payment is
// captured with the completed sale's own record.
func TestCardSplitTenderCapturedWithSale(t *testing.T) {
	f := newCardFixture(t)
	f.card("mastercard", false)
	ringUp(t, f.till, water, noodles)
	if _, err := f.till.Pay(context.Background(), f.d.Tender(nil), PayRequest{Amount: 500}); err != nil {
		t.Fatal(err)
	}
	if st := f.status(); st.BatchCount != 0 {
		t.Fatalf("captured before the sale completed: %+v", st)
	}
	r, err := f.till.Pay(context.Background(), CashTender{Now: fixedClock()}, PayRequest{Tendered: 1000})
	if err != nil || r == nil {
		t.Fatalf("cash: %v", err)
	}
	if st := f.status(); st.BatchCount != 1 {
		t.Fatalf("status %+v", st)
	}
	raw := f.records("sale.completed")
	if len(raw) != 1 || !containsAll(string(raw[0]), `"card":{"receipts":[`, `"cryptogram_type"`) {
		t.Fatalf("sale record %s", raw)
	}
	var card int
	for _, p := range r.Sale.Payments {
		if p.Method == sale.Card {
			card++
		}
	}
	if card != 1 {
		t.Fatalf("payments %+v", r.Sale.Payments)
	}
}

// containsAll reports whether s holds every part.
func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
