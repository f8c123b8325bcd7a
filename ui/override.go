package ui

import (
	"errors"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/users"
)

// OverrideDialog asks a manager to approve a cashier's action that needs a
// permission the cashier lacks: the manager's ID and PIN (masked), a reason from the
// fixed list and a note (needed for "other"). A refusal (wrong PIN, locked, not a
// manager) is shown and the dialog stays open; an approval closes it and hands the
// approval on. Enter moves through the fields and approves from the note; Escape
// cancels. It is a modal over the window; its widgets are exported for tests.
type OverrideDialog struct {
	Title     *widget.Label
	ManagerID *KeyEntry
	PIN       *KeyEntry
	Reason    *Choice
	Note      *KeyEntry
	Error     *widget.Label
	Approve   *widget.Button
	Cancel    *widget.Button
	// OnClosed, if set, runs once when the dialog closes, approved or cancelled,
	// before the approval callback.
	OnClosed func()

	perm     users.Permission
	auth     *app.Auth
	win      fyne.Window
	approved func(app.Approval)
	log      *slog.Logger
	popup    *widget.PopUp
	closed   bool
}

// ShowOverrideDialog opens the override dialog over win for perm; approved runs on
// the UI goroutine with the journaled approval. The caller keeps the dialog (so its
// own focus handling leaves it alone) and sets OnClosed to forget it.
func ShowOverrideDialog(win fyne.Window, auth *app.Auth, perm users.Permission, approved func(app.Approval)) *OverrideDialog {
	d := &OverrideDialog{perm: perm, auth: auth, win: win, approved: approved,
		log: slog.Default().With("screen", "override", "perm", string(perm))}
	d.Title = widget.NewLabelWithStyle(trf("override.title", map[string]any{"Action": permissionLabel(perm)}),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.ManagerID = formEntry(tr("override.manager_id"), false)
	d.PIN = formEntry(tr("override.pin"), true)
	d.Reason = newChoice(reasonCodes(), translated("override.reason."), string(users.ReasonCodes()[0]))
	d.Reason.ClearSelected() // the manager must choose one
	d.Note = formEntry(tr("override.note"), false)
	d.Error = resultLabel()
	d.Error.Importance = widget.DangerImportance
	d.Approve = widget.NewButton(tr("override.approve"), d.approve)
	d.Approve.Importance = widget.HighImportance
	d.Cancel = widget.NewButton(tr("btn.cancel"), d.Dismiss)
	chain(win, d.approve, d.ManagerID, d.PIN, d.Note)
	for _, e := range []*KeyEntry{d.ManagerID, d.PIN, d.Note} {
		e.OnKey = d.escape
	}

	form := widget.NewForm(
		widget.NewFormItem(tr("override.manager_id"), d.ManagerID),
		widget.NewFormItem(tr("override.pin"), d.PIN),
		widget.NewFormItem(tr("override.reason"), d.Reason.Select),
		widget.NewFormItem(tr("override.note"), d.Note))
	box := container.NewVBox(d.Title, form, d.Error, container.NewGridWithColumns(2, d.Cancel, d.Approve))
	d.popup = widget.NewModalPopUp(container.NewPadded(box), win.Canvas())
	d.popup.Resize(fyne.NewSize(520, d.popup.MinSize().Height))
	d.popup.Show()
	win.Canvas().Focus(d.ManagerID)
	d.log.Info("override asked")
	return d
}

// reasonCodes lists the reason codes as strings for a Choice.
func reasonCodes() []string {
	var out []string
	for _, r := range users.ReasonCodes() {
		out = append(out, string(r))
	}
	return out
}

// permissionLabel names a permission in the screen's language.
func permissionLabel(p users.Permission) string { return tr("override.perm." + string(p)) }

func (d *OverrideDialog) escape(k *fyne.KeyEvent) bool {
	if k.Name == fyne.KeyEscape {
		d.Dismiss()
		return true
	}
	return false
}

// approve asks Auth for the approval. A missing reason or note is pointed out first,
// keeping the PIN typed; once tried, the PIN entry is cleared whatever happens.
func (d *OverrideDialog) approve() {
	reason := users.Reason{Code: users.ReasonCode(d.Reason.Value()), Note: d.Note.Text}
	if _, err := reason.Clean(); err != nil {
		d.Error.SetText(authErrorText(err))
		if errors.Is(err, users.ErrBadReason) {
			d.win.Canvas().Focus(nil) // the reason list takes no keys: it is tapped
		} else {
			d.win.Canvas().Focus(d.Note)
		}
		return
	}
	pin := d.PIN.Text
	d.PIN.SetText("")
	a, err := d.auth.Override(d.perm, strings.TrimSpace(d.ManagerID.Text), pin, reason)
	if err != nil {
		d.log.Warn("override refused", "err", err)
		d.Error.SetText(authErrorText(err))
		switch {
		case errors.Is(err, app.ErrUnknownOperator), errors.Is(err, app.ErrDisabled),
			errors.Is(err, app.ErrNoPermission), errors.Is(err, app.ErrLocked):
			d.ManagerID.SetText("")
			d.win.Canvas().Focus(d.ManagerID)
		default:
			d.win.Canvas().Focus(d.PIN)
		}
		return
	}
	d.close()
	if d.approved != nil {
		d.approved(a)
	}
}

// Dismiss closes the dialog without an approval.
func (d *OverrideDialog) Dismiss() {
	if !d.closed {
		d.log.Info("override cancelled")
	}
	d.close()
}

func (d *OverrideDialog) close() {
	if d.closed {
		return
	}
	d.closed = true
	d.popup.Hide()
	if d.OnClosed != nil {
		d.OnClosed()
	}
}

// Authorize runs action if the logged-in operator holds perm (with a nil approval),
// or else opens the override dialog and runs action with the manager's approval. It
// returns the dialog it opened, or nil. With nobody logged in nothing runs.
func Authorize(win fyne.Window, auth *app.Auth, perm users.Permission, action func(*app.Approval)) *OverrideDialog {
	s, ok := auth.Current()
	if !ok {
		slog.Warn("action refused: nobody is signed on", "perm", perm)
		return nil
	}
	if s.Can(perm) {
		action(nil)
		return nil
	}
	return ShowOverrideDialog(win, auth, perm, func(a app.Approval) { action(&a) })
}
