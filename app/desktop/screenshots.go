package desktop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"tilldesk/app"
	"tilldesk/devices/sim/emvcard"
	"tilldesk/ui"
)

// Screenshots opens the real window (GLFW, under Xvfb on a server), rings up a demo
// sale in each language and saves PNGs of the cashier screen with a cart, the cash
// dialog and the receipt into outDir. It uses the session's own journal, so run it with
// a throwaway --data-dir.
func Screenshots(s *app.Session, outDir string) error {
	if err := checkDisplay(); err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("screenshots: %w", err)
	}
	a := fyneapp.NewWithID("com.tilldesk.pos.screenshots")
	a.Settings().SetTheme(ui.Theme{})
	w := a.NewWindow("Tilldesk 收银台")
	w.Resize(fyne.NewSize(1280, 800))
	devs, err := app.StartDevices(s.Config, s.Paths, s.Till, s.Log)
	if err != nil {
		return fmt.Errorf("screenshots: devices: %w", err)
	}
	defer devs.Close()
	if err := app.AttachCardTerminal(s, devs); err != nil {
		return fmt.Errorf("screenshots: card terminal: %w", err)
	}
	app.AttachCustomerDisplay(s, devs)
	errc := make(chan error, 1)
	go func() {
		errc <- shootAll(s, devs, w, outDir)
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	return <-errc
}

// The demo manager the screenshots sign on as (created on a fresh data folder).
const (
	demoManager = "1001"
	demoPIN     = "2468"
)

func shootAll(s *app.Session, devs *app.Devices, w fyne.Window, outDir string) error {
	stop := make(chan struct{})
	defer close(stop)
	for _, language := range []string{"zh", "en"} {
		var c *ui.Cashier
		var content fyne.CanvasObject
		var err error
		fyne.DoAndWait(func() {
			if _, err = ui.SetLanguage(language); err != nil {
				return
			}
			c = ui.NewCashier(s.Till, w, language, s.Log)
			content = c.Content()
			login := ui.NewLoginScreen(s.Auth, w, func(app.OperatorSession) { w.SetContent(content); c.SignedOn() })
			c.EnableManagerConsole(s, login.Show)
			c.AttachDevices(devs, stop)
			login.Show()
		})
		if err != nil {
			return err
		}
		var choice *ui.CardDialog // the co-badged card's payment
		steps := []struct {
			name   string
			action func()
		}{
			{"login", func() {}},
			{"cashier", func() {
				if s.Auth.NeedsFirstManager() {
					if err := s.Auth.CreateFirstManager(demoManager, "演示店长", demoPIN); err != nil {
						s.Log.Error("screenshots: first manager", "err", err)
					}
				}
				if _, err := s.Auth.Login(demoManager, demoPIN); err != nil {
					s.Log.Error("screenshots: login", "err", err)
				}
				w.SetContent(content)
				c.SignedOn()
				for _, code := range []string{"6936352322870", "6936352322870", "6935212207081", "3*6936095145095"} {
					c.Scan.SetText(code)
					c.Scan.OnSubmitted(code)
				}
				c.Scan.SetText("6918724003112")
				c.Scan.OnSubmitted("6918724003112")
			}},
			{"cash", func() {
				c.Keys[fyne.KeyF12].OnTapped()
				if c.Picker != nil { // how the customer pays: cash
					c.Picker.List.Select(0)
				}
				c.CashPad.Quick[len(c.CashPad.Quick)-1].OnTapped()
			}},
			{"receipt", func() { c.CashPad.Confirm.OnTapped() }},
			{"card", func() { payByCard(c, devs) }},
			{"card-receipt", func() {
				c.SimPanel.Close.OnTapped()
				pad := devs.Simulators().PINPad
				if err := errors.Join(pad.PressDigits(demoCardPIN), pad.PressEnter()); err != nil {
					s.Log.Error("screenshots: PIN pad", "err", err)
				}
			}},
			{"printed", func() {
				c.Receipt.Done.OnTapped()
				c.ShowSimulator()
				c.SimPanel.Receipt.OnTapped()
			}},
			{"devices", func() {
				c.SimPanel.Close.OnTapped()
				c.EnableSettings(s.Config, func(app.Config) error { return nil })
				c.Keys[fyne.KeyF11].OnTapped()
			}},
			{"dereg", func() {
				c.DevScreen.Close.OnTapped()
				c.ShowDeregistration(s)
			}},
			{"card-choice", func() {
				c.Screen.Dismiss()
				choice = payCoBadged(c, devs)
			}},
			{"card-choice-receipt", func() {
				if choice != nil && len(choice.Apps.Objects) > 1 {
					pickAndTypePIN(choice, devs)
				}
			}},
			{"unionpay-qr", func() {
				ringUp(c)
				c.OpenUnionPayQR()
			}},
		}
		for _, step := range steps {
			fyne.DoAndWait(step.action)
			waitForScreen(c, step.name)
			time.Sleep(800 * time.Millisecond) // let the driver paint
			if err := grab(filepath.Join(outDir, fmt.Sprintf("%s-%s.png", step.name, language))); err != nil {
				return err
			}
		}
		fyne.DoAndWait(func() {
			if c.Screen != nil {
				c.Screen.Dismiss()
			}
			if c.Receipt != nil {
				c.Receipt.Done.OnTapped()
			}
			if err := s.Auth.Logout(); err != nil {
				s.Log.Error("screenshots: logout", "err", err)
			}
		})
	}
	return nil
}

// demoCardPIN is the PIN of the demo's UnionPay test card.
const demoCardPIN = "123456"

// payByCard rings up two items and starts paying them by bank card: the UnionPay
// test card goes into the simulated reader, and the dialog asks for the PIN with the
// simulator's PIN pad beside it.
func payByCard(c *ui.Cashier, devs *app.Devices) {
	payWithProfile(c, devs, "unionpay", true)
}

// payCoBadged starts a card payment with the co-badged test card (UnionPay and a
// Visa-like application): the dialog asks the customer to choose.
func payCoBadged(c *ui.Cashier, devs *app.Devices) *ui.CardDialog {
	return payWithProfile(c, devs, "cobadged", false)
}

// coBadgedPIN is the PIN of the co-badged test card.
const coBadgedPIN = "112233"

// pickAndTypePIN chooses the co-badged card's second application, and the customer
// types its PIN on the simulated pad once it asks.
func pickAndTypePIN(d *ui.CardDialog, devs *app.Devices) {
	if b, ok := d.Apps.Objects[1].(interface{ Tapped(*fyne.PointEvent) }); ok {
		b.Tapped(nil)
	}
	pad := devs.Simulators().PINPad
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if pad.WaitForEntry(ctx) == nil {
			_ = errors.Join(pad.PressDigits(coBadgedPIN), pad.PressEnter())
		}
	}()
}

// waitForScreen gives a step whose screen comes from a device a moment to show it:
// the co-badged card's choice, and its receipt after the bank.
func waitForScreen(c *ui.Cashier, step string) {
	for end := time.Now().Add(8 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		done := true
		fyne.DoAndWait(func() {
			switch step {
			case "card-choice":
				d, ok := c.Screen.(*ui.CardDialog)
				done = !ok || d.Apps.Visible()
			case "card-choice-receipt":
				done = c.Receipt != nil
			case "unionpay-qr":
				d, ok := c.Screen.(*ui.WalletDialog)
				done = !ok || d.QR.Visible()
			}
		})
		if done {
			return
		}
	}
}

// ringUp gives the last sale's receipt way to the next customer and rings up two
// items.
func ringUp(c *ui.Cashier) {
	if c.Receipt != nil {
		c.Receipt.Done.OnTapped()
	}
	for _, code := range []string{"6936352322870", "6935212207081"} {
		c.Scan.SetText(code)
		c.Scan.OnSubmitted(code)
	}
}

// payWithProfile rings up two items and opens the card dialog with a fresh virtual
// card of profile inserted into the simulated reader, the simulator panel beside it
// when panel is set.
func payWithProfile(c *ui.Cashier, devs *app.Devices, profile string, panel bool) *ui.CardDialog {
	reader := devs.Simulators().CardReader
	reader.Remove() // the last customer's card, should one be left in
	ringUp(c)
	p, ok := emvcard.Lookup(profile)
	if !ok {
		return nil
	}
	card, err := emvcard.New(p)
	if err != nil {
		slog.Error("screenshots: virtual card", "err", err)
		return nil
	}
	presented, err := card.Present(emvcard.Contact)
	if err != nil {
		slog.Error("screenshots: virtual card", "err", err)
		return nil
	}
	d := c.OpenCardTender()
	if d != nil {
		if panel {
			d.Simulator.OnTapped()
		} else if c.SimPanel != nil {
			c.SimPanel.Close.OnTapped()
		}
		reader.Insert(presented)
	}
	return d
}

// grab saves the X screen as a PNG with ImageMagick's import: the GL canvas capture
// reads back an empty frame under Xvfb's software renderer, the X server does not.
func grab(path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "import", "-window", "root", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("screenshots: import (ImageMagick) %s: %v: %s", path, err, out)
	}
	return nil
}
