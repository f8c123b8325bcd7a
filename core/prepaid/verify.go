package prepaid

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
)

// MovementsOf returns the prepaid movements a journal record commits: a
// "prepaid.<kind>" record's Batch, or the Batch a completed sale's record carries
// under "extras" -> SaleExtra. ok is false for a record with none.
func MovementsOf(rec journal.Record) (b Batch, ok bool, err error) {
	switch {
	case strings.HasPrefix(rec.Kind, RecordPrefix):
		if err := json.Unmarshal(rec.Data, &b); err != nil {
			return b, false, fmt.Errorf("prepaid: record %d (%s) unreadable: %w", rec.Seq, rec.Kind, err)
		}
		return b, true, nil
	case rec.Kind == journal.KindSaleCompleted:
		var d struct {
			Extras map[string]json.RawMessage `json:"extras"`
		}
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return b, false, fmt.Errorf("prepaid: record %d (%s) unreadable: %w", rec.Seq, rec.Kind, err)
		}
		raw, found := d.Extras[SaleExtra]
		if !found {
			return b, false, nil
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return b, false, fmt.Errorf("prepaid: record %d: prepaid movements unreadable: %w", rec.Seq, err)
		}
		return b, true, nil
	}
	return b, false, nil
}

// VerifyResult summarises a verified ledger.
type VerifyResult struct {
	Cards     int
	Movements int
	Pending   int
	Liability money.Amount
}

// replayed is an account rebuilt from its movements.
type replayed struct {
	balance   money.Amount
	status    Status
	expires   time.Time
	movements int
}

// replay rebuilds the ledger from its movements, checking each one.
type replay struct {
	accounts  map[string]*replayed
	pending   map[string]Pending
	liability money.Amount
	moves     int
}

// amountOK is the sign each kind's amount must have.
var amountOK = map[Kind]func(money.Amount) bool{
	Issue: nonNegative, Import: nonNegative, TopUp: positive, Payment: negative, Settle: zero,
	Reversal: positive, Refund: positive, Adjust: func(a money.Amount) bool { return a != 0 },
	Freeze: zero, Unfreeze: zero, Expire: zero, Renew: zero, LinkUID: zero, PINReset: zero, PINLocked: zero,
}

func nonNegative(a money.Amount) bool { return a >= 0 }
func positive(a money.Amount) bool    { return a > 0 }
func negative(a money.Amount) bool    { return a < 0 }
func zero(a money.Amount) bool        { return a == 0 }

func (r *replay) apply(m Movement) error {
	bad := func(why string) error {
		return fmt.Errorf("movement %s (%s, card %s): %s: %w", m.ID, m.Kind, Mask(m.Card), why, ErrInconsistent)
	}
	ok, known := amountOK[m.Kind]
	if !known || !ok(m.Amount) {
		return bad(fmt.Sprintf("amount %s not allowed for this kind", m.Amount))
	}
	a := r.accounts[m.Card]
	switch {
	case m.Kind == Issue || m.Kind == Import:
		if a != nil {
			return bad("the card exists already")
		}
		a = &replayed{}
		r.accounts[m.Card] = a
	case a == nil:
		return bad("no such card")
	}
	switch m.Kind {
	case Payment:
		if a.status != Active {
			return bad("paid from a card that is " + string(a.status))
		}
		r.pending[m.ID] = Pending{Payment: m.ID, Card: m.Card, Sale: m.Sale, Amount: -m.Amount}
	case Settle, Reversal:
		p, found := r.pending[m.Payment]
		if !found || p.Card != m.Card || (m.Kind == Reversal && p.Amount != m.Amount) {
			return bad("closes no pending payment of this card and amount")
		}
		delete(r.pending, m.Payment)
	}
	a.balance += m.Amount
	r.liability += m.Amount
	if a.balance < 0 || a.balance != m.Balance {
		return bad(fmt.Sprintf("balance after is %s, the movement says %s", a.balance, m.Balance))
	}
	a.status = m.Status
	if !m.Expires.IsZero() {
		a.expires = m.Expires
	}
	a.movements++
	r.moves++
	return nil
}

// Verify replays every prepaid movement in the journal and compares the result with
// the ledger's state: each account's balance, status, expiry and movement count, the
// liability and card count, and the pending payments. It holds the ledger's lock, so
// no movement is made meanwhile.
func (l *Ledger) Verify() (VerifyResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return VerifyJournal(l.journal())
}

// VerifyJournal is Verify over any journal holding a ledger (a backup's, read-only).
func VerifyJournal(j *journal.Journal) (VerifyResult, error) {
	r := &replay{accounts: map[string]*replayed{}, pending: map[string]Pending{}}
	err := j.Each(journal.Filter{}, func(rec journal.Record) error {
		b, ok, err := MovementsOf(rec)
		if err != nil || !ok {
			return err
		}
		for _, m := range b.Movements {
			if err := r.apply(m); err != nil {
				return fmt.Errorf("record %d: %w", rec.Seq, err)
			}
		}
		if b.Liability != r.liability {
			return fmt.Errorf("record %d: liability %s, the movements give %s: %w", rec.Seq, b.Liability, r.liability, ErrInconsistent)
		}
		return nil
	})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("prepaid: verify: %w", err)
	}
	res := VerifyResult{Cards: len(r.accounts), Movements: r.moves, Pending: len(r.pending), Liability: r.liability}
	if err := r.compare(j); err != nil {
		return res, fmt.Errorf("prepaid: verify: %w", err)
	}
	return res, nil
}

// compare checks the journal's ledger state against the replay.
func (r *replay) compare(j *journal.Journal) error {
	seen := 0
	var sum money.Amount
	err := j.EachState(BucketAccounts, func(k string, v []byte) error {
		var a Account
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("account %s unreadable: %w", Mask(k), ErrInconsistent)
		}
		want := r.accounts[k]
		switch {
		case want == nil || a.Number != k:
			return fmt.Errorf("account %s has no issue movement: %w", Mask(k), ErrInconsistent)
		case a.Balance != want.balance || a.Status != want.status || !a.Expires.Equal(want.expires) || a.Movements != want.movements:
			return fmt.Errorf("account %s holds %s %s (%d movements), its movements give %s %s (%d): %w", Mask(k),
				a.Balance, a.Status, a.Movements, want.balance, want.status, want.movements, ErrInconsistent)
		case a.Balance < 0:
			return fmt.Errorf("account %s is negative: %w", Mask(k), ErrInconsistent)
		}
		seen++
		sum += a.Balance
		return nil
	})
	if err != nil {
		return err
	}
	if seen != len(r.accounts) {
		return fmt.Errorf("%d accounts stored, %d issued: %w", seen, len(r.accounts), ErrInconsistent)
	}
	var t Totals
	if _, err := getJSON(j, BucketMeta, keyTotals, &t); err != nil {
		return err
	}
	if t.Liability != sum || t.Liability != r.liability || t.Cards != seen {
		return fmt.Errorf("totals say %s over %d cards, the accounts %s over %d: %w", t.Liability, t.Cards, sum, seen, ErrInconsistent)
	}
	pending := 0
	err = j.EachState(BucketPending, func(k string, v []byte) error {
		var p Pending
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("pending payment %s unreadable: %w", k, ErrInconsistent)
		}
		if want, ok := r.pending[k]; !ok || want.Amount != p.Amount || want.Card != p.Card || want.Sale != p.Sale {
			return fmt.Errorf("pending payment %s does not match its movements: %w", k, ErrInconsistent)
		}
		pending++
		return nil
	})
	if err == nil && pending != len(r.pending) {
		err = fmt.Errorf("%d payments pending in state, %d by the movements: %w", pending, len(r.pending), ErrInconsistent)
	}
	return err
}
