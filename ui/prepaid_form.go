package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/users"
)

// The small form each card action opens over the prepaid card screen: the values the
// action needs (amount, card number, PIN, UID, reason), Confirm and Cancel. It keeps
// one request ID from opening to closing, so a retried Confirm moves nothing twice.

// errNoReason is shown when an action that needs a reason has none.
var errNoReason = errors.New("give a reason")

// cardField is a value a card action asks for.
type cardField int

// The fields of card action forms.
const (
	fieldAmount       cardField = iota // a positive amount
	fieldSignedAmount                  // "+50.00" credits the card, "-20.00" debits it
	fieldNumber                        // a pre-printed card's number, optional
	fieldNewPIN                        // a new PIN typed twice, optional
	fieldUID                           // a tapped card's UID
	fieldReason                        // a reason, required
	fieldNote                          // a reason, optional
)

// cardInput is what a confirmed form hands its action.
type cardInput struct {
	ID         string // the form's request ID
	Card       app.CardView
	Operator   string
	ApprovedBy string
	Amount     money.Amount
	Number     string
	PIN        string
	UID        string
	Reason     string
}

// request is the input as a manager's card operation.
func (in cardInput) request() app.CardRequest {
	return app.CardRequest{ID: in.ID, Card: in.Card, Operator: in.Operator, ApprovedBy: in.ApprovedBy, Reason: in.Reason}
}

// CardForm is one card action's form. Its widgets are exported for tests; the entries
// an action does not ask for are nil.
type CardForm struct {
	Title    *widget.Label
	Hint     *widget.Label
	Amount   *KeyEntry
	Number   *KeyEntry
	PIN      *KeyEntry // masked
	PINAgain *KeyEntry // masked
	UID      *KeyEntry
	Reason   *KeyEntry
	Error    *widget.Label
	Confirm  *widget.Button
	Cancel   *widget.Button

	id      string
	fields  []cardField
	entries []*KeyEntry
	win     fyne.Window
	popup   *widget.PopUp
	width   float32
	onClose func()
	working bool
	closed  bool
}

// newCardForm builds and shows a form titled title asking for fields over win;
// confirm runs on Confirm or Enter in the last field.
func newCardForm(win fyne.Window, newKey func() *KeyEntry, id, title, hint string, fields []cardField, confirm func()) *CardForm {
	f := &CardForm{id: id, fields: fields, win: win, Title: boldLabel(title), Hint: resultLabel(), Error: resultLabel()}
	f.Hint.SetText(hint)
	if hint == "" {
		f.Hint.Hide()
	}
	f.Error.Importance = widget.DangerImportance
	f.Error.Hide()
	form := widget.NewForm()
	add := func(label, placeholder string, masked bool) *KeyEntry {
		e := newKey()
		e.SetPlaceHolder(placeholder)
		e.Password = masked
		e.OnKey = escapeTo(f.close)
		f.entries = append(f.entries, e)
		form.Append(label, e)
		return e
	}
	for _, field := range fields {
		switch field {
		case fieldAmount:
			f.Amount = add(tr("card.form.amount"), tr("card.form.amount_hint"), false)
		case fieldSignedAmount:
			f.Amount = add(tr("card.form.amount"), tr("card.form.adjust_hint"), false)
		case fieldNumber:
			f.Number = add(tr("card.form.number"), tr("card.form.number_hint"), false)
		case fieldNewPIN:
			f.PIN = add(tr("card.form.pin"), tr("card.form.pin_hint"), true)
			f.PINAgain = add(tr("card.form.pin_again"), "", true)
		case fieldUID:
			f.UID = add(tr("card.form.uid"), tr("card.form.uid_hint"), false)
		case fieldReason:
			f.Reason = add(tr("card.form.reason"), tr("card.form.reason_hint"), false)
		case fieldNote:
			f.Reason = add(tr("card.form.note"), tr("card.form.note_hint"), false)
		}
	}
	f.Confirm = widget.NewButton(tr("card.form.confirm"), confirm)
	f.Confirm.Importance = widget.HighImportance
	f.Cancel = widget.NewButton(tr("btn.cancel"), f.close)
	chain(win, confirm, f.entries...)
	box := container.NewVBox(f.Title, f.Hint)
	if len(f.entries) > 0 {
		box.Add(form)
	}
	box.Add(f.Error)
	box.Add(container.NewGridWithColumns(2, f.Cancel, f.Confirm))
	f.popup = widget.NewModalPopUp(container.NewPadded(box), win.Canvas())
	f.width = min(560, win.Canvas().Size().Width-40)
	fitHeight(f.popup, f.width)
	f.popup.Show()
	if len(f.entries) == 0 {
		// A confirmation has nothing to focus: Enter and Escape go to the canvas.
		win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
			switch k.Name {
			case fyne.KeyReturn, fyne.KeyEnter:
				confirm()
			case fyne.KeyEscape:
				f.close()
			}
		})
	}
	f.focusFirst()
	return f
}

// input reads and checks the form's values; a refusal names the field's problem.
func (f *CardForm) input() (cardInput, error) {
	var in cardInput
	for _, field := range f.fields {
		switch field {
		case fieldAmount, fieldSignedAmount:
			text := strings.TrimPrefix(strings.TrimSpace(f.Amount.Text), "+")
			a, err := money.Parse(text)
			if err == nil && (a == 0 || (a < 0 && field == fieldAmount)) {
				err = fmt.Errorf("%w: %s", prepaid.ErrBadAmount, a.Format())
			}
			if err != nil {
				return in, err
			}
			in.Amount = a
		case fieldNumber:
			in.Number = strings.TrimSpace(f.Number.Text)
		case fieldNewPIN:
			if f.PIN.Text != f.PINAgain.Text {
				f.PIN.SetText("")
				f.PINAgain.SetText("")
				return in, errPINMismatch
			}
			in.PIN = f.PIN.Text
		case fieldUID:
			in.UID = strings.TrimSpace(f.UID.Text)
			if in.UID == "" {
				return in, prepaid.ErrBadUID
			}
		case fieldReason, fieldNote:
			in.Reason = strings.TrimSpace(f.Reason.Text)
			if in.Reason == "" && field == fieldReason {
				return in, errNoReason
			}
		}
	}
	return in, nil
}

// busy shows that the action is running: no second Confirm meanwhile.
func (f *CardForm) busy(on bool) {
	f.working = on
	if on {
		f.Confirm.Disable()
		f.say(tr("card.working"), widget.MediumImportance)
		return
	}
	f.Confirm.Enable()
	f.say("", widget.MediumImportance)
}

// fail shows why the action was refused; the form stays open for a retry.
func (f *CardForm) fail(text string) {
	f.say(text, widget.DangerImportance)
	f.focusFirst()
}

// say shows text on the form's message line, hidden when empty.
func (f *CardForm) say(text string, importance widget.Importance) {
	showMessage(f.Error, text, importance)
	if text == "" {
		f.Error.Hide()
	} else {
		f.Error.Show()
	}
	fitHeight(f.popup, f.width)
}

// focusFirst focuses the form's first field, if it has any.
func (f *CardForm) focusFirst() {
	if len(f.entries) > 0 && !f.closed {
		f.win.Canvas().Focus(f.entries[0])
	}
}

// close hides the form; an action still running reports to the screen.
func (f *CardForm) close() {
	if f.closed {
		return
	}
	f.closed = true
	if len(f.entries) == 0 {
		f.win.Canvas().SetOnTypedKey(nil)
	}
	f.popup.Hide()
	call(f.onClose)
}

// cardErrorText says why a card action was refused, in the screen's language.
func cardErrorText(err error) string {
	switch {
	case errors.Is(err, errNoReason):
		return tr("card.err.reason")
	case errors.Is(err, users.ErrWeakPIN):
		return tr("card.err.pin_weak")
	}
	return authErrorText(err)
}
