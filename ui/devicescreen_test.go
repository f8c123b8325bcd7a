package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/devices/discovery"
	"tilldesk/devices/scanner"
)

// screenFixture is the devices screen over the demo devices (both simulated) of a
// cashier fixture, with what Save & apply saved.
type screenFixture struct {
	*fixture
	s     *DevicesScreen
	d     *app.Devices
	saved []app.Config
}

// openDevicesScreen starts the demo devices for the fixture's till, waits until both
// are connected and opens the screen through the cashier, with status polling at
// every poll (0: off; the test goroutine calls RefreshStatus). Device goroutines must
// not touch widgets under the race detector (the test driver runs fyne.Do on the
// calling goroutine), so the tests hand scans to the screen themselves.
func openDevicesScreen(t *testing.T, language string, poll time.Duration) *screenFixture {
	t.Helper()
	f := &screenFixture{fixture: newFixture(t, language)}
	old := devicePollInterval
	devicePollInterval = poll
	t.Cleanup(func() { devicePollInterval = old })
	d, err := app.StartDevices(app.DefaultConfig(), app.Paths{DataDir: t.TempDir()}, f.till, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	f.d, f.c.devices = d, d
	f.waitState(t, app.RoleScanner, "connected")
	f.waitState(t, app.RolePrinter, "connected")
	f.s = f.c.OpenDevicesScreen(app.DefaultConfig(), func(cfg app.Config) error {
		f.saved = append(f.saved, cfg)
		return nil
	})
	t.Cleanup(func() { f.s.Dismiss(); f.s.jobs.Wait() })
	return f
}

// waitState waits for role's device to reach state.
func (f *screenFixture) waitState(t *testing.T, role, state string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, st := range f.d.Status() {
			if st.Role == role && st.State == state {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never became %s: %+v", role, state, f.d.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tap taps a button and waits for the background work it started.
func (f *screenFixture) tap(b *widget.Button) {
	test.Tap(b)
	f.s.jobs.Wait()
}

func within(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestDevicesScreenSaveAndApply(t *testing.T) {
	f := openDevicesScreen(t, "en", 0)
	s := f.s
	if s.Scanner.Kind.Value() != app.LinkSim || s.Printer.Kind.Value() != app.LinkSim || s.Suffix.Value() != "CR" || !s.NativeQR.Checked {
		t.Fatalf("form not filled from the config: scanner %s printer %s suffix %s", s.Scanner.Kind.Value(), s.Printer.Kind.Value(), s.Suffix.Value())
	}
	if !strings.HasPrefix(s.Scanner.Status.Text, tr("device.state.connected")) || s.Scanner.Status.Importance != widget.SuccessImportance {
		t.Errorf("scanner status %q", s.Scanner.Status.Text)
	}
	if !s.Scanner.Path.Disabled() || s.Printer.Trace.Disabled() {
		t.Error("a simulated link should disable the port and allow the trace")
	}

	s.Suffix.SetValue("LF")
	s.Prefix.SetText("]E0")
	s.Printer.Kind.SetValue(app.LinkNone)
	f.tap(s.Save)
	if len(f.saved) != 1 {
		t.Fatalf("saved %d configs; message %q", len(f.saved), s.Message.Text)
	}
	got := f.saved[0].Devices
	if got.Scanner.Suffix != "LF" || got.Scanner.Prefix != "]E0" || got.Printer.Kind != app.LinkNone || got.Scanner.Kind != app.LinkSim {
		t.Errorf("saved devices %+v", got)
	}
	if running := f.d.Config(); running.Devices != got || running.Terminal != app.DefaultConfig().Terminal {
		t.Errorf("running %+v, saved %+v", running.Devices, got)
	}
	if s.Message.Text != tr("devscreen.applied") || s.Message.Importance != widget.SuccessImportance {
		t.Errorf("message %q", s.Message.Text)
	}
	if s.Printer.Status.Text != tr("device.state.off") {
		t.Errorf("printer status %q, want off", s.Printer.Status.Text)
	}

	// The new scanner simulator ends codes with LF, which the new settings expect.
	f.waitState(t, app.RoleScanner, "connected")
	if err := f.d.Simulators().Scanner.Scan(water); err != nil {
		t.Fatal(err)
	}
	select {
	case sc := <-f.d.Scans:
		f.c.onScan(sc)
	case <-time.After(5 * time.Second):
		t.Fatal("no scan after applying")
	}
	if !strings.Contains(s.ScanResult.Text, water) || len(f.till.Current().Lines) != 0 {
		t.Errorf("scan result %q, sale lines %d", s.ScanResult.Text, len(f.till.Current().Lines))
	}
}

func TestDevicesScreenRefusesBadSettings(t *testing.T) {
	f := openDevicesScreen(t, "zh", 0)
	s := f.s
	if !strings.Contains(s.Save.Text, "保存") {
		t.Errorf("save button %q is not in Chinese", s.Save.Text)
	}
	before := f.d.Config()
	for name, change := range map[string]func(){
		"bad usb id": func() { s.Scanner.Kind.SetValue(app.LinkSerial); s.Scanner.USBID.SetText("12345:1") },
		"no port": func() {
			s.Scanner.Kind.SetValue(app.LinkSerial)
			s.Scanner.USBID.SetText("")
			s.Scanner.Path.SetText("")
		},
	} {
		change()
		f.tap(s.Save)
		if len(f.saved) != 0 || s.Message.Importance != widget.DangerImportance || !strings.HasPrefix(s.Message.Text, "设备设置无效") {
			t.Errorf("%s: saved %d, message %q", name, len(f.saved), s.Message.Text)
		}
	}
	if s.Scanner.USBID.SetText("12345:1"); s.Scanner.USBID.Validate() == nil {
		t.Error("the USB id entry accepts 12345:1")
	}
	if got := f.d.Config(); got.Devices != before.Devices {
		t.Errorf("refused settings were applied: %+v", got.Devices)
	}
	if f.d.Simulators().Scanner == nil {
		t.Error("the scanner simulator was stopped by refused settings")
	}
}

func TestDevicesScreenPrinterTests(t *testing.T) {
	f := openDevicesScreen(t, "en", 0)
	s, printer := f.s, f.d.Simulators().Printer
	f.tap(s.PrintTest)
	if s.PrinterResult.Text != tr("devscreen.test_printed") || s.PrintTest.Disabled() {
		t.Fatalf("print test: %q", s.PrinterResult.Text)
	}
	if err := printer.WaitReceipts(within(t, 5*time.Second), 1); err != nil {
		t.Fatal(err)
	}
	f.tap(s.OpenDrawer)
	if s.PrinterResult.Text != tr("devscreen.drawer_opened") {
		t.Fatalf("open drawer: %q", s.PrinterResult.Text)
	}
	for deadline := time.Now().Add(5 * time.Second); printer.DrawerKicks() != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("drawer kicks %d, want 1", printer.DrawerKicks())
		}
	}

	// With the printer switched off, the tests say there is no printer.
	s.Printer.Kind.SetValue(app.LinkNone)
	f.tap(s.Save)
	f.tap(s.PrintTest)
	if !strings.HasPrefix(s.PrinterResult.Text, tr("msg.no_printer")) || s.PrinterResult.Importance != widget.DangerImportance {
		t.Errorf("print test without a printer: %q", s.PrinterResult.Text)
	}
}

func TestDevicesScreenTakesScansUntilClosed(t *testing.T) {
	f := openDevicesScreen(t, "en", 0)
	s := f.s
	test.Tap(s.ScanTest)
	if s.ScanResult.Text != tr("devscreen.scan_waiting") || f.w.Canvas().Focused() != s.WedgeTest {
		t.Fatalf("scan test: %q, focus %v", s.ScanResult.Text, f.w.Canvas().Focused())
	}
	s.scanTimedOut()
	if s.ScanResult.Text != tr("devscreen.scan_none") {
		t.Errorf("scan test without a scan: %q", s.ScanResult.Text)
	}

	// A keyboard-wedge scanner types into the test field.
	test.Tap(s.ScanTest)
	test.Type(s.WedgeTest, noodles)
	s.WedgeTest.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !strings.Contains(s.ScanResult.Text, noodles) || s.WedgeTest.Text != "" {
		t.Errorf("wedge scan test: %q", s.ScanResult.Text)
	}

	// A serial scan routed by the cashier screen is a test, not an item.
	f.c.onScan(scanner.Scan{Data: water, Source: "scanner /dev/pts/9"})
	if !strings.Contains(s.ScanResult.Text, water) || len(f.till.Current().Lines) != 0 {
		t.Fatalf("scan while open: result %q, sale lines %d", s.ScanResult.Text, len(f.till.Current().Lines))
	}

	test.Tap(s.Close)
	if s.TakeScan(scanner.Scan{Data: water}) {
		t.Error("a closed screen takes scans")
	}
	f.c.onScan(scanner.Scan{Data: water})
	if len(f.till.Current().Lines) != 1 || f.w.Canvas().Focused() != f.c.Scan {
		t.Errorf("after closing: sale lines %d, focus %v", len(f.till.Current().Lines), f.w.Canvas().Focused())
	}
}

func TestDevicesScreenUsesTheSelectedDevice(t *testing.T) {
	f := openDevicesScreen(t, "en", 0)
	s := f.s
	s.showFound([]discovery.Device{
		{Kind: discovery.KindSerial, Path: "/dev/ttyACM0", VID: 0x0483, PID: 0x5740, Serial: "ABC1", Product: "STM32 Virtual ComPort", USB: true},
		{Kind: discovery.KindHID, Path: "1-2:1.0", VID: 0x0c2e, PID: 0x0b61, USB: true},
	})
	if l := deviceLabel(s.FoundDevices[0]); !strings.Contains(l, "0483:5740") || !strings.Contains(l, "STM32") || !strings.Contains(l, "ABC1") {
		t.Errorf("device label %q", l)
	}
	s.Scanner.Kind.SetValue(app.LinkSerial)
	test.Tap(s.Scanner.UseSelected)
	if s.Message.Text != tr("devscreen.select_first") {
		t.Errorf("use selected with no selection: %q", s.Message.Text)
	}
	s.Found.Select(0)
	test.Tap(s.Scanner.UseSelected)
	if s.Scanner.Kind.Value() != app.LinkSerial || s.Scanner.USBID.Text != "0483:5740:ABC1" || s.Scanner.Path.Text != "/dev/ttyACM0" {
		t.Errorf("scanner from the serial device: %s %q %q", s.Scanner.Kind.Value(), s.Scanner.USBID.Text, s.Scanner.Path.Text)
	}
	s.Found.Select(1)
	s.Printer.Kind.SetValue(app.LinkSerial)
	test.Tap(s.Printer.UseSelected)
	if s.Message.Text != tr("devscreen.wrong_kind") || s.Printer.Kind.Value() != app.LinkSerial {
		t.Errorf("a HID printer: %q", s.Message.Text)
	}
	test.Tap(s.Scanner.UseSelected)
	if s.Scanner.Kind.Value() != app.LinkHID || s.Scanner.USBID.Text != "0c2e:0b61" || !s.Scanner.Path.Disabled() {
		t.Errorf("scanner from the HID device: %s %q", s.Scanner.Kind.Value(), s.Scanner.USBID.Text)
	}
	cfg, err := s.Config()
	if err != nil || cfg.Devices.Scanner.USBID != "0c2e:0b61" || cfg.Devices.Scanner.Kind != app.LinkHID {
		t.Errorf("config from the form: %+v, %v", cfg.Devices.Scanner, err)
	}

	// Refresh lists what is really attached (whatever this machine has).
	f.tap(s.Refresh)
	if s.Refresh.Disabled() || len(s.FoundDevices) != len(f.d.Discovered()) {
		t.Errorf("refresh: %d devices listed, the watcher has %d", len(s.FoundDevices), len(f.d.Discovered()))
	}
}

func TestDevicesScreenKeepsUnusualSettings(t *testing.T) {
	c := newChoice(bauds, plain, "4800")
	if c.Value() != "4800" || len(c.Options) != len(bauds)+1 {
		t.Errorf("choice over an unusual baud rate: %q %v", c.Value(), c.Options)
	}
	f := newFixture(t, "en")
	cfg := app.DefaultConfig()
	cfg.Devices.Printer.Serial.Baud = 4800
	cfg.Devices.Printer.Serial.Flow = "dtr-rts"
	s := ShowDevicesScreen(f.w, nil, cfg, nil)
	defer s.Dismiss()
	got, err := s.Config()
	if err != nil || got != cfg {
		t.Errorf("an untouched form changed the config: %+v, %v", got.Devices.Printer, err)
	}
	if s.Scanner.Status.Text != tr("devscreen.no_status") || !s.PrintTest.Disabled() {
		t.Errorf("without devices: status %q", s.Scanner.Status.Text)
	}
	// Every drop-down label is translated.
	for _, k := range scannerKinds {
		if key := "devscreen.kind." + k; tr(key) == key {
			t.Errorf("%s is not translated", key)
		}
	}
	for _, p := range parities {
		if key := "devscreen.parity." + p; tr(key) == key {
			t.Errorf("%s is not translated", key)
		}
	}
}

func TestDevicesScreenPollsTheStatusUntilClosed(t *testing.T) {
	f := openDevicesScreen(t, "en", 5*time.Millisecond)
	cfg := app.DefaultConfig()
	cfg.Devices.Printer.Kind = app.LinkNone
	if err := f.d.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // several polls
	f.s.Dismiss()                      // stops the poller before the test reads the widgets
	if f.s.Printer.Status.Text != tr("device.state.off") {
		t.Errorf("printer status %q after switching it off", f.s.Printer.Status.Text)
	}
}
