package prepaid

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"tilldesk/core/money"
)

// An order is a card sold on a sale and not yet paid for: a new card with its first
// value (Issue), or value for an existing card (TopUp). The till puts one line on the
// sale per order; when the sale completes, Fulfil issues or tops up the card in the
// same record as the sale. An order is kept in state so that a held sale still has it
// after a restart; an issue order reserves its card number.
type Order struct {
	ID       string       `json:"id"`
	Kind     Kind         `json:"kind"` // Issue or TopUp
	Card     string       `json:"card"`
	Amount   money.Amount `json:"amount"` // the value sold
	PINHash  string       `json:"pin_hash,omitempty"`
	UID      string       `json:"uid,omitempty"`
	Sale     string       `json:"sale"`
	Operator string       `json:"operator,omitempty"`
	Created  time.Time    `json:"created"`
}

// PlaceOrder checks and stores an order (ID, Created and, for an issue without a
// number, Card are filled in) and returns it. An issue order reserves a free card
// number; a top-up order needs an active card with room under Policy.MaxBalance. The
// checks are made again when the order is fulfilled.
func (l *Ledger) PlaceOrder(o Order) (Order, error) {
	if o.ID == "" {
		id, err := randomID(l.opt.Rand)
		if err != nil {
			return o, err
		}
		o.ID = id
	}
	if err := checkID(o.ID); err != nil {
		return o, err
	}
	if o.Sale == "" {
		return o, fmt.Errorf("%w: an order needs its sale", ErrBadRequest)
	}
	tx := l.Begin()
	defer tx.Abort()
	o.Created = tx.now
	switch o.Kind {
	case Issue:
		if o.Amount < 0 || o.Amount > l.opt.Policy.MaxBalance {
			return o, fmt.Errorf("card sold with %s (limit %s): %w", o.Amount, l.opt.Policy.MaxBalance, ErrOverLimit)
		}
		number, err := tx.newNumber(o.Card, "")
		if err != nil {
			return o, err
		}
		o.Card = number
		if o.UID != "" {
			if err := tx.freeUID(o.UID, number); err != nil {
				return o, err
			}
		}
	case TopUp:
		if err := checkCredit(o.Amount); err != nil {
			return o, err
		}
		acct, err := tx.account(o.Card)
		if err != nil {
			return o, err
		}
		if err := acct.CanPay(tx.now); err != nil {
			return o, fmt.Errorf("top-up of card %s: %w", acct.Masked(), err)
		}
		if acct.Balance+o.Amount > l.opt.Policy.MaxBalance {
			return o, fmt.Errorf("top-up of card %s to %s (limit %s): %w", acct.Masked(), acct.Balance+o.Amount, l.opt.Policy.MaxBalance, ErrOverLimit)
		}
	default:
		return o, fmt.Errorf("%w: order of kind %q", ErrBadRequest, o.Kind)
	}
	tx.orders[o.ID] = &o
	if _, err := tx.Commit(o.Kind); err != nil {
		return o, err
	}
	return o, nil
}

// Order returns the order with id.
func (l *Ledger) Order(id string) (Order, error) {
	var o Order
	found, err := getJSON(l.journal(), BucketOrders, id, &o)
	if err == nil && !found {
		err = fmt.Errorf("order %s: %w", id, ErrBadRequest)
	}
	return o, err
}

// Orders lists the open orders.
func (l *Ledger) Orders() ([]Order, error) {
	var out []Order
	err := l.journal().EachState(BucketOrders, func(_ string, v []byte) error {
		var o Order
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("prepaid: order unreadable: %w (%v)", ErrInconsistent, err)
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

// DropOrders forgets the orders for which drop returns true (their sales were
// abandoned), releasing their card numbers.
func (l *Ledger) DropOrders(drop func(Order) bool) (int, error) {
	orders, err := l.Orders()
	if err != nil {
		return 0, err
	}
	tx := l.Begin()
	defer tx.Abort()
	n := 0
	for _, o := range orders {
		if drop(o) {
			tx.orders[o.ID] = nil
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	_, err = tx.Commit(Issue)
	return n, err
}

// Fulfil issues or tops up the card of an order whose sale has completed, with paid:
// what the customer paid for the order's line (its value, or less after a discount).
// The order is then forgotten. The request ID is derived from the order, so a retry
// moves nothing.
func (tx *Tx) Fulfil(orderID string, paid money.Amount, sale string) (Movement, error) {
	o, ok := tx.orders[orderID]
	if !ok {
		var stored Order
		found, err := getJSON(tx.j, BucketOrders, orderID, &stored)
		if err != nil {
			return Movement{}, err
		}
		if found {
			o = &stored
		}
	}
	id := "order/" + orderID
	if o == nil {
		if r, err := tx.request(id); err != nil || r != nil {
			return Movement{}, fmt.Errorf("order %s was fulfilled already: %w", orderID, orErr(err, ErrRequestReused))
		}
		return Movement{}, fmt.Errorf("order %s: %w", orderID, ErrBadRequest)
	}
	if o.Sale != sale {
		return Movement{}, fmt.Errorf("order %s belongs to sale %s, not %s: %w", orderID, o.Sale, sale, ErrBadRequest)
	}
	if paid < 0 || paid > o.Amount {
		return Movement{}, fmt.Errorf("order %s of %s paid %s: %w", orderID, o.Amount, paid, ErrBadAmount)
	}
	if o.Kind == Issue {
		return tx.Issue(IssueRequest{ID: id, Number: o.Card, Amount: paid, PINHash: o.PINHash, UID: o.UID, Sale: sale, Operator: o.Operator, Order: o.ID})
	}
	if paid == 0 { // fully discounted: nothing to credit
		tx.orders[o.ID] = nil
		return Movement{}, nil
	}
	return tx.TopUp(TopUpRequest{ID: id, Card: o.Card, Amount: paid, Sale: sale, Operator: o.Operator, Order: o.ID})
}

// reservedBy returns the ID of the open issue order that reserves number, or "".
func (tx *Tx) reservedBy(number string) (string, error) {
	for id, o := range tx.orders {
		if o != nil && o.Kind == Issue && o.Card == number {
			return id, nil
		}
	}
	found := ""
	err := tx.j.EachState(BucketOrders, func(id string, v []byte) error {
		if _, changed := tx.orders[id]; changed {
			return nil
		}
		var o Order
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("prepaid: order %s unreadable: %w (%v)", id, ErrInconsistent, err)
		}
		if o.Kind == Issue && o.Card == number {
			found = id
		}
		return nil
	})
	return found, err
}

// randomID is 16 hex digits from r.
func randomID(r io.Reader) (string, error) {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("prepaid: random ID: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
