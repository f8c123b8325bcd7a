package journal

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// The kind index (bucketKinds, schema 2). A till looks records up by kind all day:
// the refunds of a sale, the shift's sales for an X report, the card intents. Without
// the index each look-up read and decoded every record in the journal, which grows by
// every sale: months of records made a refund take seconds. The index is written in
// the same bbolt transaction as the records it names (overlay.flush), so it is never
// behind what bbolt holds; records still in the write-ahead log are filtered in memory.

// indexKinds builds the kind index of a journal made before it existed, in tx, and
// marks the file as schema 2. A journal that has the index is left alone.
func indexKinds(tx *bolt.Tx) error {
	if tx.Bucket(bucketKinds) != nil {
		return nil
	}
	kinds, err := tx.CreateBucket(bucketKinds)
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
		if bytes.Equal(k, headKey) {
			return nil
		}
		var r struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("record %x: %w (%v)", k, ErrCorrupt, err)
		}
		return kinds.Put(kindKey(r.Kind, binary.BigEndian.Uint64(k)), nil)
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(SchemaVersion)))
}

// decodeRecord reads the record stored under key in bucketRecords.
func decodeRecord(key, v []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("journal: record %x: %w (%v)", key, ErrCorrupt, err)
	}
	return r, nil
}

// eachOfKind visits the records of kind that bbolt holds, oldest first, through the
// index.
func eachOfKind(tx *bolt.Tx, kind string, visit func(Record) error) error {
	records, prefix := tx.Bucket(bucketRecords), kindPrefix(kind)
	c := tx.Bucket(bucketKinds).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		seq := k[len(prefix):]
		v := records.Get(seq)
		if v == nil {
			return fmt.Errorf("journal: the kind index names record %x, which is missing: %w", seq, ErrCorrupt)
		}
		r, err := decodeRecord(seq, v)
		if err != nil {
			return err
		}
		if err := visit(r); err != nil {
			return err
		}
	}
	return nil
}
