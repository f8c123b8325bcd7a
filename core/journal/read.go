package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

// snapshot runs fn with a read transaction and a copy of the pending records that
// belong together: no checkpoint falls between them. fn runs without the journal's
// lock, so it may append.
func (j *Journal) snapshot(fn func(tx *bolt.Tx, pending []Record) error) error {
	j.mu.RLock()
	if j.closed {
		j.mu.RUnlock()
		return ErrClosed
	}
	tx, err := j.db.Begin(false)
	pending := slices.Clone(j.pend.records)
	j.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("journal: read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx, pending)
}

// Each calls fn for every record matching f, oldest first. Returning ErrStop from fn
// ends the walk early.
func (j *Journal) Each(f Filter, fn func(Record) error) error {
	visit := func(r Record) error {
		if !f.match(r) {
			return nil
		}
		return fn(r)
	}
	err := j.snapshot(func(tx *bolt.Tx, pending []Record) error {
		var err error
		if f.Kind != "" && tx.Bucket(bucketKinds) != nil { // a schema 1 file opened read-only has none
			err = eachOfKind(tx, f.Kind, visit)
		} else {
			err = tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
				if bytes.Equal(k, headKey) {
					return nil
				}
				r, err := decodeRecord(k, v)
				if err != nil {
					return err
				}
				return visit(r)
			})
		}
		for _, r := range pending {
			if err != nil {
				break
			}
			err = visit(r)
		}
		return err
	})
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// Get returns the record with sequence number seq.
func (j *Journal) Get(seq uint64) (Record, error) {
	var r Record
	err := j.snapshot(func(tx *bolt.Tx, pending []Record) error {
		if len(pending) > 0 && seq >= pending[0].Seq {
			if i := seq - pending[0].Seq; i < uint64(len(pending)) {
				r = pending[i]
				return nil
			}
			return fmt.Errorf("journal: record %d not found", seq)
		}
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
	// Records is the newest record's sequence number: the number of records when the
	// chain starts at 1.
	Records  uint64
	LastHash string
	// Continues is where a journal that continues an earlier one's chain links to
	// (zero for a chain that starts at 1).
	Continues Link
}

// Verify walks the whole chain: sequence numbers contiguous from 1 (or from the record
// after the one a continuing journal links to, whose hash the first record commits
// to), each record's hash
// correct and committing to its predecessor, the terminal ID unchanged, and the chain
// head's sequence and hash matching the last record. It returns a *ChainError for
// the first bad record.
func (j *Journal) Verify() (VerifyResult, error) {
	var res VerifyResult
	err := j.snapshot(func(tx *bolt.Tx, pending []Record) error {
		if v := tx.Bucket(bucketMeta).Get(keyContinues); v != nil {
			if err := json.Unmarshal(v, &res.Continues); err != nil || res.Continues.Seq == 0 {
				return &ChainError{Seq: 1, Reason: fmt.Sprintf("chain link %q unreadable", v)}
			}
		}
		prev := res.Continues.Hash
		want := res.Continues.Seq + 1
		res.Records = res.Continues.Seq
		check := func(r Record, key []byte) error {
			switch {
			case r.Seq != want || key != nil && string(seqKey(r.Seq)) != string(key):
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
			return nil
		}
		kinds, stored := tx.Bucket(bucketKinds), 0 // no index: a schema 1 file opened read-only
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.First(); k != nil && !bytes.Equal(k, headKey); k, v = c.Next() {
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				return &ChainError{Seq: want, Reason: "undecodable record: " + err.Error()}
			}
			if err := check(r, k); err != nil {
				return err
			}
			if stored++; kinds != nil && kinds.Get(kindKey(r.Kind, r.Seq)) == nil {
				return &ChainError{Seq: r.Seq, Reason: "missing from the kind index"}
			}
		}
		head, err := readHead(tx.Bucket(bucketRecords))
		if err != nil {
			return &ChainError{Seq: want, Reason: err.Error()}
		}
		if head.Hash != prev || head.Seq != res.Records {
			return &ChainError{Seq: want, Reason: fmt.Sprintf("records missing after the last one (the chain head names record %d)", head.Seq)}
		}
		if kinds != nil && kinds.Stats().KeyN != stored {
			return &ChainError{Seq: want, Reason: fmt.Sprintf("the kind index names %d records, the journal holds %d", kinds.Stats().KeyN, stored)}
		}
		for _, r := range pending { // from the write-ahead log, checked as they were loaded
			if err := check(r, nil); err != nil {
				return err
			}
		}
		res.LastHash = prev
		return nil
	})
	return res, err
}
