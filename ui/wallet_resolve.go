package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// walletResolveTimeout bounds one resolution: each payment in doubt is queried, then
// cancelled or given back, with the provider's retries.
const walletResolveTimeout = 3 * time.Minute

// WalletResolveDialog shows the wallet payments in doubt (the till could not learn
// whether the customer paid) and retries their resolution: the till asks the provider
// and cancels them or gives the money back (Wallets.ResolvePending). The sales gate
// refuses sales until they are settled. Its widgets are exported for tests.
type WalletResolveDialog struct {
	Pending  *widget.Label // the payments in doubt
	Progress *widget.ProgressBarInfinite
	Message  *widget.Label
	Retry    *widget.Button
	Close    *widget.Button
	// OnClosed, if set, runs once when the dialog closes.
	OnClosed func()

	c         *Cashier
	popup     *widget.PopUp
	width     float32
	work      worker
	resolving bool
	closed    bool
}

// openWalletResolve opens the resolution dialog (or returns the one open).
func (c *Cashier) openWalletResolve() *WalletResolveDialog {
	if d, ok := c.Screen.(*WalletResolveDialog); ok {
		return d
	}
	if c.wallets == nil {
		return nil
	}
	d := &WalletResolveDialog{c: c, Pending: resultLabel(), Message: resultLabel(), Progress: widget.NewProgressBarInfinite()}
	d.Retry = widget.NewButton(tr("wallet.resolve.retry"), d.retry)
	d.Retry.Importance = widget.HighImportance
	d.Close = widget.NewButton(tr("btn.close"), d.Dismiss)
	d.Progress.Stop()
	d.Progress.Hide()
	d.say(tr("wallet.resolve.hint"), widget.WarningImportance)
	d.showPending()
	box := container.NewVBox(boldLabel(tr("wallet.resolve.title")), d.Pending, d.Progress, d.Message,
		container.NewGridWithRows(1, d.Close, d.Retry))
	d.popup = widget.NewModalPopUp(container.NewPadded(box), c.win.Canvas())
	d.width = min(640, c.win.Canvas().Size().Width-40)
	fitHeight(d.popup, d.width)
	c.track(d)
	d.popup.Show()
	c.win.Canvas().Focus(nil)
	c.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch k.Name {
		case fyne.KeyEscape:
			d.Dismiss()
		case fyne.KeyReturn, fyne.KeyEnter:
			d.retry()
		}
	})
	return d
}

// showPending lists the payments in doubt: wallet, amount, state, since when.
func (d *WalletResolveDialog) showPending() {
	all, err := d.c.wallets.Pending()
	if err != nil {
		d.say(errorText(err), widget.DangerImportance)
	}
	var lines []string
	for _, p := range all {
		if p.InProgress {
			continue
		}
		state := trOr("wallet.state."+p.State, p.State)
		lines = append(lines, fmt.Sprintf("%s  %s  %s  %s  %s", walletName(p.Method), p.Amount.Format(), state,
			p.Since.Local().Format("01-02 15:04"), p.OutTradeNo))
	}
	if len(lines) == 0 {
		d.Pending.SetText(tr("wallet.resolve.none"))
		return
	}
	d.Pending.SetText(trf("wallet.resolve.count", map[string]any{"Count": len(lines)}) + "\n" + strings.Join(lines, "\n"))
}

// retry asks the providers again, off the UI goroutine.
func (d *WalletResolveDialog) retry() {
	if d.resolving || d.closed {
		return
	}
	d.resolving = true
	d.Retry.Disable()
	d.Progress.Show()
	d.Progress.Start()
	d.say(tr("wallet.resolve.working"), widget.MediumImportance)
	w := d.c.wallets
	d.work.run(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), walletResolveTimeout)
		defer cancel()
		return w.ResolvePending(ctx)
	}, func(err error) {
		d.resolving = false
		d.Progress.Stop()
		d.Progress.Hide()
		d.Retry.Enable()
		if d.closed {
			return
		}
		d.showPending()
		if err != nil {
			d.c.log.Warn("wallet payments still in doubt", "err", err)
			d.say(walletErrorText(err), widget.DangerImportance)
			return
		}
		d.c.log.Info("wallet payments in doubt resolved")
		d.Retry.Hide()
		d.say(tr("wallet.resolve.done"), widget.SuccessImportance)
		d.c.say(tr("wallet.resolve.done"))
	})
}

func (d *WalletResolveDialog) say(text string, importance widget.Importance) {
	showMessage(d.Message, text, importance)
	if d.popup != nil {
		fitHeight(d.popup, d.width)
	}
}

// Dismiss closes the dialog; a resolution still running goes on, and the sales gate
// follows its outcome.
func (d *WalletResolveDialog) Dismiss() {
	if d.closed {
		return
	}
	d.closed = true
	dismissPaymentPopup(d.c.win, d.popup, d.Progress, d.OnClosed)
}

// Wait waits for a resolution running and shows its outcome (tests).
func (d *WalletResolveDialog) Wait() { d.work.Wait() }

func (d *WalletResolveDialog) closeHook() *func() { return &d.OnClosed }
