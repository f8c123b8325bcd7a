package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// CashDialog takes cash: the amount due, what the customer hands over (typed or by a
// quick-cash button), and the change. Confirm commits the sale to the journal and only
// then shows the receipt.
type CashDialog struct {
	Due      *widget.Label
	Tendered *KeyEntry
	Change   *widget.Label
	Error    *widget.Label
	Quick    []*widget.Button
	Confirm  *widget.Button
	Cancel   *widget.Button
	due      money.Amount
	popup    *widget.PopUp
}

// quickCash suggests the exact amount and the next banknote totals above the amount due.
func quickCash(due money.Amount) []money.Amount {
	out := []money.Amount{due}
	for _, note := range []money.Amount{money.Yuan(10), money.Yuan(20), money.Yuan(50), money.Yuan(100)} {
		up := (due + note - 1) / note * note
		// Keep the list rising: rounding up to ¥20 can pass rounding up to ¥50 (45 -> 60, 50).
		if up > out[len(out)-1] {
			out = append(out, up)
		}
		if len(out) == 4 {
			break
		}
	}
	return out
}

// openCash (F12) opens the cash dialog for the amount due.
func (c *Cashier) openCash() {
	t := c.till.Current().Totals()
	if len(t.Lines) == 0 {
		c.fail(sale.ErrEmpty)
		return
	}
	d := &CashDialog{due: t.Due, Due: widget.NewLabelWithStyle(t.Due.Format(), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}),
		Change: widget.NewLabelWithStyle("¥0.00", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), Error: widget.NewLabel("")}
	d.Error.Importance = widget.DangerImportance
	d.Error.Wrapping = fyne.TextWrapWord
	d.Tendered = c.newEntry()
	d.Tendered.SetPlaceHolder(t.Due.Plain())
	d.Tendered.OnChanged = func(string) { d.update() }
	closeDialog := func() {
		d.popup.Hide()
		c.CashPad = nil
		c.focusScan()
	}
	d.Confirm = widget.NewButton(tr("cash.confirm"), func() { c.confirmCash(d, closeDialog) })
	d.Confirm.Importance = widget.HighImportance
	d.Cancel = widget.NewButton(tr("btn.cancel"), closeDialog)
	d.Tendered.OnSubmitted = func(string) { d.Confirm.OnTapped() }
	d.Tendered.OnKey = func(k *fyne.KeyEvent) bool {
		if k.Name == fyne.KeyEscape {
			closeDialog()
			return true
		}
		return false
	}
	quick := container.NewGridWithColumns(4)
	for _, a := range quickCash(t.Due) {
		b := widget.NewButton(a.Format(), func() { d.Tendered.SetText(a.Plain()) })
		d.Quick = append(d.Quick, b)
		quick.Add(b)
	}
	form := container.New(columns{0.5, 0.5},
		container.NewVBox(widget.NewLabel(tr("cash.due")), widget.NewLabel(tr("cash.tendered")), widget.NewLabel(tr("cash.change"))),
		container.NewVBox(d.Due, d.Tendered, d.Change))
	box := container.NewVBox(widget.NewLabelWithStyle(tr("cash.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		form, quick, d.Error, container.NewGridWithColumns(2, d.Cancel, d.Confirm))
	d.popup = widget.NewModalPopUp(container.NewPadded(box), c.win.Canvas())
	d.popup.Resize(fyne.NewSize(520, d.popup.MinSize().Height))
	c.CashPad = d
	d.popup.Show()
	c.win.Canvas().Focus(d.Tendered)
}

// tendered reads the amount handed over; an empty field means exact cash.
func (d *CashDialog) tendered() (money.Amount, error) {
	if d.Tendered.Text == "" {
		return d.due, nil
	}
	return money.Parse(d.Tendered.Text)
}

func (d *CashDialog) update() {
	a, err := d.tendered()
	switch {
	case err != nil:
		d.Change.SetText("—")
		d.Error.SetText(tr("err.amount"))
	case a < d.due:
		d.Change.SetText("—")
		d.Error.SetText(trf("cash.short", map[string]any{"Amount": (d.due - a).Format()}))
	default:
		d.Change.SetText((a - d.due).Format())
		d.Error.SetText("")
	}
}

// confirmCash takes the payment. Until the journal has the sale the dialog stays open
// and the sale stays unpaid.
func (c *Cashier) confirmCash(d *CashDialog, closeDialog func()) {
	a, err := d.tendered()
	if err != nil {
		d.Error.SetText(tr("err.amount"))
		return
	}
	if a < d.due {
		d.Error.SetText(trf("cash.short", map[string]any{"Amount": (d.due - a).Format()}))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.till.Pay(ctx, app.CashTender{Now: c.now}, app.PayRequest{Tendered: a})
	if err != nil {
		c.log.Error("cash payment failed", "err", err)
		d.Error.SetText(errorText(err))
		return
	}
	closeDialog()
	if r == nil { // partly paid (split tender): the rest is still due
		c.refresh()
		return
	}
	c.saleDone(r)
}

// saleDone shows the receipt of a sale just completed and prints it (kicking the
// drawer) in the background.
func (c *Cashier) saleDone(r *app.Receipt) {
	c.selected = -1
	c.refresh()
	c.say(fmt.Sprintf("%s  %s", tr("msg.paid"), r.Number))
	c.showReceipt(r)
	c.printInBackground(func(ctx context.Context) error {
		return c.till.AfterSale(ctx, r, c.language, receiptLabel)
	})
}

// printTimeout bounds a whole print job (drawer kick, status check, receipt).
const printTimeout = 30 * time.Second

// printInBackground runs a print job off the UI goroutine, so a slow, jammed or
// unplugged printer never blocks the till; the outcome reaches the screen through
// fyne.Do. The sale is already committed, whatever happens here.
func (c *Cashier) printInBackground(job func(context.Context) error) {
	c.printing.Add(1)
	go func() {
		defer c.printing.Done()
		ctx, cancel := context.WithTimeout(context.Background(), printTimeout)
		defer cancel()
		err := job(ctx)
		fyne.Do(func() {
			switch {
			case err == nil:
				c.PrintStatus.SetText(tr("msg.printed"))
			case errors.Is(err, app.ErrNoPrinter):
				c.PrintStatus.SetText(tr("msg.no_printer"))
			default:
				c.PrintStatus.SetText(tr("msg.print_failed"))
				c.fail(err)
			}
			c.refreshStatus()
		})
	}()
}

// reprint (F10) prints the last receipt again.
func (c *Cashier) reprint() {
	r := c.till.LastReceipt()
	if r == nil {
		c.fail(errNoReceipt)
		return
	}
	c.PrintStatus.SetText(tr("msg.printing"))
	c.printInBackground(func(ctx context.Context) error {
		return c.till.PrintReceipt(ctx, r, c.language, receiptLabel)
	})
}

// errNoReceipt is shown when there is nothing to reprint.
var errNoReceipt = errors.New("no receipt to reprint yet")
