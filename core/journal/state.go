package journal

import (
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
var StateBuckets = []string{"operators", "shift", "counters", "dereg", "terminal", "settings"}

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

// AppendWith appends a record and applies state changes in one durable transaction:
// both happen or neither does.
func (j *Journal) AppendWith(kind string, data any, changes ...StateChange) (Record, error) {
	return j.appendTx(kind, data, func(tx *bolt.Tx) error { return applyState(tx, changes) })
}

// PutState applies state changes without a journal record (bookkeeping that needs no
// audit, e.g. a lockout counter), durably.
func (j *Journal) PutState(changes ...StateChange) error {
	if err := j.db.Update(func(tx *bolt.Tx) error { return applyState(tx, changes) }); err != nil {
		return fmt.Errorf("journal: put state: %w", err)
	}
	return nil
}

// GetState returns a copy of one state value, or nil when it is not set.
func (j *Journal) GetState(bucket, key string) ([]byte, error) {
	var out []byte
	err := j.db.View(func(tx *bolt.Tx) error {
		b, err := stateBucket(tx, bucket)
		if err != nil || b == nil {
			return err
		}
		if v := b.Get([]byte(key)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	return out, err
}

// EachState calls fn with every key and value of a state bucket, in key order.
func (j *Journal) EachState(bucket string, fn func(key string, value []byte) error) error {
	return j.db.View(func(tx *bolt.Tx) error {
		b, err := stateBucket(tx, bucket)
		if err != nil || b == nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
	})
}
