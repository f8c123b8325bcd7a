package ui

import (
	"errors"
	"fmt"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
)

// The journal browser's files: the records it exports, and the backup files it opens.

// export writes the records the filters select to a file the person picks.
func (b *JournalBrowser) export(format string) {
	q := b.query
	name := fmt.Sprintf("%s-%s.%s", b.exportName(), b.opt.Now().In(b.opt.Location).Format("20060102-150405"), format)
	exportTo := b.opt.ExportTo
	if exportTo == nil {
		exportTo = b.saveDialog
	}
	exportTo(format, name, func(w io.WriteCloser) {
		var n int
		b.work.run(func() error {
			var err error
			n, err = b.browser.Export(w, format, q)
			return errors.Join(err, w.Close())
		}, func(err error) {
			if err != nil {
				b.fail(err)
				return
			}
			b.log.Info("journal exported", "format", format, "records", n)
			b.say(trf("browser.exported", map[string]any{"Count": n, "Name": name}), widget.SuccessImportance)
		})
	})
}

// saveDialog asks where to save an export.
func (b *JournalBrowser) saveDialog(_, name string, write func(io.WriteCloser)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		switch {
		case err != nil:
			b.fail(err)
		case w != nil:
			write(w)
		}
	}, b.win)
	d.SetFileName(name)
	d.Show()
}

// openDialog asks for a backup file to open with a file open dialog.
func (b *JournalBrowser) openDialog(open func(path string)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		switch {
		case err != nil:
			b.fail(err)
		case r != nil:
			path := r.URI().Path()
			if err := r.Close(); err != nil {
				b.log.Warn("backup file chosen", "file", path, "err", err)
			}
			open(path)
		}
	}, b.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{app.BackupExt}))
	size := b.win.Canvas().Size()
	d.Resize(fyne.NewSize(min(900, size.Width-40), min(640, size.Height-40)))
	d.Show()
}
