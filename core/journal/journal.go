// Package journal is the till's durable, append-only, hash-chained record of every sale,
// payment and admin action, kept in a bbolt file. Each append is durable when it
// returns: it is one entry in a write-ahead log beside the file, synced on its own, and
// reaches bbolt in batches (wal.go, checkpoint.go).
package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Errors Open reports so the till and the CLI can say what is wrong.
var (
	ErrLocked      = errors.New("journal is in use by another Tilldesk")
	ErrCorrupt     = errors.New("journal file is corrupt or not a Tilldesk journal")
	ErrNewerSchema = errors.New("journal was written by a newer Tilldesk")
	ErrTerminal    = errors.New("journal belongs to another terminal")
	ErrClosed      = errors.New("journal is closed")
)

// Options configure Open.
type Options struct {
	Terminal    string           // terminal ID stamped on every record
	Now         func() time.Time // clock; time.Now when nil
	LockTimeout time.Duration    // how long to wait for another process's lock; 2s when 0
	ReadOnly    bool             // open for verify/export only
	// Continues, when a new journal is created, is the last record of the journal it
	// replaces (a journal cleared at deregistration): the new chain starts at the next
	// sequence number and links to that record's hash, so receipt numbers never repeat
	// and the backup and the new journal form one chain. Ignored for an existing file.
	Continues Link
}

// Link names a record of a chain: its sequence number and hash.
type Link struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// Journal is an open journal file.
type Journal struct {
	db       *bolt.DB
	path     string
	terminal string
	now      func() time.Time
	readOnly bool
	first    uint64       // the oldest record's sequence number (FirstSeq)
	filledTo atomic.Int64 // file offset up to which zeros are written ahead (prealloc.go)

	mu     sync.RWMutex // guards the fields below; writers hold it across the log write
	log    *walLog      // nil when read-only
	pend   overlay      // in the log, not yet in bbolt
	head   chainHead    // the newest record, pending or not
	closed bool
	broken error // a log write whose outcome on disk is unknown: no more writes
}

// Open opens or creates the journal at path. A file that is locked, corrupt, foreign or
// from a newer schema gives a clear error and is never modified.
func Open(path string, opt Options) (*Journal, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.LockTimeout == 0 {
		opt.LockTimeout = 2 * time.Second
	}
	if !opt.ReadOnly && opt.Terminal == "" {
		return nil, errors.New("journal: open: no terminal ID")
	}
	if !utf8.ValidString(opt.Terminal) { // JSON would store it altered, breaking the hash
		return nil, fmt.Errorf("journal: open: terminal ID %q is not valid UTF-8", opt.Terminal)
	}
	fi, statErr := os.Stat(path)
	if opt.ReadOnly {
		if statErr != nil {
			return nil, fmt.Errorf("journal: open %s: %w", path, statErr)
		}
		if fi.Size() == 0 { // bbolt would try to initialise it through a read-only handle
			return nil, fmt.Errorf("journal: %s is empty: %w", path, ErrCorrupt)
		}
	} else if statErr == nil && fi.Size() > 0 {
		// A writable bbolt open scans every page to rebuild the freelist, so a truncated
		// file must be caught first, through a read-only open that touches only the meta.
		probe, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, ReadOnly: true})
		if err != nil {
			return nil, openError(path, err)
		}
		err = checkTruncated(probe, path)
		probe.Close()
		if err != nil {
			return nil, err
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        opt.LockTimeout,
		ReadOnly:       opt.ReadOnly,
		NoFreelistSync: true, // the freelist is rebuilt on open; fewer pages per commit
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return nil, openError(path, err)
	}
	if opt.ReadOnly {
		if err := checkTruncated(db, path); err != nil {
			db.Close()
			return nil, err
		}
	}
	j := &Journal{db: db, path: path, terminal: opt.Terminal, now: opt.Now, readOnly: opt.ReadOnly, first: 1}
	fresh, err := j.checkOrInit(opt.ReadOnly, opt.Continues)
	if err == nil {
		err = j.openLog()
	}
	if err == nil && fresh {
		created := map[string]any{"schema": SchemaVersion}
		if opt.Continues.Seq > 0 {
			created["continues"] = opt.Continues
		}
		_, err = j.Append(KindJournalOpened, created)
	}
	if err != nil {
		if j.log != nil {
			j.log.close()
		}
		db.Close()
		return nil, err
	}
	return j, nil
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("journal: open %s: %w", path, ErrLocked)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch),
		// bbolt has no sentinel for a file shorter than its two meta pages.
		strings.Contains(err.Error(), "file size too small"):
		return fmt.Errorf("journal: open %s: %w (%v)", path, ErrCorrupt, err)
	}
	return fmt.Errorf("journal: open %s: %w", path, err)
}

// checkTruncated fails with ErrCorrupt when the file is shorter than the pages its meta
// data names: bbolt would read past the end of its mapping and die of SIGBUS.
func checkTruncated(db *bolt.DB, path string) error {
	return db.View(func(tx *bolt.Tx) error {
		fi, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("journal: open %s: %w", path, err)
		}
		if fi.Size() < tx.Size() {
			return fmt.Errorf("journal: %s is truncated (%d of %d bytes): %w", path, fi.Size(), tx.Size(), ErrCorrupt)
		}
		return nil
	})
}

// checkOrInit verifies the meta data of an existing journal, or lays out a new one
// (fresh: the caller appends its first record).
func (j *Journal) checkOrInit(readOnly bool, continues Link) (fresh bool, err error) {
	var needState, needLogID, needKinds bool
	err = j.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return fmt.Errorf("journal: %s: no meta bucket: %w", j.path, ErrCorrupt)
			}
			fresh = true
			return nil
		}
		if string(meta.Get(keyMagic)) != magic {
			return fmt.Errorf("journal: %s: %w", j.path, ErrCorrupt)
		}
		v, err := strconv.Atoi(string(meta.Get(keySchema)))
		if err != nil {
			return fmt.Errorf("journal: %s: schema version %q: %w", j.path, meta.Get(keySchema), ErrCorrupt)
		}
		if v > SchemaVersion {
			return fmt.Errorf("journal: %s has schema %d, this Tilldesk reads up to %d: %w", j.path, v, SchemaVersion, ErrNewerSchema)
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil && !bytes.Equal(b, bucketState) && !bytes.Equal(b, bucketKinds) { // added in place, below
				return fmt.Errorf("journal: %s: bucket %s missing: %w", j.path, b, ErrCorrupt)
			}
		}
		needState = tx.Bucket(bucketState) == nil
		needLogID = meta.Get(keyLogID) == nil
		needKinds = tx.Bucket(bucketKinds) == nil
		term := string(meta.Get(keyTerminal))
		if readOnly || j.terminal == "" {
			j.terminal = term
		} else if term != j.terminal {
			return fmt.Errorf("journal: %s is terminal %s's, this is %s: %w", j.path, term, j.terminal, ErrTerminal)
		}
		return nil
	})
	if err == nil && (needState || needLogID || needKinds) && !readOnly {
		// Journals made before the state bucket, the log or the kind index existed get
		// them on first writable open.
		err = j.db.Update(func(tx *bolt.Tx) error {
			if _, err := tx.CreateBucketIfNotExists(bucketState); err != nil {
				return err
			}
			if err := indexKinds(tx); err != nil {
				return fmt.Errorf("journal: %s: index the records by kind: %w", j.path, err)
			}
			if tx.Bucket(bucketMeta).Get(keyLogID) != nil {
				return nil
			}
			return tx.Bucket(bucketMeta).Put(keyLogID, []byte(newLogID()))
		})
	}
	if err != nil || !fresh {
		return false, err
	}
	if readOnly {
		return false, fmt.Errorf("journal: %s is empty: %w", j.path, ErrCorrupt)
	}
	if err := j.db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		for k, v := range map[string]string{
			string(keyMagic):    magic,
			string(keySchema):   strconv.Itoa(SchemaVersion),
			string(keyTerminal): j.terminal,
			string(keyCreated):  j.now().UTC().Format(time.RFC3339Nano),
			string(keyLogID):    newLogID(),
		} {
			if err := meta.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		if continues.Seq > 0 {
			if continues.Hash == "" {
				return errors.New("continues a chain with no hash")
			}
			link, err := json.Marshal(continues)
			if err != nil {
				return err
			}
			// The chain head starts at the link, and meta remembers where the chain begins.
			if err := meta.Put(keyContinues, link); err != nil {
				return err
			}
			head, err := json.Marshal(chainHead(continues))
			if err != nil {
				return err
			}
			return tx.Bucket(bucketRecords).Put(headKey, head)
		}
		return nil
	}); err != nil {
		return false, fmt.Errorf("journal: create %s: %w", j.path, err)
	}
	return true, nil
}

// FirstSeq is the sequence number of the journal's oldest record: 1, or in a journal
// that continues a cleared one's chain, the number after the link (Options.Continues).
func (j *Journal) FirstSeq() uint64 { return j.first }

// Path is the journal file's path.
func (j *Journal) Path() string { return j.path }

// Terminal is the terminal ID the journal belongs to.
func (j *Journal) Terminal() string { return j.terminal }

// canonicalJSON marshals data (or takes raw JSON) into the compact, HTML-escaped form
// encoding/json produces, so the bytes hashed are the bytes stored and read back.
func canonicalJSON(data any) (json.RawMessage, error) {
	raw, ok := data.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			return nil, err
		}
	}
	var compact, escaped bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, err
	}
	json.HTMLEscape(&escaped, compact.Bytes())
	return escaped.Bytes(), nil
}

// readHead returns the chain head; a journal with no record yet has the zero head.
func readHead(records *bolt.Bucket) (chainHead, error) {
	var h chainHead
	v := records.Get(headKey)
	if v == nil {
		return h, nil
	}
	if err := json.Unmarshal(v, &h); err != nil {
		return h, fmt.Errorf("journal: chain head unreadable: %w (%v)", ErrCorrupt, err)
	}
	return h, nil
}
