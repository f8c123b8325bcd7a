package prepaid

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/users"
)

// The ledger's state buckets in the journal file (declared in journal.StateBuckets).
const (
	BucketAccounts = "prepaid"         // card number -> Account
	BucketRequests = "prepaid_req"     // request ID -> the request and its first outcome
	BucketPending  = "prepaid_pending" // payment ID -> Pending
	BucketUIDs     = "prepaid_uid"     // contactless UID -> card number
	BucketOrders   = "prepaid_order"   // order ID -> Order (a card sold, not yet paid for)
	BucketMeta     = "prepaid_meta"    // keyTotals, keySerial, import markers
)

// Buckets lists the ledger's state buckets.
var Buckets = []string{BucketAccounts, BucketRequests, BucketPending, BucketUIDs, BucketOrders, BucketMeta}

const (
	keyTotals = "totals" // Totals
	keySerial = "serial" // the last serial number issued by numbering
)

// Totals are the ledger's running figures (BucketMeta, keyTotals).
type Totals struct {
	Liability money.Amount `json:"liability"` // sum of all balances
	Cards     int          `json:"cards"`
}

// Policy is the store's prepaid card programme: numbering, limits, expiry, PINs.
type Policy struct {
	Numbering
	// MaxBalance bounds a card's balance after an issue or a top-up (refunds,
	// reversals and adjustments may go past it: that money was the holder's).
	MaxBalance money.Amount
	// ExpiryMonths is how long a card is valid from issue or renewal.
	ExpiryMonths int
	// PINLockout locks a card's PIN after repeated wrong PINs (core/users policy).
	PINLockout users.Policy
	// PINParams are the argon2id parameters new card PIN hashes are made with.
	PINParams users.Params
}

// DefaultPolicy: 19-digit numbers with prefix "990001", ¥5,000 per card (the limit
// for registered cards of the Ministry of Commerce's single-purpose prepaid card
// rules), three years' validity, the PIN locked for 30 minutes after 5 wrong ones.
var DefaultPolicy = Policy{
	Numbering:    Numbering{Prefix: "990001", Length: 19},
	MaxBalance:   money.Yuan(5000),
	ExpiryMonths: 36,
	PINLockout:   users.Policy{MaxFailures: 5, LockFor: 30 * time.Minute},
	PINParams:    users.DefaultParams,
}

// Validate checks the policy.
func (p Policy) Validate() error {
	errs := []error{p.Numbering.Validate(), p.PINLockout.Validate(), p.PINParams.Validate()}
	if p.MaxBalance <= 0 || p.MaxBalance > money.MaxAmount {
		errs = append(errs, fmt.Errorf("prepaid: max balance %s out of range", p.MaxBalance))
	}
	if p.ExpiryMonths < 1 || p.ExpiryMonths > 1200 {
		errs = append(errs, fmt.Errorf("prepaid: expiry of %d months: want 1 to 1200", p.ExpiryMonths))
	}
	return errors.Join(errs...)
}

// Options configure New.
type Options struct {
	Policy   Policy
	Terminal string           // stamped on payments
	Now      func() time.Time // time.Now when nil
	Rand     io.Reader        // PIN salts and order IDs; crypto/rand when nil
	Log      *slog.Logger     // slog.Default when nil
}

// Ledger is the prepaid ledger over a journal. Its operations are safe for concurrent
// use: each one reads, checks and writes under the ledger's lock, so two tills' worth
// of requests against one ledger are serialised.
type Ledger struct {
	mu      sync.Mutex
	journal func() *journal.Journal
	opt     Options
	log     *slog.Logger
}

// New makes a ledger over the journal that current returns (the till's journal may be
// reopened, so it is asked for at each use).
func New(current func() *journal.Journal, opt Options) (*Ledger, error) {
	if err := opt.Policy.Validate(); err != nil {
		return nil, err
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Ledger{journal: current, opt: opt, log: opt.Log.With("ledger", "prepaid")}, nil
}

// Policy is the ledger's policy.
func (l *Ledger) Policy() Policy { return l.opt.Policy }

// Now is the ledger's clock.
func (l *Ledger) Now() time.Time { return l.opt.Now() }

// request is what BucketRequests keeps of a request: what was asked, and its first
// outcome, so a retry is recognised and answered without moving anything.
type request struct {
	Key      string       `json:"key"`
	Movement Movement     `json:"movement"`
	Refunded money.Amount `json:"refunded,omitempty"` // payments: refunded since
}

// getJSON reads one state value into v; found is false when the key is not set.
func getJSON(j *journal.Journal, bucket, key string, v any) (found bool, err error) {
	raw, err := j.GetState(bucket, key)
	if err != nil || raw == nil {
		return false, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("prepaid: state %s/%s unreadable: %w (%v)", bucket, key, ErrInconsistent, err)
	}
	return true, nil
}

// Tx is a set of movements made under the ledger's lock and committed in one journal
// record: its own ("prepaid.<kind>", Commit) or another's, such as a completed sale's
// (Prepare, then Finish). Reads see the Tx's own changes. A Tx must end with Commit,
// Finish or Abort, which release the lock.
type Tx struct {
	l        *Ledger
	j        *journal.Journal
	now      time.Time
	accounts map[string]*Account // read or changed
	changed  map[string]bool     // account numbers changed
	requests map[string]*request // new or changed
	pending  map[string]*Pending // changed; nil deletes
	uids     map[string]string   // new links
	orders   map[string]*Order   // changed; nil deletes
	meta     map[string][]byte   // changed
	totals   *Totals
	moves    []Movement
	done     bool
}

// Begin starts a Tx, taking the ledger's lock.
func (l *Ledger) Begin() *Tx {
	l.mu.Lock()
	return &Tx{l: l, j: l.journal(), now: l.opt.Now().UTC(), accounts: map[string]*Account{}, changed: map[string]bool{},
		requests: map[string]*request{}, pending: map[string]*Pending{}, uids: map[string]string{},
		orders: map[string]*Order{}, meta: map[string][]byte{}}
}

// Now is the time the Tx stamps its movements with.
func (tx *Tx) Now() time.Time { return tx.now }

// Movements are the movements the Tx has made so far.
func (tx *Tx) Movements() []Movement { return append([]Movement(nil), tx.moves...) }

// account returns the card's account as the Tx sees it (a copy to change and put).
func (tx *Tx) account(number string) (Account, error) {
	if a, ok := tx.accounts[number]; ok {
		return *a, nil
	}
	var a Account
	found, err := getJSON(tx.j, BucketAccounts, number, &a)
	if err != nil {
		return a, err
	}
	if !found {
		return a, fmt.Errorf("card %s: %w", Mask(number), ErrUnknownCard)
	}
	tx.accounts[number] = &a
	return a, nil
}

// exists reports whether the card number has an account.
func (tx *Tx) exists(number string) (bool, error) {
	_, err := tx.account(number)
	if errors.Is(err, ErrUnknownCard) {
		return false, nil
	}
	return err == nil, err
}

func (tx *Tx) loadTotals() (*Totals, error) {
	if tx.totals == nil {
		var t Totals
		if _, err := getJSON(tx.j, BucketMeta, keyTotals, &t); err != nil {
			return nil, err
		}
		tx.totals = &t
	}
	return tx.totals, nil
}

// request returns the request kept under id, or nil.
func (tx *Tx) request(id string) (*request, error) {
	if r, ok := tx.requests[id]; ok {
		return r, nil
	}
	var r request
	found, err := getJSON(tx.j, BucketRequests, id, &r)
	if err != nil || !found {
		return nil, err
	}
	return &r, nil
}

// replayChecked checks a caller's request ID, then replays it.
func (tx *Tx) replayChecked(id, key string) (Movement, bool, error) {
	if err := checkID(id); err != nil {
		return Movement{}, false, err
	}
	return tx.replay(id, key)
}

// replay looks id up: a request already done under it with the same key returns its
// first outcome (done true); with another key it is refused.
func (tx *Tx) replay(id, key string) (m Movement, done bool, err error) {
	r, err := tx.request(id)
	if err != nil || r == nil {
		return m, false, err
	}
	if r.Key != key {
		return m, false, fmt.Errorf("request %s: %w", id, ErrRequestReused)
	}
	return r.Movement, true, nil
}

// move applies one movement to acct (already checked by the caller) and records it
// with its request.
func (tx *Tx) move(acct Account, m Movement, key string) (Movement, error) {
	t, err := tx.loadTotals()
	if err != nil {
		return m, err
	}
	if m.Kind == Issue || m.Kind == Import {
		t.Cards++
	}
	acct.Balance += m.Amount
	if acct.Balance < 0 {
		return m, fmt.Errorf("card %s: %w", acct.Masked(), ErrInsufficient)
	}
	acct.Movements++
	t.Liability += m.Amount
	m.Card, m.Balance, m.Status, m.At = acct.Number, acct.Balance, acct.Status, tx.now
	tx.accounts[acct.Number] = &acct
	tx.changed[acct.Number] = true
	tx.requests[m.ID] = &request{Key: key, Movement: m}
	tx.moves = append(tx.moves, m)
	return m, nil
}

// putAccount stores a change to an account that is not a movement (PIN failures).
func (tx *Tx) putAccount(a Account) {
	tx.accounts[a.Number] = &a
	tx.changed[a.Number] = true
}

// changes lists the Tx's state changes, in a fixed order.
func (tx *Tx) changes() ([]journal.StateChange, error) {
	var out []journal.StateChange
	add := func(bucket, key string, v any) error {
		if v == nil {
			out = append(out, journal.StateChange{Bucket: bucket, Key: key})
			return nil
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("prepaid: encode %s/%s: %w", bucket, key, err)
		}
		out = append(out, journal.StateChange{Bucket: bucket, Key: key, Value: raw})
		return nil
	}
	var errs []error
	for _, n := range sortedKeys(tx.changed) {
		errs = append(errs, add(BucketAccounts, n, tx.accounts[n]))
	}
	for _, id := range sortedKeys(tx.requests) {
		errs = append(errs, add(BucketRequests, id, tx.requests[id]))
	}
	for _, id := range sortedKeys(tx.pending) {
		errs = append(errs, add(BucketPending, id, nilIfNil(tx.pending[id])))
	}
	for _, uid := range sortedKeys(tx.uids) {
		var owner any // "" unlinks the UID
		if n := tx.uids[uid]; n != "" {
			owner = n
		}
		errs = append(errs, add(BucketUIDs, uid, owner))
	}
	for _, id := range sortedKeys(tx.orders) {
		errs = append(errs, add(BucketOrders, id, nilIfNil(tx.orders[id])))
	}
	for _, k := range sortedKeys(tx.meta) {
		out = append(out, journal.StateChange{Bucket: BucketMeta, Key: k, Value: tx.meta[k]})
	}
	if tx.totals != nil {
		errs = append(errs, add(BucketMeta, keyTotals, tx.totals))
	}
	return out, errors.Join(errs...)
}

// nilIfNil turns a nil pointer into an untyped nil (a deletion).
func nilIfNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return p
}

// Prepare returns the Tx's movements as a Batch and its state changes, for the caller
// to commit with its own record; the lock stays held until Finish.
func (tx *Tx) Prepare() (Batch, []journal.StateChange, error) {
	ch, err := tx.changes()
	if err != nil {
		return Batch{}, nil, err
	}
	var liab money.Amount
	if t, err := tx.loadTotals(); err == nil {
		liab = t.Liability
	}
	return Batch{Movements: tx.Movements(), Liability: liab}, ch, nil
}

// Finish ends a prepared Tx once the caller's record is committed (or not: the
// changes then never happened, as the journal wrote nothing of them).
func (tx *Tx) Finish(committed bool) {
	if tx.done {
		return
	}
	tx.done = true
	if committed {
		for _, m := range tx.moves {
			tx.l.log.Info("prepaid movement", "movement", m)
		}
	}
	tx.l.mu.Unlock()
}

// Abort ends the Tx without writing anything.
func (tx *Tx) Abort() { tx.Finish(false) }

// Commit writes the Tx as one "prepaid.<kind>" record (kind: the first movement's, or
// the given one when there are none) with its state changes, and ends the Tx. A Tx
// with nothing to write (a replayed request) writes nothing.
func (tx *Tx) Commit(kind Kind) (journal.Record, error) {
	defer tx.Abort()
	b, ch, err := tx.Prepare()
	if err != nil {
		return journal.Record{}, err
	}
	if len(b.Movements) == 0 && len(ch) == 0 {
		return journal.Record{}, nil
	}
	if len(b.Movements) > 0 {
		kind = b.Movements[0].Kind
	}
	var rec journal.Record
	if len(b.Movements) == 0 {
		err = tx.j.PutState(ch...) // bookkeeping only (a PIN failure): no movement, no record
	} else {
		rec, err = tx.j.AppendWith(RecordPrefix+string(kind), b, ch...)
	}
	if err != nil {
		return rec, fmt.Errorf("prepaid: %s not recorded: %w", kind, err)
	}
	tx.Finish(true)
	return rec, nil
}

// run does one operation in its own Tx and commits it.
func (l *Ledger) run(kind Kind, op func(tx *Tx) (Movement, error)) (Movement, error) {
	tx := l.Begin()
	defer tx.Abort()
	m, err := op(tx)
	if err != nil {
		return m, err
	}
	if _, err := tx.Commit(kind); err != nil {
		return Movement{}, err
	}
	return m, nil
}
