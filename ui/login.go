package ui

import (
	"errors"
	"image/color"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/users"
)

// errPINMismatch is shown when the two PIN entries of a form differ.
var errPINMismatch = errors.New("the two PINs differ")

// LoginScreen is the till's first screen: an operator signs on with their ID and PIN
// (masked). On a till with no operator yet it shows the form that creates the first
// manager instead, who is then signed on. Enter moves to the next field and, in the
// last one, submits. Its widgets are exported so tests drive it as a person does.
type LoginScreen struct {
	Title *widget.Label
	// FirstRun says the first-manager form is shown rather than the login form.
	FirstRun bool

	// The login form.
	ID     *KeyEntry
	PIN    *KeyEntry // a password entry
	Submit *widget.Button

	// The first-manager form.
	NewID, NewName  *KeyEntry
	NewPIN, NewPIN2 *KeyEntry // password entries
	Create          *widget.Button

	// Error says why the last attempt failed (DangerImportance).
	Error *widget.Label

	auth    *app.Auth
	win     fyne.Window
	onLogin func(app.OperatorSession)
	log     *slog.Logger
	form    *fyne.Container // holds the form shown
	content fyne.CanvasObject
}

// NewLoginScreen builds the login screen over auth in win. onLogin runs on the UI
// goroutine with the new session once an operator has signed on; it should show the
// cashier screen. PINs are checked on the UI goroutine: with the default hash cost a
// check takes well under a tenth of a second.
func NewLoginScreen(auth *app.Auth, win fyne.Window, onLogin func(app.OperatorSession)) *LoginScreen {
	l := &LoginScreen{auth: auth, win: win, onLogin: onLogin, log: slog.Default().With("screen", "login")}
	l.Title = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	l.Error = resultLabel()
	l.Error.Importance = widget.DangerImportance

	l.ID = formEntry(tr("login.id"), false)
	l.PIN = formEntry(tr("login.pin"), true)
	l.Submit = widget.NewButton(tr("login.submit"), l.login)
	l.Submit.Importance = widget.HighImportance
	chain(win, l.login, l.ID, l.PIN)

	l.NewID = formEntry(tr("login.id"), false)
	l.NewName = formEntry(tr("login.name"), false)
	l.NewPIN = formEntry(tr("login.pin_rules"), true)
	l.NewPIN2 = formEntry(tr("login.pin_again"), true)
	l.Create = widget.NewButton(tr("login.create"), l.createFirst)
	l.Create.Importance = widget.HighImportance
	chain(win, l.createFirst, l.NewID, l.NewName, l.NewPIN, l.NewPIN2)

	l.form = container.NewVBox()
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(460, 0))
	l.content = container.NewCenter(container.NewStack(width,
		container.NewVBox(l.Title, widget.NewSeparator(), l.form, l.Error)))
	l.Reset()
	return l
}

// formEntry makes an entry with a placeholder, masked for a PIN.
func formEntry(placeholder string, pin bool) *KeyEntry {
	e := NewKeyEntry()
	e.SetPlaceHolder(placeholder)
	e.Password = pin
	return e
}

// chain makes Enter in each entry move the focus to the next, and in the last run
// submit.
func chain(win fyne.Window, submit func(), entries ...*KeyEntry) {
	for i, e := range entries {
		if i == len(entries)-1 {
			e.OnSubmitted = func(string) { submit() }
			continue
		}
		next := entries[i+1]
		e.OnSubmitted = func(string) { win.Canvas().Focus(next) }
	}
}

// Content is the screen's layout: the form, centred. It is built once.
func (l *LoginScreen) Content() fyne.CanvasObject { return l.content }

// Show resets the screen, makes it the window's content and focuses its first field:
// at start-up and after every logout.
func (l *LoginScreen) Show() {
	l.Reset()
	l.win.SetContent(l.content)
	l.Focus()
}

// Reset clears the entries and the error and shows the form the till needs now: the
// first-manager form while no operator exists, else the login form.
func (l *LoginScreen) Reset() {
	for _, e := range []*KeyEntry{l.ID, l.PIN, l.NewID, l.NewName, l.NewPIN, l.NewPIN2} {
		e.SetText("")
	}
	l.Error.SetText("")
	l.FirstRun = l.auth.NeedsFirstManager()
	if l.FirstRun {
		l.Title.SetText(tr("login.first_title"))
		hint := resultLabel()
		hint.SetText(tr("login.first_hint"))
		l.form.Objects = []fyne.CanvasObject{hint, widget.NewForm(
			widget.NewFormItem(tr("login.id"), l.NewID),
			widget.NewFormItem(tr("login.name"), l.NewName),
			widget.NewFormItem(tr("login.pin"), l.NewPIN),
			widget.NewFormItem(tr("login.pin_again"), l.NewPIN2)), l.Create}
	} else {
		l.Title.SetText(tr("login.title"))
		l.form.Objects = []fyne.CanvasObject{widget.NewForm(
			widget.NewFormItem(tr("login.id"), l.ID),
			widget.NewFormItem(tr("login.pin"), l.PIN)), l.Submit}
	}
	l.form.Refresh()
}

// Focus puts the cursor in the first field of the form shown.
func (l *LoginScreen) Focus() {
	if l.FirstRun {
		l.win.Canvas().Focus(l.NewID)
	} else {
		l.win.Canvas().Focus(l.ID)
	}
}

// login tries the typed ID and PIN. The PIN entry is cleared whatever happens.
func (l *LoginScreen) login() {
	id, pin := strings.TrimSpace(l.ID.Text), l.PIN.Text
	l.PIN.SetText("")
	s, err := l.auth.Login(id, pin)
	if err != nil {
		l.refuse(err, fieldFor(err, l.ID, nil, l.PIN))
		return
	}
	l.signedOn(s)
}

// createFirst creates the first manager from the first-run form and signs them on.
func (l *LoginScreen) createFirst() {
	id, name, pin, again := strings.TrimSpace(l.NewID.Text), l.NewName.Text, l.NewPIN.Text, l.NewPIN2.Text
	l.NewPIN.SetText("")
	l.NewPIN2.SetText("")
	if pin != again {
		l.refuse(errPINMismatch, l.NewPIN)
		return
	}
	if err := l.auth.CreateFirstManager(id, name, pin); err != nil {
		l.refuse(err, fieldFor(err, l.NewID, l.NewName, l.NewPIN))
		return
	}
	s, err := l.auth.Login(id, pin)
	if err != nil { // only a journal failure: the manager exists, so show the login form
		l.Reset()
		l.refuse(err, l.ID)
		return
	}
	l.signedOn(s)
}

// refuse shows why an attempt failed and puts the cursor where to fix it.
func (l *LoginScreen) refuse(err error, focus *KeyEntry) {
	l.log.Warn("sign-on refused", "err", err)
	l.Error.SetText(authErrorText(err))
	l.win.Canvas().Focus(focus)
}

// fieldFor picks the entry where the person fixes err: the ID for an unknown,
// duplicate, disabled or malformed ID; the name (if the form has one) for a bad name;
// else the PIN.
func fieldFor(err error, id, name, pin *KeyEntry) *KeyEntry {
	switch {
	case errors.Is(err, app.ErrUnknownOperator), errors.Is(err, app.ErrExists),
		errors.Is(err, app.ErrDisabled), errors.Is(err, users.ErrBadID):
		return id
	case name != nil && errors.Is(err, users.ErrBadName):
		return name
	}
	return pin
}

func (l *LoginScreen) signedOn(s app.OperatorSession) {
	l.Error.SetText("")
	l.log.Info("signed on", "operator", s.Operator, "role", s.Role)
	if l.onLogin != nil {
		l.onLogin(s)
	}
}

// authErrorText says what went wrong with a sign-on, an override or an operator
// change, in words for the person at the till; other errors go to errorText.
func authErrorText(err error) string {
	var locked *app.LockedError
	if errors.As(err, &locked) {
		return trf("auth.err.locked", map[string]any{"Until": locked.Until.Local().Format("15:04")})
	}
	for _, m := range []struct {
		target error
		key    string
	}{
		{app.ErrBadPIN, "auth.err.bad_pin"},
		{app.ErrUnknownOperator, "auth.err.unknown"},
		{app.ErrDisabled, "auth.err.disabled"},
		{app.ErrNoPermission, "auth.err.not_allowed"},
		{app.ErrExists, "auth.err.exists"},
		{app.ErrNotLoggedIn, "auth.err.not_logged_in"},
		{app.ErrSelf, "auth.err.self"},
		{errPINMismatch, "auth.err.pin_mismatch"},
		{users.ErrPINFormat, "auth.err.pin_format"},
		{users.ErrWeakPIN, "auth.err.pin_weak"},
		{users.ErrBadID, "auth.err.bad_id"},
		{users.ErrBadName, "auth.err.bad_name"},
		{users.ErrBadRole, "auth.err.bad_role"},
		{users.ErrBadReason, "auth.err.no_reason"},
		{users.ErrNoNote, "auth.err.no_note"},
		{users.ErrBadNote, "auth.err.bad_note"},
	} {
		if errors.Is(err, m.target) {
			return tr(m.key)
		}
	}
	return errorText(err)
}
