package journal

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// logEntry is the payload of one log entry: everything one durable write changes.
type logEntry struct {
	Record json.RawMessage `json:"r,omitempty"` // the new record, exactly as bbolt stores it
	State  []StateChange   `json:"s,omitempty"`
	Held   []heldChange    `json:"h,omitempty"`
}

// heldChange parks (Sale non-nil) or releases (Sale nil) a held sale.
type heldChange struct {
	ID   string `json:"id"`
	Sale []byte `json:"sale"`
}

// overlay is what the log holds and bbolt does not yet: the records, state and held
// sales written since the last checkpoint. Readers see bbolt with the overlay on top.
// A nil value in state or held is a deletion.
type overlay struct {
	records []Record
	encoded [][]byte // records[i] as stored
	state   map[string]map[string][]byte
	held    map[string][]byte
	entries int
}

// add puts one entry (whose record, if any, is rec) on top.
func (o *overlay) add(rec *Record, e logEntry) {
	o.entries++
	if rec != nil {
		o.records = append(o.records, *rec)
		o.encoded = append(o.encoded, e.Record)
	}
	for _, c := range e.State {
		if o.state == nil {
			o.state = map[string]map[string][]byte{}
		}
		if o.state[c.Bucket] == nil {
			o.state[c.Bucket] = map[string][]byte{}
		}
		o.state[c.Bucket][c.Key] = c.Value
	}
	for _, h := range e.Held {
		if o.held == nil {
			o.held = map[string][]byte{}
		}
		o.held[h.ID] = h.Sale
	}
}

// record returns the pending record seq, if it is one.
func (o *overlay) record(seq uint64) (Record, bool) {
	if len(o.records) == 0 || seq < o.records[0].Seq {
		return Record{}, false
	}
	i := seq - o.records[0].Seq
	if i >= uint64(len(o.records)) {
		return Record{}, false
	}
	return o.records[i], true
}

// stateValue returns a pending state value and whether the overlay has one (a nil
// value with ok set is a pending deletion).
func (o *overlay) stateValue(bucket, key string) ([]byte, bool) {
	v, ok := o.state[bucket][key]
	return v, ok
}

// mergeInto applies pending changes of one keyed set onto base (bbolt's contents).
func mergeInto(base map[string][]byte, pending map[string][]byte) {
	for k, v := range pending {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
}

// sortedEach calls fn for every key of m in key order.
func sortedEach(m map[string][]byte, fn func(key string, value []byte) error) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := fn(k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// flush writes everything pending into tx; the caller resets the overlay once tx has
// committed.
func (o *overlay) flush(tx *bolt.Tx) error {
	records, kinds := tx.Bucket(bucketRecords), tx.Bucket(bucketKinds)
	records.FillPercent = 1 // keys only ever grow: fill pages instead of splitting them in half
	for i, r := range o.records {
		if err := records.Put(seqKey(r.Seq), o.encoded[i]); err != nil {
			return fmt.Errorf("record %d: %w", r.Seq, err)
		}
		if err := kinds.Put(kindKey(r.Kind, r.Seq), nil); err != nil {
			return fmt.Errorf("record %d: kind index: %w", r.Seq, err)
		}
	}
	if n := len(o.records); n > 0 {
		last := o.records[n-1]
		head, err := json.Marshal(chainHead{Seq: last.Seq, Hash: last.Hash})
		if err != nil {
			return err
		}
		if err := records.Put(headKey, head); err != nil {
			return err
		}
	}
	for _, bucket := range slices.Sorted(maps.Keys(o.state)) {
		var changes []StateChange
		for _, key := range slices.Sorted(maps.Keys(o.state[bucket])) {
			changes = append(changes, StateChange{Bucket: bucket, Key: key, Value: o.state[bucket][key]})
		}
		if err := applyState(tx, changes); err != nil {
			return err
		}
	}
	held := tx.Bucket(bucketHeld)
	for id, sale := range o.held {
		var err error
		if sale == nil {
			err = held.Delete([]byte(id))
		} else {
			err = held.Put([]byte(id), sale)
		}
		if err != nil {
			return fmt.Errorf("held sale %s: %w", id, err)
		}
	}
	return nil
}
