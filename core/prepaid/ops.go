package prepaid

import (
	"fmt"
	"strconv"

	"tilldesk/core/money"
	"tilldesk/core/users"
)

// IssueRequest issues a new card.
type IssueRequest struct {
	ID       string       // request ID
	Number   string       // the card's number; "" takes the next serial of the numbering
	Amount   money.Amount // first value, 0 to Policy.MaxBalance
	PINHash  string       // from Ledger.HashPIN; "" for a card without a PIN
	UID      string       // contactless UID (NormalizeUID), optional
	Sale     string       // the sale that paid for it
	Operator string
	Order    string // the order this fulfils (its reservation of the number ends)
}

// Issue makes a new active card valid for Policy.ExpiryMonths.
func (tx *Tx) Issue(r IssueRequest) (Movement, error) {
	key := requestKey(Issue, r.Number, int64(r.Amount), r.UID, r.Sale, r.Order)
	if m, done, err := tx.replayChecked(r.ID, key); done || err != nil {
		return m, err
	}
	p := tx.l.opt.Policy
	if r.Amount < 0 || r.Amount > p.MaxBalance {
		return Movement{}, fmt.Errorf("issue with %s (limit %s): %w", r.Amount, p.MaxBalance, ErrOverLimit)
	}
	number, err := tx.newNumber(r.Number, r.Order)
	if err != nil {
		return Movement{}, err
	}
	if r.UID != "" {
		if err := tx.freeUID(r.UID, number); err != nil {
			return Movement{}, err
		}
		tx.uids[r.UID] = number
	}
	if r.PINHash != "" {
		if _, err := users.ParsePHC(r.PINHash); err != nil {
			return Movement{}, fmt.Errorf("issue: card PIN hash: %w", err)
		}
	}
	acct := Account{Number: number, Status: Active, Expires: tx.now.AddDate(0, p.ExpiryMonths, 0), Created: tx.now,
		UID: r.UID, PINHash: r.PINHash}
	if r.Order != "" {
		tx.orders[r.Order] = nil
	}
	return tx.move(acct, Movement{ID: r.ID, Kind: Issue, Amount: r.Amount, Expires: acct.Expires, Sale: r.Sale,
		UID: r.UID, Operator: r.Operator, Terminal: tx.l.opt.Terminal}, key)
}

// newNumber checks a requested card number (free, and not reserved by an order other
// than order) or, when none is requested, takes the next free serial.
func (tx *Tx) newNumber(requested, order string) (string, error) {
	p := tx.l.opt.Policy
	if requested != "" {
		number, err := p.check(requested)
		if err != nil {
			return "", err
		}
		if taken, err := tx.exists(number); err != nil || taken {
			return "", fmt.Errorf("card %s: %w", Mask(number), orErr(err, ErrCardExists))
		}
		if by, err := tx.reservedBy(number); err != nil || (by != "" && by != order) {
			return "", fmt.Errorf("card %s is being sold on another sale: %w", Mask(number), orErr(err, ErrCardExists))
		}
		return number, nil
	}
	raw, ok := tx.meta[keySerial]
	if !ok {
		var err error
		if raw, err = tx.j.GetState(BucketMeta, keySerial); err != nil {
			return "", err
		}
	}
	var serial uint64
	if raw != nil {
		var err error
		if serial, err = strconv.ParseUint(string(raw), 10, 64); err != nil {
			return "", fmt.Errorf("prepaid: last serial %q: %w", raw, ErrInconsistent)
		}
	}
	for serial < p.MaxSerial() {
		serial++
		number, err := p.Number(serial)
		if err != nil {
			return "", err
		}
		taken, err := tx.exists(number)
		if err != nil {
			return "", err
		}
		by, err := tx.reservedBy(number)
		if err != nil {
			return "", err
		}
		if !taken && by == "" {
			tx.meta[keySerial] = []byte(strconv.FormatUint(serial, 10))
			return number, nil
		}
	}
	return "", fmt.Errorf("prepaid: every card number with prefix %s is used: %w", p.Prefix, ErrCardExists)
}

// freeUID refuses a UID that names a card other than number.
func (tx *Tx) freeUID(uid, number string) error {
	owner, ok := tx.uids[uid]
	if !ok {
		raw, err := tx.j.GetState(BucketUIDs, uid)
		if err != nil {
			return err
		}
		var s string
		if raw != nil {
			if err := jsonString(raw, &s); err != nil {
				return err
			}
		}
		owner = s
	}
	if owner != "" && owner != number {
		return ErrUIDTaken
	}
	return nil
}

// TopUpRequest credits value bought for a card.
type TopUpRequest struct {
	ID       string
	Card     string
	Amount   money.Amount // > 0
	Sale     string
	Operator string
	Order    string // the order this fulfils
}

// TopUp credits an active card, up to Policy.MaxBalance.
func (tx *Tx) TopUp(r TopUpRequest) (Movement, error) {
	key := requestKey(TopUp, r.Card, int64(r.Amount), r.Sale, r.Order)
	if m, done, err := tx.replayChecked(r.ID, key); done || err != nil {
		return m, err
	}
	if err := checkCredit(r.Amount); err != nil {
		return Movement{}, fmt.Errorf("top-up: %w", err)
	}
	acct, err := tx.account(r.Card)
	if err != nil {
		return Movement{}, err
	}
	if err := acct.CanPay(tx.now); err != nil {
		return Movement{}, fmt.Errorf("top-up of card %s: %w", acct.Masked(), err)
	}
	if acct.Balance+r.Amount > tx.l.opt.Policy.MaxBalance {
		return Movement{}, fmt.Errorf("top-up of card %s to %s (limit %s): %w", acct.Masked(), acct.Balance+r.Amount, tx.l.opt.Policy.MaxBalance, ErrOverLimit)
	}
	if r.Order != "" {
		tx.orders[r.Order] = nil
	}
	return tx.move(acct, Movement{ID: r.ID, Kind: TopUp, Amount: r.Amount, Sale: r.Sale, Operator: r.Operator}, key)
}

// PayRequest takes a payment from a card toward a sale.
type PayRequest struct {
	ID     string
	Card   string
	Amount money.Amount // > 0
	Sale   string       // required: the payment stays pending until this sale completes
	// Partial takes what the card holds when that is less than Amount (split tender),
	// instead of refusing with ErrInsufficient.
	Partial bool
}

// Pay debits an active, unexpired card and keeps the payment pending for its sale.
func (tx *Tx) Pay(r PayRequest) (Movement, error) {
	key := requestKey(Payment, r.Card, int64(r.Amount), r.Sale, r.Partial)
	if m, done, err := tx.replayChecked(r.ID, key); done || err != nil {
		return m, err
	}
	if err := checkCredit(r.Amount); err != nil {
		return Movement{}, fmt.Errorf("payment: %w", err)
	}
	if r.Sale == "" {
		return Movement{}, fmt.Errorf("%w: a payment needs its sale", ErrBadRequest)
	}
	acct, err := tx.account(r.Card)
	if err != nil {
		return Movement{}, err
	}
	if err := acct.CanPay(tx.now); err != nil {
		return Movement{}, fmt.Errorf("payment from card %s: %w", acct.Masked(), err)
	}
	take := r.Amount
	if acct.Balance < take {
		if !r.Partial || acct.Balance == 0 {
			return Movement{}, fmt.Errorf("payment of %s from card %s holding %s: %w", r.Amount, acct.Masked(), acct.Balance, ErrInsufficient)
		}
		take = acct.Balance
	}
	m, err := tx.move(acct, Movement{ID: r.ID, Kind: Payment, Amount: -take, Sale: r.Sale, Terminal: tx.l.opt.Terminal}, key)
	if err != nil {
		return m, err
	}
	tx.pending[r.ID] = &Pending{Payment: r.ID, Card: acct.Number, Sale: r.Sale, Amount: take, Terminal: tx.l.opt.Terminal, At: tx.now}
	return m, nil
}

// Derived request IDs of the movements that close a payment.
func settleID(payment string) string  { return "settle/" + payment }
func reverseID(payment string) string { return "reverse/" + payment }

// pendingPayment returns the pending payment, or why it is not pending.
func (tx *Tx) pendingPayment(payment string) (*Pending, error) {
	p, ok := tx.pending[payment]
	if !ok {
		var stored Pending
		found, err := getJSON(tx.j, BucketPending, payment, &stored)
		if err != nil {
			return nil, err
		}
		if found {
			p = &stored
		}
	}
	if p != nil {
		return p, nil
	}
	if r, err := tx.request(settleID(payment)); err != nil || r != nil {
		return nil, fmt.Errorf("payment %s: %w", payment, orErr(err, ErrSettled))
	}
	return nil, fmt.Errorf("payment %s: %w", payment, ErrNotPending)
}

// Settle marks a pending payment taken for sale as final: the sale has completed.
func (tx *Tx) Settle(payment, sale string) (Movement, error) {
	key := requestKey(Settle, payment, sale)
	if m, done, err := tx.replay(settleID(payment), key); done || err != nil {
		return m, err
	}
	p, err := tx.pendingPayment(payment)
	if err != nil {
		return Movement{}, err
	}
	if p.Sale != sale {
		return Movement{}, fmt.Errorf("payment %s is for sale %s, not %s: %w", payment, p.Sale, sale, ErrNotPending)
	}
	acct, err := tx.account(p.Card)
	if err != nil {
		return Movement{}, err
	}
	tx.pending[payment] = nil
	return tx.move(acct, Movement{ID: settleID(payment), Kind: Settle, Payment: payment, Sale: sale}, key)
}

// Reverse gives a pending payment back to its card, whatever the card's status: its
// sale was abandoned, or never completed before the till stopped.
func (tx *Tx) Reverse(payment, reason string) (Movement, error) {
	key := requestKey(Reversal, payment)
	if m, done, err := tx.replay(reverseID(payment), key); done || err != nil {
		return m, err
	}
	p, err := tx.pendingPayment(payment)
	if err != nil {
		return Movement{}, err
	}
	acct, err := tx.account(p.Card)
	if err != nil {
		return Movement{}, err
	}
	tx.pending[payment] = nil
	return tx.move(acct, Movement{ID: reverseID(payment), Kind: Reversal, Amount: p.Amount, Payment: payment, Sale: p.Sale, Reason: reason}, key)
}

// RefundRequest refunds (part of) a settled payment to the card that paid it.
type RefundRequest struct {
	ID       string
	Payment  string // the payment's ID (its movement's ID)
	Amount   money.Amount
	Operator string
	Reason   string
}

// Refund credits the card that made the payment, whatever its status, with at most
// what is left of the payment after earlier refunds.
func (tx *Tx) Refund(r RefundRequest) (Movement, error) {
	key := requestKey(Refund, r.Payment, int64(r.Amount))
	if m, done, err := tx.replayChecked(r.ID, key); done || err != nil {
		return m, err
	}
	if err := checkCredit(r.Amount); err != nil {
		return Movement{}, fmt.Errorf("refund: %w", err)
	}
	orig, err := tx.request(r.Payment)
	if err != nil {
		return Movement{}, err
	}
	if orig == nil || orig.Movement.Kind != Payment {
		return Movement{}, fmt.Errorf("refund of payment %s: %w", r.Payment, ErrNotPending)
	}
	if p, err := tx.pendingPayment(r.Payment); p != nil {
		return Movement{}, fmt.Errorf("refund of payment %s: %w", r.Payment, ErrPending)
	} else if err != nil && !isErr(err, ErrSettled) {
		return Movement{}, fmt.Errorf("refund of payment %s (reversed): %w", r.Payment, ErrOverRefund)
	}
	if left := -orig.Movement.Amount - orig.Refunded; r.Amount > left {
		return Movement{}, fmt.Errorf("refund of %s with %s left of payment %s: %w", r.Amount, left, r.Payment, ErrOverRefund)
	}
	acct, err := tx.account(orig.Movement.Card)
	if err != nil {
		return Movement{}, err
	}
	m, err := tx.move(acct, Movement{ID: r.ID, Kind: Refund, Amount: r.Amount, Payment: r.Payment, Sale: orig.Movement.Sale,
		Operator: r.Operator, Reason: r.Reason}, key)
	if err != nil {
		return m, err
	}
	updated := *orig
	updated.Refunded += r.Amount
	tx.requests[r.Payment] = &updated
	return m, nil
}

// AdjustRequest corrects a card's balance: a manager's decision with a reason.
type AdjustRequest struct {
	ID       string
	Card     string
	Amount   money.Amount // != 0: positive credits, negative debits (not below zero)
	Reason   string       // required
	Operator string
	Approver string
}

// Adjust credits or debits a card, whatever its status, never below zero.
func (tx *Tx) Adjust(r AdjustRequest) (Movement, error) {
	key := requestKey(Adjust, r.Card, int64(r.Amount), r.Reason)
	if m, done, err := tx.replayChecked(r.ID, key); done || err != nil {
		return m, err
	}
	reason, err := cleanReason(r.Reason)
	if err != nil {
		return Movement{}, err
	}
	if r.Amount == 0 || r.Amount > money.MaxAmount || r.Amount < -money.MaxAmount {
		return Movement{}, fmt.Errorf("adjustment: %w: %s", ErrBadAmount, r.Amount)
	}
	acct, err := tx.account(r.Card)
	if err != nil {
		return Movement{}, err
	}
	return tx.move(acct, Movement{ID: r.ID, Kind: Adjust, Amount: r.Amount, Reason: reason, Operator: r.Operator, Approver: r.Approver}, key)
}

func orErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
