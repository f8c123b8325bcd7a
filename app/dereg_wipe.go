package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"tilldesk/core/backup"
	"tilldesk/core/dereg"
	"tilldesk/core/journal"
)

// KindJournalCleared is the record that starts a cleared journal, right after its
// genesis: it names the old journal's last record and hash and the backup holding it.
const KindJournalCleared = "journal.cleared"

// ErrChangedSinceBackup says records other than the wizard's own were added after the
// backup: they are not in it, so the journal is not cleared.
var ErrChangedSinceBackup = errors.New("the journal has changed since the backup: go back to the backup step and make a new one")

// DeregWiped lists what ClearAndWipe removes, as kept in the deregistration record.
var DeregWiped = []string{
	"journal records (sales, payments, settlement data)", "held sales",
	"operators, shifts, counters, settings and secrets", "logs", "device traces",
	"exported reports", "temporary and archived files",
	"wallet credentials (the machine key that seals them is shredded)",
	"prepaid card ledger (kept in the backup: import it on the replacement terminal with `tilldesk prepaid import BACKUP`)",
}

// clearedRecord is the data of the KindJournalCleared record; it is also the
// ClearAndWipe step's audit record (from and to as in dereg.Audit).
type clearedRecord struct {
	dereg.Audit
	PreviousRecords  uint64 `json:"previous_records"`
	PreviousLastHash string `json:"previous_last_hash"`
	BackupFile       string `json:"backup_file"`
	BackupSHA256     string `json:"backup_sha256"`
}

// ClearAndWipe is the ClearAndWipe step. Only after a verified backup, and only if
// nothing but the wizard's own records was added since, it:
//   - overwrites with zeros and empties the logs and device traces, and shreds
//     temporary copies and archived journals in the data folder;
//   - builds a new journal file holding only a genesis record and a
//     KindJournalCleared record (naming the old last hash and the backup's hash), the
//     terminal's identity and the wizard's state, and any KeepSettings;
//   - closes the live journal, moves the new file over it atomically, overwrites the
//     old file's content with zeros, and reopens the journal.
//
// So transaction and settlement data, held sales, operators, shifts, counters,
// settings and secrets are gone, and no page of the new file ever held them. A crash
// before the move leaves the old journal at this step, and the step runs again; a
// crash after it leaves the new journal at Void.
func (w *DeregWizard) ClearAndWipe() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.state.CanClear(); err != nil {
		return err
	}
	j := w.s.Journal
	prev, err := j.Verify()
	if err != nil {
		return fmt.Errorf("clear: the live journal does not verify: %w", err)
	}
	if err := onlyWizardSince(j, w.state.Backup, prev.Records); err != nil {
		return err
	}
	if err := wipeDataFiles(w.s.Paths, j.Path()); err != nil {
		return fmt.Errorf("wipe: %w", err)
	}
	if err := WipeWalletSecrets(w.s.Paths); err != nil {
		return fmt.Errorf("wipe: %w", err)
	}
	deregTestHook("wipe.files")

	now := w.s.Till.now()
	next, err := w.state.Cleared(dereg.ClearInfo{PreviousRecords: prev.Records, PreviousLastHash: prev.LastHash, Wiped: DeregWiped, At: now.UTC()}, now)
	if err != nil {
		return err
	}
	change, err := dereg.Change(next)
	if err != nil {
		return err
	}
	rec := clearedRecord{
		Audit:           dereg.Audit{Run: next.Run, From: w.state.Step, To: next.Step, Operator: w.operator},
		PreviousRecords: prev.Records, PreviousLastHash: prev.LastHash,
		BackupFile: filepath.Base(w.state.Backup.File), BackupSHA256: w.state.Backup.SHA256,
	}
	keep := func(bucket, key string) bool {
		return bucket == terminalBucket || (bucket == "settings" && slices.Contains(w.opt.KeepSettings, key))
	}
	built := j.Path() + ".cleared"
	if err := freshJournal(built, j, j.Terminal(), journal.Link{Seq: prev.Records, Hash: prev.LastHash}, w.s.Till.now, keep, KindJournalCleared, rec, change); err != nil {
		return fmt.Errorf("clear: %w", err)
	}
	deregTestHook("wipe.built")
	if err := w.s.reopenJournal(j.Terminal(), func(path string) error { return installJournal(built, path, "") }, w.opt.AfterReopen, w.opt.OnUI); err != nil {
		return fmt.Errorf("clear: %w", err)
	}
	w.state = next
	w.log.Info("journal cleared and secrets wiped", "run", next.Run, "previous_records", prev.Records, "backup_sha256", rec.BackupSHA256)
	deregTestHook("step." + next.Step.String())
	return w.reg.Refresh()
}

// onlyWizardSince checks that the backup is a prefix of the live journal (its last
// record is there with the same hash) and that every later record is a wizard step.
func onlyWizardSince(j *journal.Journal, b *dereg.BackupInfo, last uint64) error {
	r, err := j.Get(b.Records)
	if err != nil || r.Hash != b.LastHash {
		return fmt.Errorf("%w (the backup's last record %d is not in the journal as backed up)", ErrChangedSinceBackup, b.Records)
	}
	for seq := b.Records + 1; seq <= last; seq++ {
		r, err := j.Get(seq)
		if err != nil {
			return fmt.Errorf("clear: %w", err)
		}
		if r.Kind != dereg.KindStep {
			return fmt.Errorf("%w (record %d is %s)", ErrChangedSinceBackup, seq, r.Kind)
		}
	}
	return nil
}

// wipeDataFiles overwrites and empties the logs and device traces (the files may be
// open for appending, so they are kept, empty), and shreds temporary copies, exported
// reports and journal files other than the live one.
func wipeDataFiles(p Paths, live string) error {
	var errs []error
	for _, dir := range []string{p.Logs(), filepath.Join(p.DataDir, "traces")} {
		errs = append(errs, deregEachFile(dir, deregEmptyFile))
	}
	errs = append(errs, deregEachFile(deregTempDir(p), backup.Shred))
	// Exported X/Z reports are settlement data too; the journal in the backup has it all.
	errs = append(errs, deregEachFile(filepath.Join(p.DataDir, "reports"), backup.Shred))
	errs = append(errs, deregEachFile(p.DataDir, func(path string) error {
		name := filepath.Base(path)
		if path == live || filepath.Ext(name) != ".db" && filepath.Ext(name) != ".new" {
			return nil
		}
		return backup.Shred(path)
	}))
	return errors.Join(errs...)
}

// deregEachFile calls fn for every regular file directly in dir; a missing dir is empty.
func deregEachFile(dir string, fn func(path string) error) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if e.Type().IsRegular() {
			errs = append(errs, fn(filepath.Join(dir, e.Name())))
		}
	}
	return errors.Join(errs...)
}

// deregEmptyFile overwrites a file with zeros and truncates it, keeping it in place.
func deregEmptyFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = backup.Overwrite(f)
	if err == nil {
		err = f.Truncate(0)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("empty %s: %w", path, err)
	}
	return nil
}
