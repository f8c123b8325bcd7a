package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/dereg"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/users"
)

// Bank cards beyond the sale: the card terminal in the status bar, card refunds from
// the journal browser (the customer presents the card again), settling the card batch
// from the manager console, the deregistration wizard's card checks and sign-off, and
// the sign-on right after registration.

// cardDesk is the cashier screen's card payments.
type cardDesk struct {
	payments *app.CardPayments
	// work hands card payments' changes (from their goroutines) and the refund
	// prompt's updates to the UI goroutine.
	work   worker
	prompt *CardRefundPrompt // shown while a card refund waits for the card
}

// cardSignOnTimeout bounds the sign-on after registration.
const cardSignOnTimeout = time.Minute

// EnableCards gives the screen the till's bank card payments: "Bank card" on F12,
// card sales refunded through the card (when refunds is given), the card terminal's
// state in the status bar, and "Settle card batch" in the manager console.
func (c *Cashier) EnableCards(cards *app.CardPayments, refunds *app.Refunds) {
	if cards == nil {
		return
	}
	c.cards = &cardDesk{payments: cards}
	if refunds != nil {
		refunds.Register(promptedCardRefunder{c: c, inner: cards.Refunder(func(st app.CardStage) {
			c.cards.work.post(func() { c.showCardRefundStage(st) })
		})})
	}
	cards.SetOnChange(func() { c.cards.work.post(c.refreshStatus) })
	c.AddTender(TenderOption{Label: "bankcard.tender", Open: func() { c.OpenCardTender() }})
	c.enableUnionPayQR(cards)
	c.refreshStatus()
}

// cardConsoleItems are the manager console's card entries.
func (c *Cashier) cardConsoleItems() []ConsoleItem {
	if c.cards == nil {
		return nil
	}
	return []ConsoleItem{{Label: "bankcard.settle.console", Perm: users.Reports, Open: func(op string) { c.OpenCardSettlement(op) }}}
}

// cardStatusText is the card terminal's part of the status bar ("" without cards).
func (c *Cashier) cardStatusText() string {
	if c.cards == nil {
		return ""
	}
	r := c.cards.payments.Readiness()
	text := tr(r.Key())
	if r.State == app.CardReversalsPending {
		text += fmt.Sprintf(" (%d)", r.Status.PendingReversals)
	}
	return "  |  " + text
}

// promptedCardRefunder is the card refunder with a prompt on screen while the refund
// waits for the customer's card.
type promptedCardRefunder struct {
	c     *Cashier
	inner app.TenderRefunder
}

// Method is sale.Card.
func (promptedCardRefunder) Method() sale.Method { return sale.Card }

// Refund shows the prompt, refunds through the card, and closes the prompt.
func (r promptedCardRefunder) Refund(ctx context.Context, req app.TenderRefundRequest) (string, error) {
	desk := r.c.cards
	desk.work.post(func() { r.c.openCardRefundPrompt(req.Amount) })
	defer desk.work.post(r.c.closeCardRefundPrompt)
	return r.inner.Refund(ctx, req)
}

// CardRefundPrompt asks for the card a refund goes back to, over the refund dialog.
type CardRefundPrompt struct {
	Title *widget.Label
	Stage *widget.Label
	popup *widget.PopUp
}

// openCardRefundPrompt shows the prompt for a refund of amount.
func (c *Cashier) openCardRefundPrompt(amount money.Amount) {
	c.closeCardRefundPrompt()
	p := &CardRefundPrompt{Title: boldLabel(trf("bankcard.refund.title", map[string]any{"Amount": amount.Format()})),
		Stage: widget.NewLabelWithStyle(tr(app.CardPresent.Key()), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})}
	hint := resultLabel()
	hint.SetText(tr("bankcard.refund.hint"))
	p.popup = widget.NewModalPopUp(container.NewPadded(container.NewVBox(p.Title, p.Stage, hint)), c.win.Canvas())
	fitHeight(p.popup, min(440, c.win.Canvas().Size().Width-40)) // beside the simulator panel's card side
	p.popup.Show()
	c.cards.prompt = p
	if c.SimPanel != nil {
		c.raiseCardSimulator()
	}
}

// showCardRefundStage shows where the card refund is.
func (c *Cashier) showCardRefundStage(st app.CardStage) {
	if p := c.cards.prompt; p != nil {
		p.Stage.SetText(tr(st.Key()))
	}
}

// closeCardRefundPrompt closes the prompt, if shown.
func (c *Cashier) closeCardRefundPrompt() {
	if p := c.cards.prompt; p != nil {
		p.popup.Hide()
		c.cards.prompt = nil
	}
}

// cardDereg registers card payments' checks of deregistration on pre (nothing
// waiting for the bank, the batch settled) and returns the wizard's sign-off with the
// acquirer; nil without card payments.
func cardDereg(cards *app.CardPayments, pre *dereg.Registry) func(context.Context, app.TerminalIdentity) error {
	if cards == nil {
		return nil
	}
	cards.AddDeregPreconditions(pre)
	return cards.SignOff
}

// addCardDeregAction lets the deregistration screen settle the card batch itself
// ("card_batch_settled").
func addCardDeregAction(s *DeregScreen, cards *app.CardPayments, operator string) {
	if cards == nil {
		return
	}
	s.AddAction("dereg.action.card_settle", "bankcard.settle.action", func(ctx context.Context) error {
		_, err := cards.Settle(ctx, operator)
		return err
	})
}

// signOnAfterRegistration signs the terminal on with the acquirer as soon as the
// registration screen registers it, and shows the outcome there.
func (c *Cashier) signOnAfterRegistration(scr *RegisterScreen, operator string) {
	if c.cards == nil {
		return
	}
	prev := scr.OnRegistered
	scr.OnRegistered = func(id app.TerminalIdentity) {
		call1(prev, id)
		base := scr.Message.Text
		scr.Message.SetText(base + "\n" + tr("bankcard.signon.working"))
		cards := c.cards.payments
		c.cards.work.run(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), cardSignOnTimeout)
			defer cancel()
			return cards.SignOn(ctx, operator)
		}, func(err error) {
			text := tr("bankcard.signon.done")
			if err != nil {
				c.log.Warn("sign-on after registration failed", "err", err)
				text = tr("bankcard.signon.failed") + "\n" + errorText(err)
				scr.Message.Importance = widget.WarningImportance
			}
			scr.Message.SetText(base + "\n" + text)
			c.refreshStatus()
		})
	}
}

// call1 calls f with v, when f is set.
func call1[T any](f func(T), v T) {
	if f != nil {
		f(v)
	}
}
