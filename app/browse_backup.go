package app

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"tilldesk/core/backup"
	"tilldesk/core/journal"
	"tilldesk/core/receipt"
)

// Backups opened later for queries: the journal browser reads a backup file's journal
// read-only, its receipts numbered and headed as the terminal that wrote it had them.

// BackupTempDir is where a backup is decrypted while it is read: inside the data
// folder (private, and swept by the deregistration's wipe should a crash leave a copy).
func BackupTempDir(p Paths) string { return deregTempDir(p) }

// sweepDecryptedCopies shreds what a crash left in BackupTempDir: decrypted backup
// copies (a whole journal in the clear) from a browse or a verification that never
// finished. Nothing else writes there, and nothing is open there at start-up.
func sweepDecryptedCopies(p Paths, log *slog.Logger) {
	if err := deregEachFile(deregTempDir(p), backup.Shred); err != nil {
		log.Warn("could not shred decrypted backup copies left by a crash", "dir", deregTempDir(p), "err", err)
	}
}

// OpenBackup decrypts the backup file at path with passphrase into tmpDir (made, private,
// if missing) and opens the journal inside read-only. A wrong passphrase gives
// backup.ErrBadPassphrase; a damaged or altered file backup.ErrTampered (or
// journal.ErrCorrupt for a journal inside that does not open), and nothing is left in
// tmpDir. Close the snapshot when done: that wipes the decrypted copy.
func OpenBackup(path, passphrase, tmpDir string) (*backup.Snapshot, error) {
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return nil, fmt.Errorf("open backup: folder for the decrypted copy: %w", err)
	}
	s, err := backup.OpenJournal(path, passphrase, tmpDir)
	if err != nil {
		return nil, fmt.Errorf("open backup: %w", err)
	}
	return s, nil
}

// NewBackupBrowser browses the journal of a backup opened with OpenBackup (or
// backup.OpenJournal). Receipt numbers carry the backup's terminal ID, and receipts
// are headed with its terminal and merchant (the backup does not record the store).
// Closing the snapshot ends the browser: its queries then fail with journal.ErrClosed.
func NewBackupBrowser(s *backup.Snapshot) *Browser {
	return &Browser{src: backupSource{journal: s.Journal, manifest: s.Manifest}}
}

// backupSource is a backup's journal with the manifest that says whose it is. The
// journal is kept from the start (Snapshot.Close clears the snapshot's field).
type backupSource struct {
	journal  *journal.Journal
	manifest backup.Manifest
}

func (s backupSource) Journal() *journal.Journal { return s.journal }

// receiptNumber numbers receipts as Till.receiptNumber does, with the backup's terminal.
func (s backupSource) receiptNumber(seq uint64) string {
	return ReceiptNumber(s.manifest.Terminal, seq)
}

func (s backupSource) receiptHeader(number string, at time.Time, _ string) receipt.Header {
	return receipt.Header{MerchantID: s.manifest.Merchant, Terminal: s.manifest.Terminal, Number: number, Time: at.Local()}
}
