package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/core/backup"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
	"tilldesk/devices/scanner"
)

// The till whose backup is browsed: another terminal, its journal continuing a cleared
// one's chain, so its records are 41 (journal.created), 42 and 43 (sales) and 44 (a
// refund of one water from sale 43).
const (
	oldTerminal = "OLD00042"
	oldMerchant = "898310000000077"
	oldPass     = "the old till's passphrase"
)

// sealOldTill rings up the old till's sales and refund, closes its journal and seals
// it into a backup file as the deregistration wizard does (with a cheap argon2id).
func sealOldTill(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	clock := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Minute); return clock }
	cfg := app.DefaultConfig()
	cfg.Terminal.ID, cfg.Terminal.MerchantID = oldTerminal, oldMerchant
	path := filepath.Join(dir, "journal.db")
	j, err := journal.Open(path, journal.Options{Terminal: oldTerminal, Now: now, Continues: journal.Link{Seq: 40, Hash: strings.Repeat("5a", 32)}})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	cat, err := app.LoadCatalog("", nil)
	if err != nil {
		t.Fatal(err)
	}
	till := app.NewTill(cfg, j, cat, now, nil)
	var last *app.Receipt
	for _, basket := range [][]string{{water}, {water, water, noodles}} {
		for _, code := range basket {
			if _, err := till.Scan(code); err != nil {
				t.Fatal(err)
			}
		}
		if last, err = till.Pay(context.Background(), app.CashTender{Now: now}, app.PayRequest{Tendered: money.Yuan(100)}); err != nil || last == nil {
			t.Fatalf("sale: %v", err)
		}
	}
	refunds := app.NewRefunds(till, app.RefundsOptions{})
	one := refund.Request{ID: refunds.NewID(), Lines: []refund.LineRequest{{LineID: 1, QtyMilli: sale.QtyOne}}}
	if _, err := refunds.Refund(context.Background(), last.Number, one, "op-01", "mgr-01", "damaged"); err != nil {
		t.Fatal(err)
	}
	live, err := j.Verify()
	if err == nil {
		err = j.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	snapshot, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	m := backup.Manifest{Terminal: oldTerminal, Merchant: oldMerchant, Created: now(), Records: live.Records, LastHash: live.LastHash}
	if _, err := backup.Write(&file, bytes.NewReader(snapshot), m, oldPass, nil, backup.Options{KDF: backup.KDFParams{Time: 1, MemoryKiB: 8, Threads: 1}}); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "tilldesk-"+oldTerminal+"-20261120T0913Z"+app.BackupExt)
	if err := os.WriteFile(name, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// backupFixture is the journal browser (one sale of its own) offering backups, with
// the old till's backup file to choose and a folder for decrypted copies.
type backupFixture struct {
	*browserFixture
	file   string // the backup file the file chooser hands over
	tmp    string // BackupTmpDir
	chosen int    // times the chooser was asked
}

func openBackupFixture(t *testing.T, language string) *backupFixture {
	t.Helper()
	f := &backupFixture{file: sealOldTill(t), tmp: filepath.Join(t.TempDir(), "tmp")}
	f.browserFixture = openBrowserWith(t, language, "", func(o *BrowserOptions) {
		o.BackupTmpDir = f.tmp
		o.ChooseBackup = func(open func(string)) { f.chosen++; open(f.file) }
	}, []string{water})
	return f
}

// open taps "Open backup…", types pass and presses Enter.
func (f *backupFixture) open(t *testing.T, pass string) *BackupOpenDialog {
	t.Helper()
	if f.b.BackupPad == nil {
		test.Tap(f.b.OpenBackup)
	}
	d := f.b.BackupPad
	if d == nil || f.w.Canvas().Focused() != d.Passphrase {
		t.Fatalf("no passphrase dialog with the focus (chooser asked %d times)", f.chosen)
	}
	test.Type(d.Passphrase, pass)
	test.Tap(d.Open)
	f.b.Wait()
	return d
}

// decrypted lists the decrypted copies in the temporary folder.
func (f *backupFixture) decrypted(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(f.tmp, "*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestBackupBrowsedReadOnly(t *testing.T) {
	f := openBackupFixture(t, "en")
	liveRows := f.rowTexts()
	f.open(t, oldPass)
	bb := f.b.Backup
	if bb == nil || f.b.BackupPad != nil {
		t.Fatalf("backup not shown: %s", f.b.Message.Text)
	}
	if n := len(f.decrypted(t)); n != 1 {
		t.Errorf("%d decrypted copies while browsing", n)
	}
	for _, want := range []string{"Backup (read-only)", filepath.Base(f.file)} {
		if !strings.Contains(bb.Title.Text, want) {
			t.Errorf("title %q lacks %q", bb.Title.Text, want)
		}
	}
	for _, want := range []string{oldTerminal, oldMerchant, "2026-11-20 09:13", "#41–#44", "Read-only"} {
		if !strings.Contains(bb.Info.Text, want) {
			t.Errorf("info %q lacks %q", bb.Info.Text, want)
		}
	}
	if len(bb.Rows) != 4 || bb.Rows[0].Receipt != "OLD00042-00000044" || bb.Rows[3].Seq != 41 || bb.OpenBackup.Visible() {
		t.Fatalf("backup rows %q", rowTexts(bb))
	}
	// A sale shows as its receipt with the backup's terminal, and is not refunded.
	bb.List.Select(1)
	bb.Wait()
	text := strings.Join(detailLines(bb), "\n")
	for _, want := range []string{"OLD00042-00000043", oldMerchant, "Nongfu Spring"} {
		if !strings.Contains(text, want) {
			t.Errorf("sale receipt lacks %q:\n%s", want, text)
		}
	}
	if bb.Refund.Visible() || !bb.Refund.Disabled() {
		t.Error("the refund button is offered on a backup")
	}
	test.Tap(bb.Refund)
	f.b.Wait()
	if bb.RefundPad != nil {
		t.Fatal("a refund dialog opened on a backup")
	}
	// The refund shows as its receipt.
	bb.List.Select(0)
	bb.Wait()
	if text := strings.Join(detailLines(bb), "\n"); !strings.Contains(text, "-¥2.00") || !strings.Contains(text, "OLD00042-00000043") {
		t.Errorf("refund receipt:\n%s", text)
	}
	// Search, the sales filter (records of a backup) and a scanned receipt.
	bb.Search.SetText("Noodles")
	test.Tap(bb.Find)
	bb.Wait()
	if len(bb.Rows) != 1 || bb.Rows[0].Receipt != "OLD00042-00000043" {
		t.Errorf("search: %q", rowTexts(bb))
	}
	bb.Search.SetText("")
	bb.Kind.SetValue(journal.KindSaleCompleted)
	bb.Wait()
	if len(bb.Rows) != 2 {
		t.Errorf("sales: %q", rowTexts(bb))
	}
	f.c.onScan(scanner.Scan{Data: "OLD00042-00000042"})
	bb.Wait()
	if len(bb.Rows) != 1 || bb.Rows[0].Seq != 42 || !equalTexts(f.rowTexts(), liveRows) {
		t.Errorf("after a scan: backup %q, live %q", rowTexts(bb), f.rowTexts())
	}
	// Export.
	bb.Kind.SetValue("")
	bb.Search.SetText("")
	test.Tap(bb.Find)
	bb.Wait()
	test.Tap(bb.ExportCSV)
	bb.Wait()
	if !strings.HasPrefix(f.exportedAs, "backup-OLD00042-") || strings.Count(f.exported.String(), "\n") != 5 || !strings.Contains(bb.Message.Text, "Exported 4 records") {
		t.Errorf("export %s (%q):\n%s", f.exportedAs, bb.Message.Text, f.exported.String())
	}
	// Closing it wipes the decrypted copy and leaves the till's own journal browser.
	test.Tap(bb.Close)
	f.b.Wait()
	if f.b.Backup != nil || len(f.decrypted(t)) != 0 || f.w.Canvas().Focused() != f.b.Search {
		t.Fatalf("after closing: backup %v, copies %v", f.b.Backup != nil, f.decrypted(t))
	}
	if !equalTexts(f.rowTexts(), liveRows) || f.b.Refund.Visible() == false {
		t.Errorf("live browser after the backup: %q", f.rowTexts())
	}
}

func rowTexts(b *JournalBrowser) []string {
	var out []string
	for _, r := range b.Rows {
		out = append(out, r.Text)
	}
	return out
}

func detailLines(b *JournalBrowser) []string {
	var out []string
	for _, r := range b.DetailRows {
		out = append(out, r.Left+" | "+r.Right)
	}
	return out
}

func equalTexts(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

func TestBackupWithTheWrongPassphrase(t *testing.T) {
	f := openBackupFixture(t, "en")
	test.Tap(f.b.OpenBackup)
	d := f.b.BackupPad
	test.Tap(d.Open)
	if !strings.Contains(d.Error.Text, "Type the backup's passphrase") {
		t.Errorf("no passphrase: %q", d.Error.Text)
	}
	f.open(t, "not the passphrase")
	if f.b.Backup != nil || f.b.BackupPad != d || !strings.Contains(d.Error.Text, "Wrong passphrase") || d.Passphrase.Text != "" || d.Open.Disabled() {
		t.Fatalf("wrong passphrase: backup %v, error %q", f.b.Backup != nil, d.Error.Text)
	}
	if copies := f.decrypted(t); len(copies) != 0 {
		t.Errorf("left decrypted: %v", copies)
	}
	// The same dialog takes the right one.
	f.open(t, oldPass)
	if f.b.Backup == nil || f.chosen != 1 {
		t.Fatalf("right passphrase: %q", d.Error.Text)
	}
}

func TestTamperedBackupIsRefusedInChinese(t *testing.T) {
	f := openBackupFixture(t, "zh")
	data, err := os.ReadFile(f.file)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x40
	f.file = filepath.Join(t.TempDir(), "tampered"+app.BackupExt)
	if err := os.WriteFile(f.file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	d := f.open(t, oldPass)
	if f.b.Backup != nil || !strings.Contains(d.Error.Text, "篡改") || !strings.Contains(d.Error.Text, "未做任何更改") {
		t.Fatalf("tampered backup: backup %v, error %q", f.b.Backup != nil, d.Error.Text)
	}
	if copies := f.decrypted(t); len(copies) != 0 {
		t.Errorf("left decrypted: %v", copies)
	}
	d.Passphrase.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if f.b.BackupPad != nil || f.w.Canvas().Focused() != f.b.Search {
		t.Error("Escape left the dialog open or the focus elsewhere")
	}
}

// A backup cancelled while it decrypts, or open when the browser is dismissed (sign
// off), leaves no decrypted copy.
func TestBackupCopiesAreWipedWhateverCloses(t *testing.T) {
	f := openBackupFixture(t, "en")
	test.Tap(f.b.OpenBackup)
	d := f.b.BackupPad
	test.Type(d.Passphrase, oldPass)
	test.Tap(d.Open)
	if !d.Open.Disabled() || !d.Progress.Visible() {
		t.Error("Open is not held while the backup decrypts")
	}
	test.Tap(d.Cancel)
	f.b.Wait()
	if f.b.Backup != nil || len(f.decrypted(t)) != 0 {
		t.Fatalf("cancelled open: backup %v, copies %v", f.b.Backup != nil, f.decrypted(t))
	}
	f.open(t, oldPass)
	if f.b.Backup == nil {
		t.Fatal("backup not opened")
	}
	f.b.Dismiss()
	f.b.Wait()
	if f.b.Backup != nil || len(f.decrypted(t)) != 0 {
		t.Fatalf("dismissed: backup %v, copies %v", f.b.Backup != nil, f.decrypted(t))
	}
}

// Without a folder for decrypted copies the browser offers no backups.
func TestNoBackupsWithoutATemporaryFolder(t *testing.T) {
	f := openBrowser(t, "en", "", []string{water})
	if f.b.OpenBackup.Visible() {
		t.Error("Open backup offered")
	}
	test.Tap(f.b.OpenBackup)
	if f.b.BackupPad != nil {
		t.Error("passphrase dialog opened")
	}
}
