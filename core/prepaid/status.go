package prepaid

import (
	"fmt"
	"strconv"
	"time"
)

// StatusRequest changes a card's status or details without moving money.
type StatusRequest struct {
	ID       string
	Card     string
	Reason   string // freeze: required (lost, stolen, holder's request)
	Operator string
}

// Freeze stops a card (lost, stolen): it pays nothing until unfrozen. Refunds,
// reversals and adjustments still reach it.
func (tx *Tx) Freeze(r StatusRequest) (Movement, error) {
	key := requestKey(Freeze, r.Card, r.Reason)
	if m, done, err := tx.replayChecked(r.ID, key); done || err != nil {
		return m, err
	}
	reason, err := cleanReason(r.Reason)
	if err != nil {
		return Movement{}, err
	}
	acct, err := tx.account(r.Card)
	if err != nil {
		return Movement{}, err
	}
	if acct.Status == Frozen {
		return Movement{}, fmt.Errorf("freeze card %s: already frozen: %w", acct.Masked(), ErrWrongStatus)
	}
	acct.Status = Frozen
	return tx.move(acct, Movement{ID: r.ID, Kind: Freeze, Reason: reason, Operator: r.Operator}, key)
}

// Unfreeze makes a frozen card active again (expired, if it expired meanwhile).
func (tx *Tx) Unfreeze(r StatusRequest) (Movement, error) {
	key := requestKey(Unfreeze, r.Card)
	if m, done, err := tx.replayChecked(r.ID, key); done || err != nil {
		return m, err
	}
	acct, err := tx.account(r.Card)
	if err != nil {
		return Movement{}, err
	}
	if acct.Status != Frozen {
		return Movement{}, fmt.Errorf("unfreeze card %s: not frozen: %w", acct.Masked(), ErrWrongStatus)
	}
	acct.Status = Active
	if acct.ExpiredAt(tx.now) {
		acct.Status = Expired
	}
	return tx.move(acct, Movement{ID: r.ID, Kind: Unfreeze, Reason: r.Reason, Operator: r.Operator}, key)
}

// expireID is the request ID of a card's expiry at its expiry date.
func expireID(card string, expires time.Time) string {
	return "expire/" + cardKey(card) + "/" + strconv.FormatInt(expires.Unix(), 10)
}

// Expire marks an active card past its expiry date as expired. Its balance stays the
// holder's: a renewal makes it spendable again.
func (tx *Tx) Expire(card string) (Movement, error) {
	acct, err := tx.account(card)
	if err != nil {
		return Movement{}, err
	}
	id := expireID(card, acct.Expires)
	key := requestKey(Expire, card)
	if m, done, err := tx.replay(id, key); done || err != nil {
		return m, err
	}
	if acct.Status != Active || !acct.ExpiredAt(tx.now) {
		return Movement{}, fmt.Errorf("expire card %s: %w", acct.Masked(), ErrWrongStatus)
	}
	acct.Status = Expired
	return tx.move(acct, Movement{ID: id, Kind: Expire}, key)
}

// Renew gives a card a new expiry date, Policy.ExpiryMonths from now; an expired card
// becomes active (a frozen one stays frozen).
func (tx *Tx) Renew(r StatusRequest) (Movement, error) {
	key := requestKey(Renew, r.Card)
	if m, done, err := tx.replayChecked(r.ID, key); done || err != nil {
		return m, err
	}
	acct, err := tx.account(r.Card)
	if err != nil {
		return Movement{}, err
	}
	acct.Expires = tx.now.AddDate(0, tx.l.opt.Policy.ExpiryMonths, 0)
	if acct.Status == Expired {
		acct.Status = Active
	}
	return tx.move(acct, Movement{ID: r.ID, Kind: Renew, Expires: acct.Expires, Reason: r.Reason, Operator: r.Operator}, key)
}

// LinkUID makes a contactless UID (NormalizeUID form) name the card, replacing the
// card's earlier UID.
func (tx *Tx) LinkUID(r StatusRequest, uid string) (Movement, error) {
	key := requestKey(LinkUID, r.Card, uid)
	if m, done, err := tx.replayChecked(r.ID, key); done || err != nil {
		return m, err
	}
	norm, err := NormalizeUID(uid)
	if err != nil || norm != uid {
		return Movement{}, ErrBadUID
	}
	acct, err := tx.account(r.Card)
	if err != nil {
		return Movement{}, err
	}
	if err := tx.freeUID(uid, acct.Number); err != nil {
		return Movement{}, err
	}
	if acct.UID != "" && acct.UID != uid {
		tx.uids[acct.UID] = ""
	}
	acct.UID = uid
	tx.uids[uid] = acct.Number
	return tx.move(acct, Movement{ID: r.ID, Kind: LinkUID, UID: uid, Operator: r.Operator}, key)
}

// ResetPIN sets a card's PIN hash (from Ledger.HashPIN; "" removes the PIN) and ends
// any PIN lock.
func (tx *Tx) ResetPIN(r StatusRequest, pinHash string) (Movement, error) {
	key := requestKey(PINReset, r.Card, pinHash)
	if m, done, err := tx.replayChecked(r.ID, key); done || err != nil {
		return m, err
	}
	acct, err := tx.account(r.Card)
	if err != nil {
		return Movement{}, err
	}
	acct.PINHash, acct.PINFailures, acct.PINLockedUntil = pinHash, 0, time.Time{}
	return tx.move(acct, Movement{ID: r.ID, Kind: PINReset, Reason: r.Reason, Operator: r.Operator}, key)
}
