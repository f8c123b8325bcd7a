package ui

import (
	"errors"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
)

// RegisterScreen is the first-run terminal registration form: merchant ID, terminal
// ID and acquirer host. Each wrong field is named under the form; a registration shows
// the terminal's identity. It is a modal over the window; its widgets are exported so
// tests drive it as a person does.
type RegisterScreen struct {
	Merchant *widget.Entry
	Terminal *widget.Entry
	Acquirer *widget.Entry
	Message  *widget.Label // wrong fields, or the identity once registered
	Submit   *widget.Button
	Close    *widget.Button

	// OnRegistered, if set, is called on the UI goroutine after a registration.
	OnRegistered func(app.TerminalIdentity)
	// OnClosed, if set, is called on the UI goroutine when the screen closes.
	OnClosed func()

	register func(app.RegistrationForm) (app.TerminalIdentity, error)
	log      *slog.Logger
	popup    *widget.PopUp
}

// ShowRegisterScreen opens the registration form over win. register does the
// registration (Session.RegisterTerminal with the operator), on the UI goroutine. The
// fields start with the configured IDs.
func ShowRegisterScreen(win fyne.Window, cfg app.TerminalConfig, register func(app.RegistrationForm) (app.TerminalIdentity, error)) *RegisterScreen {
	s := &RegisterScreen{register: register, log: slog.Default().With("screen", "registration")}
	s.Merchant = widget.NewEntry()
	s.Merchant.SetText(cfg.MerchantID)
	s.Terminal = widget.NewEntry()
	s.Terminal.SetText(cfg.ID)
	s.Acquirer = widget.NewEntry()
	s.Acquirer.SetPlaceHolder(tr("reg.acquirer_hint"))
	s.Message = resultLabel()
	s.Submit = widget.NewButton(tr("reg.submit"), s.submit)
	s.Submit.Importance = widget.HighImportance
	s.Close = widget.NewButton(tr("btn.close"), s.Dismiss)
	form := widget.NewForm(widget.NewFormItem(tr("reg.merchant"), s.Merchant),
		widget.NewFormItem(tr("reg.terminal"), s.Terminal),
		widget.NewFormItem(tr("reg.acquirer"), s.Acquirer))
	hint := resultLabel()
	hint.SetText(tr("reg.hint"))
	content := container.NewBorder(container.NewVBox(boldLabel(tr("reg.title")), hint),
		container.NewVBox(s.Message, container.NewBorder(nil, nil, nil, container.NewHBox(s.Close, s.Submit))), nil, nil, form)
	s.popup = widget.NewModalPopUp(container.NewPadded(content), win.Canvas())
	s.popup.Resize(fyne.NewSize(min(640, win.Canvas().Size().Width-40), s.popup.MinSize().Height))
	s.popup.Show()
	win.Canvas().Focus(s.Merchant)
	return s
}

// Dismiss closes the screen.
func (s *RegisterScreen) Dismiss() {
	s.popup.Hide()
	if s.OnClosed != nil {
		s.OnClosed()
	}
}

// submit registers the terminal with the form's values. It runs on the UI goroutine:
// a registration is quick, and a new terminal ID swaps the till's journal and config,
// which the cashier screen reads.
func (s *RegisterScreen) submit() {
	form := app.RegistrationForm{MerchantID: s.Merchant.Text, TerminalID: s.Terminal.Text, AcquirerHost: s.Acquirer.Text}
	if err := form.Normalized().Validate(); err != nil {
		s.show(err)
		return
	}
	id, err := s.register(form)
	if err != nil {
		s.show(err)
		return
	}
	s.log.Info("terminal registered", "terminal", id.Terminal, "merchant", id.Merchant)
	s.Message.Importance = widget.SuccessImportance
	s.Message.SetText(tr("reg.done") + "\n" + IdentityText(id))
	s.Submit.Disable()
	if s.OnRegistered != nil {
		s.OnRegistered(id)
	}
}

// show explains a refused registration: every wrong field, or the reason.
func (s *RegisterScreen) show(err error) {
	s.log.Warn("registration refused", "err", err)
	var lines []string
	for _, fe := range fieldErrors(err) {
		lines = append(lines, tr("reg.err."+fe.Field))
	}
	if len(lines) == 0 {
		lines = append(lines, registerErrorText(err))
	}
	s.Message.Importance = widget.DangerImportance
	s.Message.SetText(strings.Join(lines, "\n"))
}

// fieldErrors collects the *app.FieldError values in err (a joined error).
func fieldErrors(err error) []*app.FieldError {
	var fe *app.FieldError
	if errors.As(err, &fe) {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			var out []*app.FieldError
			for _, e := range joined.Unwrap() {
				out = append(out, fieldErrors(e)...)
			}
			return out
		}
		return []*app.FieldError{fe}
	}
	return nil
}

func registerErrorText(err error) string {
	for _, m := range []struct {
		target error
		key    string
	}{
		{app.ErrAlreadyRegistered, "reg.err.already"},
		{app.ErrJournalHasSales, "reg.err.sales"},
		{app.ErrDeregistering, "reg.err.deregistering"},
	} {
		if errors.Is(err, m.target) {
			return tr(m.key) + "\n" + err.Error()
		}
	}
	return errorText(err)
}
