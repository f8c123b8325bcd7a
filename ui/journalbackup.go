package ui

import (
	"errors"
	"io/fs"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/backup"
	"tilldesk/core/journal"
)

// Backups browsed later: the journal browser asks for a backup file and its
// passphrase, decrypts it off the UI goroutine, and shows a second browser over it,
// read-only (no refunds). Closing that browser wipes the decrypted copy.

// BackupOpenDialog asks for the passphrase of a backup file and opens it. Its widgets
// are exported for tests.
type BackupOpenDialog struct {
	File       *widget.Label // the backup file
	Passphrase *KeyEntry     // masked; Enter opens, Escape cancels
	Progress   *widget.ProgressBarInfinite
	Error      *widget.Label
	Open       *widget.Button
	Cancel     *widget.Button

	path     string
	popup    *widget.PopUp
	opening  bool // the backup is being decrypted
	closed   bool
	onClosed func()
}

// openBackup asks for a backup file, then for its passphrase.
func (b *JournalBrowser) openBackup() {
	if b.closed || b.BackupPad != nil || b.Backup != nil || b.opt.BackupTmpDir == "" {
		return
	}
	choose := b.opt.ChooseBackup
	if choose == nil {
		choose = b.openDialog
	}
	choose(func(path string) {
		if !b.closed && b.BackupPad == nil && b.Backup == nil {
			b.BackupPad = b.askPassphrase(path)
		}
	})
}

// askPassphrase shows the passphrase dialog for the backup file at path.
func (b *JournalBrowser) askPassphrase(path string) *BackupOpenDialog {
	d := &BackupOpenDialog{path: path, onClosed: func() {
		b.BackupPad = nil
		if !b.closed && b.Backup == nil {
			b.win.Canvas().Focus(b.Search)
		}
	}}
	d.File = widget.NewLabel(trf("browser.backup.file", map[string]any{"File": path}))
	d.File.Wrapping = fyne.TextWrapBreak
	d.Passphrase = NewKeyEntry()
	d.Passphrase.Password = true
	d.Passphrase.SetPlaceHolder(tr("browser.backup.pass_hint"))
	d.Passphrase.OnSubmitted = func(string) { b.decrypt(d) }
	d.Passphrase.OnKey = func(k *fyne.KeyEvent) bool {
		if k.Name == fyne.KeyEscape {
			d.close()
			return true
		}
		return false
	}
	d.Progress = widget.NewProgressBarInfinite()
	d.Progress.Stop()
	d.Progress.Hide()
	d.Error = widget.NewLabel("")
	d.Error.Importance = widget.DangerImportance
	d.Error.Wrapping = fyne.TextWrapWord
	d.Open = widget.NewButton(tr("browser.backup.open_confirm"), func() { b.decrypt(d) })
	d.Open.Importance = widget.HighImportance
	d.Cancel = widget.NewButton(tr("btn.cancel"), d.close)
	top := container.NewVBox(boldLabel(tr("browser.backup.pass_title")), d.File, widget.NewLabel(tr("browser.backup.pass")),
		d.Passphrase, d.Progress)
	content := container.NewBorder(top, container.NewGridWithColumns(2, d.Cancel, d.Open), nil, nil, container.NewVScroll(d.Error))
	d.popup = widget.NewModalPopUp(container.NewPadded(content), b.win.Canvas())
	size := b.win.Canvas().Size()
	d.popup.Resize(fyne.NewSize(min(640, size.Width-40), min(440, size.Height-40)))
	d.popup.Show()
	b.win.Canvas().Focus(d.Passphrase)
	return d
}

// decrypt opens the backup with the passphrase typed, off the UI goroutine (argon2id
// and the decryption take seconds), then browses it. A wrong passphrase or a damaged
// file is said in the dialog, and nothing is left decrypted.
func (b *JournalBrowser) decrypt(d *BackupOpenDialog) {
	if d.opening || d.closed {
		return
	}
	pass := d.Passphrase.Text
	if pass == "" {
		d.fail(tr("browser.backup.err.no_passphrase"))
		b.win.Canvas().Focus(d.Passphrase)
		return
	}
	d.busy(true)
	path, tmp := d.path, b.opt.BackupTmpDir
	var snap *backup.Snapshot
	b.work.run(func() (err error) { snap, err = app.OpenBackup(path, pass, tmp); return err }, func(err error) {
		d.busy(false)
		switch {
		case err != nil:
			b.log.Warn("backup not opened", "file", path, "err", err)
			d.Passphrase.SetText("")
			d.fail(backupErrorText(err))
			if !d.closed {
				b.win.Canvas().Focus(d.Passphrase)
			}
		case d.closed || b.closed: // cancelled meanwhile
			b.closeSnapshot(snap)
		default:
			d.close()
			b.browseBackup(snap, path)
		}
	})
}

// browseBackup shows a read-only browser over the backup snapshot opened from file.
func (b *JournalBrowser) browseBackup(snap *backup.Snapshot, file string) {
	m := snap.Manifest
	log := b.log.With("backup", filepath.Base(file), "terminal", m.Terminal)
	opt := BrowserOptions{Location: b.opt.Location, Now: b.opt.Now, ExportTo: b.opt.ExportTo, work: b.work, OnClosed: func() {
		b.Backup = nil
		if !b.closed {
			b.win.Canvas().Focus(b.Search)
		}
	}}
	bb := newJournalBrowser(b.win, app.NewBackupBrowser(snap), b.lang, opt, log)
	bb.snapshot = snap
	bb.exportName = func() string { return "backup-" + m.Terminal }
	bb.Title.SetText(trf("browser.backup.title", map[string]any{"File": filepath.Base(file)}))
	bb.Title.Importance = widget.WarningImportance
	bb.Info.SetText(trf("browser.backup.info", map[string]any{"Terminal": m.Terminal, "Merchant": m.Merchant,
		"Created": m.Created.In(b.opt.Location).Format("2006-01-02 15:04"), "First": snap.Journal.FirstSeq(), "Last": m.Records}))
	bb.Refund.Hide()
	bb.OpenBackup.Hide()
	b.Backup = bb
	log.Info("backup opened read-only", "file", file, "records", m.Records, "created", m.Created)
	bb.show()
}

// closeSnapshot closes a backup off the UI goroutine, wiping its decrypted copy.
func (b *JournalBrowser) closeSnapshot(s *backup.Snapshot) {
	b.work.run(s.Close, func(err error) {
		if err != nil {
			b.log.Error("decrypted backup copy not wiped", "err", err)
			return
		}
		b.log.Info("decrypted backup copy wiped")
	})
}

// backupErrorText says why a backup did not open, in the cashier's language.
func backupErrorText(err error) string {
	for _, m := range []struct {
		target error
		key    string
	}{
		{backup.ErrBadPassphrase, "browser.backup.err.passphrase"},
		{backup.ErrTampered, "browser.backup.err.tampered"},
		{journal.ErrCorrupt, "browser.backup.err.tampered"},
		{backup.ErrNotBackup, "browser.backup.err.not_backup"},
		{backup.ErrNewerVersion, "browser.backup.err.newer"},
		{fs.ErrNotExist, "browser.backup.err.file"},
		{fs.ErrPermission, "browser.backup.err.file"},
	} {
		if errors.Is(err, m.target) {
			return tr(m.key) + "\n" + err.Error()
		}
	}
	return errorText(err)
}

// busy shows that the backup is being decrypted: no second Open meanwhile.
func (d *BackupOpenDialog) busy(on bool) {
	d.opening = on
	if on {
		d.Error.SetText(tr("browser.backup.opening"))
		d.Error.Importance = widget.MediumImportance
		d.Error.Refresh()
		d.Open.Disable()
		d.Passphrase.Disable()
		d.Progress.Show()
		d.Progress.Start()
		return
	}
	d.Progress.Stop()
	d.Progress.Hide()
	d.Error.SetText("")
	d.Open.Enable()
	d.Passphrase.Enable()
}

func (d *BackupOpenDialog) fail(text string) {
	d.Error.Importance = widget.DangerImportance
	d.Error.SetText(text)
}

// close hides the dialog; a backup still being decrypted is wiped when it opens.
func (d *BackupOpenDialog) close() {
	if d.closed {
		return
	}
	d.closed = true
	d.Progress.Stop()
	d.popup.Hide()
	d.onClosed()
}
