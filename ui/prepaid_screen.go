package ui

import (
	"log/slog"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/users"
)

// The manager console's prepaid card screen: look a card up (the same ways as the
// tender: scan, number and PIN, tapped UID), see its full number, balance, status,
// expiry, PIN and UID, and act on it by role (prepaid_actions.go). The store's
// outstanding liability is on top.

// PrepaidScreen is the manager's prepaid card screen. Its widgets are exported for
// tests.
type PrepaidScreen struct {
	Title     *widget.Label
	Liability *widget.Label // what the store owes card holders, and on how many cards
	Lookup    *CardLookup
	PINState  *widget.Label
	UID       *widget.Label
	Message   *widget.Label // the last action's result or refusal
	Actions   map[string]*widget.Button
	Close     *widget.Button
	Form      *CardForm       // the open action form, if any
	Override  *OverrideDialog // the last manager override asked for
	// Taps are the cards tapped on the card reader while the screen is open.
	Taps *tapListener
	// OnClosed, if set, runs once when the screen closes.
	OnClosed func()

	desk     *app.PrepaidDesk
	auth     *app.Auth
	operator string
	win      fyne.Window
	newKey   func() *KeyEntry
	log      *slog.Logger
	popup    *widget.PopUp
	work     worker
	closed   bool
}

// prepaidScreenOptions configure ShowPrepaidScreen.
type prepaidScreenOptions struct {
	desk     *app.PrepaidDesk
	auth     *app.Auth
	operator string           // who is signed on
	newKey   func() *KeyEntry // entries watched for keyboard-wedge scans
	log      *slog.Logger
}

// prepaidConsoleItems is the manager menu's prepaid card entry, when the store runs a
// prepaid card programme. Anyone signed on may open it (a balance enquiry needs no
// permission); its actions ask for theirs (cardActions).
func (c *Cashier) prepaidConsoleItems() []ConsoleItem {
	if c.prepaid == nil {
		return nil
	}
	return []ConsoleItem{{Label: "console.prepaid", Open: func(op string) { c.OpenPrepaidScreen(op) }}}
}

// OpenPrepaidScreen opens the prepaid card screen over the cashier screen for
// operator. While it is open, scans look cards up (or fill the card number of a card
// being sold); closing it gives the scans and the focus back to the sale, whose cart
// then shows the cards and top-ups put on it.
func (c *Cashier) OpenPrepaidScreen(operator string) *PrepaidScreen {
	if c.prepaid == nil || c.console == nil {
		c.fail(app.ErrPrepaidOff)
		return nil
	}
	s := ShowPrepaidScreen(c.win, prepaidScreenOptions{desk: c.prepaid, auth: c.console.Auth, operator: operator,
		newKey: c.newEntry, log: c.log.With("screen", "prepaid cards")})
	previous := c.scanWanted
	c.scanWanted = s.TakeScan
	s.Taps = c.listenForTaps(&s.work, s.log, s.TakeTap)
	s.OnClosed = func() {
		c.scanWanted = previous
		s.Taps.Stop()
	}
	c.track(s)
	return s
}

// ShowPrepaidScreen opens the prepaid card screen over win.
func ShowPrepaidScreen(win fyne.Window, o prepaidScreenOptions) *PrepaidScreen {
	if o.log == nil {
		o.log = slog.Default().With("screen", "prepaid cards")
	}
	if o.newKey == nil {
		o.newKey = NewKeyEntry
	}
	s := &PrepaidScreen{desk: o.desk, auth: o.auth, operator: o.operator, win: win, newKey: o.newKey, log: o.log,
		Actions: map[string]*widget.Button{}}
	s.Title = boldLabel(tr("card.screen.title"))
	s.Liability = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	s.Message = resultLabel()
	s.Lookup = newCardLookup(lookupOptions{desk: o.desk, work: &s.work, log: o.log, newKey: o.newKey, message: s.say,
		found: s.cardFound, closed: func() bool { return s.closed }, fullNo: true, focus: win.Canvas().Focus, escape: escapeTo(s.Dismiss)})
	s.PINState, s.UID = widget.NewLabel("—"), widget.NewLabel("—")
	s.Close = widget.NewButton(tr("btn.close"), s.Dismiss)
	actions := container.NewVBox()
	for _, a := range cardActions() {
		b := widget.NewButton(tr(a.label), func() { s.openForm(a) })
		s.Actions[a.label] = b
		actions.Add(b)
	}

	s.popup = widget.NewModalPopUp(container.NewPadded(s.layout(actions)), win.Canvas())
	size := win.Canvas().Size()
	s.popup.Resize(fyne.NewSize(min(980, size.Width-40), min(680, size.Height-40)))
	s.refreshLiability()
	s.cardFound(app.CardView{})
	s.say(tr("card.screen.hint"), widget.MediumImportance)
	s.popup.Show()
	win.Canvas().Focus(s.Lookup.Code)
	o.log.Info("prepaid card screen opened", "operator", o.operator)
	return s
}

// layout arranges the screen: the title and liability on top, finding the card and
// its details on the left, the actions on the right, the message and Close below.
func (s *PrepaidScreen) layout(actions fyne.CanvasObject) fyne.CanvasObject {
	l := s.Lookup
	find := widget.NewForm(widget.NewFormItem(tr("card.entry"), l.Entry.Select),
		widget.NewFormItem(tr("card.code"), container.NewBorder(nil, nil, nil, l.Find, l.Code)),
		widget.NewFormItem(tr("card.pin"), l.PIN))
	card := widget.NewForm(widget.NewFormItem(tr("card.number"), l.Number), widget.NewFormItem(tr("card.status"), l.Status),
		widget.NewFormItem(tr("card.balance"), l.Balance), widget.NewFormItem(tr("card.expires"), l.Expires),
		widget.NewFormItem(tr("card.pin_state"), s.PINState), widget.NewFormItem(tr("card.uid"), s.UID))
	top := container.NewBorder(nil, nil, s.Title, s.Liability)
	left := container.NewVBox(find, widget.NewSeparator(), card)
	bottom := container.NewVBox(widget.NewSeparator(), s.Message, container.NewBorder(nil, nil, nil, s.Close))
	right := container.NewHBox(widget.NewSeparator(), actions)
	return container.NewBorder(container.NewVBox(top, widget.NewSeparator()), bottom, nil, right, container.NewVScroll(left))
}

// refreshLiability shows what the store owes its card holders.
func (s *PrepaidScreen) refreshLiability() {
	tot, err := s.desk.Liability()
	if err != nil {
		s.log.Error("prepaid liability unreadable", "err", err)
		s.Liability.SetText(tr("card.liability_unknown"))
		return
	}
	s.Liability.SetText(trf("card.liability", map[string]any{"Amount": tot.Liability.Format(), "Cards": tot.Cards}))
}

// cardFound shows the card's PIN and UID and offers the actions its status allows;
// a zero view (no card) offers only selling a new one.
func (s *PrepaidScreen) cardFound(v app.CardView) {
	if v.Number != "" {
		s.Lookup.show(&v)
	}
	s.PINState.SetText(pinStateText(v))
	s.UID.SetText("—")
	if v.UID != "" {
		s.UID.SetText(v.UID)
	} else if v.Number != "" {
		s.UID.SetText(tr("card.uid_none"))
	}
	for _, a := range cardActions() {
		b := s.Actions[a.label]
		if a.allowed(v) {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if v.Number != "" {
		s.say(trf("card.msg.found", map[string]any{"Card": v.Masked, "Balance": v.Balance.Format(), "Status": statusLabel(v.Status)}), widget.SuccessImportance)
	}
}

// pinStateText says whether the card has a PIN and whether it is locked.
func pinStateText(v app.CardView) string {
	switch {
	case v.Number == "":
		return "—"
	case v.PINLocked:
		return tr("card.pin.locked")
	case v.HasPIN:
		return tr("card.pin.set")
	}
	return tr("card.pin.none")
}

// TakeScan routes a scan: into the card number of a card being sold, else it looks
// the scanned card up. With another form open it is refused.
func (s *PrepaidScreen) TakeScan(code string) {
	switch {
	case s.Form != nil && s.Form.Number != nil:
		s.Form.Number.SetText(code)
	case s.Form != nil:
		s.Form.fail(errorText(errScanIgnored))
	default:
		s.Lookup.TakeScan(code)
	}
}

// TakeTap takes the UID of a card tapped on the reader: with the link form open it
// fills the UID in, with another form open it is refused, else it looks the card up.
func (s *PrepaidScreen) TakeTap(uid string) {
	switch {
	case s.closed:
	case s.Form != nil && s.Form.UID != nil:
		s.Form.UID.SetText(uid)
	case s.Form != nil:
		s.Form.fail(errorText(errTapIgnored))
	default:
		s.Lookup.TakeTap(uid)
	}
}

// say shows a message on the screen's message line.
func (s *PrepaidScreen) say(text string, importance widget.Importance) {
	showMessage(s.Message, text, importance)
}

// approve runs then once perm is granted: at once for "" or an operator who holds it
// (approvedBy is the operator), else after a manager's override on the spot.
func (s *PrepaidScreen) approve(perm users.Permission, then func(approvedBy string)) {
	if _, ok := s.auth.Current(); !ok {
		s.say(errorText(errNotSignedOn), widget.DangerImportance)
		return
	}
	if perm == "" {
		then(s.operator)
		return
	}
	d := Authorize(s.win, s.auth, perm, func(a *app.Approval) {
		by := s.operator
		if a != nil {
			by = a.Manager
			s.log.Info("prepaid card action approved by override", "perm", perm, "approved_by", by)
		}
		then(by)
	})
	if d != nil {
		s.Override = d
		d.OnClosed = func() {
			if s.Form != nil {
				s.Form.focusFirst()
			}
		}
	}
}

// Dismiss closes the screen (the manager console closes its screens so on logout).
func (s *PrepaidScreen) Dismiss() {
	if s.closed {
		return
	}
	s.closed = true
	if s.Form != nil {
		s.Form.close()
	}
	if s.Override != nil {
		s.Override.Dismiss()
	}
	s.popup.Hide()
	s.log.Info("prepaid card screen closed")
	call(s.OnClosed)
}

// Wait waits for the look-ups and card operations started so far (tests).
func (s *PrepaidScreen) Wait() { s.work.Wait() }

func (s *PrepaidScreen) closeHook() *func() { return &s.OnClosed }
