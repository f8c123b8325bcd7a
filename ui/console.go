package ui

import (
	"errors"
	"fmt"
	"fyne.io/fyne/v2"
	"log/slog"

	"tilldesk/app"
	"tilldesk/core/dereg"
	"tilldesk/core/users"
)

// Console is what the cashier screen needs of the manager console: who is signed on,
// the shifts, and how to sign off. EnableConsole installs it.
type Console struct {
	Auth   *app.Auth
	Shifts *app.Shifts
	// Logout shows the login screen again after the operator signs off.
	Logout func()
	// Extra menu entries other features add (journal browser, deregistration).
	Extra []ConsoleItem
}

// ConsoleItem is one entry of the manager menu: its label key, the permission it needs
// (the operator's own, or a manager's override on the spot), and what it opens.
type ConsoleItem struct {
	Label string
	Perm  users.Permission // "" when anyone signed on may use it
	Open  func(operator string)
}

// errNotSignedOn is shown when the console is used with nobody signed on.
var errNotSignedOn = errors.New("nobody is signed on")

// EnableConsole gives the screen its manager menu (F1) and shows the operator.
func (c *Cashier) EnableConsole(con Console) {
	c.console = &con
	c.refreshOperator()
}

// SignedOn readies the screen for the operator who just signed on.
func (c *Cashier) SignedOn() {
	c.refreshOperator()
	c.refresh()
	c.say(tr("msg.ready"))
	c.win.Canvas().Focus(c.Scan)
	c.idle = idleWatch{}
	if c.afterSignOn != nil {
		c.afterSignOn()
	}
}

// EnableManagerConsole wires the whole manager console for a started session:
// shifts, reports, operators, the journal browser with refunds, devices.
func (c *Cashier) EnableManagerConsole(s *app.Session, logout func()) {
	refunds := app.NewRefunds(s.Till, app.RefundsOptions{Language: c.language, Labels: ReceiptLabels})
	c.EnablePrepaid(s.Prepaid, refunds)
	c.EnableWallets(s.Wallets, refunds)
	c.EnableCards(s.Cards, refunds)
	c.EnableConsole(Console{Auth: s.Auth, Shifts: s.Shifts, Logout: logout,
		Extra: append(append(c.prepaidConsoleItems(), c.cardConsoleItems()...), c.JournalConsoleItem(refunds, app.BackupTempDir(s.Paths)), c.registerItem(s), c.deregisterItem(s))})
	c.afterSignOn = func() { c.askRegistration(s) }
}

// askRegistration makes registration the first thing on a till that is not registered
// (outside demo mode, which sells unregistered): a technician gets the registration
// screen at once; a manager gets it once a technician approves on the spot (the
// override dialog, journaled); a cashier is told who must do it.
func (c *Cashier) askRegistration(s *app.Session) {
	if s.Config.Terminal.Demo || s.Registration.Status() != app.StatusUnregistered {
		return
	}
	cur, ok := s.Auth.Current()
	if !ok {
		return
	}
	if !cur.Can(users.Register) && cur.Role != users.Manager {
		c.fail(app.ErrNotRegistered)
		return
	}
	c.fail(app.ErrNotRegistered)
	if d := Authorize(c.win, s.Auth, users.Register, func(*app.Approval) { c.registerItem(s).Open(cur.Operator) }); d != nil {
		c.track(d)
	}
}

// ShowDeregistration opens the deregistration wizard for the signed-on operator.
func (c *Cashier) ShowDeregistration(s *app.Session) { c.deregisterItem(s).Open(c.currentOperator()) }

// registerItem opens terminal registration (technicians).
func (c *Cashier) registerItem(s *app.Session) ConsoleItem {
	return ConsoleItem{Label: "console.register", Perm: users.Register, Open: func(op string) {
		scr := ShowRegisterScreen(c.win, s.Config.Terminal, func(f app.RegistrationForm) (app.TerminalIdentity, error) {
			return s.RegisterTerminal(s.Registration, f, op)
		})
		c.signOnAfterRegistration(scr, op)
		c.track(scr)
	}}
}

// deregisterItem opens the deregistration wizard (managers and technicians). Its
// preconditions: no open sale, no held sale, the shift closed, no prepaid or wallet
// payment unsettled.
func (c *Cashier) deregisterItem(s *app.Session) ConsoleItem {
	return ConsoleItem{Label: "console.deregister", Perm: users.Deregister, Open: func(op string) {
		pre := app.DefaultPreconditions(s.Till)
		pre.Register(dereg.Func("shift_closed", "dereg.action.close_shift", s.Shifts.Closed))
		if s.Prepaid != nil {
			s.Prepaid.AddDeregPreconditions(pre)
		}
		if s.Wallets != nil {
			s.Wallets.AddDeregPreconditions(pre)
		}
		signOff := cardDereg(s.Cards, pre)
		wiz, err := app.NewDeregWizard(s, s.Registration, op, app.DeregOptions{Preconditions: pre, OnUI: fyne.DoAndWait, SignOff: signOff})
		if err != nil {
			c.fail(err)
			return
		}
		scr := ShowDeregScreen(c.win, wiz)
		c.addWalletDeregAction(scr, s.Wallets)
		addCardDeregAction(scr, s.Cards, op)
		c.track(scr)
		prev := scr.OnClosed
		scr.OnClosed = func() {
			call(prev)
			if s.Registration.Status() == app.StatusDeregistered {
				// The operators were wiped with the rest: nobody stays signed on.
				c.logout()
			}
		}
	}}
}

// refreshOperator shows who is signed on in the top bar.
func (c *Cashier) refreshOperator() {
	if c.console == nil {
		return
	}
	if s, ok := c.console.Auth.Current(); ok {
		c.Operator.SetText(fmt.Sprintf("%s %s (%s)", tr("console.operator"), s.Name, s.Operator))
		return
	}
	c.Operator.SetText("")
}

// consoleItems lists the manager menu.
func (c *Cashier) consoleItems() []ConsoleItem {
	con := c.console
	items := []ConsoleItem{
		{Label: "console.shift", Perm: "", Open: func(op string) { c.track(ShowShiftScreen(c.win, con.Shifts, op, c.language)) }},
		{Label: "console.reports", Perm: users.Reports, Open: func(op string) { c.track(ShowReportView(c.win, con.Shifts, op, c.language)) }},
		{Label: "console.operators", Perm: users.ManageOperators, Open: func(string) {
			s, _ := con.Auth.Current()
			if scr, err := ShowOperatorsScreen(c.win, con.Auth, s); err != nil {
				c.fail(err)
			} else {
				c.track(scr)
			}
		}},
		{Label: "console.devices", Perm: users.Devices, Open: func(string) { c.openDevices() }},
		{Label: "console.no_sale", Perm: users.NoSaleDrawer, Open: c.noSaleDrawer},
	}
	items = append(items, con.Extra...)
	return append(items, ConsoleItem{Label: "console.logout", Open: func(string) { c.logout() }})
}

// openConsole (F1) shows the manager menu.
func (c *Cashier) openConsole() {
	if c.console == nil {
		c.fail(errNoSettings)
		return
	}
	s, ok := c.console.Auth.Current()
	if !ok {
		c.fail(errNotSignedOn)
		return
	}
	items := c.consoleItems()
	labels := make([]string, len(items))
	for i, it := range items {
		labels[i] = tr(it.Label)
	}
	c.pickFrom(tr("console.title"), labels, func(i int) {
		it := items[i]
		if it.Perm == "" {
			it.Open(s.Operator)
			return
		}
		d := Authorize(c.win, c.console.Auth, it.Perm, func(a *app.Approval) {
			if a != nil {
				slog.Info("console entry opened by override", "entry", it.Label, "approved_by", a.Manager)
			}
			it.Open(s.Operator)
		})
		if d != nil {
			c.track(d)
		}
	})
}

// logout signs the operator off; the sale in progress is held first so nothing is lost.
func (c *Cashier) logout() {
	if len(c.till.Current().ActiveLines()) > 0 {
		if err := c.till.Hold(); err != nil {
			c.fail(err)
			return
		}
	}
	if err := c.console.Auth.Logout(); err != nil {
		c.fail(err)
		return
	}
	c.selected = -1
	c.refresh()
	c.refreshOperator()
	if c.console.Logout != nil {
		c.console.Logout()
	}
}

// dismissable is an open screen of the console (shift, reports, operators, override,
// journal browser, registration, deregistration): it can be closed, and it says where
// its close hook is so the cashier can chain onto it.
type dismissable interface {
	Dismiss()
	closeHook() *func()
}

// track keeps an open console screen on the cashier, so the scan field does not take
// focus from it, and forgets it when it closes.
func (c *Cashier) track(s dismissable) {
	c.Screen = s
	hook := s.closeHook()
	prev := *hook
	*hook = func() {
		call(prev)
		if c.Screen == s {
			c.Screen = nil
		}
		c.refresh()
		c.refreshOperator()
		c.focusScan()
	}
}

func (s *ShiftScreen) closeHook() *func()     { return &s.OnClosed }
func (v *ReportView) closeHook() *func()      { return &v.OnClosed }
func (s *OperatorsScreen) closeHook() *func() { return &s.OnClosed }
func (d *OverrideDialog) closeHook() *func()  { return &d.OnClosed }
func (s *RegisterScreen) closeHook() *func()  { return &s.OnClosed }
func (s *DeregScreen) closeHook() *func()     { return &s.OnClosed }
func (b *JournalBrowser) closeHook() *func()  { return &b.opt.OnClosed }

func call(f func()) {
	if f != nil {
		f()
	}
}

// noSaleDrawer opens the cash drawer outside a sale: journaled first, then kicked off the
// UI goroutine.
func (c *Cashier) noSaleDrawer(operator string) {
	if err := c.till.RecordAdmin(app.AdminAction{Action: app.ActionNoSaleDrawer, Operator: operator}); err != nil {
		c.fail(err)
		return
	}
	if c.devices == nil {
		c.fail(app.ErrNoPrinter)
		return
	}
	c.PrintStatus.SetText(tr("msg.drawer"))
	c.printInBackground(c.devices.OpenDrawer)
}

// currentOperator is the signed-on operator's ID, or "".
func (c *Cashier) currentOperator() string {
	if c.console == nil {
		return ""
	}
	s, _ := c.console.Auth.Current()
	return s.Operator
}
