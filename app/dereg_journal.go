package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"tilldesk/core/backup"
	"tilldesk/core/journal"
)

// Taking the journal file away from the till for a moment: the deregistration backup
// needs a consistent snapshot (bbolt holds an exclusive lock while the journal is
// open), clearing and re-keying replace the file with a freshly built one. The
// session closes its journal, the work runs on the bare file, and the session opens it
// again and hands the new handle to its Till. Anything else holding the old
// *journal.Journal must take the new one (DeregOptions.AfterReopen); while the file is
// away, appends through the old handle fail with journal.ErrClosed.

// reopenJournal closes the session's journal, runs fn with its path, and opens the
// file again as terminal, installing the new handle in the Session and its Till
// through onUI (nil: directly), so that screens reading Till.Journal() on the UI
// goroutine never race with the change. The journal is reopened whatever fn returns;
// after, when set, gets the new handle (also through onUI).
func (s *Session) reopenJournal(terminal string, fn func(path string) error, after func(*journal.Journal), onUI func(func())) error {
	path := s.Journal.Path()
	if err := s.Journal.Close(); err != nil {
		return fmt.Errorf("close journal: %w", err)
	}
	workErr := fn(path)
	j, err := journal.Open(path, journal.Options{Terminal: terminal, Now: s.Till.now})
	if err != nil {
		s.Log.Error("journal did not reopen", "path", path, "err", err)
		return errors.Join(workErr, fmt.Errorf("reopen journal: %w", err))
	}
	install := func() {
		s.Journal, s.Till.journal = j, j
		if after != nil {
			after(j)
		}
	}
	if onUI == nil {
		install()
	} else {
		onUI(install)
	}
	return workErr
}

// snapshotJournal writes a consistent copy of the (closed) journal file at path to w,
// through bbolt so that the pre-allocated tail is left out. size is told the snapshot's
// length before any byte is written.
func snapshotJournal(path string, w io.Writer, size func(int64)) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		size(tx.Size())
		if _, err := tx.WriteTo(w); err != nil {
			return fmt.Errorf("snapshot %s: %w", path, err)
		}
		return nil
	})
}

// freshJournal builds a new journal for terminal at path: its genesis record (linked to
// continues, when set, so the chain and the receipt numbers go on from the old
// journal's last record), then one record (kind, data) committed together with the live
// journal's state entries that keep accepts and the given changes (which win over kept
// entries). Nothing else of the live journal is carried over, and no page of the new
// file ever held it.
func freshJournal(path string, live *journal.Journal, terminal string, continues journal.Link, now func() time.Time,
	keep func(bucket, key string) bool, kind string, data any, changes ...journal.StateChange) error {
	for _, p := range []string{path, journal.LogPath(path)} { // left by a crash
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("new journal: %w", err)
		}
	}
	var all []journal.StateChange
	for _, bucket := range journal.StateBuckets {
		err := live.EachState(bucket, func(key string, value []byte) error {
			if keep(bucket, key) && !slices.ContainsFunc(changes, func(c journal.StateChange) bool { return c.Bucket == bucket && c.Key == key }) {
				all = append(all, journal.StateChange{Bucket: bucket, Key: key, Value: append([]byte(nil), value...)})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("new journal: read state %s: %w", bucket, err)
		}
	}
	all = append(all, changes...)
	j, err := journal.Open(path, journal.Options{Terminal: terminal, Now: now, Continues: continues})
	if err != nil {
		return fmt.Errorf("new journal: %w", err)
	}
	_, err = j.AppendWith(kind, data, all...)
	if cerr := j.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("new journal: %w", err)
	}
	// Closed, the file holds everything; the journal installed at the live path keeps
	// its log there.
	if err := os.Remove(journal.LogPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("new journal: %w", err)
	}
	return nil
}

// installJournal atomically moves the journal built at built over path. With archive
// set, the old file is kept under that name; otherwise, where the system allows it,
// its content is overwritten with zeros once it is unlinked, so that not even its
// freed blocks hold it. (Windows cannot replace a file that is open, so there the old
// file is only unlinked: no file holds it any more.) A crash leaves either the old
// journal or the new one at path, never neither.
func installJournal(built, path, archive string) error {
	var old *os.File
	if archive == "" && runtime.GOOS != "windows" {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("install journal: %w", err)
		}
		defer f.Close()
		old = f
	}
	if archive != "" {
		if err := os.Link(path, archive); err != nil {
			return fmt.Errorf("install journal: keep the old one: %w", err)
		}
	}
	if err := os.Rename(built, path); err != nil {
		return fmt.Errorf("install journal: %w", err)
	}
	deregSyncDir(filepath.Dir(path))
	deregTestHook("journal.installed")
	if old != nil {
		if err := backup.Overwrite(old); err != nil {
			return fmt.Errorf("install journal: overwrite the old file: %w", err)
		}
	}
	return nil
}

// deregSyncDir makes a rename in dir durable. Windows cannot sync a directory (and does
// not need to); elsewhere a failure is only logged by the caller's next write.
func deregSyncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// deregTestHook marks a point where tests simulate a crash; it does nothing in a
// running till.
var deregTestHook = func(point string) {}
