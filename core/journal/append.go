package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// errReadOnly is returned for a write through a journal opened read-only.
var errReadOnly = errors.New("journal: opened read-only")

// checkpointEvery is how many log entries the journal collects before it applies them
// to bbolt in one transaction: enough that the two syncs of a bbolt commit are paid
// rarely, few enough that a restart replays little.
const checkpointEvery = 128

// Append durably adds a record of kind with data (marshalled to JSON) and returns it.
// The record is on disk (fdatasynced) when Append returns without error.
func (j *Journal) Append(kind string, data any) (Record, error) {
	return j.appendRecord(kind, data, nil)
}

// AppendWith appends a record and applies state changes in one durable write: both
// happen or neither does.
func (j *Journal) AppendWith(kind string, data any, changes ...StateChange) (Record, error) {
	return j.appendRecord(kind, data, changes)
}

func (j *Journal) appendRecord(kind string, data any, changes []StateChange) (Record, error) {
	if !utf8.ValidString(kind) { // JSON would store it altered, breaking the hash
		return Record{}, fmt.Errorf("journal: append %q: kind is not valid UTF-8", kind)
	}
	raw, err := canonicalJSON(data)
	if err != nil {
		return Record{}, fmt.Errorf("journal: append %s: %w", kind, err)
	}
	rec := Record{Kind: kind, Data: raw}
	if err := j.commit(&rec, logEntry{State: changes}); err != nil {
		return Record{}, fmt.Errorf("journal: append %s: %w", kind, err)
	}
	return rec, nil
}

// commit makes one log entry durable and puts it on the overlay. When rec is not nil it
// is the entry's new record: its sequence number, terminal, time, chain link and hash
// are filled in here, under the lock, so records chain in the order they reach the log.
func (j *Journal) commit(rec *Record, e logEntry) error {
	if err := e.check(); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.closed:
		return ErrClosed
	case j.readOnly:
		return errReadOnly
	case j.broken != nil:
		return fmt.Errorf("journal needs a restart after a failed write: %w", j.broken)
	}
	if rec != nil {
		rec.Seq, rec.Terminal, rec.Time, rec.Prev = j.head.Seq+1, j.terminal, j.now().UTC(), j.head.Hash
		rec.Hash = rec.computeHash()
		enc, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		e.Record = enc
	}
	payload, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if !j.log.fits(len(payload)) {
		if err := j.checkpointLocked(); err != nil {
			return err
		}
		if !j.log.fits(len(payload)) {
			return fmt.Errorf("entry of %d bytes is larger than the log (%d)", len(payload), logSize-logHeaderSize)
		}
	}
	if err := j.log.append(payload); err != nil {
		// Whether the entry reached the disk is unknown, so nothing may follow it: the
		// next start replays what the log holds.
		j.broken = err
		slog.Error("journal: log write failed; the journal takes no more writes until restarted", "path", j.path, "err", err)
		return err
	}
	j.pend.add(rec, e)
	if rec != nil {
		j.head = chainHead{Seq: rec.Seq, Hash: rec.Hash}
	}
	if j.pend.entries >= checkpointEvery {
		if err := j.checkpointLocked(); err != nil {
			// The entry is durable in the log; the next write tries again.
			slog.Warn("journal: checkpoint failed; the log keeps the records", "path", j.path, "err", err)
		}
	}
	return nil
}

// check refuses what bbolt would refuse at the checkpoint, before the entry is logged.
func (e logEntry) check() error {
	for _, c := range e.State {
		if !slices.Contains(StateBuckets, c.Bucket) {
			return fmt.Errorf("%w: %q", ErrNoStateBucket, c.Bucket)
		}
		if err := checkKey(c.Key); err != nil {
			return fmt.Errorf("state %s: %w", c.Bucket, err)
		}
	}
	for _, h := range e.Held {
		if err := checkKey(h.ID); err != nil {
			return fmt.Errorf("held sale: %w", err)
		}
	}
	return nil
}

func checkKey(k string) error {
	if k == "" || len(k) > bolt.MaxKeySize {
		return fmt.Errorf("key of %d bytes: want 1 to %d", len(k), bolt.MaxKeySize)
	}
	return nil
}

// Close applies what the log holds to the file and closes both. Appends after Close
// fail with ErrClosed.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	var errs []error
	if j.log != nil {
		if j.broken == nil {
			errs = append(errs, j.checkpointLocked())
		}
		errs = append(errs, j.log.close())
	}
	errs = append(errs, j.db.Close())
	return errors.Join(errs...)
}

// LastSeq returns the sequence number of the newest record.
func (j *Journal) LastSeq() (uint64, error) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed {
		return 0, ErrClosed
	}
	return j.head.Seq, nil
}
