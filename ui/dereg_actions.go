package ui

import (
	"context"

	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/dereg"
)

// deregAction is a fix the deregistration screen can run itself for a failing
// precondition: its button's label key and the work, run off the UI goroutine.
type deregAction struct {
	label string
	run   func(context.Context) error
}

// AddAction offers run, as a button labelled with the message key label, beside each
// failing precondition whose action key is action; once it has run, the
// preconditions are checked again.
func (s *DeregScreen) AddAction(action, label string, run func(context.Context) error) {
	if s.actions == nil {
		s.actions = map[string]deregAction{}
	}
	s.actions[action] = deregAction{label: label, run: run}
	s.refresh()
}

// actionButton is the button of a failing result's action, or nil when the screen
// cannot take it itself.
func (s *DeregScreen) actionButton(r dereg.Result) *widget.Button {
	a, ok := s.actions[r.Action]
	if !ok || r.OK() {
		return nil
	}
	b := widget.NewButton(tr(a.label), func() {
		s.background(r.Action, a.run, func(err error) {
			if err == nil {
				s.say(tr("dereg.action_done"), false)
			}
		})
	})
	if s.busy {
		b.Disable()
	}
	s.ActionButtons = append(s.ActionButtons, b)
	return b
}

// addWalletDeregAction lets the deregistration screen settle wallet payments in
// doubt itself ("wallet_no_intents"): its button asks the providers again.
func (c *Cashier) addWalletDeregAction(s *DeregScreen, w *app.Wallets) {
	if w == nil {
		return
	}
	s.AddAction("dereg.action.wallet_resolve", "wallet.resolve.retry", w.ResolvePending)
}
