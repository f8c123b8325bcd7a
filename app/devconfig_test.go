package app

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/scanner"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
)

// startDemoDevices starts the demo devices (both simulated) and waits until both are
// connected.
func startDemoDevices(t *testing.T) (*Devices, *Till) {
	t.Helper()
	till, _, _ := newTestTill(t)
	d, err := StartDevices(DefaultConfig(), Paths{DataDir: t.TempDir()}, till, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	waitConnected(t, d, RoleScanner, RolePrinter)
	return d, till
}

func waitConnected(t *testing.T, d *Devices, roles ...string) {
	t.Helper()
	for _, role := range roles {
		waitFor(t, role+" connected", func() bool { return deviceState(d, role).State == "connected" })
		if role == RolePrinter { // the status says connected a moment before the till has it
			waitFor(t, "the printer installed in the till", d.till.HasPrinter)
		}
	}
}

// apply applies cfg and fails the test on error.
func apply(t *testing.T, d *Devices, cfg Config) {
	t.Helper()
	if err := d.Apply(cfg); err != nil {
		t.Fatalf("apply: %v", err)
	}
}

// receiveScan sends code from the simulated scanner and waits for it on scans.
func receiveScan(t *testing.T, sc *sim.Scanner, scans <-chan scanner.Scan, code string) {
	t.Helper()
	if err := sc.Scan(code); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-scans:
		if s.Data != code {
			t.Fatalf("scan %q, want %q", s.Data, code)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("scan %q did not arrive", code)
	}
}

func TestApplySwitchesScannerOffAndBack(t *testing.T) {
	d, _ := startDemoDevices(t)
	scans := d.Scans
	oldScanner := d.Simulators().Scanner

	cfg := DefaultConfig()
	cfg.Devices.Scanner.Kind = LinkNone
	apply(t, d, cfg)
	if st := deviceState(d, RoleScanner); st.State != "wedge" || st.Link != LinkNone {
		t.Errorf("scanner after switching it off: %+v", st)
	}
	if d.Simulators().Scanner != nil || d.Config().Devices.Scanner.Kind != LinkNone {
		t.Errorf("scanner simulator %v, running config %q", d.Simulators().Scanner, d.Config().Devices.Scanner.Kind)
	}
	if err := oldScanner.Scan(water); err == nil {
		t.Error("the replaced scanner simulator still accepts scans")
	}
	waitConnected(t, d, RolePrinter) // restarted with the same settings

	apply(t, d, DefaultConfig())
	waitConnected(t, d, RoleScanner, RolePrinter)
	sc := d.Simulators().Scanner
	if sc == nil || sc == oldScanner {
		t.Fatalf("scanner simulator after switching back: %v", sc)
	}
	if d.Scans != scans {
		t.Fatal("Apply replaced the Scans channel")
	}
	receiveScan(t, sc, scans, water)
}

func TestApplyRefusesABadConfigAndKeepsTheDevices(t *testing.T) {
	d, _ := startDemoDevices(t)
	sims := d.Simulators()
	for name, change := range map[string]func(*Config){
		"bad usb id":       func(c *Config) { c.Devices.Scanner.Kind, c.Devices.Scanner.USBID = LinkSerial, "zz:1" },
		"no port":          func(c *Config) { c.Devices.Printer.Kind = LinkSerial },
		"bad baud":         func(c *Config) { c.Devices.Printer.Serial.Baud = 1234 },
		"hid printer":      func(c *Config) { c.Devices.Printer.Kind = LinkHID },
		"bad suffix":       func(c *Config) { c.Devices.Scanner.Suffix = "TAB" },
		"bad terminal id":  func(c *Config) { c.Terminal.ID = "x" },
		"unknown scanner":  func(c *Config) { c.Devices.Scanner.Kind = "bluetooth" },
		"serial stop bits": func(c *Config) { c.Devices.Scanner.Serial.StopBits = 3 },
	} {
		cfg := DefaultConfig()
		change(&cfg)
		err := d.Apply(cfg)
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: Apply = %v, want ErrInvalidConfig", name, err)
		}
	}
	cfg := DefaultConfig()
	cfg.Devices.Scanner.Kind, cfg.Devices.Scanner.USBID = LinkSerial, "zz:1"
	if err := d.Apply(cfg); !errors.Is(err, devices.ErrBadConfig) {
		t.Errorf("bad usb id: %v does not wrap devices.ErrBadConfig", err)
	}
	if got := d.Simulators(); got != sims {
		t.Fatalf("a refused Apply replaced the simulators")
	}
	if !reflect.DeepEqual(d.Config(), DefaultConfig()) {
		t.Errorf("running config changed by a refused Apply: %+v", d.Config().Devices)
	}
	waitConnected(t, d, RoleScanner, RolePrinter)
	receiveScan(t, sims.Scanner, d.Scans, water)
}

func TestApplyPrinterOnASerialPort(t *testing.T) {
	d, till := startDemoDevices(t)
	pty, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	printer := sim.NewPrinter(pty, sim.PrinterColumns(32))
	defer printer.Close()

	cfg := DefaultConfig()
	cfg.Devices.Printer.Kind = LinkSerial
	cfg.Devices.Printer.Serial = serialport.Config{Path: pty.Path, Baud: 19200}.Defaults()
	apply(t, d, cfg)
	waitConnected(t, d, RolePrinter)
	if st := deviceState(d, RolePrinter); st.Port != pty.Path || st.Link != LinkSerial {
		t.Errorf("printer status %+v, want connected on %s", st, pty.Path)
	}
	if d.Simulators().Printer != nil {
		t.Error("the printer simulator is still running")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.PrintTestPage(ctx); err != nil {
		t.Fatal(err)
	}
	if err := printer.WaitReceipts(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := d.OpenDrawer(ctx); err != nil {
		t.Fatalf("open drawer: %v", err)
	}
	waitFor(t, "the drawer kick", func() bool { return printer.DrawerKicks() == 1 })

	// Printer off: the till has no printer any more.
	cfg.Devices.Printer.Kind = LinkNone
	apply(t, d, cfg)
	if err := d.OpenDrawer(ctx); !errors.Is(err, ErrNoPrinter) || till.currentPrinter() != nil {
		t.Fatalf("open drawer with the printer off: %v", err)
	}
	if st := deviceState(d, RolePrinter); st.State != "off" {
		t.Errorf("printer status %+v, want off", st)
	}
}

// settledGoroutines waits for the goroutine count to drop to at most want, and returns
// the count.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); n > want && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond)
	}
	return n
}

// steadyGoroutines returns the goroutine count once it has stayed the same for 100 ms.
func steadyGoroutines() int {
	n, same := runtime.NumGoroutine(), 0
	for deadline := time.Now().Add(5 * time.Second); same < 5 && time.Now().Before(deadline); same++ {
		time.Sleep(20 * time.Millisecond)
		if m := runtime.NumGoroutine(); m != n {
			n, same = m, -1
		}
	}
	return n
}

func TestApplyLeaksNoGoroutines(t *testing.T) {
	before := steadyGoroutines()
	till, _, _ := newTestTill(t)
	d, err := StartDevices(DefaultConfig(), Paths{DataDir: t.TempDir()}, till, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitConnected(t, d, RoleScanner, RolePrinter)
	running := steadyGoroutines()

	off := DefaultConfig()
	off.Devices.Scanner.Kind, off.Devices.Printer.Kind = LinkNone, LinkNone
	for range 5 {
		apply(t, d, off)
		apply(t, d, DefaultConfig())
		waitConnected(t, d, RoleScanner, RolePrinter)
	}
	if n := settledGoroutines(running); n > running {
		t.Errorf("%d goroutines after 10 Applies, %d before", n, running)
	}
	if err := d.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	if n := settledGoroutines(before); n > before {
		t.Errorf("%d goroutines after Close, %d before StartDevices", n, before)
	}
	if err := d.Apply(DefaultConfig()); err == nil {
		t.Error("Apply after Close started devices")
	}
}

func TestSaveConfigRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tilldesk", "config.toml")
	cfg := DefaultConfig()
	cfg.Devices.Scanner = ScannerConfig{
		DeviceLink: DeviceLink{Kind: LinkSerial, USBID: "0483:5740:ABC123", Trace: true,
			Serial: serialport.Config{Baud: 38400, DataBits: 7, Parity: "even", StopBits: 2}.Defaults()},
		Prefix: "]C1", Suffix: "CRLF",
	}
	cfg.Devices.Printer = PrinterConfig{DeviceLink: DeviceLink{Kind: LinkSerial,
		Serial: serialport.Config{Path: "/dev/ttyUSB0", Baud: 19200}.Defaults()}}
	if err := SaveConfig(path, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Fatalf("loaded %+v\nsaved  %+v", got.Devices, cfg.Devices)
	}

	bad := cfg
	bad.Devices.Scanner.USBID = "0483"
	if err := SaveConfig(path, bad); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("saving a bad usb id: %v", err)
	}
	if got, err := LoadConfig(path); err != nil || !reflect.DeepEqual(got, cfg) {
		t.Fatalf("a refused save changed the file: %v", err)
	}
}
