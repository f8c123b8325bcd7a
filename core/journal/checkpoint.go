package journal

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Checkpoints move what the log holds into bbolt: one bbolt transaction (synced as
// bbolt does) writes the pending records, state and held sales together with the log
// generation they came from; then the log starts its next generation. A crash between
// the two leaves a log whose generation the file has already applied, which the next
// start recognises and skips. A crash before the transaction commits leaves the file
// as it was and the log whole, which the next start replays.

// newLogID is a fresh random ID tying a journal file to its log.
func newLogID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// fileState reads what the log needs from bbolt: the log ID, the newest log
// generation applied, and the chain head.
func (j *Journal) fileState() (id string, applied uint64, head chainHead, err error) {
	err = j.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		id = string(meta.Get(keyLogID))
		if v := meta.Get(keyLogGen); v != nil {
			var perr error
			if applied, perr = strconv.ParseUint(string(v), 10, 64); perr != nil {
				return fmt.Errorf("journal: %s: log generation %q: %w", j.path, v, ErrCorrupt)
			}
		}
		if v := meta.Get(keyContinues); v != nil {
			var link Link
			if err := json.Unmarshal(v, &link); err != nil {
				return fmt.Errorf("journal: %s: chain link %q: %w", j.path, v, ErrCorrupt)
			}
			j.first = link.Seq + 1
		}
		head, err = readHead(tx.Bucket(bucketRecords))
		return err
	})
	return id, applied, head, err
}

// openLog opens the journal's log: entries the file has not applied are put on the
// overlay (and, when writable, applied at once); a log that belongs to another journal
// file and holds nothing is started anew, one that holds records is refused.
func (j *Journal) openLog() error {
	id, applied, head, err := j.fileState()
	if err != nil {
		return err
	}
	j.head = head
	if id == "" { // a read-only look at a journal made before the log existed
		return nil
	}
	path := LogPath(j.path)
	c, err := readLog(path, id, applied+1)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if j.readOnly {
			return nil
		}
		j.log, err = createLog(path, id, applied+1)
		return err
	case err != nil:
		return fmt.Errorf("journal: read log %s: %w", path, err)
	case c.id != id && len(c.entries) > 0:
		return fmt.Errorf("journal: log %s holds records of another journal file: %w", path, ErrCorrupt)
	}
	pending := c.id == id && c.gen > applied && len(c.entries) > 0
	if pending {
		if err := j.loadEntries(c.entries); err != nil {
			return fmt.Errorf("journal: log %s: %w", path, err)
		}
		if j.readOnly {
			slog.Info("journal: reading records the write-ahead log holds (the till did not close cleanly)", "path", path, "entries", len(c.entries))
		} else {
			slog.Info("journal: replaying the write-ahead log", "path", path, "entries", len(c.entries))
		}
	}
	if j.readOnly {
		return nil
	}
	if c.id != id {
		j.log, err = createLog(path, id, applied+1) // scrubs the other journal's entries
		return err
	}
	if j.log, err = openLogAt(path, id, c.gen, c.end); err != nil {
		return err
	}
	if pending {
		return j.checkpointLocked()
	}
	return j.log.reset(applied + 1)
}

// loadEntries puts log entries on the overlay, checking that their records continue
// the chain.
func (j *Journal) loadEntries(entries [][]byte) error {
	for i, p := range entries {
		var e logEntry
		if err := json.Unmarshal(p, &e); err != nil {
			return fmt.Errorf("entry %d: %w (%v)", i, ErrCorrupt, err)
		}
		var rec *Record
		if e.Record != nil {
			var r Record
			if err := json.Unmarshal(e.Record, &r); err != nil {
				return fmt.Errorf("entry %d: %w (%v)", i, ErrCorrupt, err)
			}
			if r.Seq != j.head.Seq+1 || r.Prev != j.head.Hash || r.computeHash() != r.Hash {
				return fmt.Errorf("entry %d (record %d) does not continue the chain at %d: %w", i, r.Seq, j.head.Seq, ErrCorrupt)
			}
			rec = &r
			j.head = chainHead{Seq: r.Seq, Hash: r.Hash}
		}
		j.pend.add(rec, e)
	}
	return nil
}

// checkpointLocked applies the overlay to bbolt and starts the log's next generation.
// The caller holds j.mu for writing.
func (j *Journal) checkpointLocked() error {
	if j.pend.entries == 0 {
		return nil
	}
	gen := j.log.gen
	var size int64
	err := j.db.Update(func(tx *bolt.Tx) error {
		if err := j.pend.flush(tx); err != nil {
			return err
		}
		size = tx.Size()
		return tx.Bucket(bucketMeta).Put(keyLogGen, []byte(strconv.FormatUint(gen, 10)))
	})
	if err != nil {
		return fmt.Errorf("journal: checkpoint: %w", err)
	}
	j.pend = overlay{}
	if err := j.log.reset(gen + 1); err != nil {
		// Entries written after this under generation gen would count as applied.
		j.broken = err
		return fmt.Errorf("journal: checkpoint: %w", err)
	}
	if err := j.keepAhead(size); err != nil {
		// Everything is committed; only the next checkpoints may be slower.
		slog.Warn("journal: pre-allocation failed", "path", j.path, "err", err)
	}
	return nil
}
