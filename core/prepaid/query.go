package prepaid

import (
	"encoding/json"
	"fmt"

	"tilldesk/core/money"
)

// Account returns a card's account as stored (PIN hash included: callers that show it
// use Redacted).
func (l *Ledger) Account(number string) (Account, error) {
	var a Account
	found, err := getJSON(l.journal(), BucketAccounts, number, &a)
	if err == nil && !found {
		err = fmt.Errorf("card %s: %w", Mask(number), ErrUnknownCard)
	}
	return a, err
}

// ByUID returns the card a contactless UID names.
func (l *Ledger) ByUID(uid string) (Account, error) {
	norm, err := NormalizeUID(uid)
	if err != nil {
		return Account{}, err
	}
	var number string
	found, err := getJSON(l.journal(), BucketUIDs, norm, &number)
	if err != nil {
		return Account{}, err
	}
	if !found {
		return Account{}, fmt.Errorf("contactless card: %w", ErrUnknownCard)
	}
	return l.Account(number)
}

// Totals returns the liability (sum of all balances) and the number of cards.
func (l *Ledger) Totals() (Totals, error) {
	var t Totals
	_, err := getJSON(l.journal(), BucketMeta, keyTotals, &t)
	return t, err
}

// EachAccount calls fn with every account, in card number order.
func (l *Ledger) EachAccount(fn func(Account) error) error {
	return l.journal().EachState(BucketAccounts, func(k string, v []byte) error {
		var a Account
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("prepaid: account %s unreadable: %w (%v)", Mask(k), ErrInconsistent, err)
		}
		return fn(a)
	})
}

// PendingPayments lists the payments whose sales have neither completed nor been
// given back, in payment ID order.
func (l *Ledger) PendingPayments() ([]Pending, error) {
	var out []Pending
	err := l.journal().EachState(BucketPending, func(k string, v []byte) error {
		var p Pending
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("prepaid: pending payment %s unreadable: %w (%v)", k, ErrInconsistent, err)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// PaymentInfo is a payment as the ledger remembers it, with what was refunded since.
type PaymentInfo struct {
	Movement Movement
	Refunded money.Amount
	Pending  bool
}

// Payment returns the payment with id (its movement's ID).
func (l *Ledger) Payment(id string) (PaymentInfo, error) {
	var r request
	found, err := getJSON(l.journal(), BucketRequests, id, &r)
	if err != nil {
		return PaymentInfo{}, err
	}
	if !found || r.Movement.Kind != Payment {
		return PaymentInfo{}, fmt.Errorf("payment %s: %w", id, ErrNotPending)
	}
	raw, err := l.journal().GetState(BucketPending, id)
	if err != nil {
		return PaymentInfo{}, err
	}
	return PaymentInfo{Movement: r.Movement, Refunded: r.Refunded, Pending: raw != nil}, nil
}
