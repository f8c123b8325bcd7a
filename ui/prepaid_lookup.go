package ui

import (
	"errors"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/prepaid"
)

// Finding a prepaid card, shared by the prepaid tender dialog and the manager's
// prepaid card screen: a scan of the card's QR code or barcode (TakeScan), its number
// typed and then its PIN, or a tapped card's contactless UID (read by the card reader:
// TakeTap, prepaid_tap.go; or typed). The card's PIN check is argon2id and may
// journal a PIN lock, so the look-up runs off the UI goroutine.

// Ways a card is entered by hand (CardLookup.Entry).
const (
	entryTyped = "typed" // the card's number, then its PIN
	entryTap   = "tap"   // a tapped card's contactless UID
)

// CardLookup is the card-finding part of a prepaid screen: how the card is entered,
// the code field, the PIN field (enabled once the card asks for it), the look-up button
// and the card found. Its widgets are exported for tests.
type CardLookup struct {
	Entry   *Choice   // by hand: the card's number or a tapped card's UID
	Code    *KeyEntry // the number or UID; Enter looks it up
	PIN     *KeyEntry // masked; enabled when the card asks for its PIN
	Find    *widget.Button
	Number  *widget.Label // masked, or in full on the manager's screen
	Status  *widget.Label
	Balance *widget.Label
	Expires *widget.Label
	// Card is the card identified, nil until one is (or after a failed look-up).
	Card *app.CardView

	desk      *app.PrepaidDesk
	work      *worker
	log       *slog.Logger
	message   func(text string, importance widget.Importance)
	found     func(app.CardView)
	fullNo    bool               // show the full card number (the manager's screen)
	pending   app.CardCredential // the credential waiting for its PIN
	checking  bool
	queuedTap string      // a UID tapped while a look-up ran
	closed    func() bool // the screen was closed meanwhile
	focusPIN  func()
}

// lookupOptions configure a CardLookup.
type lookupOptions struct {
	desk    *app.PrepaidDesk
	work    *worker
	log     *slog.Logger
	newKey  func() *KeyEntry                         // entries watched for wedge scans
	message func(text string, imp widget.Importance) // the screen's message line
	found   func(app.CardView)                       // the card identified; a zero view: none
	closed  func() bool                              // the screen has closed
	fullNo  bool                                     // show full card numbers
	focus   func(fyne.Focusable)                     // focuses a field of the screen
	escape  func(*fyne.KeyEvent) bool                // Escape closes the screen
}

// newCardLookup builds the look-up widgets.
func newCardLookup(o lookupOptions) *CardLookup {
	l := &CardLookup{desk: o.desk, work: o.work, log: o.log, message: o.message, found: o.found, fullNo: o.fullNo, closed: o.closed}
	l.Entry = newChoice([]string{entryTyped, entryTap}, entryLabel, entryTyped)
	l.Entry.OnChanged = func(string) {
		l.resetPIN()
		l.Code.SetPlaceHolder(codeHint(l.Entry.Value()))
		o.focus(l.Code)
	}
	l.Code = o.newKey()
	l.Code.SetPlaceHolder(codeHint(entryTyped))
	l.Code.OnSubmitted = func(string) { l.lookUp() }
	l.Code.OnChanged = func(string) {
		if l.pinAsked() { // another card: forget the one waiting for its PIN
			l.resetPIN()
		}
	}
	l.Code.OnKey = o.escape
	l.PIN = o.newKey()
	l.PIN.Password = true
	l.PIN.OnSubmitted = func(string) { l.lookUp() }
	l.PIN.OnKey = o.escape
	l.Find = widget.NewButton(tr("card.find"), l.lookUp)
	l.Number, l.Status, l.Expires = widget.NewLabel("—"), widget.NewLabel("—"), widget.NewLabel("—")
	l.Balance = widget.NewLabelWithStyle("—", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.focusPIN = func() { o.focus(l.PIN) }
	l.resetPIN()
	return l
}

// entryLabel names a way of entering a card by hand.
func entryLabel(v string) string {
	if v == entryTap {
		return tr("card.entry.tap")
	}
	return tr("card.entry.typed")
}

// codeHint is the code field's placeholder for a way of entering a card.
func codeHint(v string) string {
	if v == entryTap {
		return tr("card.code_hint.tap")
	}
	return tr("card.code_hint.typed")
}

// statusLabel names a card status in the screen's language.
func statusLabel(s prepaid.Status) string {
	switch s {
	case prepaid.Active:
		return tr("card.status.active")
	case prepaid.Frozen:
		return tr("card.status.frozen")
	case prepaid.Expired:
		return tr("card.status.expired")
	}
	return string(s)
}

// TakeScan identifies the card whose QR code or barcode was scanned.
func (l *CardLookup) TakeScan(code string) {
	l.identify(app.CardCredential{Entry: app.CardScanned, Code: strings.TrimSpace(code)})
}

// TakeTap identifies the card whose contactless UID the card reader read; a tap
// during a look-up is taken once that look-up is done.
func (l *CardLookup) TakeTap(uid string) {
	if l.closed() {
		return
	}
	if l.checking {
		l.queuedTap = uid
		return
	}
	l.identify(app.CardCredential{Entry: app.CardTapped, Code: strings.TrimSpace(uid)})
}

// lookUp identifies the card typed in the code field (Enter or the look-up button),
// with the PIN once it is asked for.
func (l *CardLookup) lookUp() {
	if l.pinAsked() {
		cred := l.pending
		cred.PIN = l.PIN.Text
		l.PIN.SetText("")
		if cred.PIN == "" {
			l.message(tr("card.msg.pin_needed"), widget.WarningImportance)
			l.focusPIN()
			return
		}
		l.identify(cred)
		return
	}
	entry := app.CardTyped
	if l.Entry.Value() == entryTap {
		entry = app.CardTapped
	}
	l.identify(app.CardCredential{Entry: entry, Code: strings.TrimSpace(l.Code.Text)})
}

// identify asks the desk for the card off the UI goroutine and shows the outcome.
func (l *CardLookup) identify(cred app.CardCredential) {
	if l.checking {
		return
	}
	if cred.Code == "" {
		l.message(tr("card.msg.enter_card"), widget.WarningImportance)
		return
	}
	l.show(nil)
	l.found(app.CardView{})
	l.busy(true)
	var view app.CardView
	desk := l.desk
	l.work.run(func() (err error) { view, err = desk.Identify(cred); return err }, func(err error) {
		l.busy(false)
		if l.closed() {
			return
		}
		if uid := l.queuedTap; uid != "" {
			l.queuedTap = ""
			defer l.TakeTap(uid)
		}
		switch {
		case errors.Is(err, app.ErrPINNeeded):
			// Nothing of the card is shown before its PIN: not even its balance.
			l.pending = app.CardCredential{Entry: cred.Entry, Code: cred.Code}
			l.PIN.Enable()
			l.PIN.SetPlaceHolder(tr("card.pin_hint"))
			l.message(tr("card.msg.pin_needed"), widget.WarningImportance)
			l.focusPIN()
		case err != nil:
			l.log.Info("prepaid card not identified", "entry", cred.Entry, "err", err)
			if !errors.Is(err, prepaid.ErrWrongPIN) {
				l.resetPIN()
			} else {
				l.focusPIN()
			}
			l.message(errorText(err), widget.DangerImportance)
		default:
			l.resetPIN()
			l.Code.SetText("")
			l.log.Info("prepaid card identified", "entry", cred.Entry, "card", view.Masked, "status", view.Status)
			l.show(&view)
			l.found(view)
		}
	})
}

// busy shows that the card is being checked: no second look-up meanwhile.
func (l *CardLookup) busy(on bool) {
	l.checking = on
	for _, w := range []fyne.Disableable{l.Find, l.Code, l.PIN, l.Entry} {
		if on || (w == l.PIN && !l.pinAsked()) {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	if on {
		l.message(tr("card.checking"), widget.MediumImportance)
	}
}

// pinAsked reports whether a card waits for its PIN.
func (l *CardLookup) pinAsked() bool { return l.pending.Code != "" }

// resetPIN forgets a card waiting for its PIN and disables the PIN field.
func (l *CardLookup) resetPIN() {
	l.pending = app.CardCredential{}
	l.PIN.SetText("")
	l.PIN.SetPlaceHolder(tr("card.pin_later"))
	l.PIN.Disable()
}

// show fills the card's details in, or dashes for none.
func (l *CardLookup) show(v *app.CardView) {
	l.Card = v
	if v == nil {
		for _, w := range []*widget.Label{l.Number, l.Status, l.Balance, l.Expires} {
			w.SetText("—")
		}
		return
	}
	number := v.Masked
	if l.fullNo {
		number = prepaid.Format(v.Number)
	}
	l.Number.SetText(number)
	l.Status.SetText(statusLabel(v.Status))
	l.Status.Importance = widget.MediumImportance
	if v.Status != prepaid.Active {
		l.Status.Importance = widget.DangerImportance
	}
	l.Status.Refresh()
	l.Balance.SetText(v.Balance.Format())
	l.Expires.SetText(expiryText(v))
}

// expiryText is a card's expiry date, or a dash for a card that never expires.
func expiryText(v *app.CardView) string {
	if v.Expires.IsZero() {
		return "—"
	}
	return v.Expires.Local().Format("2006-01-02")
}

// showMessage sets a message line's text and importance.
func showMessage(l *widget.Label, text string, importance widget.Importance) {
	l.Importance = importance
	l.SetText(text)
}

// fitHeight makes a modal popup as tall as its content needs now, width wide: its
// messages grow and shrink.
func fitHeight(p *widget.PopUp, width float32) {
	p.Resize(fyne.NewSize(width, p.MinSize().Height))
}

// escapeTo is an entry's key handler that runs close on Escape.
func escapeTo(close func()) func(*fyne.KeyEvent) bool {
	return func(k *fyne.KeyEvent) bool {
		if k.Name == fyne.KeyEscape {
			close()
			return true
		}
		return false
	}
}

// cannotPay says why an identified card cannot pay, or "" when it can.
func cannotPay(v app.CardView) string {
	switch v.Status {
	case prepaid.Frozen:
		return tr("err.prepaid.frozen")
	case prepaid.Expired:
		return tr("err.prepaid.expired")
	}
	return ""
}
