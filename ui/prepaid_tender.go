package ui

import (
	"context"
	"errors"
	"slices"
	"time"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// Paying by prepaid card (F12, "Prepaid card"): the cashier scans the card, or types
// its number and the customer its PIN, or taps it; the dialog shows the masked number,
// status and balance, and pays the amount due from the card, or, when the card holds
// less, what it holds with the rest left due for another tender. The balance is shown
// in the dialog only: the customer-facing side (the PIN pad's display) comes with the
// PIN pad integration.

// prepaidPayTimeout bounds one card payment (a journal write).
const prepaidPayTimeout = 10 * time.Second

// errPrepaidLineFixed refuses a quantity or price change of a line that sells a
// prepaid card or top-up: the card is credited with what the line was sold for.
var errPrepaidLineFixed = errors.New("a prepaid card or top-up line keeps its quantity and price: void it and sell it again")

// PrepaidTenderDialog pays the amount due from a prepaid card. Its widgets are
// exported so tests drive it as a cashier does.
type PrepaidTenderDialog struct {
	Title   *widget.Label
	Lookup  *CardLookup
	Message *widget.Label
	PayFull *widget.Button // the whole amount due
	PayPart *widget.Button // the card's balance, the rest by another tender
	Cancel  *widget.Button
	// Taps are the cards tapped on the card reader while the dialog is open.
	Taps *tapListener
	// OnClosed, if set, runs once when the dialog closes.
	OnClosed func()

	due    money.Amount
	popup  *widget.PopUp
	width  float32
	work   worker
	closed bool
}

// EnablePrepaid gives the screen the store's prepaid cards: the "Prepaid card" tender
// on F12, card payments refunded back to their card through refunds (when given), and
// the card desk for the manager's prepaid card screen. A desk with the programme
// switched off adds nothing.
func (c *Cashier) EnablePrepaid(desk *app.PrepaidDesk, refunds *app.Refunds) {
	if desk == nil || !desk.Enabled() {
		return
	}
	c.prepaid = desk
	if refunds != nil {
		refunds.Register(desk.Refunder())
	}
	c.AddTender(TenderOption{Label: "tender.prepaid", Open: func() { c.OpenPrepaidTender() }})
}

// OpenPrepaidTender opens the prepaid card dialog for the amount due, and returns it
// (nil when the sale cannot be paid by card: the reason is on the message line).
func (c *Cashier) OpenPrepaidTender() *PrepaidTenderDialog {
	s := c.till.Current()
	t := s.Totals()
	switch {
	case c.prepaid == nil:
		c.fail(app.ErrPrepaidOff)
		return nil
	case len(t.Lines) == 0:
		c.fail(sale.ErrEmpty)
		return nil
	case slices.ContainsFunc(s.ActiveLines(), app.IsPrepaidLine):
		c.fail(app.ErrTopUpWithCard)
		return nil
	}
	d := &PrepaidTenderDialog{due: t.Due}
	d.Title = boldLabel(trf("card.tender.title", map[string]any{"Due": t.Due.Format()}))
	d.Message = resultLabel()
	d.Lookup = newCardLookup(lookupOptions{desk: c.prepaid, work: &d.work, log: c.log.With("screen", "prepaid tender"),
		newKey: c.newEntry, message: d.say, found: d.cardFound, closed: func() bool { return d.closed },
		focus: c.win.Canvas().Focus, escape: escapeTo(d.Dismiss)})
	d.PayFull = widget.NewButton("", func() { c.payByCard(d, false) })
	d.PayFull.Importance = widget.HighImportance
	d.PayPart = widget.NewButton("", func() { c.payByCard(d, true) })
	d.PayPart.Importance = widget.HighImportance
	d.Cancel = widget.NewButton(tr("btn.cancel"), d.Dismiss)
	d.cardFound(app.CardView{}) // no card yet: no payment offered
	d.say(tr("card.hint"), widget.MediumImportance)

	l := d.Lookup
	find := widget.NewForm(widget.NewFormItem(tr("card.entry"), l.Entry.Select),
		widget.NewFormItem(tr("card.code"), container.NewBorder(nil, nil, nil, l.Find, l.Code)),
		widget.NewFormItem(tr("card.pin"), l.PIN))
	card := widget.NewForm(widget.NewFormItem(tr("card.number"), l.Number), widget.NewFormItem(tr("card.status"), l.Status),
		widget.NewFormItem(tr("card.balance"), l.Balance), widget.NewFormItem(tr("card.expires"), l.Expires))
	// One payment button at a time: the whole amount, or the card's balance.
	buttons := container.NewGridWithColumns(2, d.Cancel, container.NewStack(d.PayFull, d.PayPart))
	box := container.NewVBox(d.Title, find, widget.NewSeparator(), card, d.Message, buttons)
	d.popup = widget.NewModalPopUp(container.NewPadded(box), c.win.Canvas())
	d.width = min(680, c.win.Canvas().Size().Width-40)
	fitHeight(d.popup, d.width)

	previous := c.scanWanted
	c.scanWanted = l.TakeScan
	d.Taps = c.listenForTaps(&d.work, c.log.With("screen", "prepaid tender"), l.TakeTap)
	d.OnClosed = func() {
		c.scanWanted = previous
		d.Taps.Stop()
	}
	c.track(d)
	d.popup.Show()
	c.win.Canvas().Focus(l.Code)
	return d
}

// cardFound offers the payments the card identified can make: the whole amount due,
// or its balance with the rest by another tender.
func (d *PrepaidTenderDialog) cardFound(v app.CardView) {
	d.PayFull.SetText(trf("card.pay_full", map[string]any{"Amount": d.due.Format()}))
	d.PayPart.SetText(trf("card.pay_part", map[string]any{"Amount": v.Balance.Format()}))
	d.PayFull.Disable()
	d.PayFull.Show()
	d.PayPart.Disable()
	d.PayPart.Hide()
	if v.Number == "" {
		return
	}
	if why := cannotPay(v); why != "" {
		d.say(why, widget.DangerImportance)
		return
	}
	switch {
	case v.Balance >= d.due:
		d.PayFull.Enable()
		d.say(tr("card.msg.enough"), widget.SuccessImportance)
	case v.Balance > 0:
		d.PayFull.Hide()
		d.PayPart.Show()
		d.PayPart.Enable()
		d.say(trf("card.msg.short", map[string]any{"Balance": v.Balance.Format(), "Short": (d.due - v.Balance).Format()}), widget.WarningImportance)
	default:
		d.say(tr("card.msg.empty"), widget.DangerImportance)
	}
}

// payByCard pays from the card identified: the whole amount due, or with partial what
// the card holds. A refusal keeps the dialog open with the reason.
func (c *Cashier) payByCard(d *PrepaidTenderDialog, partial bool) {
	card := d.Lookup.Card
	if card == nil || d.closed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), prepaidPayTimeout)
	defer cancel()
	r, err := c.till.Pay(ctx, c.prepaid.Tender(*card, partial), app.PayRequest{})
	if err != nil {
		c.log.Warn("prepaid card payment refused", "card", card.Masked, "partial", partial, "err", err)
		d.say(errorText(err), widget.DangerImportance)
		if v, err := c.prepaid.Card(card.Number); err == nil { // the balance may have moved
			d.Lookup.show(&v)
			d.cardFound(v)
		}
		return
	}
	d.Dismiss()
	if r != nil {
		c.saleDone(r)
		return
	}
	s := c.till.Current()
	paid := s.Payments[len(s.Payments)-1].Amount
	c.refresh()
	c.say(trf("card.msg.part_paid", map[string]any{"Paid": paid.Format(), "Card": card.Masked, "Due": s.Totals().Due.Format()}))
}

// say shows a message in the dialog.
func (d *PrepaidTenderDialog) say(text string, importance widget.Importance) {
	showMessage(d.Message, text, importance)
	if d.popup != nil {
		fitHeight(d.popup, d.width)
	}
}

// Dismiss closes the dialog without paying; a look-up still running is ignored.
func (d *PrepaidTenderDialog) Dismiss() {
	if d.closed {
		return
	}
	d.closed = true
	d.popup.Hide()
	call(d.OnClosed)
}

// Wait waits for the card look-ups started so far (tests).
func (d *PrepaidTenderDialog) Wait() { d.work.Wait() }

func (d *PrepaidTenderDialog) closeHook() *func() { return &d.OnClosed }

// refusePrepaidLineChange refuses a quantity or price change of a line that sells a
// prepaid card or top-up (F2, "@price").
func refusePrepaidLineChange(l sale.Line) error {
	if app.IsPrepaidLine(l) {
		return errPrepaidLineFixed
	}
	return nil
}

// dropAbandonedPrepaidOrders releases the cards and top-ups of a sale just cancelled.
func (c *Cashier) dropAbandonedPrepaidOrders() {
	if c.prepaid == nil {
		return
	}
	if err := c.prepaid.DropAbandonedOrders(); err != nil {
		c.log.Error("prepaid orders of a cancelled sale not dropped", "err", err)
	}
}
