package app

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tilldesk/core/backup"
	"tilldesk/core/journal"
	"tilldesk/core/receipt"
	"tilldesk/core/refund"
)

// The terminal whose backup is browsed: not the demo till's, and its journal continues
// a cleared one's chain, so its first record is 41.
const (
	oldTerminal = "OLD00042"
	oldMerchant = "898310000000077"
	oldPass     = "the old till's passphrase"
)

// oldTillFixture is a till of terminal oldTerminal with a journal that starts at 41:
// journal.created (41), sales (42, 43), a refund of sale 43 (44).
func oldTillFixture(t *testing.T) *refundFixture {
	t.Helper()
	f := &refundFixture{path: filepath.Join(t.TempDir(), "journal.db"), clock: &refundClock{t: time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)}}
	cfg := DefaultConfig()
	cfg.Terminal.ID, cfg.Terminal.MerchantID = oldTerminal, oldMerchant
	link := journal.Link{Seq: 40, Hash: strings.Repeat("5a", 32)}
	f.till, f.j = openTestTillWith(t, cfg, f.path, journal.Options{Now: f.clock.now, Continues: link}, quietLog())
	f.printer = &refundPrinter{}
	f.till.SetPrinter(f.printer)
	f.refunds = NewRefunds(f.till, RefundsOptions{Language: "en"})
	f.sell(t, []string{water})
	second := f.sell(t, []string{"2*" + water, noodles})
	if _, err := f.refund(second.Number, refundUnits(1, 1)); err != nil {
		t.Fatal(err)
	}
	return f
}

// sealJournal closes the fixture's journal and writes it into a backup file (cheap
// argon2id) in a folder of its own, as the deregistration wizard does.
func sealJournal(t *testing.T, f *refundFixture) string {
	t.Helper()
	live, err := f.j.Verify()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.j.Close(); err != nil {
		t.Fatal(err)
	}
	snapshot, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	m := backup.Manifest{Terminal: oldTerminal, Merchant: oldMerchant, Created: f.clock.now(), Records: live.Records, LastHash: live.LastHash}
	if _, err := backup.Write(&file, bytes.NewReader(snapshot), m, oldPass, nil, backup.Options{KDF: deregKDF}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tilldesk-"+oldTerminal+BackupExt)
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openOldBackup opens the old till's backup for browsing, closed when the test ends.
func openOldBackup(t *testing.T) (*Browser, *backup.Snapshot, string) {
	t.Helper()
	file := sealJournal(t, oldTillFixture(t))
	tmp := filepath.Join(t.TempDir(), "tmp") // made by OpenBackup
	snap, err := OpenBackup(file, oldPass, tmp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close() })
	return NewBackupBrowser(snap), snap, tmp
}

// tempFiles lists what is left in a temporary folder.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestBackupBrowserListsWithTheBackupsTerminal(t *testing.T) {
	b, snap, tmp := openOldBackup(t)
	if snap.Manifest.Terminal != oldTerminal || snap.Manifest.Records != 44 || snap.Journal.FirstSeq() != 41 {
		t.Fatalf("manifest %+v", snap.Manifest)
	}
	if files := tempFiles(t, tmp); len(files) != 1 {
		t.Fatalf("decrypted copy: %v", files)
	}
	page, err := b.Page(BrowseQuery{}, 0, 3)
	if err != nil || seqs(page.Rows) != "44,43,42" || page.Next != 42 {
		t.Fatalf("first page %s next %d, %v", seqs(page.Rows), page.Next, err)
	}
	page, err = b.Page(BrowseQuery{}, page.Next, 3)
	if err != nil || seqs(page.Rows) != "41" || page.Next != 0 || page.Rows[0].Kind != journal.KindJournalOpened {
		t.Fatalf("second page %s next %d, %v", seqs(page.Rows), page.Next, err)
	}
	page, _ = b.Page(BrowseQuery{Kind: refund.Kind}, 0, 10)
	if len(page.Rows) != 1 || page.Rows[0].Receipt != "OLD00042-00000044" || page.Rows[0].Original != "OLD00042-00000043" {
		t.Fatalf("refund rows %+v", page.Rows)
	}
	page, _ = b.Page(BrowseQuery{Text: "OLD00042-00000042"}, 0, 10)
	if seqs(page.Rows) != "42" {
		t.Errorf("search by the backup's receipt number: %s", seqs(page.Rows))
	}
}

func TestBackupBrowserShowsSalesAndRefundsAsReceipts(t *testing.T) {
	b, _, _ := openOldBackup(t)
	d, err := b.Record(43)
	if err != nil || d.Sale == nil || d.Sale.Number != "OLD00042-00000043" {
		t.Fatalf("sale detail %+v, %v", d, err)
	}
	labels := receipt.Labels(func(k string) string { return k })
	text := receipt.Text(b.Rows(d, "en", labels), 48)
	for _, want := range []string{"OLD00042-00000043", oldTerminal, oldMerchant, "Nongfu Spring", "9.50"} {
		if !strings.Contains(text, want) {
			t.Errorf("sale receipt lacks %q:\n%s", want, text)
		}
	}
	d, err = b.Record(44)
	if err != nil || d.Refund == nil || d.Refund.Number != "OLD00042-00000044" || d.Refund.Original == nil || d.Refund.Refund.OriginalSeq != 43 {
		t.Fatalf("refund detail %+v, %v", d, err)
	}
	text = receipt.Text(b.Rows(d, "zh", labels), 48)
	for _, want := range []string{"refund.title", "农夫山泉", "-¥2.00", "OLD00042-00000043", "OLD00042-00000044", oldMerchant} {
		if !strings.Contains(text, want) {
			t.Errorf("refund receipt lacks %q:\n%s", want, text)
		}
	}
	if d, err := b.Record(41); err != nil || b.Rows(d, "en", labels) != nil {
		t.Errorf("journal.created has a receipt, or %v", err)
	}
	if _, err := b.Record(40); err == nil {
		t.Error("record 40, before the backup's first, found")
	}
}

func TestBackupBrowserExports(t *testing.T) {
	b, _, _ := openOldBackup(t)
	var csv, jsonl bytes.Buffer
	if n, err := b.Export(&csv, "csv", BrowseQuery{}); err != nil || n != 4 || !strings.Contains(csv.String(), "\n41,"+oldTerminal+",") {
		t.Fatalf("csv export: %d, %v\n%s", n, err, csv.String())
	}
	n, err := b.Export(&jsonl, "jsonl", BrowseQuery{Text: "OLD00042-00000043"})
	if err != nil || n != 2 || !strings.Contains(jsonl.String(), `"seq":43,`) || !strings.Contains(jsonl.String(), `"kind":"refund"`) {
		t.Fatalf("the sale and its refund: %d, %v\n%s", n, err, jsonl.String())
	}
}

func TestOpenBackupRefusesAndLeavesNothing(t *testing.T) {
	file := sealJournal(t, oldTillFixture(t))
	tmp := t.TempDir()
	if _, err := OpenBackup(file, "not the passphrase", tmp); !errors.Is(err, backup.ErrBadPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-100] ^= 1
	tampered := filepath.Join(t.TempDir(), "tampered"+BackupExt)
	if err := os.WriteFile(tampered, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenBackup(tampered, oldPass, tmp); !errors.Is(err, backup.ErrTampered) {
		t.Errorf("tampered file: %v", err)
	}
	if files := tempFiles(t, tmp); len(files) != 0 {
		t.Errorf("left in the temporary folder: %v", files)
	}
}

func TestClosingABackupWipesItsCopy(t *testing.T) {
	b, snap, tmp := openOldBackup(t)
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	if files := tempFiles(t, tmp); len(files) != 0 {
		t.Errorf("left after close: %v", files)
	}
	if _, err := b.Page(BrowseQuery{}, 0, 10); !errors.Is(err, journal.ErrClosed) {
		t.Errorf("browsing a closed backup: %v", err)
	}
}

// The till's browser reads the till's journal as it is now: deregistration replaces it.
func TestTillBrowserFollowsAReplacedJournal(t *testing.T) {
	f, b := browseJournal(t)
	old := oldTillFixture(t)
	f.till.journal = old.j
	page, err := b.Page(BrowseQuery{}, 0, 10)
	if err != nil || seqs(page.Rows) != "44,43,42,41" || page.Rows[0].Receipt != "DEMO0001-00000044" {
		t.Fatalf("after the swap: %s, %v", seqs(page.Rows), err)
	}
}

// A decrypted copy a crash left behind is shredded when the till starts.
func TestStartShredsDecryptedCopiesLeftByACrash(t *testing.T) {
	dir := t.TempDir()
	paths := Paths{Config: filepath.Join(dir, "config.toml"), DataDir: filepath.Join(dir, "data")}
	left := filepath.Join(BackupTempDir(paths), "tilldesk-backup-123.db")
	if err := os.MkdirAll(filepath.Dir(left), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(left, []byte("a decrypted journal"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Start(paths, fixedClock())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the decrypted copy is still there: %v", err)
	}
}
