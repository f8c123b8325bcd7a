package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/emv/kernel"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/devices/cardreader"
)

// Bank card payments at the till (F12, "Bank card"). The dialog shows the amount and
// tells the customer what to do: insert, tap or swipe the card; insert it when a tap
// will not do; enter the PIN on the PIN pad (which shows the amount too); and then the
// outcome: approved (the sale completes and its receipt, with the card's EMV fields,
// is shown and printed), or refused with the bank's or the card's reason, with Try
// again and Other tender.
//
// The payment runs off the UI goroutine (Till.Pay with CardPayments.Tender); its
// stages reach the dialog through the dialog's worker. Cancel (or Escape) works while
// the stage is cancellable: until the request leaves for the bank. Closing the dialog
// after that waits for the outcome: the sale is the paying goroutine's until then.

// cardPayTimeout bounds a whole card payment: the customer presenting the card and
// typing the PIN, and the bank (whose own timeouts are shorter).
const cardPayTimeout = 3 * time.Minute

// CardDialog takes one bank card payment of the amount due. Its widgets are exported
// so tests drive it as a cashier does.
type CardDialog struct {
	Title *widget.Label
	Due   *canvas.Text
	// Stage says what the customer does now; Message the outcome of a refused
	// payment, or a warning (a tap refused, a wrong PIN).
	Stage    *widget.Label
	Progress *widget.ProgressBarInfinite
	Message  *widget.Label
	// Apps lists a co-badged card's applications while the cardholder chooses one.
	Apps *fyne.Container
	// Simulator raises the simulator panel's card and PIN pad (demo mode).
	Simulator *widget.Button
	Retry     *widget.Button // takes the card again after a refusal
	Other     *widget.Button // closes the dialog and asks how else the customer pays
	Cancel    *widget.Button // cancels the payment while it may be, else closes
	// OnClosed, if set, runs once when the dialog closes.
	OnClosed func()

	paymentRun
	fittedPopup
	c     *Cashier
	due   money.Amount
	stage app.CardStage // the last stage reported
	work  worker
	// appPicks picks each application offered, while a choice is open.
	appPicks []func()
}

// OpenCardTender opens the card dialog for the amount due and starts the payment; it
// returns the dialog (nil when the sale cannot be paid by card now: the reason is on
// the message line).
func (c *Cashier) OpenCardTender() *CardDialog {
	if err := c.cardPayable(); err != nil {
		c.fail(err)
		return nil
	}
	d := &CardDialog{c: c, due: c.till.Current().Totals().Due}
	d.Title = boldLabel(tr("bankcard.title"))
	d.Due = canvas.NewText(d.due.Format(), theme.Color(theme.ColorNamePrimary))
	d.Due.TextSize = 40
	d.Due.TextStyle.Bold = true
	d.Due.Alignment = fyne.TextAlignCenter
	d.Stage = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	d.Stage.SizeName = theme.SizeNameSubHeadingText
	d.Stage.Wrapping = fyne.TextWrapWord
	d.Progress = widget.NewProgressBarInfinite()
	d.Message = resultLabel()
	d.msg = d.Message
	d.Simulator = widget.NewButton(tr("bankcard.simulator"), c.raiseCardSimulator)
	if !c.till.Config().Terminal.Demo || c.devices == nil || c.devices.Simulators().CardReader == nil {
		d.Simulator.Hide()
	}
	d.Retry = widget.NewButton(tr("bankcard.retry"), d.start)
	d.Retry.Importance = widget.HighImportance
	d.Other = widget.NewButton(tr("bankcard.other"), d.otherTender)
	d.Cancel = widget.NewButton(tr("btn.cancel"), d.cancelOrClose)
	buttons := container.NewGridWithColumns(2, d.Simulator, d.Retry, d.Other, d.Cancel) // the buttons shown, two a row
	d.Apps = container.NewVBox()
	d.Apps.Hide()
	box := container.NewVBox(d.Title, d.Due, d.Stage, d.Progress, d.Message, d.Apps, buttons)
	d.popup = widget.NewModalPopUp(container.NewPadded(box), c.win.Canvas())
	d.width = min(460, c.win.Canvas().Size().Width-40) // beside the simulator panel's card side
	c.track(d)
	d.popup.Show()
	c.win.Canvas().Focus(nil)
	c.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) { d.key(k) })
	d.start()
	if c.SimPanel != nil { // demo mode: the card and the PIN pad stay within reach
		c.raiseCardSimulator()
	}
	return d
}

// cardPayable says why the sale cannot be paid by card now, or nil.
func (c *Cashier) cardPayable() error {
	if c.cards == nil {
		return app.ErrNoCardTerminal
	}
	return c.salePayable()
}

// salePayable says why the sale cannot be paid by any tender now (nothing on it, or
// sales not allowed), or nil.
func (c *Cashier) salePayable() error {
	if len(c.till.Current().Totals().Lines) == 0 {
		return sale.ErrEmpty
	}
	return c.till.SalesAllowed()
}

// start takes the payment off the UI goroutine; its stages and outcome come back
// through the dialog's worker.
func (d *CardDialog) start() {
	if d.closed || d.stop != nil {
		return
	}
	ctx, stop := context.WithTimeout(context.Background(), cardPayTimeout)
	d.stop, d.stopping, d.leaving = stop, false, false
	d.say("", widget.MediumImportance)
	d.busy(true)
	d.showStage(app.CardPresent)
	tender := d.c.cards.payments.Tender(func(st app.CardStage) { d.work.post(func() { d.showStage(st) }) }).WithChooser(d.chooseApp)
	d.c.payInBackground(&d.work, ctx, stop, tender, d.finished)
}

// showStage shows where the payment is, and whether it may still be cancelled.
func (d *CardDialog) showStage(st app.CardStage) {
	if d.closed || d.stop == nil {
		return // a report that came after the outcome
	}
	previous := d.stage
	d.stage = st
	d.Stage.SetText(tr(st.Key()))
	switch {
	case st == app.CardInsert && previous != app.CardInsert:
		d.say(tr("bankcard.tap_refused"), widget.WarningImportance)
	case st == app.CardWrongPIN:
		d.say(tr("bankcard.wrong_pin"), widget.WarningImportance)
	case st == app.CardEnterPIN:
		d.say(trf("bankcard.pin_hint", map[string]any{"Amount": d.due.Format()}), widget.MediumImportance)
	case st >= app.CardProcessing:
		d.say("", widget.MediumImportance)
	}
	d.Cancel.Disable()
	if st.Cancellable() && !d.stopping {
		d.Cancel.Enable()
	}
	d.fit()
}

// finished shows the payment's outcome: approved (the sale completes), cancelled by
// the cashier (the dialog closes), or refused (the dialog stays with the reason, Try
// again and Other tender).
func (d *CardDialog) finished(r *app.Receipt, err error) {
	c := d.c
	cashierStopped := d.stopping
	d.stop, d.stopping = nil, false
	c.refreshStatus()
	switch {
	case err == nil:
		d.Dismiss()
		c.tenderPaid(r, "bankcard.part_paid")
	case cashierStopped && errors.Is(err, context.Canceled):
		c.log.Info("card payment cancelled by the cashier")
		d.Dismiss()
		c.say(tr("bankcard.cancelled"))
	case d.leaving:
		d.Dismiss()
		c.fail(err)
	default:
		c.log.Info("card payment not taken", "err", err)
		d.busy(false)
		d.Stage.SetText(tr(app.CardDeclined.Key()))
		d.say(bankCardErrorText(err), widget.DangerImportance)
	}
}

// bankCardErrorText says why a card payment did not go through: a card pulled out, or
// the bank's, the card's or the terminal's reason (errorText knows card errors).
func bankCardErrorText(err error) string {
	switch {
	case errors.Is(err, cardreader.ErrCardRemoved):
		return tr("bankcard.err.removed") + "\n" + err.Error()
	case errors.Is(err, kernel.ErrCancelled):
		return tr("bankcard.err.cancelled_at_pad") + "\n" + err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return tr("bankcard.err.timeout") + "\n" + err.Error()
	}
	return errorText(err)
}

// busy shows whether a payment runs: the progress bar moves and Cancel cancels it;
// otherwise Try again and Other tender are offered and Cancel closes.
func (d *CardDialog) busy(on bool) {
	d.Retry.Hidden, d.Other.Hidden = on, on
	showRunning(d.Progress, d.Cancel, on, "bankcard.cancel_payment")
	if !on {
		d.Cancel.Enable()
	}
	d.fit()
}

// key handles Escape (cancel or close) and Enter (try again after a refusal).
func (d *CardDialog) key(k *fyne.KeyEvent) {
	if d.pickAppKey(k) {
		return
	}
	switch k.Name {
	case fyne.KeyEscape:
		d.cancelOrClose()
	case fyne.KeyReturn, fyne.KeyEnter:
		if len(d.appPicks) > 0 {
			d.appPicks[0]() // Enter takes the card's first choice
		} else if d.stop == nil && !d.closed {
			d.start()
		}
	}
}

// cancelOrClose is Cancel and Escape: a payment that may still be cancelled is; one
// that is with the bank is left to finish; with none running the dialog closes.
func (d *CardDialog) cancelOrClose() {
	switch {
	case d.stop == nil:
		d.Dismiss()
	case d.stopping || !d.stage.Cancellable():
		d.say(tr("bankcard.wait_bank"), widget.WarningImportance)
	default:
		d.stopping = true
		d.stop()
		d.Cancel.Disable()
		d.say(tr("bankcard.cancelling"), widget.MediumImportance)
	}
}

// otherTender closes the dialog and asks how else the customer pays.
func (d *CardDialog) otherTender() {
	d.Dismiss()
	d.c.openPay()
}

// Dismiss closes the dialog. A payment still running is cancelled when it may be,
// and the dialog closes with its outcome (should it go through, the sale completes).
func (d *CardDialog) Dismiss() {
	d.dismiss(d.cancelOrClose, func() { dismissPaymentPopup(d.c.win, d.popup, d.Progress, d.OnClosed) })
}

// Wait waits for the dialog's payment, running its stages and outcome (tests).
func (d *CardDialog) Wait() { d.work.Wait() }

func (d *CardDialog) closeHook() *func() { return &d.OnClosed }

// paymentRun is a payment dialog's state around the payment it runs.
type paymentRun struct {
	stop     context.CancelFunc // cancels the payment running, if any
	stopping bool               // the cashier asked to cancel it
	leaving  bool               // the dialog closes with the payment's outcome
	closed   bool
}

// dismiss closes a payment dialog: with a payment running, cancel asks it to stop
// and the dialog closes with its outcome (the sale is the paying goroutine's until
// then); otherwise hide closes it, once.
func (r *paymentRun) dismiss(cancel, hide func()) {
	switch {
	case r.closed:
	case r.stop != nil:
		r.leaving = true
		cancel()
	default:
		r.closed = true
		hide()
	}
}

// dismissPaymentPopup hides a payment dialog: its progress bar stops, the window's
// key handler it set goes, and onClosed runs.
func dismissPaymentPopup(win fyne.Window, popup *widget.PopUp, progress *widget.ProgressBarInfinite, onClosed func()) {
	progress.Stop()
	popup.Hide()
	win.Canvas().SetOnTypedKey(nil)
	call(onClosed)
}

// payInBackground takes a payment of the amount due with tender off the UI goroutine
// (Till.Pay; stop ends ctx once it returns), and hands the outcome to done through
// work. It first waits for the card reader to be let go by a prepaid screen's tap
// listener closed a moment ago.
func (c *Cashier) payInBackground(work *worker, ctx context.Context, stop context.CancelFunc, tender app.Tender, done func(*app.Receipt, error)) {
	till, free := c.till, c.readerFree()
	var r *app.Receipt
	work.run(func() (err error) {
		defer stop()
		if free != nil { // a prepaid screen's tap listener may still hold the card reader
			select {
			case <-free:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		r, err = till.Pay(ctx, tender, app.PayRequest{})
		return err
	}, func(err error) { done(r, err) })
}

// showRunning shows a payment running (the progress bar moves, Cancel reads the
// message cancelKey) or not (the bar hides, Cancel reads Close).
func showRunning(progress *widget.ProgressBarInfinite, cancel *widget.Button, on bool, cancelKey string) {
	if on {
		progress.Show()
		progress.Start()
		cancel.SetText(tr(cancelKey))
		return
	}
	progress.Stop()
	progress.Hide()
	cancel.SetText(tr("btn.close"))
}

// tenderPaid shows a tender's payment done: the sale's receipt, or, when it paid part
// of the sale, what is still due (partKey is the message, with {{.Due}}).
func (c *Cashier) tenderPaid(r *app.Receipt, partKey string) {
	if r == nil {
		c.refresh()
		c.say(trf(partKey, map[string]any{"Due": c.till.Current().Totals().Due.Format()}))
		return
	}
	c.saleDone(r)
}

// fittedPopup is a modal popup as tall as its content needs, with a message line.
type fittedPopup struct {
	popup *widget.PopUp
	width float32
	msg   *widget.Label
}

// say shows a message ("" hides it).
func (f *fittedPopup) say(text string, importance widget.Importance) {
	showMessage(f.msg, text, importance)
	f.msg.Hidden = text == ""
	f.fit()
}

// fit makes the popup as tall as its content needs now.
func (f *fittedPopup) fit() {
	if f.popup != nil {
		fitHeight(f.popup, f.width)
	}
}
