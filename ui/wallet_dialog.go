package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// Wallet payments (Alipay, WeChat Pay) at the till. F12 offers two ways:
//   - the customer shows a payment code (付款码): the dialog waits for the scanner (or
//     the cashier types the code), which is classified and charged (Wallets.CodeTender);
//     a payment code scanned into the scan field during a sale starts this at once;
//   - the till shows a QR code (Wallets.QRTender), drawn large enough to scan from the
//     counter and printable on the receipt printer, and the customer scans it.
//
// The payment runs off the UI goroutine (Till.Pay); its progress reaches the dialog
// through fyne.Do. Cancel (or Escape) while it runs asks the provider to cancel, and
// the dialog closes once nothing was taken; a refusal or a timeout keeps it open for
// another code or QR. A payment left in doubt hands over to the resolution dialog,
// whose Retry settles it with the provider before the till sells again.

// walletFlow is the way a WalletDialog takes the payment.
type walletFlow int

const (
	flowCode walletFlow = iota // the customer's payment code, scanned by the till
	flowQR                     // the till's QR code, scanned by the customer
)

// WalletDialog takes one wallet payment for the amount due. Its widgets are exported
// so tests drive it as a cashier does.
type WalletDialog struct {
	Title *widget.Label
	Due   *canvas.Text
	// Code flow: the payment code (typed or scanned, shown as dots) and, once
	// scanned, the code masked.
	Code     *KeyEntry
	CodeSeen *widget.Label
	// QR flow: the QR code to scan, Print for a paper copy, Again for a new code
	// after a refusal or a timeout.
	QR    *canvas.Image
	Print *widget.Button
	Again *widget.Button
	// Stage says where the payment is; Message the last outcome.
	Stage    *widget.Label
	Progress *widget.ProgressBarInfinite
	Message  *widget.Label
	// Phone raises the simulator panel's phone over the dialog (demo mode).
	Phone  *widget.Button
	Cancel *widget.Button
	// OnClosed, if set, runs once when the dialog closes.
	OnClosed func()

	paymentRun // the payment running, if any (card_tender.go)
	c          *Cashier
	flow       walletFlow
	method     sale.Method // QR: the wallet shown; code: the last code's wallet
	due        money.Amount
	codeURL    string             // the QR code's content while shown
	qrUntil    time.Time          // when the till closes the QR code shown
	last       app.WalletProgress // the last progress report
	qrBox      *fyne.Container
	popup      *widget.PopUp
	width      float32
	work       worker
}

// openWalletDialog builds the dialog for flow and shows it, or says on the message line
// why the sale cannot be paid by wallet now and returns nil.
func (c *Cashier) openWalletDialog(flow walletFlow, method sale.Method) *WalletDialog {
	if err := c.payableBy(method); err != nil {
		c.fail(err)
		return nil
	}
	due := c.till.Current().Totals().Due
	d := &WalletDialog{c: c, flow: flow, method: method, due: due}
	d.Title = boldLabel(tr("wallet.code.title"))
	d.Due = canvas.NewText(due.Format(), theme.Color(theme.ColorNamePrimary))
	d.Due.TextSize = 40
	d.Due.TextStyle.Bold = true
	d.Due.Alignment = fyne.TextAlignCenter
	d.Stage = resultLabel()
	d.Stage.Hide()
	d.Progress = widget.NewProgressBarInfinite()
	d.Message = resultLabel()
	d.Cancel = widget.NewButton(tr("btn.cancel"), d.cancelOrClose)
	d.Phone = widget.NewButton(tr("wallet.phone"), c.raiseSimPanel)
	if !c.hasPhone(method) || c.devices == nil {
		d.Phone.Hide()
	}
	var body fyne.CanvasObject
	if flow == flowQR {
		body = d.buildQR()
	} else {
		body = d.buildCode()
	}
	buttons := container.NewGridWithRows(1, d.Phone, d.Cancel) // one row of the buttons shown
	if flow == flowQR {
		buttons = container.NewGridWithRows(1, d.Phone, d.Print, d.Again, d.Cancel)
	}
	box := container.NewVBox(d.Title, d.Due, body, d.Stage, d.Progress, d.Message, buttons)
	d.popup = widget.NewModalPopUp(container.NewPadded(box), c.win.Canvas())
	d.width = min(600, c.win.Canvas().Size().Width-40)
	d.busy(false)

	previous := c.scanWanted
	c.scanWanted = d.takeScan
	d.OnClosed = func() { c.scanWanted = previous }
	c.track(d)
	d.popup.Show()
	// Escape reaches the dialog when nothing in it has focus (the QR flow, or the code
	// entry disabled while paying).
	c.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) { d.key(k) })
	if flow == flowCode {
		c.win.Canvas().Focus(d.Code)
	} else {
		c.win.Canvas().Focus(nil)
	}
	if c.SimPanel != nil { // demo mode: the phone stays within reach
		c.raiseSimPanel()
	}
	return d
}

// walletPayable says why the sale cannot be paid by wallet now, or nil.
func (c *Cashier) walletPayable() error {
	if !takesCodes(c.wallets) {
		return app.ErrWalletOff
	}
	return c.salePayable()
}

// buildCode is the code flow's body: the entry the code lands in.
func (d *WalletDialog) buildCode() fyne.CanvasObject {
	d.Code = d.c.newEntry()
	d.Code.Password = true                 // a payment code is as good as money for a minute
	d.Code.ActionItem = layout.NewSpacer() // and is never revealed
	d.Code.SetPlaceHolder(tr("wallet.code.placeholder"))
	d.Code.OnSubmitted = d.takeCode
	d.Code.OnKey = d.key
	d.CodeSeen = widget.NewLabel("")
	d.say(tr("wallet.code.hint"), widget.MediumImportance)
	return container.NewVBox(d.Code, d.CodeSeen)
}

// key handles Escape: cancel the payment running, or close.
func (d *WalletDialog) key(k *fyne.KeyEvent) bool {
	if k.Name == fyne.KeyEscape {
		d.cancelOrClose()
		return true
	}
	return false
}

// takeScan takes a scan routed to the dialog (the scanner, a wedge burst).
func (d *WalletDialog) takeScan(code string) {
	if d.flow == flowQR {
		d.say(tr("wallet.qr.scan_ignored"), widget.WarningImportance)
		return
	}
	d.takeCode(code)
}

// takeCode charges a payment code. Unknown and malformed codes are refused here and
// never sent; while a payment runs, another code is ignored.
func (d *WalletDialog) takeCode(code string) {
	code = strings.TrimSpace(code)
	d.Code.SetText("")
	switch {
	case d.closed || code == "":
		return
	case d.stop != nil:
		d.say(tr("wallet.msg.busy"), widget.WarningImportance)
		return
	}
	tender, err := d.c.wallets.CodeTender(code, d.onProgress)
	if err != nil {
		d.refused(err)
		return
	}
	d.method = tender.Method()
	d.CodeSeen.SetText(trf("wallet.code.seen", map[string]any{"Wallet": walletName(d.method), "Code": wallet.MaskCode(code)}))
	d.Title.SetText(trf("wallet.code.title_of", map[string]any{"Wallet": walletName(d.method)}))
	d.pay(tender)
}

// say shows a message in the dialog.
func (d *WalletDialog) say(text string, importance widget.Importance) {
	showMessage(d.Message, text, importance)
	d.Message.Hidden = text == ""
	d.fit()
}

// showStage says where the payment is ("" hides the line).
func (d *WalletDialog) showStage(text string) {
	d.Stage.SetText(text)
	d.Stage.Hidden = text == ""
	d.fit()
}

// fit makes the dialog as tall as its content needs now.
func (d *WalletDialog) fit() {
	if d.popup != nil {
		fitHeight(d.popup, d.width)
	}
}

// refused shows why a payment did not go through, and readies the dialog for another
// attempt.
func (d *WalletDialog) refused(err error) {
	d.c.log.Info("wallet payment not taken", "method", d.method, "err", err)
	d.say(walletErrorText(err), widget.DangerImportance)
	if d.flow == flowCode && !d.closed {
		d.c.win.Canvas().Focus(d.Code)
	}
}

// busy shows whether a payment is running: the progress bar moves, the code entry
// and Again wait, and Cancel cancels the payment instead of closing.
func (d *WalletDialog) busy(on bool) {
	showRunning(d.Progress, d.Cancel, on, "wallet.cancel_payment")
	if !on {
		d.showStage("")
	}
	d.Cancel.Enable()
	if d.Code != nil {
		setEnabled(!on, d.Code)
	}
	if d.Again != nil {
		d.Again.Hidden = on // a new code once this one is done with
		setEnabled(d.codeURL != "", d.Print)
	}
	d.fit()
}

// cancelOrClose is Cancel and Escape: a payment running is cancelled with the
// provider (the dialog closes once it confirms nothing was taken); otherwise the
// dialog closes.
func (d *WalletDialog) cancelOrClose() {
	if d.stop == nil {
		d.Dismiss()
		return
	}
	if d.stopping {
		return
	}
	d.stopping = true
	d.c.log.Info("wallet payment cancelled by the cashier", "method", d.method, "out_trade_no", d.last.OutTradeNo)
	d.stop()
	d.Cancel.Disable()
	d.showStage(trf(app.WalletCancelling.Key(), d.stageData(app.WalletProgress{Stage: app.WalletCancelling})))
}

// Dismiss closes the dialog. A payment still running is cancelled first, and the
// dialog closes with its outcome (the sale is the paying goroutine's until then):
// should it have gone through all the same, the sale completes.
func (d *WalletDialog) Dismiss() {
	d.dismiss(d.cancelOrClose, func() { dismissPaymentPopup(d.c.win, d.popup, d.Progress, d.OnClosed) })
}

// Wait waits for the dialog's payment and print jobs, running their outcomes (tests).
func (d *WalletDialog) Wait() { d.work.Wait() }

func (d *WalletDialog) closeHook() *func() { return &d.OnClosed }

// walletName is a wallet's name in the cashier's language (the receipt's words).
func walletName(m sale.Method) string { return receiptLabel("tender." + string(m)) }
