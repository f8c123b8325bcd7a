package ui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/core/journal"
	"tilldesk/core/users"
)

func TestOverrideDialogRefusesThenApproves(t *testing.T) {
	u := newAuthUI(t, true)
	u.signOn(t, uiCashier, uiCashierPIN)
	var approvals []app.Approval
	closed := 0
	d := ShowOverrideDialog(u.w, u.auth, users.Refund, func(a app.Approval) { approvals = append(approvals, a) })
	d.OnClosed = func() { closed++ }
	if !strings.Contains(d.Title.Text, tr("override.perm.refund")) || !d.PIN.Password {
		t.Errorf("title %q, PIN masked %v", d.Title.Text, d.PIN.Password)
	}

	// No reason chosen: said before the PIN is tried, and the PIN stays typed.
	u.enter(t, d.ManagerID, uiManager)
	u.enter(t, d.PIN, uiManagerPIN)
	u.enter(t, d.Note, "")
	if d.Error.Text != tr("auth.err.no_reason") || d.PIN.Text != uiManagerPIN {
		t.Fatalf("no reason: error %q, PIN kept %v", d.Error.Text, d.PIN.Text == uiManagerPIN)
	}
	d.Reason.SetValue(string(users.WrongItem))

	// The cashier's own ID and PIN are refused: a cashier cannot approve.
	d.ManagerID.SetText("")
	d.PIN.SetText("")
	u.w.Canvas().Focus(d.ManagerID)
	u.enter(t, d.ManagerID, uiCashier)
	u.enter(t, d.PIN, uiCashierPIN)
	u.enter(t, d.Note, "")
	if d.Error.Text != tr("auth.err.not_allowed") || d.ManagerID.Text != "" || u.w.Canvas().Focused() != d.ManagerID {
		t.Fatalf("cashier's own PIN: error %q, ID %q", d.Error.Text, d.ManagerID.Text)
	}

	// The manager's wrong PIN is refused and the PIN field cleared for another try.
	u.enter(t, d.ManagerID, uiManager)
	u.enter(t, d.PIN, "11112222")
	u.enter(t, d.Note, "")
	if d.Error.Text != tr("auth.err.bad_pin") || d.PIN.Text != "" || u.w.Canvas().Focused() != d.PIN || len(approvals) != 0 || closed != 0 {
		t.Fatalf("wrong PIN: error %q, approvals %d, closed %d", d.Error.Text, len(approvals), closed)
	}

	u.enter(t, d.PIN, uiManagerPIN)
	u.enter(t, d.Note, "scanned twice")
	if len(approvals) != 1 || closed != 1 || d.popup.Visible() {
		t.Fatalf("right PIN: approvals %v, closed %d, visible %v, error %q", approvals, closed, d.popup.Visible(), d.Error.Text)
	}
	a := approvals[0]
	if a.Manager != uiManager || a.Cashier != uiCashier || a.Permission != users.Refund ||
		a.Reason != (users.Reason{Code: users.WrongItem, Note: "scanned twice"}) || a.Seq == 0 {
		t.Errorf("approval = %+v", a)
	}

	var results []string
	err := u.j.Each(journal.Filter{Kind: app.KindOverride}, func(r journal.Record) error {
		var d struct {
			Approved bool
			Refusal  string
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return err
		}
		results = append(results, d.Refusal)
		return nil
	})
	if err != nil || strings.Join(results, ",") != "not_allowed,bad_pin," {
		t.Errorf("override records: %v, %v", results, err)
	}
}

func TestOverrideDialogLockedAndCancelled(t *testing.T) {
	u := newAuthUI(t, true)
	u.signOn(t, uiCashier, uiCashierPIN)
	closed := 0
	d := ShowOverrideDialog(u.w, u.auth, users.NoSaleDrawer, func(app.Approval) { t.Error("approved") })
	d.OnClosed = func() { closed++ }
	d.Reason.SetValue(string(users.Other))
	d.Note.SetText("float check")
	for range 5 {
		d.ManagerID.SetText(uiManager)
		d.PIN.SetText("11112222")
		test.Tap(d.Approve)
	}
	if want := trf("auth.err.locked", map[string]any{"Until": u.clock.Add(15 * time.Minute).Local().Format("15:04")}); d.Error.Text != want {
		t.Errorf("five wrong PINs: %q", d.Error.Text)
	}
	u.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if closed != 1 || d.popup.Visible() {
		t.Errorf("Escape: closed %d, visible %v", closed, d.popup.Visible())
	}
	d.Dismiss() // a second close does nothing
	if closed != 1 {
		t.Errorf("closed %d times", closed)
	}
}

// Authorize runs the action at once for an operator who holds the permission and asks
// a manager otherwise.
func TestAuthorize(t *testing.T) {
	u := newAuthUI(t, true)
	var got []*app.Approval
	run := func(a *app.Approval) { got = append(got, a) }
	if d := Authorize(u.w, u.auth, users.Refund, run); d != nil || len(got) != 0 {
		t.Fatal("nobody signed on, yet something happened")
	}
	u.signOn(t, uiManager, uiManagerPIN)
	if d := Authorize(u.w, u.auth, users.Refund, run); d != nil || len(got) != 1 || got[0] != nil {
		t.Fatalf("a manager's refund: dialog %v, runs %v", d, got)
	}
	u.signOn(t, uiCashier, uiCashierPIN)
	d := Authorize(u.w, u.auth, users.Refund, run)
	if d == nil || len(got) != 1 {
		t.Fatal("a cashier's refund did not ask for a manager")
	}
	d.Reason.SetValue(string(users.Damaged))
	d.ManagerID.SetText(uiManager)
	d.PIN.SetText(uiManagerPIN)
	test.Tap(d.Approve)
	if len(got) != 2 || got[1] == nil || got[1].Manager != uiManager {
		t.Fatalf("after approval: %v (error %q)", got, d.Error.Text)
	}
}
