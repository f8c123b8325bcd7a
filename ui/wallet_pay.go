package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
)

// walletPayTimeout bounds a whole wallet payment. The tenders keep their own, shorter
// deadlines (60 s for the customer, the QR's timeout, then the cancel's retries); this
// only keeps a payment that hangs from holding the dialog for ever.
const walletPayTimeout = 10 * time.Minute

// pay takes the payment with tender off the UI goroutine; its progress and outcome
// come back through the dialog's worker.
func (d *WalletDialog) pay(tender app.Tender) {
	ctx, stop := context.WithTimeout(context.Background(), walletPayTimeout)
	d.stop, d.stopping, d.last = stop, false, app.WalletProgress{}
	d.say("", widget.MediumImportance)
	d.busy(true)
	d.showStage(trf(app.WalletSending.Key(), d.stageData(app.WalletProgress{})))
	d.c.payInBackground(&d.work, ctx, stop, tender, d.finished)
}

// onProgress is the tender's progress callback: it runs on the paying goroutine and
// hands the report to the UI goroutine.
func (d *WalletDialog) onProgress(p app.WalletProgress) {
	d.work.post(func() { d.showProgress(p) })
}

// showProgress shows where the payment is: asking, waiting for the customer (with the
// time left), asking again, the QR code to scan, or cancelling.
func (d *WalletDialog) showProgress(p app.WalletProgress) {
	if d.closed || d.stop == nil {
		return // a report that came after the outcome
	}
	d.last = p
	if d.stopping && p.Stage != app.WalletCancelling {
		return // the cashier cancelled: "cancelling" stays up
	}
	d.showStage(trf(p.Stage.Key(), d.stageData(p)))
	switch p.Stage {
	case app.WalletShowQR:
		if p.CodeURL != d.codeURL {
			d.showQR(p.CodeURL)
		}
		d.qrUntil = time.Now().Add(p.Remaining) // the wallets' clock, which counts Remaining
	case app.WalletCancelling:
		d.clearQR() // nobody should scan a code being closed
	}
}

// stageData fills a stage message's placeholders.
func (d *WalletDialog) stageData(p app.WalletProgress) map[string]any {
	m := p.Method
	if m == "" {
		m = d.method
	}
	name := tr("wallet.any")
	if m != "" {
		name = walletName(m)
	}
	return map[string]any{"Wallet": name, "Seconds": int(p.Remaining.Round(time.Second) / time.Second), "Attempt": max(p.Attempt, 1)}
}

// finished shows a payment's outcome: paid (the sale completes), in doubt (the
// resolution dialog takes over), cancelled by the cashier (the dialog closes), or
// refused (the dialog stays open for another try).
func (d *WalletDialog) finished(r *app.Receipt, err error) {
	c := d.c
	cashierStopped := d.stopping
	d.stop, d.stopping = nil, false
	d.clearQR()
	switch {
	case err == nil:
		d.Dismiss()
		c.tenderPaid(r, "wallet.msg.part_paid")
	case errors.Is(err, app.ErrWalletInDoubt):
		c.log.Error("wallet payment in doubt", "method", d.method, "out_trade_no", d.last.OutTradeNo, "err", err)
		d.Dismiss()
		c.fail(err)
		c.openWalletResolve()
	case errors.Is(err, app.ErrWalletCancelled) && cashierStopped:
		d.Dismiss()
		c.say(tr("wallet.msg.cancelled"))
	case d.leaving:
		d.Dismiss()
		c.fail(err)
	default:
		d.busy(false)
		d.refused(err)
	}
}
