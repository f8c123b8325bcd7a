package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
	"tilldesk/core/users"
)

// refundTimeout bounds one refund: the tenders' refunds (online for cards and wallets),
// the journal and the printer.
var refundTimeout = 60 * time.Second

// ApproveFunc asks a manager to approve a refund for reason (a refund.Reasons code)
// and calls done once, on any goroutine, with the approving manager's ID, or an error
// when the approval was refused or cancelled. The operators screen's override dialog
// plugs in here.
type ApproveFunc func(reason string, done func(approvedBy string, err error))

// OverrideApproval is the ApproveFunc of the manager console: an operator who holds
// users.Refund approves their own refunds at once; anyone else needs a manager's
// override (ShowOverrideDialog, journaled by Auth), handed to opened (when set) so the
// caller can track it. With nobody signed on the refund is refused. A cancelled
// override leaves the refund dialog waiting: Confirm asks again.
func OverrideApproval(win fyne.Window, auth *app.Auth, opened func(*OverrideDialog)) ApproveFunc {
	return func(_ string, done func(string, error)) {
		if _, ok := auth.Current(); !ok {
			done("", fmt.Errorf("%w: %w", ErrApprovalRefused, errNotSignedOn))
			return
		}
		d := Authorize(win, auth, users.Refund, func(a *app.Approval) {
			if a != nil {
				done(a.Manager, nil)
				return
			}
			s, _ := auth.Current()
			done(s.Operator, nil) // the operator may refund: their own approval
		})
		if d != nil && opened != nil {
			opened(d)
		}
	}
}

// RefundOptions configure a refund dialog.
type RefundOptions struct {
	Operator func() string // the signed-in operator; nil refunds are refused
	Approve  ApproveFunc   // the manager's approval; nil refunds are refused
	Language string        // "zh" or "en", for line names
	// OnDone, if set, is called on the UI goroutine with a refund done.
	OnDone func(*app.RefundResult)
	// OnClosed, if set, is called on the UI goroutine when the dialog closes.
	OnClosed func()

	work *worker // shared with the journal browser; the dialog's own when nil
	log  *slog.Logger
}

// RefundLineRow is one line of the sale in the refund dialog.
type RefundLineRow struct {
	Pick   *widget.Check // refund this line; its text is the product
	Qty    *widget.Entry // how much of it
	Left   *widget.Label // what is still refundable of it
	Amount *widget.Label // what this refund gives back for it
	State  refund.LineState
}

// RefundDialog refunds some lines, or all, of a completed sale: the lines with what
// is still refundable of each, a full-refund toggle, the total and how it goes back to
// the original tenders, the reason; Confirm asks a manager's approval and then refunds.
// Its widgets are exported so tests drive it as a cashier does.
type RefundDialog struct {
	Title   *widget.Label
	Full    *widget.Check
	Lines   []*RefundLineRow
	Total   *widget.Label
	Tenders *widget.Label
	Reason  *Choice
	Error   *widget.Label
	Confirm *widget.Button
	Cancel  *widget.Button

	refunds *app.Refunds
	sale    *app.SaleRefunds
	id      string // kept for retries: a retried refund is never paid twice
	opt     RefundOptions
	popup   *widget.PopUp
	closed  bool
}

// ShowRefundDialog opens the refund dialog over win for sale sr (from Refunds.Load).
func ShowRefundDialog(win fyne.Window, refunds *app.Refunds, sr *app.SaleRefunds, opt RefundOptions) *RefundDialog {
	if opt.work == nil {
		opt.work = &worker{}
	}
	if opt.log == nil {
		opt.log = slog.Default().With("screen", "refund")
	}
	d := &RefundDialog{refunds: refunds, sale: sr, id: refunds.NewID(), opt: opt}
	pos := sr.Position
	d.Title = widget.NewLabelWithStyle(trf("refund.title", map[string]any{"Receipt": sr.Receipt.Number,
		"Total": pos.Total.Format(), "Refunded": pos.Refunded.Format()}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.Full = widget.NewCheck(tr("refund.full"), func(bool) { d.fullChanged() })
	grid := container.New(columns{0.46, 0.14, 0.24, 0.16},
		boldLabel(tr("cart.item")), boldLabel(tr("cart.qty")), boldLabel(tr("refund.left_header")), boldLabel(tr("cart.amount")))
	rows := container.NewVBox(grid)
	for _, ls := range pos.Lines {
		r := newRefundLineRow(ls, opt.Language, func() { d.update() })
		d.Lines = append(d.Lines, r)
		rows.Add(container.New(columns{0.46, 0.14, 0.24, 0.16}, r.Pick, r.Qty, r.Left, r.Amount))
	}
	d.Total = widget.NewLabelWithStyle("—", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	d.Tenders = widget.NewLabel("")
	d.Reason = newChoice(refund.Reasons, reasonLabel, refund.Reasons[0])
	d.Reason.ClearSelected()
	d.Reason.PlaceHolder = tr("refund.reason_pick")
	d.Error = widget.NewLabel("")
	d.Error.Importance = widget.DangerImportance
	d.Error.Wrapping = fyne.TextWrapWord
	d.Confirm = widget.NewButton(tr("refund.confirm"), d.confirm)
	d.Confirm.Importance = widget.HighImportance
	d.Cancel = widget.NewButton(tr("btn.cancel"), d.close)

	form := container.New(columns{0.3, 0.7},
		container.NewVBox(widget.NewLabel(tr("refund.total")), widget.NewLabel(tr("refund.tenders")), widget.NewLabel(tr("refund.reason"))),
		container.NewVBox(d.Total, d.Tenders, d.Reason))
	bottom := container.NewVBox(widget.NewSeparator(), form, d.Error, container.NewGridWithColumns(2, d.Cancel, d.Confirm))
	content := container.NewBorder(container.NewVBox(d.Title, d.Full), bottom, nil, nil, container.NewVScroll(rows))
	d.popup = widget.NewModalPopUp(container.NewPadded(content), win.Canvas())
	size := win.Canvas().Size()
	d.popup.Resize(fyne.NewSize(min(820, size.Width-40), min(620, size.Height-40)))
	d.popup.Show()
	win.Canvas().Unfocus() // keys typed must not land in the screen beneath
	d.update()
	return d
}

// newRefundLineRow makes the widgets of one line; changed is called on every edit.
// A line with nothing left to refund is shown disabled.
func newRefundLineRow(ls refund.LineState, language string, changed func()) *RefundLineRow {
	weighed := ls.Line.Weighed
	r := &RefundLineRow{State: ls, Amount: widget.NewLabel("—"), Qty: widget.NewEntry(),
		Left: widget.NewLabel(trf("refund.left", map[string]any{"Qty": sale.FormatQty(ls.RemainingQty(), weighed), "Amount": ls.RemainingAmount().Format()}))}
	r.Qty.SetText(sale.FormatQty(max(ls.RemainingQty(), 0), weighed))
	r.Qty.OnChanged = func(string) { changed() }
	r.Pick = widget.NewCheck(ls.Line.Name(language), func(bool) { changed() })
	if ls.RemainingQty() <= 0 {
		r.Pick.Disable()
		r.Qty.Disable()
	}
	return r
}

// ReceiptLabels are the receipt's words in the language SetLanguage chose: the Labels
// of app.RefundsOptions, so refund receipts print as sale receipts do.
func ReceiptLabels(key string) string { return receiptLabel(key) }

// reasonLabel translates a refund reason code (the receipt's words, shared).
func reasonLabel(code string) string { return receiptLabel("refund.reason." + code) }

// Wait waits for the dialog's background work (tests).
func (d *RefundDialog) Wait() { d.opt.work.Wait() }

// fullChanged ticks every line that has something left, at all of it, when the full
// refund is chosen, and lets the lines be edited again when it is not.
func (d *RefundDialog) fullChanged() {
	for _, r := range d.Lines {
		if r.State.RemainingQty() <= 0 {
			continue
		}
		if d.Full.Checked {
			r.Pick.SetChecked(true)
			r.Qty.SetText(sale.FormatQty(r.State.RemainingQty(), r.State.Line.Weighed))
			r.Pick.Disable()
			r.Qty.Disable()
		} else {
			r.Pick.Enable()
			r.Qty.Enable()
		}
	}
	d.update()
}

// request reads the refund asked for from the widgets.
func (d *RefundDialog) request() (refund.Request, error) {
	req := refund.Request{ID: d.id, Full: d.Full.Checked}
	if req.Full {
		return req, nil
	}
	for _, r := range d.Lines {
		if !r.Pick.Checked {
			continue
		}
		qty, err := sale.ParseQty(r.Qty.Text, r.State.Line.Weighed)
		if err != nil {
			return req, fmt.Errorf("%s: %w", r.Pick.Text, err)
		}
		req.Lines = append(req.Lines, refund.LineRequest{LineID: r.State.Line.ID, QtyMilli: qty})
	}
	return req, nil
}

// update works the refund out from the widgets and shows it, or why it cannot be.
func (d *RefundDialog) update() (refund.Request, refund.Refund, error) {
	req, err := d.request()
	var plan refund.Refund
	if err == nil {
		plan, err = d.sale.Position.Plan(req)
	}
	for _, r := range d.Lines {
		r.Amount.SetText("—")
		for _, rl := range plan.Lines {
			if rl.LineID == r.State.Line.ID {
				r.Amount.SetText((-rl.Amount).Format())
			}
		}
	}
	if err != nil {
		d.Total.SetText("—")
		d.Tenders.SetText("")
		d.Error.SetText(refundErrorText(err))
		if !req.Full && len(req.Lines) == 0 && errors.Is(err, refund.ErrNothing) {
			d.Error.SetText("") // nothing chosen yet: no complaint until Confirm
		}
		return req, plan, err
	}
	d.Total.SetText((-plan.Total).Format())
	var parts []string
	for _, t := range plan.Tenders {
		parts = append(parts, fmt.Sprintf("%s %s", receiptLabel("tender."+string(t.Method)), (-t.Amount).Format()))
	}
	d.Tenders.SetText(strings.Join(parts, "  ·  "))
	d.Error.SetText("")
	return req, plan, nil
}

// confirm checks the refund and the reason, asks for the manager's approval, and then
// refunds in the background. A failure keeps the dialog open with the same refund ID,
// so Confirm again retries without refunding twice.
func (d *RefundDialog) confirm() {
	req, _, err := d.update()
	if err != nil {
		d.fail(err)
		return
	}
	reason := d.Reason.Value()
	if reason == "" {
		d.Error.SetText(tr("refund.err.reason"))
		return
	}
	if d.opt.Approve == nil || d.opt.Operator == nil {
		d.fail(app.ErrRefundAudit)
		return
	}
	operator := d.opt.Operator()
	d.Error.SetText(tr("refund.approving")) // Confirm stays on: a cancelled override is asked again
	d.opt.Approve(reason, func(approvedBy string, err error) {
		fyne.Do(func() {
			if d.closed {
				return
			}
			if err != nil {
				d.fail(err)
				return
			}
			d.refund(req, operator, approvedBy, reason)
		})
	})
}

// refund runs the approved refund off the UI goroutine.
func (d *RefundDialog) refund(req refund.Request, operator, approvedBy, reason string) {
	d.setBusy(true, tr("refund.working"))
	number := d.sale.Receipt.Number
	var res *app.RefundResult
	d.opt.work.run(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), refundTimeout)
		defer cancel()
		var err error
		res, err = d.refunds.Refund(ctx, number, req, operator, approvedBy, reason)
		return err
	}, func(err error) {
		d.setBusy(false, "")
		if err != nil {
			if errors.Is(err, app.ErrRefundInDoubt) {
				d.pin()
			}
			d.fail(err)
			return
		}
		d.close()
		if d.opt.OnDone != nil {
			d.opt.OnDone(res)
		}
	})
}

// pin stops the refund from being changed: after a failure that may have paid part
// of it back, only a retry of the same refund is safe.
func (d *RefundDialog) pin() {
	d.Full.Disable()
	for _, r := range d.Lines {
		r.Pick.Disable()
		r.Qty.Disable()
	}
}

func (d *RefundDialog) setBusy(busy bool, msg string) {
	if busy {
		d.Confirm.Disable()
	} else {
		d.Confirm.Enable()
	}
	d.Error.SetText(msg)
}

func (d *RefundDialog) fail(err error) {
	d.opt.log.Warn("refund failed", "receipt", d.sale.Receipt.Number, "id", d.id, "err", err)
	d.Error.SetText(refundErrorText(err))
}

// close hides the dialog.
func (d *RefundDialog) close() {
	if d.closed {
		return
	}
	d.closed = true
	d.popup.Hide()
	if d.opt.OnClosed != nil {
		d.opt.OnClosed()
	}
}

// refundErrorText turns a refund error into a message for the person at the till,
// falling back to the till's general messages.
func refundErrorText(err error) string {
	for _, m := range []struct {
		target error
		key    string
	}{
		{app.ErrRefundInDoubt, "refund.err.in_doubt"},
		{refund.ErrOverRefund, "refund.err.over"},
		{refund.ErrCancelled, "refund.err.cancelled"},
		{refund.ErrNotCompleted, "refund.err.not_completed"},
		{refund.ErrNothing, "refund.err.nothing"},
		{refund.ErrQuantity, "refund.err.quantity"},
		{refund.ErrNoLine, "refund.err.no_line"},
		{refund.ErrInconsistent, "refund.err.inconsistent"},
		{refund.ErrTenders, "refund.err.tenders"},
		{app.ErrNotASale, "refund.err.not_a_sale"},
		{app.ErrRefundAudit, "refund.err.audit"},
		{app.ErrNoRefunder, "refund.err.no_refunder"},
		{app.ErrRefundIDReuse, "refund.err.id_reuse"},
		{ErrApprovalRefused, "refund.err.approval"},
	} {
		if errors.Is(err, m.target) {
			return tr(m.key) + "\n" + err.Error()
		}
	}
	return errorText(err)
}

// ErrApprovalRefused is what an ApproveFunc returns (wrapped or not) when the manager
// refuses or the override is cancelled; other errors are shown as they are.
var ErrApprovalRefused = errors.New("the manager did not approve the refund")

// worker runs jobs off the UI goroutine and hands their outcomes back to it through
// fyne.Do. Tests set queueOutcomes: outcomes then wait in a queue that Wait runs on
// the test's goroutine, as the real driver runs them on its own (Fyne's test driver
// would run them at once on the job's goroutine, racing the test).
type worker struct {
	jobs   sync.WaitGroup
	mu     sync.Mutex
	queued []func()
}

// queueOutcomes is set by tests; see worker.
var queueOutcomes = false

func (w *worker) run(job func() error, done func(error)) {
	w.jobs.Add(1)
	go func() {
		defer w.jobs.Done()
		err := job()
		w.post(func() { done(err) })
	}()
}

// post hands fn to the UI goroutine (fyne.Do), after the outcomes handed over before
// it; with queueOutcomes it queues fn for Wait or flush instead.
func (w *worker) post(fn func()) {
	if !queueOutcomes {
		fyne.Do(fn)
		return
	}
	w.mu.Lock()
	w.queued = append(w.queued, fn)
	w.mu.Unlock()
}

// flush runs the outcomes queued so far, without waiting for the jobs, and reports
// whether there were any (tests).
func (w *worker) flush() bool {
	w.mu.Lock()
	next := w.queued
	w.queued = nil
	w.mu.Unlock()
	for _, outcome := range next {
		outcome()
	}
	return len(next) > 0
}

// Wait waits for the jobs started so far and, in tests, runs their outcomes (which
// may start more jobs, waited for in turn).
func (w *worker) Wait() {
	for {
		w.jobs.Wait()
		if !w.flush() {
			return
		}
	}
}
