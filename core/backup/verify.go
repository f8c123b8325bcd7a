package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"tilldesk/core/journal"
)

// ErrMismatch says a backup decrypted but its journal does not agree with its manifest
// or with the live journal.
var ErrMismatch = errors.New("backup: contents do not match")

// Snapshot is a backup opened read-only: its manifest and the journal it holds,
// decrypted into a private temporary file that Close overwrites and removes.
type Snapshot struct {
	Manifest   Manifest
	Journal    *journal.Journal // opened read-only
	FileSHA256 string           // hex SHA-256 of the backup file
	FileSize   int64
	tmp        string
}

// OpenJournal decrypts the backup at path into a temporary file in tmpDir
// (os.TempDir() when empty) and opens that copy read-only. The whole file is read and
// authenticated before the journal is opened. Close the Snapshot to wipe the copy.
func OpenJournal(path, passphrase, tmpDir string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer f.Close()
	hr := &hashingReader{r: f, h: sha256.New()}
	m, snap, err := Open(hr, passphrase)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tmp, err := os.CreateTemp(tmpDir, "tilldesk-backup-*.db")
	if err != nil {
		return nil, fmt.Errorf("backup: temporary copy: %w", err)
	}
	s := &Snapshot{Manifest: m, tmp: tmp.Name()}
	_, err = io.Copy(tmp, snap)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s: %w", path, err), s.Close())
	}
	s.FileSHA256, s.FileSize = hex.EncodeToString(hr.h.Sum(nil)), hr.n
	s.Journal, err = journal.Open(s.tmp, journal.Options{ReadOnly: true})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("backup %s: the journal inside does not open: %w", path, err), s.Close())
	}
	return s, nil
}

// Close closes the journal and overwrites and removes the temporary copy.
func (s *Snapshot) Close() error {
	var err error
	if s.Journal != nil {
		err = s.Journal.Close()
		s.Journal = nil
	}
	if s.tmp != "" {
		err = errors.Join(err, Shred(s.tmp))
		s.tmp = ""
	}
	return err
}

// Report is the result of a verified backup.
type Report struct {
	Manifest   Manifest
	Records    uint64 // records in the backed-up journal, chain verified
	LastHash   string
	FileSHA256 string
	FileSize   int64
}

// Verify reads the backup at path back: decrypts it (authenticating every chunk),
// opens the journal inside read-only, walks its hash chain, and checks the record
// count, last hash and terminal against the manifest, and, when live is not nil,
// against the live journal's. The decrypted copy lives in tmpDir and is wiped after.
func Verify(path, passphrase, tmpDir string, live *journal.VerifyResult) (Report, error) {
	s, err := OpenJournal(path, passphrase, tmpDir)
	if err != nil {
		return Report{}, err
	}
	defer s.Close()
	rep := Report{Manifest: s.Manifest, FileSHA256: s.FileSHA256, FileSize: s.FileSize}
	res, err := s.Journal.Verify()
	if err != nil {
		return rep, fmt.Errorf("backup %s: %w: the journal's chain does not verify: %w", path, ErrMismatch, err)
	}
	rep.Records, rep.LastHash = res.Records, res.LastHash
	m := s.Manifest
	switch {
	case s.Journal.Terminal() != m.Terminal:
		return rep, fmt.Errorf("backup %s: %w: journal of terminal %s, manifest says %s", path, ErrMismatch, s.Journal.Terminal(), m.Terminal)
	case res.Records != m.Records || res.LastHash != m.LastHash:
		return rep, fmt.Errorf("backup %s: %w: journal has %d records ending %.12s, manifest says %d ending %.12s",
			path, ErrMismatch, res.Records, res.LastHash, m.Records, m.LastHash)
	case live != nil && (live.Records != m.Records || live.LastHash != m.LastHash):
		return rep, fmt.Errorf("backup %s: %w: backup has %d records ending %.12s, the live journal %d ending %.12s",
			path, ErrMismatch, m.Records, m.LastHash, live.Records, live.LastHash)
	}
	return rep, nil
}

// Shred overwrites the file at path with zeros, syncs it and removes it. A missing
// file is not an error. (On copy-on-write or flash storage the old blocks may survive
// the overwrite; removal still takes them out of every file.)
func Shred(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("shred %s: %w", path, err)
	}
	err = Overwrite(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("shred %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("shred %s: %w", path, err)
	}
	return nil
}

// Overwrite writes zeros over the whole of f and syncs it. f must be open for writing.
func Overwrite(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	zeros := make([]byte, 64<<10)
	for off := int64(0); off < fi.Size(); off += int64(len(zeros)) {
		n := min(int64(len(zeros)), fi.Size()-off)
		if _, err := f.WriteAt(zeros[:n], off); err != nil {
			return err
		}
	}
	return f.Sync()
}
