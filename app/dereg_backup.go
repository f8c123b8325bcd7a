package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"

	"tilldesk/core/backup"
	"tilldesk/core/dereg"
	"tilldesk/core/journal"
)

// Errors of the Backup step. Each leaves the wizard at Backup with nothing cleared.
var (
	ErrPassphraseMismatch = errors.New("the two passphrases differ")
	ErrPassphraseShort    = fmt.Errorf("the passphrase must have at least %d characters", MinPassphrase)
	ErrBackupTarget       = errors.New("the backup could not be written to the chosen folder")
	ErrBackupVerify       = errors.New("the backup did not verify when read back")
)

// MinPassphrase is the shortest backup passphrase accepted.
const MinPassphrase = 10

// BackupExt is the backup file name extension.
const BackupExt = ".tdbackup"

// Backup is the Backup step: the journal (sales, settlement data and the
// deregistration so far) is written to dir (a USB stick, say) as one file encrypted
// under passphrase, then read back and verified: decrypted, its journal opened, its
// hash chain walked, and its record count and last hash compared with the manifest
// and the live journal. Only then is the backup's file name and hash recorded and the
// wizard moves on. A missing, full or unwritable target, or a failed verification,
// returns an error matching ErrBackupTarget or ErrBackupVerify, leaves no file behind
// and clears nothing. progress, when set, is told the snapshot bytes sealed so far
// and the total, from the worker goroutine.
func (w *DeregWizard) Backup(ctx context.Context, dir, passphrase, again string, progress func(done, total int64)) (backup.Report, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := checkBackupPassphrase(passphrase, again); err != nil {
		return backup.Report{}, err
	}
	if w.state.Step != dereg.Backup {
		return backup.Report{}, fmt.Errorf("%w: at %s", dereg.ErrWrongStep, w.state.Step)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		if err == nil {
			err = fmt.Errorf("%s is not a folder", dir)
		}
		return backup.Report{}, fmt.Errorf("%w: %w", ErrBackupTarget, err)
	}
	if err := ctx.Err(); err != nil {
		return backup.Report{}, err
	}
	before, err := w.s.Journal.Verify()
	if err != nil {
		return backup.Report{}, fmt.Errorf("the live journal does not verify, so it cannot be backed up: %w", err)
	}
	m, err := w.manifest(before)
	if err != nil {
		return backup.Report{}, err
	}
	now := w.s.Till.now().UTC()
	final := filepath.Join(dir, fmt.Sprintf("tilldesk-%s-%s%s", m.Terminal, now.Format("20060102T150405Z"), BackupExt))
	sum, err := w.writeBackup(ctx, final, m, passphrase, progress)
	if err != nil {
		return backup.Report{}, err
	}
	w.log.Info("deregistration backup written", "file", final, "bytes", sum.Size, "sha256", sum.SHA256)

	rep, err := w.verifyBackup(final, passphrase, sum)
	if err != nil {
		w.log.Error("deregistration backup did not verify", "file", final, "err", err)
		_ = os.Remove(final) // so no one takes it for a good backup
		return rep, err
	}
	info := dereg.BackupInfo{File: final, SHA256: rep.FileSHA256, Size: rep.FileSize, Records: rep.Records,
		LastHash: rep.LastHash, Verified: true, VerifiedAt: w.s.Till.now().UTC()}
	next, err := w.state.BackedUp(info, w.s.Till.now())
	if err != nil {
		return rep, err
	}
	return rep, w.commit(next, info)
}

func checkBackupPassphrase(p, again string) error {
	switch {
	case p != again:
		return ErrPassphraseMismatch
	case len([]rune(p)) < MinPassphrase:
		return ErrPassphraseShort
	}
	return nil
}

// manifest describes the journal as it is now, with the deregistration so far.
func (w *DeregWizard) manifest(live journal.VerifyResult) (backup.Manifest, error) {
	d, err := json.Marshal(w.state)
	if err != nil {
		return backup.Manifest{}, fmt.Errorf("backup manifest: %w", err)
	}
	return backup.Manifest{
		Terminal: w.state.Identity.Terminal, Merchant: w.state.Identity.Merchant, Created: w.s.Till.now().UTC(),
		Records: live.Records, LastHash: live.LastHash, AppVersion: Version, Dereg: d,
	}, nil
}

// writeBackup seals a snapshot of the journal into final, through final+".partial"
// (removed on failure) so that a file with the final name is always complete. The
// journal is closed while the snapshot is read; cancelling ctx stops the copy.
func (w *DeregWizard) writeBackup(ctx context.Context, final string, m backup.Manifest, passphrase string, progress func(done, total int64)) (backup.Summary, error) {
	partial := final + ".partial"
	f, err := w.opt.CreateFile(partial)
	if err != nil {
		return backup.Summary{}, fmt.Errorf("%w: %w", ErrBackupTarget, err)
	}
	var total atomic.Int64
	opt := backup.Options{KDF: w.opt.KDF}
	if progress != nil {
		opt.Progress = func(n int64) { progress(n, total.Load()) }
	}
	var sum backup.Summary
	err = w.s.reopenJournal(w.s.Journal.Terminal(), func(path string) error {
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			err := snapshotJournal(path, pw, func(n int64) { total.Store(n) })
			pw.CloseWithError(err)
			done <- err
		}()
		var werr error
		sum, werr = backup.Write(f, deregCtxReader{ctx, pr}, m, passphrase, w.opt.Rand, opt)
		pr.CloseWithError(io.ErrClosedPipe) // unblocks the snapshot if Write stopped early
		if serr := <-done; serr != nil && werr == nil {
			werr = serr
		}
		return werr
	}, w.opt.AfterReopen, w.opt.OnUI)
	if err == nil {
		err = f.Sync()
	}
	if osf, ok := f.(*os.File); ok && err == nil {
		if derr := dropCached(osf); derr != nil {
			w.log.Warn("backup: could not drop the file's cached pages; it is read back through the cache", "err", derr)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(partial, final)
	}
	if err != nil {
		_ = os.Remove(partial)
		if ctx.Err() != nil {
			return sum, fmt.Errorf("backup stopped: %w", ctx.Err())
		}
		return sum, fmt.Errorf("%w: %w", ErrBackupTarget, err)
	}
	deregSyncDir(filepath.Dir(final))
	deregTestHook("backup.written")
	return sum, nil
}

// verifyBackup reads the file back and checks it against what was written and
// against the live journal now (which must not have moved on meanwhile).
func (w *DeregWizard) verifyBackup(final, passphrase string, sum backup.Summary) (backup.Report, error) {
	live, err := w.s.Journal.Verify()
	if err != nil {
		return backup.Report{}, fmt.Errorf("%w: the live journal: %w", ErrBackupVerify, err)
	}
	tmp := deregTempDir(w.s.Paths)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return backup.Report{}, fmt.Errorf("%w: %w", ErrBackupVerify, err)
	}
	rep, err := backup.Verify(final, passphrase, tmp, &live)
	if err == nil && rep.FileSHA256 != sum.SHA256 {
		err = fmt.Errorf("the file reads back with hash %s, %s was written", rep.FileSHA256, sum.SHA256)
	}
	if err != nil {
		return rep, fmt.Errorf("%w: %w", ErrBackupVerify, err)
	}
	return rep, nil
}

// deregTempDir is where backups are decrypted for verification, inside the data folder
// (private, and swept by ClearAndWipe should a crash leave a copy behind).
func deregTempDir(p Paths) string { return filepath.Join(p.DataDir, "tmp") }

// deregCtxReader stops reading once ctx is done.
type deregCtxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c deregCtxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
