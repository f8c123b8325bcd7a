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
	err := j.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketHeld).Put([]byte(id), sale) })
	if err != nil {
		return fmt.Errorf("journal: hold sale %s: %w", id, err)
	}
	return nil
}

// DeleteHeld removes a held sale.
func (j *Journal) DeleteHeld(id string) error {
	err := j.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketHeld).Delete([]byte(id)) })
	if err != nil {
		return fmt.Errorf("journal: release held sale %s: %w", id, err)
	}
	return nil
}

// Held returns every held sale by ID.
func (j *Journal) Held() (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	err := j.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHeld).ForEach(func(k, v []byte) error {
			out[string(k)] = append(json.RawMessage(nil), v...)
			return nil
		})
	})
	return out, err
}
