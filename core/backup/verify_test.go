package backup

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tilldesk/core/journal"
)

// sealJournal makes a journal with a few records, closes it and backs its file up
// with manifest m (its Records and LastHash filled from the journal when zero).
func sealJournal(t *testing.T, m Manifest) (backupPath string, res journal.VerifyResult) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	clock := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	j, err := journal.Open(path, journal.Options{Terminal: "DEMO0001", Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := j.Append(journal.KindSaleCompleted, map[string]any{"sale": "S-SECRET-" + string(rune('A'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	if res, err = j.Verify(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if m.Records == 0 {
		m.Records, m.LastHash = res.Records, res.LastHash
	}
	snap, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	backupPath = filepath.Join(dir, "b.tdbackup")
	out, err := os.Create(backupPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := Write(out, snap, m, testPass, testRand(3), Options{KDF: testKDF}); err != nil {
		t.Fatal(err)
	}
	return backupPath, res
}

func TestVerify(t *testing.T) {
	path, res := sealJournal(t, Manifest{Terminal: "DEMO0001", Merchant: "898310000000001"})
	tmp := t.TempDir()
	rep, err := Verify(path, testPass, tmp, &res)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 6 || rep.LastHash != res.LastHash || len(rep.FileSHA256) != 64 || rep.FileSize == 0 {
		t.Fatalf("report %+v", rep)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("decrypted copy left behind: %v", left)
	}
	// The live journal moved on since the backup.
	later := res
	later.Records++
	if _, err := Verify(path, testPass, tmp, &later); !errors.Is(err, ErrMismatch) {
		t.Fatalf("live journal ahead: %v", err)
	}
	if _, err := Verify(path, "wrong", tmp, &res); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	// A backup whose manifest lies about the journal.
	lying, _ := sealJournal(t, Manifest{Terminal: "DEMO0001", Records: 99, LastHash: "00"})
	if _, err := Verify(lying, testPass, tmp, nil); !errors.Is(err, ErrMismatch) {
		t.Fatalf("manifest disagreeing with the journal: %v", err)
	}
	other, _ := sealJournal(t, Manifest{Terminal: "OTHER001"})
	if _, err := Verify(other, testPass, tmp, nil); !errors.Is(err, ErrMismatch) {
		t.Fatalf("manifest of another terminal: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("decrypted copies left behind: %v", left)
	}
}

func TestVerifyTamperedFile(t *testing.T) {
	path, res := sealJournal(t, Manifest{Terminal: "DEMO0001"})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for _, off := range []int{len(data) / 2, len(data) - 1} {
		bad := bytes.Clone(data)
		bad[off] ^= 0x80
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(path, testPass, tmp, &res); !errors.Is(err, ErrTampered) {
			t.Errorf("byte %d flipped: %v", off, err)
		}
	}
	if err := os.WriteFile(path, data[:len(data)-100], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(path, testPass, tmp, &res); !errors.Is(err, ErrTampered) {
		t.Errorf("truncated: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("decrypted copies left behind: %v", left)
	}
	if _, err := Verify(filepath.Join(tmp, "missing"), testPass, tmp, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestOpenJournalAndShred(t *testing.T) {
	path, _ := sealJournal(t, Manifest{Terminal: "DEMO0001"})
	s, err := OpenJournal(path, testPass, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	if err := s.Journal.Each(journal.Filter{}, func(r journal.Record) error { kinds = append(kinds, r.Kind); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(kinds) != 6 || kinds[1] != journal.KindSaleCompleted {
		t.Fatalf("records %v", kinds)
	}
	if _, err := s.Journal.Append(journal.KindAdmin, nil); err == nil {
		t.Fatal("append to a backup's journal succeeded")
	}
	tmp := s.tmp
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary copy still there: %v", err)
	}
	if err := Shred(tmp); err != nil {
		t.Fatalf("shredding a missing file: %v", err)
	}
}
