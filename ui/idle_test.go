package ui

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/core/users"
)

// After the configured minutes with no input the operator is signed off and the cart
// held; input, or a prompt left open, restarts the count.
func TestIdleSignOff(t *testing.T) {
	f := newConsoleFixture(t)
	loggedOut := 0
	f.c.console.Logout = func() { loggedOut++ }
	f.c.config.UI.IdleLogoutMinutes = 2
	f.scan(water)
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	f.c.checkIdle(t0)
	f.c.checkIdle(t0.Add(90 * time.Second))
	test.Type(f.c.Scan, "1") // a key: the count starts again
	f.c.checkIdle(t0.Add(100 * time.Second))
	f.c.checkIdle(t0.Add(200 * time.Second))
	if _, ok := f.auth.Current(); !ok || loggedOut != 0 {
		t.Fatal("signed off although a key was typed less than 2 minutes ago")
	}
	f.c.Scan.SetText("")
	f.c.askQuantity() // a prompt open: the cashier is busy
	f.c.checkIdle(t0.Add(400 * time.Second))
	f.c.checkIdle(t0.Add(600 * time.Second))
	if _, ok := f.auth.Current(); !ok {
		t.Fatal("signed off with a prompt open")
	}
	test.Tap(f.c.Popup.Cancel)
	f.c.checkIdle(t0.Add(700 * time.Second)) // the count runs from the last busy tick
	f.c.checkIdle(t0.Add(719 * time.Second))
	if _, ok := f.auth.Current(); !ok {
		t.Fatal("signed off before the limit")
	}
	f.c.checkIdle(t0.Add(721 * time.Second))
	if _, ok := f.auth.Current(); ok || loggedOut != 1 {
		t.Fatalf("still signed on after 2 idle minutes (logout called %d times)", loggedOut)
	}
	if held, err := f.till.Held(); err != nil || len(held) != 1 {
		t.Fatalf("the cart was not held at sign-off: %v, %v", held, err)
	}
	f.c.config.UI.IdleLogoutMinutes = 0 // never
	if _, err := f.auth.Login(uiManager, uiManagerPIN); err != nil {
		t.Fatal(err)
	}
	f.c.checkIdle(t0.Add(1000 * time.Second))
	f.c.checkIdle(t0.Add(100000 * time.Second))
	if _, ok := f.auth.Current(); !ok {
		t.Fatal("signed off with idle sign-off turned off")
	}
}

const uiTech, uiTechPIN = "9001", "246810"

// Outside demo mode an unregistered till puts registration first: whoever may register
// gets the screen on signing on; a cashier is told who must do it, and cannot sell.
func TestUnregisteredTillAsksForRegistration(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(Theme{})
	if _, err := SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
	s, reg := newDeregSession(t)
	s.Config.Terminal.Demo = false
	s.Registration = reg
	s.Auth = app.NewAuth(s.Journal, app.AuthOptions{Rand: rand.NewChaCha8([32]byte{7}),
		Params: users.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil))})
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(1280, 800))
	c := NewCashier(s.Till, w, "en", s.Log)
	w.SetContent(c.Content())
	c.EnableManagerConsole(s, func() {})
	if err := s.Auth.CreateFirstManager(uiManager, "王芳", uiManagerPIN); err != nil {
		t.Fatal(err)
	}
	m, err := s.Auth.Login(uiManager, uiManagerPIN)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Auth.CreateOperator(m, uiCashier, "Li Wei", users.Cashier, uiCashierPIN); err != nil {
		t.Fatal(err)
	}
	if err := s.Auth.CreateOperator(m, uiTech, "Zhao Gong", users.Technician, uiTechPIN); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Auth.Login(uiCashier, uiCashierPIN); err != nil {
		t.Fatal(err)
	}
	c.SignedOn()
	if c.Screen != nil || !strings.Contains(c.Message.Text, tr("err.not_registered")) {
		t.Fatalf("cashier on an unregistered till: screen %T, message %q", c.Screen, c.Message.Text)
	}
	if _, err := s.Auth.Login(uiManager, uiManagerPIN); err != nil {
		t.Fatal(err)
	}
	c.SignedOn()
	d, ok := c.Screen.(*OverrideDialog)
	if !ok {
		t.Fatalf("manager on an unregistered till got %T, want a technician's approval", c.Screen)
	}
	d.ManagerID.SetText(uiTech)
	d.PIN.SetText(uiTechPIN)
	d.Reason.SetValue(string(users.Other))
	d.Note.SetText("first installation")
	test.Tap(d.Approve)
	if _, ok := c.Screen.(*RegisterScreen); !ok {
		t.Fatalf("after the technician's approval: %T (%q), want the registration screen", c.Screen, d.Error.Text)
	}
	c.Screen.Dismiss()

	if _, err := s.Auth.Login(uiTech, uiTechPIN); err != nil {
		t.Fatal(err)
	}
	c.SignedOn()
	if _, ok := c.Screen.(*RegisterScreen); !ok {
		t.Fatalf("technician on an unregistered till got %T, want the registration screen", c.Screen)
	}
	c.Screen.Dismiss()

	s.Config.Terminal.Demo = true // a demo till sells unregistered and does not ask
	c.SignedOn()
	if c.Screen != nil {
		t.Fatalf("demo till opened %T on sign-on", c.Screen)
	}
}
