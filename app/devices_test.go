package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tilldesk/devices/printer"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func deviceState(d *Devices, role string) DeviceStatus {
	for _, s := range d.Status() {
		if s.Role == role {
			return s
		}
	}
	return DeviceStatus{}
}

// TestDemoDevicesEndToEnd drives the demo devices through real pseudo-terminals and
// the same serial adapters as real hardware: a scan reaches the till, the sale's
// receipt comes out of the printer simulator, the drawer opens, and printer faults
// and an unplugged scanner show in the device status.
func TestDemoDevicesEndToEnd(t *testing.T) {
	till, _, _ := newTestTill(t)
	cfg := DefaultConfig()
	d, err := StartDevices(cfg, Paths{DataDir: t.TempDir()}, till, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sims := d.Simulators()
	waitFor(t, "both devices connected", func() bool {
		return deviceState(d, RoleScanner).State == "connected" && deviceState(d, RolePrinter).State == "connected"
	})

	if err := sims.Scanner.Scan(water); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-d.Scans:
		if s.Data != water || !strings.Contains(s.Source, sims.Scanner.Path()) {
			t.Fatalf("scan %+v", s)
		}
		if _, err := till.Scan(s.Data); err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no scan arrived")
	}
	r := payCash(t, till, 1000)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := till.AfterSale(ctx, r, "zh", func(k string) string { return k }); err != nil {
		t.Fatalf("after sale: %v", err)
	}
	if err := sims.Printer.WaitReceipts(ctx, 1); err != nil {
		t.Fatal(err)
	}
	text := sims.Printer.LastReceiptText()
	for _, want := range []string{"农夫山泉", "¥2.00", r.Number} {
		if !strings.Contains(text, want) {
			t.Errorf("printed receipt lacks %q:\n%s", want, text)
		}
	}
	if sims.Printer.DrawerKicks() != 1 {
		t.Errorf("drawer kicks %d, want 1", sims.Printer.DrawerKicks())
	}
	if err := sims.Printer.SavePNG(filepath.Join(t.TempDir(), "r.png")); err != nil {
		t.Error(err)
	}

	// Out of paper: printing is refused with a clear reason and the status says so.
	sims.Printer.SetPaperOut(true)
	if err := till.PrintReceipt(ctx, r, "zh", func(k string) string { return k }); !errors.Is(err, printer.ErrPaperOut) {
		t.Fatalf("print without paper: %v", err)
	}
	sims.Printer.SetPaperOut(false)
	if err := till.PrintReceipt(ctx, r, "en", func(k string) string { return k }); err != nil {
		t.Fatalf("reprint after loading paper: %v", err)
	}

	// The scanner is unplugged: the status says disconnected, the till goes on.
	sims.Scanner.Unplug()
	waitFor(t, "scanner disconnected", func() bool { return deviceState(d, RoleScanner).State != "connected" })
	if err := d.Close(); err != nil {
		t.Logf("close: %v", err)
	}
}
