package journal

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Held sales are parked carts the cashier can recall later. They are mutable state kept
// beside the chain (the chain records that a sale was held and recalled); they survive a
// restart so a parked cart is never lost.

// PutHeld stores a held sale under id, durably.
func (j *Journal) PutHeld(id string, sale json.RawMessage) error {
	if sale == nil {
		sale = json.RawMessage("null")
	}
	if err := j.commit(nil, logEntry{Held: []heldChange{{ID: id, Sale: sale}}}); err != nil {
		return fmt.Errorf("journal: hold sale %s: %w", id, err)
	}
	return nil
}

// DeleteHeld removes a held sale.
func (j *Journal) DeleteHeld(id string) error {
	if err := j.commit(nil, logEntry{Held: []heldChange{{ID: id}}}); err != nil {
		return fmt.Errorf("journal: release held sale %s: %w", id, err)
	}
	return nil
}

// Held returns every held sale by ID.
func (j *Journal) Held() (map[string]json.RawMessage, error) {
	all, err := j.keyed(func(tx *bolt.Tx) (*bolt.Bucket, error) { return tx.Bucket(bucketHeld), nil },
		func(o *overlay) map[string][]byte { return o.held })
	if err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(all))
	for id, sale := range all {
		out[id] = sale
	}
	return out, nil
}
