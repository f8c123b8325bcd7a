package journal

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// State is the till's mutable data kept beside the chain, in the same file so that a
// change and the journal record that audits it commit in one transaction: operators,
// the open shift, report counters, the deregistration wizard's progress, the
// terminal's registration. Each kind of state has its own sub-bucket, named in
// StateBuckets.
var StateBuckets = []string{"operators", "shift", "counters", "dereg", "terminal", "settings",
	// The prepaid card ledger (core/prepaid: accounts, requests, pending payments,
	// contactless UIDs, orders, totals).
	"prepaid", "prepaid_req", "prepaid_pending", "prepaid_uid", "prepaid_order", "prepaid_meta",
	// Wallet payment intents not yet settled (app/wallet*.go), by out_trade_no.
	"wallet",
	// Card payments (app/acquirer*.go): link counters, authorisation intents and
	// reversals, offline advices, the open batch, card refunds.
	"acquirer"}

// ErrNoStateBucket is returned for a state bucket not declared in StateBuckets.
var ErrNoStateBucket = errors.New("journal: undeclared state bucket")

// StateChange sets (Value non-nil) or deletes (Value nil) one key of a state bucket.
type StateChange struct {
	Bucket string
	Key    string
	Value  []byte
}

func stateBucket(tx *bolt.Tx, name string) (*bolt.Bucket, error) {
	if !slices.Contains(StateBuckets, name) {
		return nil, fmt.Errorf("%w: %q", ErrNoStateBucket, name)
	}
	root := tx.Bucket(bucketState)
	if root == nil {
		return nil, fmt.Errorf("journal: state bucket missing: %w", ErrCorrupt)
	}
	if b := root.Bucket([]byte(name)); b != nil || !tx.Writable() {
		return b, nil
	}
	return root.CreateBucket([]byte(name))
}

func applyState(tx *bolt.Tx, changes []StateChange) error {
	for _, c := range changes {
		b, err := stateBucket(tx, c.Bucket)
		if err != nil {
			return err
		}
		if c.Value == nil {
			err = b.Delete([]byte(c.Key))
		} else {
			err = b.Put([]byte(c.Key), c.Value)
		}
		if err != nil {
			return fmt.Errorf("journal: state %s/%s: %w", c.Bucket, c.Key, err)
		}
	}
	return nil
}

// PutState applies state changes without a journal record (bookkeeping that needs no
// audit, e.g. a lockout counter), durably.
func (j *Journal) PutState(changes ...StateChange) error {
	if err := j.commit(nil, logEntry{State: changes}); err != nil {
		return fmt.Errorf("journal: put state: %w", err)
	}
	return nil
}

// GetState returns a copy of one state value, or nil when it is not set.
func (j *Journal) GetState(bucket, key string) ([]byte, error) {
	if !slices.Contains(StateBuckets, bucket) {
		return nil, fmt.Errorf("%w: %q", ErrNoStateBucket, bucket)
	}
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed {
		return nil, ErrClosed
	}
	if v, ok := j.pend.stateValue(bucket, key); ok {
		return bytes.Clone(v), nil
	}
	var out []byte
	err := j.db.View(func(tx *bolt.Tx) error {
		b, err := stateBucket(tx, bucket)
		if err != nil || b == nil {
			return err
		}
		out = bytes.Clone(b.Get([]byte(key))) // an empty value stays set, and empty

		return nil
	})
	return out, err
}

// EachState calls fn with every key and value of a state bucket, in key order.
func (j *Journal) EachState(bucket string, fn func(key string, value []byte) error) error {
	if !slices.Contains(StateBuckets, bucket) {
		return fmt.Errorf("%w: %q", ErrNoStateBucket, bucket)
	}
	all, err := j.keyed(func(tx *bolt.Tx) (*bolt.Bucket, error) { return stateBucket(tx, bucket) },
		func(o *overlay) map[string][]byte { return o.state[bucket] })
	if err != nil {
		return err
	}
	return sortedEach(all, fn)
}

// keyed reads a bucket (nil: none yet) from bbolt with the overlay's pending changes on
// top, as one consistent copy.
func (j *Journal) keyed(bucket func(*bolt.Tx) (*bolt.Bucket, error), pending func(*overlay) map[string][]byte) (map[string][]byte, error) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed {
		return nil, ErrClosed
	}
	all := map[string][]byte{}
	err := j.db.View(func(tx *bolt.Tx) error {
		b, err := bucket(tx)
		if err != nil || b == nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error { all[string(k)] = bytes.Clone(v); return nil })
	})
	if err != nil {
		return nil, err
	}
	mergeInto(all, pending(&j.pend))
	return all, nil
}
