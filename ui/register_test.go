package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
)

func TestRegisterScreen(t *testing.T) {
	for _, language := range []string{"en", "zh"} {
		t.Run(language, func(t *testing.T) {
			a := test.NewTempApp(t)
			a.Settings().SetTheme(Theme{})
			if _, err := SetLanguage(language); err != nil {
				t.Fatal(err)
			}
			s, reg := newDeregSession(t)
			w := test.NewWindow(nil)
			t.Cleanup(w.Close)
			w.Resize(fyne.NewSize(1280, 800))
			register := func(f app.RegistrationForm) (app.TerminalIdentity, error) { return s.RegisterTerminal(reg, f, "mgr-1") }
			sc := ShowRegisterScreen(w, s.Config.Terminal, register)
			var got app.TerminalIdentity
			sc.OnRegistered = func(id app.TerminalIdentity) { got = id }
			if sc.Terminal.Text != "DEMO0001" || sc.Merchant.Text != "898310000000001" {
				t.Fatalf("fields start as %q %q", sc.Terminal.Text, sc.Merchant.Text)
			}

			sc.Merchant.SetText("12345")
			sc.Terminal.SetText("T-1")
			test.Tap(sc.Submit)
			for _, key := range []string{"reg.err.merchant", "reg.err.terminal", "reg.err.acquirer"} {
				if !strings.Contains(sc.Message.Text, tr(key)) {
					t.Errorf("message %q lacks %q", sc.Message.Text, tr(key))
				}
			}
			if sc.Message.Importance != widget.DangerImportance || reg.Status() != app.StatusUnregistered {
				t.Fatal("a bad form was not refused")
			}

			sc.Merchant.SetText("898310000000009")
			sc.Terminal.SetText("DEMO0001")
			test.Type(sc.Acquirer, "10.1.2.3:8583")
			test.Tap(sc.Submit)
			if got.Terminal != "DEMO0001" || got.Merchant != "898310000000009" || reg.Status() != app.StatusRegistered {
				t.Fatalf("registered %+v, status %s; message %q", got, reg.Status(), sc.Message.Text)
			}
			if !strings.Contains(sc.Message.Text, tr("reg.done")) || !strings.Contains(sc.Message.Text, "898310000000009") || !sc.Submit.Disabled() {
				t.Fatalf("message after registering: %q", sc.Message.Text)
			}

			again := ShowRegisterScreen(w, s.Config.Terminal, register)
			test.Type(again.Acquirer, "10.1.2.3:8583")
			test.Tap(again.Submit)
			if !strings.Contains(again.Message.Text, tr("reg.err.already")) {
				t.Fatalf("registering twice: %q", again.Message.Text)
			}
		})
	}
}
