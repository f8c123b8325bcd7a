package prepaid

import (
	"fmt"
	"strconv"

	"tilldesk/core/users"
)

// HashPIN checks a new card PIN against the PIN rules of core/users (4 to 8 digits,
// not trivial) and returns its argon2id hash made with Policy.PINParams. The PIN
// itself is never stored, logged or journaled.
func (l *Ledger) HashPIN(card, pin string) (string, error) {
	if err := users.CheckPIN(card, pin); err != nil {
		return "", err
	}
	h, err := l.opt.Policy.PINParams.Hash(pin, l.opt.Rand)
	if err != nil {
		return "", fmt.Errorf("prepaid: hash card PIN: %w", err)
	}
	return h, nil
}

// CheckPIN verifies a card's PIN and returns the account (without its PIN hash). Wrong
// PINs are counted; after Policy.PINLockout.MaxFailures in a row the PIN is locked
// (ErrPINLocked, journaled as a "pin_locked" movement) for LockFor, during which no PIN
// is tried. A card without a PIN gives ErrNoPIN.
func (l *Ledger) CheckPIN(card, pin string) (Account, error) {
	acct, err := l.Account(card)
	if err != nil {
		return Account{}, err
	}
	now := l.opt.Now().UTC()
	switch {
	case !acct.HasPIN():
		return Account{}, fmt.Errorf("card %s: %w", acct.Masked(), ErrNoPIN)
	case now.Before(acct.PINLockedUntil):
		return Account{}, fmt.Errorf("card %s: %w", acct.Masked(), ErrPINLocked)
	}
	ok, err := users.VerifyPIN(acct.PINHash, pin) // slow (argon2id): outside the lock
	if err != nil {
		return Account{}, fmt.Errorf("card %s: PIN hash unusable: %w", acct.Masked(), err)
	}
	tx := l.Begin()
	defer tx.Abort()
	acct, err = tx.account(card) // as it is now: another till may have counted a failure
	if err != nil {
		return Account{}, err
	}
	op, outcome := l.opt.Policy.PINLockout.Attempt(users.Operator{Failures: acct.PINFailures, LockedUntil: acct.PINLockedUntil}, ok, now)
	changed := op.Failures != acct.PINFailures || !op.LockedUntil.Equal(acct.PINLockedUntil)
	acct.PINFailures, acct.PINLockedUntil = op.Failures, op.LockedUntil
	switch outcome {
	case users.LockedNow:
		id := "pinlock/" + cardKey(card) + "/" + strconv.FormatInt(now.UnixNano(), 10)
		if _, err := tx.move(acct, Movement{ID: id, Kind: PINLocked}, requestKey(PINLocked, card)); err != nil {
			return Account{}, err
		}
		l.log.Warn("card PIN locked after wrong PINs", "card", acct.Masked())
	case users.Granted, users.Refused:
		if changed {
			tx.putAccount(acct)
		}
	}
	if _, err := tx.Commit(PINLocked); err != nil {
		return Account{}, err
	}
	switch outcome {
	case users.Granted:
		return acct.Redacted(), nil
	case users.Refused:
		return Account{}, fmt.Errorf("card %s: %w (%d of %d)", acct.Masked(), ErrWrongPIN, acct.PINFailures, l.opt.Policy.PINLockout.MaxFailures)
	}
	return Account{}, fmt.Errorf("card %s: %w", acct.Masked(), ErrPINLocked)
}
