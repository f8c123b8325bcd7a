package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrStop ends an Each walk early without an error.
var ErrStop = errors.New("stop")

// Filter selects records by time (inclusive From, exclusive To; zero means open) and
// kind (empty means all).
type Filter struct {
	From, To time.Time
	Kind     string
}

func (f Filter) match(r Record) bool {
	return (f.From.IsZero() || !r.Time.Before(f.From)) &&
		(f.To.IsZero() || r.Time.Before(f.To)) &&
		(f.Kind == "" || f.Kind == r.Kind)
}

// Each calls fn for every record matching f, oldest first. Returning ErrStop from fn
// ends the walk early.
func (j *Journal) Each(f Filter, fn func(Record) error) error {
	err := j.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
			if bytes.Equal(k, headKey) {
				return nil
			}
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("journal: record %x: %w (%v)", k, ErrCorrupt, err)
			}
			if !f.match(r) {
				return nil
			}
			return fn(r)
		})
	})
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// Get returns the record with sequence number seq.
func (j *Journal) Get(seq uint64) (Record, error) {
	var r Record
	err := j.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRecords).Get(seqKey(seq))
		if v == nil {
			return fmt.Errorf("journal: record %d not found", seq)
		}
		return json.Unmarshal(v, &r)
	})
	return r, err
}

// ChainError reports the first record that breaks the hash chain.
type ChainError struct {
	Seq    uint64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("journal: chain broken at record %d: %s", e.Seq, e.Reason)
}

// VerifyResult summarises a verified journal.
type VerifyResult struct {
	Records  uint64
	LastHash string
}

// Verify walks the whole chain: sequence numbers contiguous from 1, each record's hash
// correct and committing to its predecessor, the terminal ID unchanged, and the chain
// head's sequence and hash matching the last record. It returns a *ChainError for
// the first bad record.
func (j *Journal) Verify() (VerifyResult, error) {
	var res VerifyResult
	err := j.db.View(func(tx *bolt.Tx) error {
		prev := ""
		var want uint64 = 1
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.First(); k != nil && !bytes.Equal(k, headKey); k, v = c.Next() {
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				return &ChainError{Seq: want, Reason: "undecodable record: " + err.Error()}
			}
			switch {
			case r.Seq != want || string(seqKey(r.Seq)) != string(k):
				return &ChainError{Seq: want, Reason: fmt.Sprintf("found sequence %d", r.Seq)}
			case r.Terminal != j.terminal:
				return &ChainError{Seq: r.Seq, Reason: fmt.Sprintf("terminal %q, journal is %q", r.Terminal, j.terminal)}
			case r.Prev != prev:
				return &ChainError{Seq: r.Seq, Reason: "previous-hash link does not match"}
			case r.computeHash() != r.Hash:
				return &ChainError{Seq: r.Seq, Reason: "hash does not match contents (record altered)"}
			}
			prev = r.Hash
			res.Records = r.Seq
			want++
		}
		head, err := readHead(tx.Bucket(bucketRecords))
		if err != nil {
			return &ChainError{Seq: want, Reason: err.Error()}
		}
		if head.Hash != prev || head.Seq != res.Records {
			return &ChainError{Seq: want, Reason: fmt.Sprintf("records missing after the last one (the chain head names record %d)", head.Seq)}
		}
		res.LastHash = prev
		return nil
	})
	return res, err
}
