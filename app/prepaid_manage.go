package app

import (
	"errors"
	"fmt"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
)

// Managers' card operations. Each takes a request ID (NewRequestID, taken when the
// manager opens the dialog and kept for its retries): a retry after a failure moves
// nothing twice. Each is a journaled movement naming the operator.

// ErrCardManage wraps a refused card operation for the manager's screen.
var ErrCardManage = errors.New("card operation refused")

// CardRequest is a manager's operation on one card.
type CardRequest struct {
	ID         string // from NewRequestID
	Card       CardView
	Operator   string
	ApprovedBy string // adjustments: the approving manager (may be the operator)
	Reason     string // freeze and adjust: required
}

// NewRequestID returns a fresh request ID for a manager's card operation.
func (d *PrepaidDesk) NewRequestID() string {
	suffix, err := randomHex(d.rand, 4)
	if err != nil {
		suffix = fmt.Sprint(d.ledger.Now().UnixNano())
	}
	return fmt.Sprintf("%s-P%s-%s", d.till.cfg.Terminal.ID, d.ledger.Now().UTC().Format("20060102T150405"), suffix)
}

func (d *PrepaidDesk) status(r CardRequest) prepaid.StatusRequest {
	return prepaid.StatusRequest{ID: r.ID, Card: r.Card.Number, Reason: r.Reason, Operator: r.Operator}
}

// manage runs one operation and returns the card as it is after.
func (d *PrepaidDesk) manage(what string, r CardRequest, op func() (prepaid.Movement, error)) (CardView, error) {
	if r.Operator == "" {
		return CardView{}, fmt.Errorf("%s: %w: no operator", what, ErrCardManage)
	}
	m, err := op()
	if err != nil {
		d.log.Warn("prepaid card operation refused", "op", what, "card", r.Card.Masked, "operator", r.Operator, "err", err)
		return CardView{}, err
	}
	d.log.Info("prepaid card operation", "op", what, "movement", m, "operator", r.Operator, "approved_by", r.ApprovedBy)
	return d.Card(r.Card.Number)
}

// Freeze stops a lost or stolen card (r.Reason required): it pays nothing until
// unfrozen; its balance stays the holder's.
func (d *PrepaidDesk) Freeze(r CardRequest) (CardView, error) {
	return d.manage("freeze", r, func() (prepaid.Movement, error) { return d.ledger.Freeze(d.status(r)) })
}

// Unfreeze restarts a frozen card.
func (d *PrepaidDesk) Unfreeze(r CardRequest) (CardView, error) {
	return d.manage("unfreeze", r, func() (prepaid.Movement, error) { return d.ledger.Unfreeze(d.status(r)) })
}

// Adjust credits (amount > 0) or debits (< 0, not below zero) a card with a reason;
// the movement names the operator and the approving manager.
func (d *PrepaidDesk) Adjust(r CardRequest, amount money.Amount) (CardView, error) {
	if r.ApprovedBy == "" {
		return CardView{}, fmt.Errorf("adjust: %w: no approving manager", ErrCardManage)
	}
	return d.manage("adjust", r, func() (prepaid.Movement, error) {
		return d.ledger.Adjust(prepaid.AdjustRequest{ID: r.ID, Card: r.Card.Number, Amount: amount, Reason: r.Reason,
			Operator: r.Operator, Approver: r.ApprovedBy})
	})
}

// Renew gives a card a new expiry date (expiry_months from now); an expired card
// becomes spendable again with its balance.
func (d *PrepaidDesk) Renew(r CardRequest) (CardView, error) {
	return d.manage("renew", r, func() (prepaid.Movement, error) { return d.ledger.Renew(d.status(r)) })
}

// ResetPIN sets a new card PIN ("" removes it) and ends a PIN lock.
func (d *PrepaidDesk) ResetPIN(r CardRequest, pin string) (CardView, error) {
	hash := ""
	if pin != "" {
		var err error
		if hash, err = d.ledger.HashPIN(r.Card.Number, pin); err != nil {
			return CardView{}, err
		}
	}
	return d.manage("reset PIN", r, func() (prepaid.Movement, error) { return d.ledger.ResetPIN(d.status(r), hash) })
}

// LinkUID makes a contactless card's UID (as the reader reports it) name the card.
func (d *PrepaidDesk) LinkUID(r CardRequest, uid string) (CardView, error) {
	norm, err := prepaid.NormalizeUID(uid)
	if err != nil {
		return CardView{}, err
	}
	return d.manage("link UID", r, func() (prepaid.Movement, error) { return d.ledger.LinkUID(d.status(r), norm) })
}

// ExpireDue marks cards past their expiry date as expired (also done at start-up).
func (d *PrepaidDesk) ExpireDue() (int, error) {
	ms, err := d.ledger.ExpireDue()
	return len(ms), err
}

// Liability is what the store owes card holders (the sum of all balances) and the
// number of cards.
func (d *PrepaidDesk) Liability() (prepaid.Totals, error) { return d.ledger.Totals() }

// Verify replays every movement and checks the ledger against it (prepaid.Ledger.Verify).
func (d *PrepaidDesk) Verify() (prepaid.VerifyResult, error) { return d.ledger.Verify() }

// MovementsByDay sums the prepaid movements per calendar day in loc between from
// (inclusive) and to (exclusive; zero: open).
func (d *PrepaidDesk) MovementsByDay(from, to time.Time, loc *time.Location) ([]prepaid.Day, error) {
	var recs []journal.Record
	err := d.journal().Each(journal.Filter{From: from, To: to}, func(r journal.Record) error {
		if _, ok, err := prepaid.MovementsOf(r); ok || err != nil {
			recs = append(recs, r)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("prepaid movements by day: %w", err)
	}
	return prepaid.Daily(recs, loc)
}
