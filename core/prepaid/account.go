// Package prepaid is the store's prepaid stored-value card ledger (预付卡), kept inside
// the till's journal file: accounts with balances in fen, and movements (issue,
// top-up, payment, settlement, reversal, refund, adjustment, expiry, renewal,
// freeze/unfreeze, ...), each one a journal record committed in one durable write with
// the account's new state, so the ledger and its audit trail never disagree.
//
// Invariants, checked by Ledger.Verify against a replay of every movement:
//   - an account's balance is the sum of its movements, and never negative;
//   - the liability (what the store owes card holders) is the sum of the balances;
//   - a frozen or expired card pays nothing;
//   - every movement has a request ID: a retry with the same ID moves nothing and
//     returns the first outcome (a different request under a used ID is refused);
//   - a payment taken for a sale stays pending until the sale's record settles it, or
//     a reversal gives it back: a payment and its sale commit together or not at all.
//
// The package is pure apart from the journal it writes to: clock and randomness are
// injected, and nothing here logs a full card number or a PIN (Mask, Account.LogValue).
package prepaid

import (
	"errors"
	"log/slog"
	"time"

	"tilldesk/core/money"
)

// Status is where a card is in its life.
type Status string

// Card statuses.
const (
	Active Status = "active" // may pay, be topped up
	Frozen Status = "frozen" // reported lost or stopped by a manager: pays nothing
	// Expired cards pay nothing and take no top-up; the balance stays the holder's
	// (it is still a liability) until a manager renews the card or adjusts it away.
	Expired Status = "expired"
)

// Kind is the kind of a movement; each has its journal record kind "prepaid.<kind>".
type Kind string

// Movement kinds. Amounts are signed: a credit to the card is positive.
const (
	Issue     Kind = "issue"     // a new card, with its first value (>= 0)
	TopUp     Kind = "topup"     // value bought for the card (> 0)
	Payment   Kind = "payment"   // paid toward a sale (< 0), pending until settled or reversed
	Settle    Kind = "settle"    // the payment's sale completed (0)
	Reversal  Kind = "reversal"  // a pending payment given back (> 0)
	Refund    Kind = "refund"    // a settled payment refunded to the card (> 0)
	Adjust    Kind = "adjust"    // a manager's correction, with a reason (!= 0)
	Freeze    Kind = "freeze"    // (0)
	Unfreeze  Kind = "unfreeze"  // (0)
	Expire    Kind = "expire"    // the card passed its expiry date (0)
	Renew     Kind = "renew"     // a new expiry date (0)
	LinkUID   Kind = "link_uid"  // a contactless UID now names the card (0)
	PINReset  Kind = "pin_reset" // a manager set a new PIN (0)
	PINLocked Kind = "pin_locked"
	Import    Kind = "import" // the card's balance brought over from a backup (>= 0)
)

// RecordPrefix starts the journal record kind of every prepaid movement.
const RecordPrefix = "prepaid."

// Errors the ledger refuses with. Each is wrapped with what was refused.
var (
	ErrUnknownCard   = errors.New("no such prepaid card")
	ErrCardExists    = errors.New("this card number is already issued")
	ErrFrozen        = errors.New("the card is frozen")
	ErrExpired       = errors.New("the card has expired")
	ErrInsufficient  = errors.New("the card's balance is too low")
	ErrOverLimit     = errors.New("the card would hold more than the store's limit")
	ErrBadAmount     = errors.New("invalid amount")
	ErrBadRequest    = errors.New("invalid request")
	ErrRequestReused = errors.New("this request ID was already used for a different request")
	ErrNotPending    = errors.New("no such pending payment")
	ErrSettled       = errors.New("the payment's sale has completed: refund it instead")
	ErrPending       = errors.New("the payment's sale has not completed yet")
	ErrOverRefund    = errors.New("more than what is left of the payment to refund")
	ErrWrongPIN      = errors.New("wrong card PIN")
	ErrPINLocked     = errors.New("too many wrong PINs: the card's PIN is locked for now")
	ErrNoPIN         = errors.New("the card has no PIN: scan or tap the card instead")
	ErrUIDTaken      = errors.New("this contactless UID already names another card")
	ErrInconsistent  = errors.New("prepaid ledger does not match its movements")
	ErrWrongStatus   = errors.New("the card is not in a state that allows this")
)

// Account is one card as the ledger holds it (state bucket BucketAccounts, by number).
type Account struct {
	Number  string       `json:"number"`
	Status  Status       `json:"status"`
	Balance money.Amount `json:"balance"`
	Expires time.Time    `json:"expires"`
	Created time.Time    `json:"created"`
	UID     string       `json:"uid,omitempty"`
	// PINHash is the card PIN's argon2id PHC string (core/users); "" for a card without
	// a PIN. It never leaves the state bucket: not into records, logs or screens.
	PINHash        string    `json:"pin_hash,omitempty"`
	PINFailures    int       `json:"pin_failures,omitempty"`
	PINLockedUntil time.Time `json:"pin_locked_until,omitzero"`
	// Movements counts the account's movements (Verify checks it).
	Movements int `json:"movements"`
}

// Masked is the card number as logs and receipts show it.
func (a Account) Masked() string { return Mask(a.Number) }

// HasPIN reports whether the card has a PIN.
func (a Account) HasPIN() bool { return a.PINHash != "" }

// ExpiredAt reports whether the card is past its expiry date at now, whatever its
// status says (an expiry movement may not be written yet).
func (a Account) ExpiredAt(now time.Time) bool { return !a.Expires.IsZero() && !now.Before(a.Expires) }

// CanPay returns nil when the card may pay at now, else why not.
func (a Account) CanPay(now time.Time) error {
	switch {
	case a.Status == Frozen:
		return ErrFrozen
	case a.Status == Expired || a.ExpiredAt(now):
		return ErrExpired
	case a.Status != Active:
		return ErrWrongStatus
	}
	return nil
}

// Redacted is a copy without the PIN hash, for screens.
func (a Account) Redacted() Account {
	a.PINHash = ""
	return a
}

// LogValue makes slog print an account masked and without its PIN hash.
func (a Account) LogValue() slog.Value {
	return slog.GroupValue(slog.String("card", a.Masked()), slog.String("status", string(a.Status)),
		slog.String("balance", a.Balance.Plain()))
}

// Movement is one change to one card, as journaled. Card is the full number: the
// journal is the ledger, and a replay (Verify, a replacement terminal's import) needs
// it; logs and screens show Mask(Card).
type Movement struct {
	ID       string       `json:"id"` // the request ID
	Kind     Kind         `json:"kind"`
	Card     string       `json:"card"`
	Amount   money.Amount `json:"amount"`  // signed: + credits the card
	Balance  money.Amount `json:"balance"` // the card's balance after
	Status   Status       `json:"status"`  // the card's status after
	Expires  time.Time    `json:"expires,omitzero"`
	Sale     string       `json:"sale,omitempty"`    // the sale that paid, or was paid by, the card
	Payment  string       `json:"payment,omitempty"` // settle, reversal, refund: the payment's ID
	UID      string       `json:"uid,omitempty"`
	Reason   string       `json:"reason,omitempty"`
	Operator string       `json:"operator,omitempty"`
	Approver string       `json:"approved_by,omitempty"`
	Terminal string       `json:"terminal,omitempty"`
	Source   *Source      `json:"source,omitempty"` // import: where the balance came from
	At       time.Time    `json:"at"`
}

// LogValue makes slog print a movement with the card masked.
func (m Movement) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", m.ID), slog.String("kind", string(m.Kind)),
		slog.String("card", Mask(m.Card)), slog.String("amount", m.Amount.Plain()),
		slog.String("balance", m.Balance.Plain()))
}

// Source names the backup an imported balance came from.
type Source struct {
	Terminal     string `json:"terminal"`
	BackupSHA256 string `json:"backup_sha256"`
	LastSeq      uint64 `json:"last_seq"`
	LastHash     string `json:"last_hash"`
}

// Batch is the data of a prepaid journal record: the movements it commits and the
// ledger's liability after them. A "prepaid.<kind>" record's data is a Batch; a
// completed sale's record carries one under "extras" -> SaleExtra.
type Batch struct {
	Movements []Movement   `json:"movements"`
	Liability money.Amount `json:"liability"`
}

// SaleExtra is the key of a completed sale record's "extras" under which the movements
// committed with the sale (top-ups, settlements) are kept as a Batch.
const SaleExtra = "prepaid"

// Pending is a payment taken from a card for a sale that has not completed yet (state
// bucket BucketPending, by payment ID).
type Pending struct {
	Payment  string       `json:"payment"`
	Card     string       `json:"card"`
	Sale     string       `json:"sale"`
	Amount   money.Amount `json:"amount"` // positive: what was taken
	Terminal string       `json:"terminal,omitempty"`
	At       time.Time    `json:"at"`
}
