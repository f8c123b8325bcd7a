package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/core/users"
)

func TestOperatorsScreenAddDisableReset(t *testing.T) {
	u := newAuthUI(t, true)
	m := u.signOn(t, uiManager, uiManagerPIN)
	s, err := ShowOperatorsScreen(u.w, u.auth, m)
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return u.clock }
	closed := 0
	s.OnClosed = func() { closed++ }
	if len(s.Rows) != 2 || s.RowText(0) != "1001   王芳   Manager" || s.RowText(1) != "2001   Li Wei   Cashier" {
		t.Fatalf("rows: %q, %q", s.RowText(0), s.RowText(1))
	}
	if s.Rows[0].PINHash != "" || !s.ResetPIN.Disabled() || !s.Disable.Disabled() {
		t.Error("hash shown, or actions enabled with nothing selected")
	}

	// Add a technician with the keyboard: Enter moves through the form.
	s.NewRole.SetValue(string(users.Technician))
	u.enter(t, s.NewID, "3001")
	u.enter(t, s.NewName, "Zhang San")
	u.enter(t, s.NewPIN, "24681357")
	u.enter(t, s.NewPIN2, "24681357")
	if len(s.Rows) != 3 || s.RowText(2) != "3001   Zhang San   Technician" || s.Message.Text != "Operator 3001 added" {
		t.Fatalf("after adding: rows %d, %q, message %q", len(s.Rows), s.RowText(2), s.Message.Text)
	}
	if op, ok := s.selected(); !ok || op.ID != "3001" || s.NewID.Text != "" {
		t.Errorf("the new operator is not selected, or the form is not cleared: %+v", op)
	}
	u.enter(t, s.NewID, "3001")
	u.enter(t, s.NewName, "Again")
	u.enter(t, s.NewPIN, "24681357")
	u.enter(t, s.NewPIN2, "24681357")
	if s.Message.Text != tr("auth.err.exists") || len(s.Rows) != 3 {
		t.Errorf("a duplicate ID: %q", s.Message.Text)
	}

	// Disable the cashier; they cannot sign on until enabled again.
	if !s.SelectID(uiCashier) || s.Disable.Disabled() || !s.Enable.Disabled() {
		t.Fatal("selecting the cashier")
	}
	test.Tap(s.Disable)
	if !strings.HasSuffix(s.RowText(1), tr("operators.disabled")) || !s.Disable.Disabled() || s.Enable.Disabled() {
		t.Fatalf("after Disable: %q", s.RowText(1))
	}
	if _, err := u.auth.Login(uiCashier, uiCashierPIN); !errors.Is(err, app.ErrDisabled) {
		t.Fatalf("a disabled cashier signs on: %v", err)
	}
	// That failed login signed nobody out: the manager's screen still works.
	test.Tap(s.Enable)
	if strings.Contains(s.RowText(1), tr("operators.disabled")) || s.Message.Text != "Operator 2001 enabled" {
		t.Fatalf("after Enable: %q, %q", s.RowText(1), s.Message.Text)
	}

	// Managers cannot disable themselves.
	s.SelectID(uiManager)
	if !s.Disable.Disabled() {
		t.Error("Disable is offered for the manager's own row")
	}

	// Lock the cashier (shown in the list), then give them a new PIN, which unlocks.
	for range 5 {
		u.auth.Login(uiCashier, "11112222")
	}
	s.reload() // failed logins leave the manager signed on

	if want := trf("operators.locked", map[string]any{"Until": u.clock.Add(15 * time.Minute).Local().Format("15:04")}); !strings.Contains(s.RowText(1), want) {
		t.Fatalf("locked cashier listed as %q", s.RowText(1))
	}
	s.SelectID(uiCashier)
	s.ResetPIN1.SetText("86420975")
	s.ResetPIN2.SetText("86420976")
	test.Tap(s.ResetPIN)
	if s.Message.Text != tr("auth.err.pin_mismatch") {
		t.Errorf("PINs differ: %q", s.Message.Text)
	}
	s.ResetPIN1.SetText("86420975")
	s.ResetPIN2.SetText("86420975")
	test.Tap(s.ResetPIN)
	if s.Message.Text != "New PIN set for 2001" || strings.Contains(s.RowText(1), "locked") {
		t.Fatalf("after the reset: %q, %q", s.Message.Text, s.RowText(1))
	}
	if s.ResetPIN1.Text != "" || s.ResetPIN2.Text != "" {
		t.Error("the new PIN stays on the screen")
	}
	if _, err := u.auth.Login(uiCashier, "86420975"); err != nil {
		t.Errorf("the new PIN: %v", err)
	}
	for kind, n := range map[string]int{app.KindOperatorCreated: 3, app.KindOperatorDisabled: 1, app.KindOperatorEnabled: 1, app.KindPINReset: 1} {
		if got := u.count(t, kind); got != n {
			t.Errorf("%d %s records, want %d", got, kind, n)
		}
	}
	test.Tap(s.Close)
	if closed != 1 || s.popup.Visible() {
		t.Errorf("Close: closed %d, visible %v", closed, s.popup.Visible())
	}
}

func TestOperatorsScreenIsForManagers(t *testing.T) {
	u := newAuthUI(t, true)
	c := u.signOn(t, uiCashier, uiCashierPIN)
	if s, err := ShowOperatorsScreen(u.w, u.auth, c); s != nil || !errors.Is(err, app.ErrNoPermission) {
		t.Errorf("a cashier opened the operators screen: %v", err)
	}
	// A manager's screen left open after someone else signed on changes nothing.
	m := u.signOn(t, uiManager, uiManagerPIN)
	s, err := ShowOperatorsScreen(u.w, u.auth, m)
	if err != nil {
		t.Fatal(err)
	}
	u.signOn(t, uiCashier, uiCashierPIN)
	s.SelectID(uiCashier)
	test.Tap(s.Disable)
	if s.Message.Text != tr("auth.err.not_logged_in") || strings.Contains(s.RowText(1), tr("operators.disabled")) {
		t.Errorf("stale manager session: %q, %q", s.Message.Text, s.RowText(1))
	}
}
