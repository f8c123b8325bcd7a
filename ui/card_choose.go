package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"tilldesk/core/emv/kernel"
)

// Cardholder application choice (EMV Book 1 §12.4): a co-badged card (UnionPay and
// an international scheme on one chip) offers several applications the till accepts,
// and the cardholder picks the one to pay with; a card whose only application asks
// for confirmation is offered the same way. The card dialog lists the applications in
// the card's priority order, one button each (keys 1-9 pick too); Cancel cancels the
// payment as at any stage before the bank is asked.

// chooseApp is the card tender's chooser. It runs on the paying goroutine: it shows
// the candidates in the dialog and waits for a pick, or for the payment to be
// cancelled (the choice then ends the transaction with nothing taken).
func (d *CardDialog) chooseApp(ctx context.Context, candidates []kernel.Candidate) (int, error) {
	picked := make(chan int, 1)
	d.work.post(func() { d.offerApps(candidates, picked) })
	select {
	case i := <-picked:
		return i, nil
	case <-ctx.Done():
		d.work.post(d.withdrawApps)
		return 0, fmt.Errorf("cardholder application choice: %w", ctx.Err())
	}
}

// offerApps shows one button per candidate; the first pick goes to picked.
func (d *CardDialog) offerApps(candidates []kernel.Candidate, picked chan<- int) {
	if d.closed || d.stop == nil {
		return // the payment ended while the choice was on its way
	}
	d.Apps.RemoveAll()
	d.appPicks = nil
	for i, c := range candidates {
		pick := func() {
			if d.appPicks == nil {
				return
			}
			d.appPicks = nil
			select {
			case picked <- i:
			default:
			}
			d.withdrawApps()
		}
		b := widget.NewButton(fmt.Sprintf("%d  %s", i+1, c.Name()), pick)
		if i == 0 {
			b.Importance = widget.HighImportance
		}
		d.Apps.Add(b)
		d.appPicks = append(d.appPicks, pick)
	}
	d.Apps.Show()
	d.say(tr("bankcard.choose_app"), widget.MediumImportance)
}

// withdrawApps takes the choice off the dialog.
func (d *CardDialog) withdrawApps() {
	d.appPicks = nil
	d.Apps.RemoveAll()
	d.Apps.Hide()
	d.fit()
}

// pickAppKey picks the application numbered by a digit key; it reports whether the
// key was taken.
func (d *CardDialog) pickAppKey(k *fyne.KeyEvent) bool {
	name := string(k.Name)
	if len(name) != 1 || name[0] < '1' || name[0] > '9' {
		return false
	}
	i := int(name[0] - '1')
	if i >= len(d.appPicks) {
		return false
	}
	d.appPicks[i]()
	return true
}
