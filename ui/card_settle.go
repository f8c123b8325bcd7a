package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
)

// cardSettleTimeout bounds a settlement: reversals and offline sales sent first, the
// 0500, a batch upload when out of balance, the closing 0500.
const cardSettleTimeout = 3 * time.Minute

// CardSettleScreen settles the card batch (manager console, "Settle card batch"): it
// shows the open batch as the till counts it (per brand, sales and refunds, the net,
// what still waits for the bank), settles it with the bank on Settle, and shows the
// result, which the X and Z reports then list. Its widgets are exported so tests
// drive it as a manager does.
type CardSettleScreen struct {
	Title   *widget.Label
	Batch   *widget.Label // the open batch's totals
	Message *widget.Label // the result, or why it failed
	Settle  *widget.Button
	Close   *widget.Button
	// Result is the last settlement done here.
	Result *app.SettlementResult
	// OnClosed, if set, runs once when the screen closes.
	OnClosed func()

	fittedPopup
	cards    *app.CardPayments
	operator string
	work     worker
	closed   bool
}

// OpenCardSettlement opens the settlement screen for operator.
func (c *Cashier) OpenCardSettlement(operator string) *CardSettleScreen {
	if c.cards == nil {
		c.fail(app.ErrNoCardTerminal)
		return nil
	}
	s := &CardSettleScreen{cards: c.cards.payments, operator: operator, Title: boldLabel(tr("bankcard.settle.title")),
		Batch: resultLabel(), Message: resultLabel()}
	s.msg = s.Message
	s.Settle = widget.NewButton(tr("bankcard.settle.confirm"), s.settle)
	s.Settle.Importance = widget.HighImportance
	s.Close = widget.NewButton(tr("btn.close"), s.Dismiss)
	box := container.NewVBox(s.Title, s.Batch, s.Message, container.NewGridWithColumns(2, s.Close, s.Settle))
	s.popup = widget.NewModalPopUp(container.NewPadded(box), c.win.Canvas())
	s.width = min(620, c.win.Canvas().Size().Width-40)
	s.preview()
	c.track(s)
	s.popup.Show()
	c.win.Canvas().Focus(nil)
	return s
}

// preview shows the open batch, and offers Settle when it holds anything.
func (s *CardSettleScreen) preview() {
	b, err := s.cards.OpenBatch()
	if err != nil {
		s.Batch.SetText("")
		s.say(errorText(err), widget.DangerImportance)
		s.Settle.Disable()
		return
	}
	s.Batch.SetText(batchText(b))
	s.Settle.Enable()
	if b.Waiting > 0 {
		s.say(trf("bankcard.settle.waiting", map[string]any{"Count": b.Waiting}), widget.WarningImportance)
	}
	s.fit()
}

// batchText describes a batch: its number, each brand's sales and refunds, the total.
func batchText(b app.BatchSummary) string {
	lines := []string{trf("bankcard.settle.batch", map[string]any{"Batch": b.Batch})}
	for _, br := range b.Brands {
		lines = append(lines, trf("bankcard.settle.brand", map[string]any{"Brand": br.Brand,
			"Sales": br.Sales.Count, "SalesAmount": br.Sales.Amount.Format(),
			"Refunds": br.Refunds.Count, "RefundsAmount": br.Refunds.Amount.Format()}))
	}
	if len(b.Brands) == 0 {
		lines = append(lines, tr("bankcard.settle.empty"))
	}
	lines = append(lines, trf("bankcard.settle.total", map[string]any{"Count": b.Count, "Net": b.Net.Format()}))
	return strings.Join(lines, "\n")
}

// settle settles the batch with the bank off the UI goroutine, and shows the result.
func (s *CardSettleScreen) settle() {
	s.Settle.Disable()
	s.say(tr("bankcard.settle.working"), widget.MediumImportance)
	var res *app.SettlementResult
	s.work.run(func() (err error) {
		ctx, cancel := context.WithTimeout(context.Background(), cardSettleTimeout)
		defer cancel()
		res, err = s.cards.Settle(ctx, s.operator)
		return err
	}, func(err error) {
		if s.closed {
			return
		}
		if err != nil {
			s.Settle.Enable()
			s.say(tr("bankcard.settle.failed")+"\n"+errorText(err), widget.DangerImportance)
			return
		}
		s.Result = res
		importance := widget.SuccessImportance
		if res.Result == app.SettlementOutOfBalance {
			importance = widget.WarningImportance
		}
		s.Batch.SetText(batchText(res.BatchSummary))
		s.say(trf("bankcard.settle.done", map[string]any{"Result": tr("card.settlement." + res.Result), "Next": res.Next}), importance)
	})
}

// Dismiss closes the screen; a settlement running goes on (its result is journaled).
func (s *CardSettleScreen) Dismiss() {
	if s.closed {
		return
	}
	s.closed = true
	s.popup.Hide()
	call(s.OnClosed)
}

// Wait waits for the settlement started, running its outcome (tests).
func (s *CardSettleScreen) Wait() { s.work.Wait() }

func (s *CardSettleScreen) closeHook() *func() { return &s.OnClosed }
