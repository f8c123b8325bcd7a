package ui

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/backup"
	"tilldesk/core/journal"
	"tilldesk/core/receipt"
	"tilldesk/core/users"
)

// browserPage is how many records the browser lists at a time.
const browserPage = 100

// errBadDate is shown for a date that is not YYYY-MM-DD.
var errBadDate = errors.New("date is not YYYY-MM-DD")

// BrowserOptions configure the journal browser.
type BrowserOptions struct {
	Operator func() string // the signed-in operator, for refunds
	Approve  ApproveFunc   // a manager's approval, for refunds
	// Kind is the kind filter to open with ("" every kind; journal.KindSaleCompleted
	// lists sales and searches them by receipt number, amount or payment reference).
	Kind string
	// Location is the time zone of the dates typed and shown; time.Local when nil.
	Location *time.Location
	// Now is the clock (export file names); time.Now when nil.
	Now func() time.Time
	// ExportTo hands write the destination of an export named name ("csv" or "jsonl"
	// format), or does nothing when the person cancels; write closes it. Nil asks with
	// a file save dialog.
	ExportTo func(format, name string, write func(io.WriteCloser))
	// OnClosed, if set, is called on the UI goroutine when the browser closes.
	OnClosed func()
	// BackupTmpDir is the folder a backup opened from the browser is decrypted into
	// while it is browsed (app.BackupTempDir). Empty: the browser offers no backups.
	BackupTmpDir string
	// ChooseBackup hands open the path of the backup file to browse, or does nothing
	// when the person cancels. Nil asks with a file open dialog.
	ChooseBackup func(open func(path string))

	work *worker // shared with the browser it was opened from; its own when nil
}

// BrowserRow is one line of the browser's list.
type BrowserRow struct {
	Seq     uint64
	Kind    string
	Receipt string
	Text    string
}

// JournalBrowser lists the journal's records (or, filtered to sales, the completed
// sales) newest first, with a text search, a kind filter and a date range; shows the
// selected record in full (a sale or refund as its receipt, anything else as JSON);
// refunds the selected sale through a RefundDialog; and exports the filtered records.
// "Open backup…" browses a backup file the same way in a second browser over it,
// read-only: no refunds. It is a modal over the window; its widgets are exported for
// tests.
type JournalBrowser struct {
	Title  *widget.Label // what is browsed: the journal, or a backup file read-only
	Info   *widget.Label // a backup's terminal, merchant, date and records
	Search *KeyEntry
	Kind   *Choice
	From   *widget.Entry // YYYY-MM-DD, first day shown
	To     *widget.Entry // YYYY-MM-DD, last day shown
	Find   *widget.Button
	List   *widget.List
	Rows   []BrowserRow
	More   *widget.Button // the next (older) page

	Detail     *fyne.Container
	DetailRows []receipt.Row  // the receipt shown, for a sale or a refund
	DetailJSON *widget.Label  // the record as JSON, for other kinds
	Refund     *widget.Button // refunds the sale shown
	RefundPad  *RefundDialog  // the open refund dialog, if any
	// Override is the last manager override opened for a refund (JournalConsoleItem).
	Override *OverrideDialog

	ExportCSV   *widget.Button
	ExportJSONL *widget.Button
	Message     *widget.Label
	Close       *widget.Button

	OpenBackup *widget.Button    // asks for a backup file and its passphrase
	BackupPad  *BackupOpenDialog // the passphrase dialog, while it is open
	Backup     *JournalBrowser   // the backup browsed over this browser, if any

	win     fyne.Window
	refunds *app.Refunds // nil for a backup: nothing is refunded from a backup
	browser *app.Browser
	// exportName is the start of export file names: the journal and its terminal.
	exportName func() string
	snapshot   *backup.Snapshot // the backup browsed, wiped when the browser closes
	lang       string
	opt        BrowserOptions
	log        *slog.Logger
	popup      *widget.PopUp
	work       *worker
	gen        int              // the current search; older results are dropped
	query      app.BrowseQuery  // the current search's filter
	next       uint64           // Before of the next page; 0 when there is none
	shown      app.RecordDetail // the record in the detail pane
	notice     string           // shown instead of the count when the next search lists
	closed     bool
}

// ShowJournalBrowser opens the journal browser over win in language ("zh" or "en").
func ShowJournalBrowser(win fyne.Window, till *app.Till, refunds *app.Refunds, language string, opt BrowserOptions) *JournalBrowser {
	b := newJournalBrowser(win, app.NewBrowser(till), language, opt, slog.Default().With("screen", "journal"))
	b.refunds = refunds
	b.exportName = func() string { return "journal-" + till.Config().Terminal.ID }
	b.Title.SetText(tr("browser.title"))
	b.Info.Hide()
	if opt.BackupTmpDir == "" {
		b.OpenBackup.Hide()
	}
	b.show()
	return b
}

// newJournalBrowser builds a browser's widgets over the query side browser.
func newJournalBrowser(win fyne.Window, browser *app.Browser, language string, opt BrowserOptions, log *slog.Logger) *JournalBrowser {
	if opt.Location == nil {
		opt.Location = time.Local
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.work == nil {
		opt.work = &worker{}
	}
	b := &JournalBrowser{win: win, browser: browser, lang: language, opt: opt, log: log, work: opt.work}
	b.build()
	return b
}

// show shows the browser over its window and lists the newest records.
func (b *JournalBrowser) show() {
	b.popup = widget.NewModalPopUp(container.NewPadded(b.layout()), b.win.Canvas())
	size := b.win.Canvas().Size()
	b.popup.Resize(fyne.NewSize(min(1160, size.Width-40), min(760, size.Height-40)))
	b.popup.Show()
	b.win.Canvas().Focus(b.Search)
	b.log.Info("journal browser opened")
	b.search()
}

// OpenJournalBrowser opens the journal browser over the cashier screen. While it is
// open, scans (a receipt's QR code or bar code) look the sale up instead of ringing it
// up; closing it gives the scans and the focus back to the sale.
func (c *Cashier) OpenJournalBrowser(refunds *app.Refunds, opt BrowserOptions) *JournalBrowser {
	closed := opt.OnClosed
	previous := c.scanWanted
	var b *JournalBrowser
	opt.OnClosed = func() {
		c.scanWanted = previous
		if c.Screen == b {
			c.Screen = nil
		}
		c.focusScan()
		if closed != nil {
			closed()
		}
	}
	b = ShowJournalBrowser(c.win, c.till, refunds, c.language, opt)
	c.scanWanted = b.TakeScan
	c.Screen = b // the scan field leaves the focus alone while it is open
	return b
}

// JournalConsoleItem is the manager menu entry (Console.Extra) that opens the journal
// browser for whoever is signed on (users.ViewJournal, or a manager's override), with
// refunds approved through OverrideApproval, and backup files opened read-only,
// decrypted into backupTmpDir (app.BackupTempDir; "" offers no backups).
func (c *Cashier) JournalConsoleItem(refunds *app.Refunds, backupTmpDir string) ConsoleItem {
	return ConsoleItem{Label: "browser.console_entry", Perm: users.ViewJournal, Open: func(string) {
		auth := c.console.Auth
		var b *JournalBrowser
		b = c.OpenJournalBrowser(refunds, BrowserOptions{
			Operator:     func() string { s, _ := auth.Current(); return s.Operator },
			Approve:      OverrideApproval(c.win, auth, func(d *OverrideDialog) { b.Override = d }),
			BackupTmpDir: backupTmpDir,
		})
	}}
}

// Dismiss closes the browser (the manager console closes its screens so on logout).
func (b *JournalBrowser) Dismiss() { b.close() }

func (b *JournalBrowser) build() {
	b.Title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	b.Info = widget.NewLabel("")
	b.Info.Wrapping = fyne.TextWrapWord
	b.OpenBackup = widget.NewButton(tr("browser.backup.open"), b.openBackup)
	b.Search = NewKeyEntry()
	b.Search.SetPlaceHolder(tr("browser.search_hint"))
	b.Search.OnSubmitted = func(string) { b.search() }
	b.Search.OnKey = func(k *fyne.KeyEvent) bool {
		if k.Name == fyne.KeyEscape {
			b.close()
			return true
		}
		return false
	}
	b.Kind = newChoice(append([]string{""}, app.BrowseKinds...), kindLabel, b.opt.Kind)
	b.Kind.OnChanged = func(string) { b.search() }
	b.From, b.To = widget.NewEntry(), widget.NewEntry()
	for _, e := range []*widget.Entry{b.From, b.To} {
		e.SetPlaceHolder(tr("browser.date_hint"))
		e.OnSubmitted = func(string) { b.search() }
	}
	b.Find = widget.NewButton(tr("browser.find"), b.search)
	b.Find.Importance = widget.HighImportance
	b.List = widget.NewList(func() int { return len(b.Rows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(b.Rows) {
				o.(*widget.Label).SetText(b.Rows[i].Text)
			}
		})
	b.List.OnSelected = b.showRecord
	b.More = widget.NewButton(tr("browser.more"), b.more)
	b.More.Disable()
	b.DetailJSON = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	b.Detail = container.NewVBox()
	b.Refund = widget.NewButton(tr("browser.refund"), b.openRefund)
	b.Refund.Disable()
	b.ExportCSV = widget.NewButton(tr("browser.export_csv"), func() { b.export("csv") })
	b.ExportJSONL = widget.NewButton(tr("browser.export_jsonl"), func() { b.export("jsonl") })
	b.Message = widget.NewLabel("")
	b.Message.Wrapping = fyne.TextWrapWord
	b.Close = widget.NewButton(tr("btn.close"), b.close)
}

func (b *JournalBrowser) layout() fyne.CanvasObject {
	dates := container.NewGridWithColumns(2, b.From, b.To)
	filters := container.NewBorder(nil, nil, nil, container.NewHBox(b.Kind, dates, b.Find), b.Search)
	buttons := container.NewVBox(container.NewHBox(b.OpenBackup, b.Close)) // not stretched by a backup's info
	heading := container.NewBorder(nil, nil, nil, buttons, container.NewVBox(b.Title, b.Info))
	top := container.NewVBox(heading, filters)
	list := container.NewBorder(nil, b.More, nil, nil, b.List)
	detail := container.NewBorder(nil, b.Refund, nil, nil,
		container.NewVScroll(container.NewThemeOverride(b.Detail, compactTheme{})))
	split := container.NewHSplit(list, detail)
	split.Offset = 0.55
	bottom := container.NewBorder(nil, nil, nil, container.NewHBox(b.ExportCSV, b.ExportJSONL), b.Message)
	return container.NewBorder(top, bottom, nil, nil, split)
}

// Wait waits for the browser's background work, its refund dialog's and its backup's
// (tests).
func (b *JournalBrowser) Wait() { b.work.Wait() }

// TakeScan looks up the sale whose receipt was scanned (in the backup browsed over
// this browser, while there is one).
func (b *JournalBrowser) TakeScan(code string) {
	if b.Backup != nil {
		b.Backup.TakeScan(code)
		return
	}
	onChanged := b.Kind.OnChanged
	b.Kind.OnChanged = nil // one search, below
	b.Kind.SetValue(journal.KindSaleCompleted)
	b.Kind.OnChanged = onChanged
	b.Search.SetText(strings.TrimSpace(code))
	b.search()
}

// salesMode reports whether the list shows completed sales found by Refunds.Find (a
// backup lists its sales as records).
func (b *JournalBrowser) salesMode() bool {
	return b.refunds != nil && b.Kind.Value() == journal.KindSaleCompleted
}

// dates reads the date range: From's first moment to the moment after To's last.
func (b *JournalBrowser) dates() (from, to time.Time, err error) {
	parse := func(e *widget.Entry) (time.Time, error) {
		if s := strings.TrimSpace(e.Text); s != "" {
			return time.ParseInLocation("2006-01-02", s, b.opt.Location)
		}
		return time.Time{}, nil
	}
	if from, err = parse(b.From); err == nil {
		to, err = parse(b.To)
	}
	if err != nil {
		return from, to, fmt.Errorf("%w: %v", errBadDate, err)
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	return from, to, nil
}

// search lists the first page of what the filters select.
func (b *JournalBrowser) search() {
	from, to, err := b.dates()
	if err != nil {
		b.fail(err)
		return
	}
	b.gen++
	gen, text := b.gen, strings.TrimSpace(b.Search.Text)
	b.query = app.BrowseQuery{Kind: b.Kind.Value(), Text: text, From: from, To: to}
	if b.salesMode() {
		q := app.ParseSaleQuery(text)
		q.From, q.To, q.Limit = from, to, browserPage
		var found []app.SaleSummary
		b.work.run(func() (err error) { found, err = b.refunds.Find(q); return err },
			func(err error) { b.listed(gen, b.saleRows(found), 0, false, err) })
		return
	}
	b.page(gen, 0, false)
}

// more lists the next (older) page.
func (b *JournalBrowser) more() {
	if b.next != 0 {
		b.page(b.gen, b.next, true)
	}
}

// page lists the records of the current query before sequence number before.
func (b *JournalBrowser) page(gen int, before uint64, appended bool) {
	q := b.query
	var page app.BrowsePage
	b.work.run(func() (err error) { page, err = b.browser.Page(q, before, browserPage); return err },
		func(err error) { b.listed(gen, b.recordRows(page.Rows), page.Next, appended, err) })
}

// listed shows the rows of search gen (dropped when a newer search has started).
func (b *JournalBrowser) listed(gen int, rows []BrowserRow, next uint64, appended bool, err error) {
	if gen != b.gen || b.closed {
		return
	}
	if err != nil {
		b.fail(err)
		return
	}
	if appended {
		rows = append(b.Rows, rows...)
	} else {
		b.List.UnselectAll()
		b.showDetail(app.RecordDetail{})
	}
	b.Rows, b.next = rows, next
	if next != 0 {
		b.More.Enable()
	} else {
		b.More.Disable()
	}
	b.List.Refresh()
	if b.notice != "" {
		b.say(b.notice, widget.SuccessImportance)
		b.notice = ""
		return
	}
	b.say(trf("browser.listed", map[string]any{"Count": len(rows)}), widget.MediumImportance)
}

// showRecord loads row i's record into the detail pane.
func (b *JournalBrowser) showRecord(i widget.ListItemID) {
	if i < 0 || i >= len(b.Rows) {
		return
	}
	seq, gen := b.Rows[i].Seq, b.gen
	var d app.RecordDetail
	b.work.run(func() (err error) { d, err = b.browser.Record(seq); return err }, func(err error) {
		if b.closed || gen != b.gen {
			return
		}
		if err != nil && d.Record.Seq == 0 {
			b.fail(err)
			return
		}
		if err != nil { // the record is there but its sale or refund did not read back
			b.log.Warn("journal record shown raw", "seq", seq, "err", err)
		}
		b.showDetail(d)
	})
}

// showDetail shows a record: a sale or refund as its receipt, else as JSON.
func (b *JournalBrowser) showDetail(d app.RecordDetail) {
	b.shown = d
	b.DetailRows = b.browser.Rows(d, b.lang, receiptLabel)
	b.Detail.RemoveAll()
	for _, row := range b.DetailRows {
		b.Detail.Add(receiptRow(row))
	}
	b.DetailJSON.SetText(d.Pretty)
	if b.DetailRows == nil {
		b.Detail.Add(b.DetailJSON)
	}
	if d.Sale != nil && b.refunds != nil {
		b.Refund.Enable()
	} else {
		b.Refund.Disable()
	}
}

// openRefund opens the refund dialog for the sale shown.
func (b *JournalBrowser) openRefund() {
	if b.shown.Sale == nil || b.RefundPad != nil || b.refunds == nil {
		return
	}
	number := b.shown.Sale.Number
	var sr *app.SaleRefunds
	b.work.run(func() (err error) { sr, err = b.refunds.Load(number); return err }, func(err error) {
		if b.closed {
			return
		}
		if err != nil {
			b.fail(err)
			return
		}
		b.RefundPad = ShowRefundDialog(b.win, b.refunds, sr, RefundOptions{
			Operator: b.opt.Operator, Approve: b.opt.Approve, Language: b.lang,
			OnDone: b.refunded, OnClosed: func() { b.RefundPad = nil; b.win.Canvas().Focus(b.Search) },
			work: b.work, log: b.log,
		})
	})
}

// refunded reports a refund done and lists the journal again.
func (b *JournalBrowser) refunded(res *app.RefundResult) {
	msg := trf("browser.refunded_done", map[string]any{"Amount": res.Refund.Total.Format(), "Receipt": res.Number})
	switch {
	case res.PaperErr == nil:
		msg += "  " + tr("msg.printed")
	case errors.Is(res.PaperErr, app.ErrNoPrinter):
		msg += "  " + tr("msg.no_printer")
	default:
		msg += "\n" + errorText(res.PaperErr)
	}
	b.notice = msg
	b.say(msg, widget.SuccessImportance)
	b.search()
}

func (b *JournalBrowser) say(text string, importance widget.Importance) {
	b.Message.Importance = importance
	b.Message.SetText(text)
}

func (b *JournalBrowser) fail(err error) {
	b.log.Warn("journal browser", "err", err)
	text := refundErrorText(err)
	if errors.Is(err, errBadDate) {
		text = tr("browser.err.date") + "\n" + err.Error()
	}
	b.say(text, widget.DangerImportance)
}

// close hides the browser and whatever it opened that is still open (a refund dialog,
// the backup passphrase dialog, a backup browsed over it), and wipes the decrypted copy
// of the backup it browses.
func (b *JournalBrowser) close() {
	if b.closed {
		return
	}
	if b.RefundPad != nil {
		b.RefundPad.close()
	}
	if b.BackupPad != nil {
		b.BackupPad.close()
	}
	if b.Backup != nil {
		b.Backup.close()
	}
	b.closed = true
	b.popup.Hide()
	b.log.Info("journal browser closed")
	if b.snapshot != nil {
		b.closeSnapshot(b.snapshot)
	}
	if b.opt.OnClosed != nil {
		b.opt.OnClosed()
	}
}
