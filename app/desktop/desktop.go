// Package desktop opens the till's window: it creates the Fyne app with the GLFW driver
// (cgo), which the ui package deliberately never does, and wires the screens to the till.
package desktop

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"tilldesk/app"
	"tilldesk/assets"
	"tilldesk/ui"
)

// ErrNoDisplay is returned on a Linux machine with no graphical session.
var ErrNoDisplay = errors.New("no display: Tilldesk needs a graphical desktop (DISPLAY or WAYLAND_DISPLAY is not set); on a server, run it under Xvfb, e.g. `xvfb-run -a make run`")

// Run opens the cashier window for the started till and blocks until it is closed.
func Run(s *app.Session) error {
	if err := checkDisplay(); err != nil {
		return err
	}
	a := fyneapp.NewWithID("com.tilldesk.pos")
	a.SetIcon(fyne.NewStaticResource("tilldesk.png", assets.Icon))
	a.Settings().SetTheme(ui.Theme{})
	language, err := ui.SetLanguage(s.Config.UI.Language)
	if err != nil {
		return fmt.Errorf("desktop: %w", err)
	}
	w := a.NewWindow(fmt.Sprintf("Tilldesk 收银台 — %s", s.Config.Terminal.ID))
	cashier := ui.NewCashier(s.Till, w, language, s.Log)
	content := cashier.Content()
	login := ui.NewLoginScreen(s.Auth, w, func(app.OperatorSession) {
		w.SetContent(content)
		cashier.SignedOn()
	})
	cashier.EnableManagerConsole(s, login.Show)
	w.Resize(fyne.NewSize(1280, 800))
	stop := make(chan struct{})
	cashier.StartClock(stop)
	devs, err := app.StartDevices(s.Config, s.Paths, s.Till, s.Log)
	if err != nil {
		// A bad device setting must not keep the till from selling: start with no
		// devices (the keyboard and a wedge scanner still work), say what to fix, and
		// let the devices screen (F11) fix it live.
		s.Log.Error("devices not started", "err", err)
		cashier.ShowDeviceError(err)
		none := s.Config
		none.Devices.Scanner.Kind, none.Devices.Printer.Kind = app.LinkNone, app.LinkNone
		none.Devices.CardReader.Kind, none.Devices.PINPad.Kind = app.LinkNone, app.LinkNone
		devs, err = app.StartDevices(none, s.Paths, s.Till, s.Log)
	}
	if err == nil {
		defer devs.Close()
		_ = app.AttachCardTerminal(s, devs) // a refused [emv] is logged and shown in the status bar
		app.AttachCustomerDisplay(s, devs)
		cashier.AttachDevices(devs, stop)
	}
	cashier.EnableSettings(s.Config, func(cfg app.Config) error { return app.SaveConfig(s.Paths.Config, cfg) })
	w.SetMaster()
	login.Show()
	s.Log.Info("window open", "language", language)
	w.ShowAndRun()
	close(stop)
	slog.Info("window closed")
	return nil
}

// checkDisplay refuses to start GLFW without a display, which would otherwise fail with
// an obscure driver error.
func checkDisplay() error {
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return ErrNoDisplay
	}
	return nil
}

// StartupFailed shows a window explaining why the till could not start, so the person
// at the till (who started it from a menu, with no terminal) sees the reason.
func StartupFailed(cause error) {
	if checkDisplay() != nil {
		return
	}
	a := fyneapp.NewWithID("com.tilldesk.pos")
	a.Settings().SetTheme(ui.Theme{})
	if _, err := ui.SetLanguage("auto"); err != nil {
		slog.Error("translations", "err", err)
	}
	w := a.NewWindow("Tilldesk 收银台")
	w.SetContent(ui.StartupError(cause, a.Quit))
	w.Resize(fyne.NewSize(640, 280))
	w.ShowAndRun()
}

// Frontend is the desktop implementation of app.Frontend.
type Frontend struct{}

// Run opens the cashier window.
func (Frontend) Run(s *app.Session) error { return Run(s) }

// StartupFailed shows the start-up error in a window.
func (Frontend) StartupFailed(err error) { StartupFailed(err) }

// Screenshots saves the README screenshots.
func (Frontend) Screenshots(s *app.Session, dir string) error { return Screenshots(s, dir) }
