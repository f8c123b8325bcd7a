package ui

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/users"
)

// OperatorsScreen is the managers' operator list: every operator with ID, name, role
// and whether they are locked or disabled; a form to add one; and, for the selected
// operator, a new PIN (which also lifts a lockout) and disable / enable. It is a modal
// over the window; its widgets are exported so tests drive it as a person does.
type OperatorsScreen struct {
	List *widget.List
	// Rows are the operators listed (without PIN hashes); Selected indexes them, -1
	// for none.
	Rows     []users.Operator
	Selected int

	// The add form.
	NewID, NewName  *KeyEntry
	NewRole         *Choice
	NewPIN, NewPIN2 *KeyEntry // password entries
	Add             *widget.Button

	// The selected operator's actions.
	Selection       *widget.Label
	ResetPIN1       *KeyEntry // password entries
	ResetPIN2       *KeyEntry
	ResetPIN        *widget.Button
	Disable, Enable *widget.Button
	Message         *widget.Label // what the last action did, or why not
	Close           *widget.Button
	OnClosed        func() // runs once when the screen closes

	auth            *app.Auth
	by              app.OperatorSession
	win             fyne.Window
	log             *slog.Logger
	now             func() time.Time // for showing locks
	popup           *widget.PopUp
	closed          bool
	selectedActions []fyne.Disableable
}

// ShowOperatorsScreen opens the operators screen over win for the logged-in manager
// by. It refuses (app.ErrNoPermission) an operator without ManageOperators.
func ShowOperatorsScreen(win fyne.Window, auth *app.Auth, by app.OperatorSession) (*OperatorsScreen, error) {
	if !by.Can(users.ManageOperators) {
		return nil, fmt.Errorf("operators screen: %s: %w", by.Operator, app.ErrNoPermission)
	}
	s := &OperatorsScreen{auth: auth, by: by, win: win, now: time.Now, Selected: -1,
		log: slog.Default().With("screen", "operators")}
	s.build()
	s.popup = widget.NewModalPopUp(container.NewPadded(s.layout()), win.Canvas())
	size := win.Canvas().Size()
	s.popup.Resize(fyne.NewSize(min(900, size.Width-40), min(640, size.Height-40)))
	s.reload()
	s.popup.Show()
	win.Canvas().Focus(s.NewID)
	s.log.Info("operators screen opened", "by", by.Operator)
	return s, nil
}

// build makes the widgets.
func (s *OperatorsScreen) build() {
	s.List = widget.NewList(func() int { return len(s.Rows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(s.RowText(i)) })
	s.List.OnSelected = func(i widget.ListItemID) { s.Selected = i; s.showSelection() }
	s.List.OnUnselected = func(widget.ListItemID) { s.Selected = -1; s.showSelection() }

	s.NewID = formEntry(tr("login.id"), false)
	s.NewName = formEntry(tr("login.name"), false)
	roles := make([]string, 0, len(users.Roles()))
	for _, r := range users.Roles() {
		roles = append(roles, string(r))
	}
	s.NewRole = newChoice(roles, translated("operators.role."), string(users.Cashier))
	s.NewPIN = formEntry(tr("login.pin_rules"), true)
	s.NewPIN2 = formEntry(tr("login.pin_again"), true)
	s.Add = widget.NewButton(tr("operators.add"), s.add)
	s.Add.Importance = widget.HighImportance
	chain(s.win, s.add, s.NewID, s.NewName, s.NewPIN, s.NewPIN2)

	s.Selection = widget.NewLabel("")
	s.ResetPIN1 = formEntry(tr("operators.new_pin"), true)
	s.ResetPIN2 = formEntry(tr("login.pin_again"), true)
	s.ResetPIN = widget.NewButton(tr("operators.reset_pin"), s.resetPIN)
	chain(s.win, s.resetPIN, s.ResetPIN1, s.ResetPIN2)
	s.Disable = widget.NewButton(tr("operators.disable"), func() { s.setDisabled(true) })
	s.Disable.Importance = widget.DangerImportance
	s.Enable = widget.NewButton(tr("operators.enable"), func() { s.setDisabled(false) })
	s.selectedActions = []fyne.Disableable{s.ResetPIN1, s.ResetPIN2, s.ResetPIN, s.Disable, s.Enable}

	s.Message = resultLabel()
	s.Close = widget.NewButton(tr("btn.close"), s.Dismiss)
	for _, e := range []*KeyEntry{s.NewID, s.NewName, s.NewPIN, s.NewPIN2, s.ResetPIN1, s.ResetPIN2} {
		e.OnKey = func(k *fyne.KeyEvent) bool {
			if k.Name == fyne.KeyEscape {
				s.Dismiss()
				return true
			}
			return false
		}
	}
}

// layout arranges the screen: the list on the left; the add form and the selected
// operator's actions on the right; the message and Close at the bottom.
func (s *OperatorsScreen) layout() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(tr("operators.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	addForm := widget.NewForm(
		widget.NewFormItem(tr("login.id"), s.NewID),
		widget.NewFormItem(tr("login.name"), s.NewName),
		widget.NewFormItem(tr("operators.role"), s.NewRole.Select),
		widget.NewFormItem(tr("login.pin"), s.NewPIN),
		widget.NewFormItem(tr("login.pin_again"), s.NewPIN2))
	add := widget.NewCard(tr("operators.add"), "", container.NewVBox(addForm, s.Add))
	resetForm := widget.NewForm(
		widget.NewFormItem(tr("operators.new_pin"), s.ResetPIN1),
		widget.NewFormItem(tr("login.pin_again"), s.ResetPIN2))
	selected := widget.NewCard("", "", container.NewVBox(s.Selection, resetForm, s.ResetPIN,
		container.NewGridWithColumns(2, s.Disable, s.Enable)))
	split := container.NewHSplit(s.List, container.NewVScroll(container.NewVBox(add, selected)))
	split.Offset = 0.5
	return container.NewBorder(title, container.NewBorder(nil, nil, nil, s.Close, s.Message), nil, nil, split)
}

// RowText is how operator row i is listed.
func (s *OperatorsScreen) RowText(i int) string {
	if i < 0 || i >= len(s.Rows) {
		return ""
	}
	op := s.Rows[i]
	parts := []string{op.ID, op.Name, tr("operators.role." + string(op.Role))}
	if op.Locked(s.now()) {
		parts = append(parts, trf("operators.locked", map[string]any{"Until": op.LockedUntil.Local().Format("15:04")}))
	}
	if op.Disabled {
		parts = append(parts, tr("operators.disabled"))
	}
	return strings.Join(parts, "   ")
}

// reload reads the operators again, keeping the selected one selected.
func (s *OperatorsScreen) reload() {
	keep := ""
	if op, ok := s.selected(); ok {
		keep = op.ID
	}
	rows, err := s.auth.Operators()
	if err != nil {
		s.fail(err)
		return
	}
	s.Rows = rows
	s.Selected = -1
	s.List.UnselectAll()
	s.List.Refresh()
	if keep != "" {
		s.SelectID(keep)
	}
	s.showSelection()
}

// SelectID selects the operator with id; it reports whether there is one.
func (s *OperatorsScreen) SelectID(id string) bool {
	for i, op := range s.Rows {
		if op.ID == id {
			s.List.Select(i)
			return true
		}
	}
	return false
}

func (s *OperatorsScreen) selected() (users.Operator, bool) {
	if s.Selected < 0 || s.Selected >= len(s.Rows) {
		return users.Operator{}, false
	}
	return s.Rows[s.Selected], true
}

// showSelection names the selected operator and enables what applies to them.
func (s *OperatorsScreen) showSelection() {
	op, ok := s.selected()
	if !ok {
		s.Selection.SetText(tr("operators.none_selected"))
		setEnabled(false, s.selectedActions...)
		return
	}
	s.Selection.SetText(trf("operators.selected", map[string]any{"Operator": op.ID + "  " + op.Name}))
	setEnabled(true, s.ResetPIN1, s.ResetPIN2, s.ResetPIN)
	setEnabled(!op.Disabled && op.ID != s.by.Operator, s.Disable)
	setEnabled(op.Disabled, s.Enable)
}

// add creates an operator from the add form.
func (s *OperatorsScreen) add() {
	id, pin, again := strings.TrimSpace(s.NewID.Text), s.NewPIN.Text, s.NewPIN2.Text
	s.NewPIN.SetText("")
	s.NewPIN2.SetText("")
	if pin != again {
		s.fail(errPINMismatch)
		s.win.Canvas().Focus(s.NewPIN)
		return
	}
	if err := s.auth.CreateOperator(s.by, id, s.NewName.Text, users.Role(s.NewRole.Value()), pin); err != nil {
		s.fail(err)
		s.win.Canvas().Focus(fieldFor(err, s.NewID, s.NewName, s.NewPIN))
		return
	}
	s.NewID.SetText("")
	s.NewName.SetText("")
	s.reload()
	s.SelectID(id)
	s.say(trf("operators.added", map[string]any{"ID": id}))
	s.win.Canvas().Focus(s.NewID)
}

// resetPIN gives the selected operator the new PIN typed twice.
func (s *OperatorsScreen) resetPIN() {
	op, ok := s.selected()
	pin, again := s.ResetPIN1.Text, s.ResetPIN2.Text
	s.ResetPIN1.SetText("")
	s.ResetPIN2.SetText("")
	if !ok {
		return
	}
	if pin != again {
		s.fail(errPINMismatch)
		return
	}
	if err := s.auth.ResetPIN(s.by, op.ID, pin); err != nil {
		s.fail(err)
		return
	}
	s.reload()
	s.say(trf("operators.pin_was_reset", map[string]any{"ID": op.ID}))
}

// setDisabled disables or enables the selected operator.
func (s *OperatorsScreen) setDisabled(disable bool) {
	op, ok := s.selected()
	if !ok {
		return
	}
	change, done := s.auth.EnableOperator, "operators.was_enabled"
	if disable {
		change, done = s.auth.DisableOperator, "operators.was_disabled"
	}
	if err := change(s.by, op.ID); err != nil {
		s.fail(err)
		return
	}
	s.reload()
	s.say(trf(done, map[string]any{"ID": op.ID}))
}

func (s *OperatorsScreen) say(msg string) {
	s.Message.Importance = widget.SuccessImportance
	s.Message.SetText(msg)
}

func (s *OperatorsScreen) fail(err error) {
	s.log.Warn("operator change refused", "err", err)
	s.Message.Importance = widget.DangerImportance
	s.Message.SetText(authErrorText(err))
}

// Dismiss closes the screen.
func (s *OperatorsScreen) Dismiss() {
	if s.closed {
		return
	}
	s.closed = true
	s.popup.Hide()
	s.log.Info("operators screen closed")
	if s.OnClosed != nil {
		s.OnClosed()
	}
}
