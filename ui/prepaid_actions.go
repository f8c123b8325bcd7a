package ui

import (
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/users"
)

// What the prepaid card screen does with a card, and who may. A balance enquiry needs
// no permission. Selling a card or a top-up puts a line on the sale, paid for like
// goods before the card gets anything, so anyone signed on may. Everything else
// changes a card outside a sale and needs cardAdminPerm: the operator's own, or a
// manager's override on the spot (journaled); the adjustment records who approved it.

// cardAdminPerm is the permission of card management: users.Refund, the manager-only
// permission to give a customer money back outside a sale (an adjustment does just
// that; freezing, renewing or resetting a PIN decides who may spend a balance).
const cardAdminPerm = users.Refund

// cardOutcome is what a card action did.
type cardOutcome struct {
	Card  *app.CardView // the card after, for actions on one
	Order prepaid.Order // a card or top-up put on the sale
}

// cardAction is one button of the prepaid card screen.
type cardAction struct {
	label  string           // the button's message key
	perm   users.Permission // "" anyone signed on
	fields []cardField
	// applies says which cards the action is for; nil: it needs no card.
	applies func(app.CardView) bool
	onSale  bool // it puts a line on the sale: runs on the UI goroutine
	title   func(card app.CardView) string
	hint    string // a message key, or ""
	run     func(d *app.PrepaidDesk, in cardInput) (cardOutcome, error)
	result  func(in cardInput, out cardOutcome) string
}

// allowed reports whether the action is offered for card (a zero view: none found).
func (a cardAction) allowed(card app.CardView) bool {
	if a.applies == nil {
		return true
	}
	return card.Number != "" && a.applies(card)
}

func anyCard(app.CardView) bool         { return true }
func activeCard(v app.CardView) bool    { return v.Status == prepaid.Active }
func frozenCard(v app.CardView) bool    { return v.Status == prepaid.Frozen }
func notFrozenCard(v app.CardView) bool { return v.Status != prepaid.Frozen }

// cardTitle makes a form title naming the card, masked.
func cardTitle(key string) func(app.CardView) string {
	return func(v app.CardView) string { return trf(key, map[string]any{"Card": v.Masked}) }
}

// changed is the outcome of a manager's operation: the card as it is after.
func changed(v app.CardView, err error) (cardOutcome, error) { return cardOutcome{Card: &v}, err }

// cardActions lists the screen's actions in the order of its buttons.
func cardActions() []cardAction {
	return []cardAction{
		{label: "card.action.sell", fields: []cardField{fieldAmount, fieldNumber, fieldNewPIN}, onSale: true,
			title: func(app.CardView) string { return tr("card.form.sell_title") }, hint: "card.form.sell_hint",
			run: func(d *app.PrepaidDesk, in cardInput) (cardOutcome, error) {
				o, err := d.SellCard(app.SellCardRequest{Number: in.Number, Amount: in.Amount, PIN: in.PIN, Operator: in.Operator})
				return cardOutcome{Order: o}, err
			},
			result: func(in cardInput, out cardOutcome) string {
				return trf("card.done.sold", map[string]any{"Card": prepaid.Mask(out.Order.Card), "Amount": in.Amount.Format()})
			}},
		{label: "card.action.topup", fields: []cardField{fieldAmount}, applies: activeCard, onSale: true,
			title: cardTitle("card.form.topup_title"), hint: "card.form.on_sale_hint",
			run: func(d *app.PrepaidDesk, in cardInput) (cardOutcome, error) {
				o, err := d.SellTopUp(in.Card, in.Amount, in.Operator)
				return cardOutcome{Order: o}, err
			},
			result: func(in cardInput, _ cardOutcome) string {
				return trf("card.done.topup", map[string]any{"Card": in.Card.Masked, "Amount": in.Amount.Format()})
			}},
		{label: "card.action.freeze", perm: cardAdminPerm, fields: []cardField{fieldReason}, applies: notFrozenCard,
			title: cardTitle("card.form.freeze_title"), hint: "card.form.freeze_hint",
			run: func(d *app.PrepaidDesk, in cardInput) (cardOutcome, error) { return changed(d.Freeze(in.request())) },
			result: func(in cardInput, _ cardOutcome) string {
				return trf("card.done.freeze", map[string]any{"Card": in.Card.Masked})
			}},
		{label: "card.action.unfreeze", perm: cardAdminPerm, fields: []cardField{fieldNote}, applies: frozenCard,
			title: cardTitle("card.form.unfreeze_title"),
			run:   func(d *app.PrepaidDesk, in cardInput) (cardOutcome, error) { return changed(d.Unfreeze(in.request())) },
			result: func(in cardInput, out cardOutcome) string {
				return trf("card.done.unfreeze", map[string]any{"Card": in.Card.Masked, "Status": statusLabel(out.Card.Status)})
			}},
		{label: "card.action.adjust", perm: cardAdminPerm, fields: []cardField{fieldSignedAmount, fieldReason}, applies: anyCard,
			title: cardTitle("card.form.adjust_title"), hint: "card.form.adjust_note",
			run: func(d *app.PrepaidDesk, in cardInput) (cardOutcome, error) {
				return changed(d.Adjust(in.request(), in.Amount))
			},
			result: func(in cardInput, out cardOutcome) string {
				return trf("card.done.adjust", map[string]any{"Card": in.Card.Masked, "Amount": signed(in.Amount),
					"Balance": out.Card.Balance.Format(), "By": in.ApprovedBy})
			}},
		{label: "card.action.renew", perm: cardAdminPerm, applies: anyCard,
			title: cardTitle("card.form.renew_title"), hint: "card.form.renew_hint",
			run: func(d *app.PrepaidDesk, in cardInput) (cardOutcome, error) { return changed(d.Renew(in.request())) },
			result: func(in cardInput, out cardOutcome) string {
				return trf("card.done.renew", map[string]any{"Card": in.Card.Masked, "Expires": expiryText(out.Card)})
			}},
		{label: "card.action.reset_pin", perm: cardAdminPerm, fields: []cardField{fieldNewPIN}, applies: anyCard,
			title: cardTitle("card.form.reset_pin_title"), hint: "card.form.reset_pin_hint",
			run: func(d *app.PrepaidDesk, in cardInput) (cardOutcome, error) {
				return changed(d.ResetPIN(in.request(), in.PIN))
			},
			result: func(in cardInput, _ cardOutcome) string {
				if in.PIN == "" {
					return trf("card.done.pin_removed", map[string]any{"Card": in.Card.Masked})
				}
				return trf("card.done.pin_set", map[string]any{"Card": in.Card.Masked})
			}},
		{label: "card.action.link_uid", perm: cardAdminPerm, fields: []cardField{fieldUID}, applies: anyCard,
			title: cardTitle("card.form.link_uid_title"), hint: "card.form.link_uid_hint",
			run: func(d *app.PrepaidDesk, in cardInput) (cardOutcome, error) {
				return changed(d.LinkUID(in.request(), in.UID))
			},
			result: func(in cardInput, out cardOutcome) string {
				return trf("card.done.uid_linked", map[string]any{"Card": in.Card.Masked, "UID": out.Card.UID})
			}},
	}
}

// signed writes an adjustment with its sign: "+¥2.50", "-¥1.00".
func signed(a money.Amount) string {
	if a > 0 {
		return "+" + a.Format()
	}
	return a.Format()
}

// openForm opens the action's form for the card shown (if the action needs one).
func (s *PrepaidScreen) openForm(a cardAction) {
	if s.Form != nil || s.closed {
		return
	}
	var card app.CardView
	if s.Lookup.Card != nil {
		card = *s.Lookup.Card
	}
	if !a.allowed(card) {
		s.say(tr("card.msg.need_card"), widget.WarningImportance)
		return
	}
	hint := ""
	if a.hint != "" {
		hint = tr(a.hint)
	}
	var f *CardForm
	f = newCardForm(s.win, s.newKey, s.desk.NewRequestID(), a.title(card), hint, a.fields, func() { s.submit(f, a, card) })
	f.onClose = func() {
		if s.Form == f {
			s.Form = nil
		}
		if !s.closed {
			s.win.Canvas().Focus(s.Lookup.Code)
		}
	}
	s.Form = f
}

// submit checks the form, asks for the action's permission, then runs it: on the UI
// goroutine when it puts a line on the sale, else off it.
func (s *PrepaidScreen) submit(f *CardForm, a cardAction, card app.CardView) {
	if f.working || f.closed {
		return
	}
	in, err := f.input()
	if err != nil {
		f.fail(cardErrorText(err))
		return
	}
	in.ID, in.Card, in.Operator = f.id, card, s.operator
	s.approve(a.perm, func(by string) {
		in.ApprovedBy = by
		if a.onSale {
			out, err := a.run(s.desk, in)
			s.finish(f, a, in, out, err)
			return
		}
		f.busy(true)
		var out cardOutcome
		desk := s.desk
		s.work.run(func() (err error) { out, err = a.run(desk, in); return err }, func(err error) {
			f.busy(false)
			s.finish(f, a, in, out, err)
		})
	})
}

// finish shows the action's result on the screen and closes its form, or shows the
// refusal in the form, kept open for a retry under the same request ID.
func (s *PrepaidScreen) finish(f *CardForm, a cardAction, in cardInput, out cardOutcome, err error) {
	if err != nil {
		s.log.Warn("prepaid card action refused", "action", a.label, "card", in.Card.Masked, "err", err)
		if f.closed || s.closed {
			s.say(cardErrorText(err), widget.DangerImportance)
			return
		}
		f.fail(cardErrorText(err))
		return
	}
	s.log.Info("prepaid card action done", "action", a.label, "card", in.Card.Masked, "operator", in.Operator, "approved_by", in.ApprovedBy)
	f.close()
	if s.closed {
		return
	}
	if out.Card != nil {
		s.cardFound(*out.Card)
	}
	s.refreshLiability()
	s.say(a.result(in, out), widget.SuccessImportance)
}
