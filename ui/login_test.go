package ui

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/core/journal"
	"tilldesk/core/users"
)

// Operators of the sign-on tests.
const (
	uiManager, uiManagerPIN = "1001", "73915408"
	uiCashier, uiCashierPIN = "2001", "58203961"
)

// authUI is a window over a real journal in a temporary directory and the Auth use
// case with a cheap PIN hash and a settable clock.
type authUI struct {
	w     fyne.Window
	auth  *app.Auth
	j     *journal.Journal
	clock time.Time
}

// newAuthUI makes the fixture; withOperators adds a manager and a cashier, nobody
// signed on.
func newAuthUI(t *testing.T, withOperators bool) *authUI {
	t.Helper()
	test.NewTempApp(t)
	if _, err := SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
	u := &authUI{clock: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)}
	now := func() time.Time { return u.clock }
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{Terminal: "T1", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	u.j = j
	u.auth = app.NewAuth(j, app.AuthOptions{Now: now, Rand: rand.NewChaCha8([32]byte{7}),
		Params: users.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil))})
	u.w = test.NewWindow(nil)
	u.w.Resize(fyne.NewSize(1280, 800))
	t.Cleanup(sync.OnceFunc(u.w.Close))
	if withOperators {
		if err := u.auth.CreateFirstManager(uiManager, "王芳", uiManagerPIN); err != nil {
			t.Fatal(err)
		}
		m := u.signOn(t, uiManager, uiManagerPIN)
		if err := u.auth.CreateOperator(m, uiCashier, "Li Wei", users.Cashier, uiCashierPIN); err != nil {
			t.Fatal(err)
		}
		if err := u.auth.Logout(); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func (u *authUI) signOn(t *testing.T, id, pin string) app.OperatorSession {
	t.Helper()
	s, err := u.auth.Login(id, pin)
	if err != nil {
		t.Fatalf("Login(%s): %v", id, err)
	}
	return s
}

// enter types text into e (which must have the focus) and presses Enter.
func (u *authUI) enter(t *testing.T, e *KeyEntry, text string) {
	t.Helper()
	if u.w.Canvas().Focused() != e {
		t.Fatalf("typing %q: the entry %q has no focus (%v has)", text, e.PlaceHolder, u.w.Canvas().Focused())
	}
	test.Type(e, text)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

// count returns how many journal records of kind there are.
func (u *authUI) count(t *testing.T, kind string) int {
	t.Helper()
	n := 0
	if err := u.j.Each(journal.Filter{Kind: kind}, func(journal.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoginScreen(t *testing.T) {
	u := newAuthUI(t, true)
	var sessions []app.OperatorSession
	l := NewLoginScreen(u.auth, u.w, func(s app.OperatorSession) { sessions = append(sessions, s) })
	l.Show()
	if l.FirstRun || l.Title.Text != tr("login.title") {
		t.Fatalf("first run %v, title %q", l.FirstRun, l.Title.Text)
	}
	if !l.PIN.Password {
		t.Error("the PIN is not masked")
	}
	u.enter(t, l.ID, "9999")
	u.enter(t, l.PIN, uiCashierPIN)
	if l.Error.Text != tr("auth.err.unknown") || u.w.Canvas().Focused() != l.ID {
		t.Errorf("unknown ID: error %q, focus %v", l.Error.Text, u.w.Canvas().Focused())
	}
	l.ID.SetText("")
	u.enter(t, l.ID, uiCashier)
	u.enter(t, l.PIN, "11112222")
	if l.Error.Text != tr("auth.err.bad_pin") || l.PIN.Text != "" || u.w.Canvas().Focused() != l.PIN || len(sessions) != 0 {
		t.Fatalf("wrong PIN: error %q, PIN %q, sessions %v", l.Error.Text, l.PIN.Text, sessions)
	}
	u.enter(t, l.PIN, uiCashierPIN)
	if len(sessions) != 1 || sessions[0].Operator != uiCashier || l.Error.Text != "" {
		t.Fatalf("right PIN: sessions %v, error %q", sessions, l.Error.Text)
	}

	// Back at the screen after a logout, five wrong PINs lock the cashier.
	if err := u.auth.Logout(); err != nil {
		t.Fatal(err)
	}
	l.Show()
	if l.ID.Text != "" || u.w.Canvas().Focused() != l.ID {
		t.Fatal("Show did not clear and focus the form")
	}
	u.enter(t, l.ID, uiCashier)
	for range 5 {
		u.enter(t, l.PIN, "11112222")
	}
	want := trf("auth.err.locked", map[string]any{"Until": u.clock.Add(15 * time.Minute).Local().Format("15:04")})
	if l.Error.Text != want {
		t.Errorf("after 5 wrong PINs: %q, want %q", l.Error.Text, want)
	}
	u.enter(t, l.PIN, uiCashierPIN)
	if l.Error.Text != want || len(sessions) != 1 {
		t.Errorf("the right PIN while locked: %q, sessions %d", l.Error.Text, len(sessions))
	}
	if n := u.count(t, app.KindLockout); n != 1 {
		t.Errorf("%d lockout records", n)
	}
}

func TestLoginScreenCreatesFirstManager(t *testing.T) {
	u := newAuthUI(t, false)
	var sessions []app.OperatorSession
	l := NewLoginScreen(u.auth, u.w, func(s app.OperatorSession) { sessions = append(sessions, s) })
	l.Show()
	if !l.FirstRun || l.Title.Text != tr("login.first_title") || u.w.Canvas().Focused() != l.NewID {
		t.Fatalf("first run %v, title %q, focus %v", l.FirstRun, l.Title.Text, u.w.Canvas().Focused())
	}
	u.enter(t, l.NewID, uiManager)
	u.enter(t, l.NewName, "王芳")
	u.enter(t, l.NewPIN, uiManagerPIN)
	u.enter(t, l.NewPIN2, "73915409")
	if l.Error.Text != tr("auth.err.pin_mismatch") || l.NewPIN.Text != "" || l.NewPIN2.Text != "" || u.w.Canvas().Focused() != l.NewPIN {
		t.Fatalf("PINs differ: error %q, focus %v", l.Error.Text, u.w.Canvas().Focused())
	}
	u.enter(t, l.NewPIN, "4567")
	u.enter(t, l.NewPIN2, "4567")
	if l.Error.Text != tr("auth.err.pin_weak") {
		t.Fatalf("weak PIN: error %q", l.Error.Text)
	}
	u.enter(t, l.NewPIN, uiManagerPIN)
	u.enter(t, l.NewPIN2, uiManagerPIN)
	if len(sessions) != 1 || sessions[0].Operator != uiManager || sessions[0].Role != users.Manager || sessions[0].Name != "王芳" {
		t.Fatalf("sessions = %+v, error %q", sessions, l.Error.Text)
	}
	if u.count(t, app.KindOperatorCreated) != 1 || u.count(t, app.KindLogin) != 1 {
		t.Error("the first manager's creation and login are not both journaled")
	}
	if err := u.auth.Logout(); err != nil {
		t.Fatal(err)
	}
	l.Show()
	if l.FirstRun || l.NewID.Text != "" {
		t.Error("the first-manager form is offered again")
	}
}

// Every role, permission and reason code a screen names has a message in both
// languages (the keys are computed, so the key scan cannot see them).
func TestAuthLabelsTranslated(t *testing.T) {
	var keys []string
	for _, r := range users.Roles() {
		keys = append(keys, "operators.role."+string(r))
	}
	for _, p := range users.Permissions() {
		keys = append(keys, "override.perm."+string(p))
	}
	for _, c := range users.ReasonCodes() {
		keys = append(keys, "override.reason."+string(c))
	}
	for _, language := range []string{"en", "zh"} {
		msgs, err := Messages(language)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if strings.TrimSpace(msgs[k]) == "" {
				t.Errorf("%s has no message for %q", language, k)
			}
		}
	}
}
