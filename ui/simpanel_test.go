package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"tilldesk/app"
)

// startDemoDevices runs the demo simulators for the fixture's till. Scans are handed to
// the screen by the test goroutine (the Fyne test driver runs fyne.Do on the calling
// goroutine, so a device goroutine must not touch widgets under the race detector).
func startDemoDevices(t *testing.T, f *fixture) *app.Devices {
	t.Helper()
	d, err := app.StartDevices(app.DefaultConfig(), app.Paths{DataDir: t.TempDir()}, f.till, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	f.c.devices = d
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		connected := 0
		for _, s := range d.Status() {
			if s.State == "connected" {
				connected++
			}
		}
		if connected == len(d.Status()) && connected >= 4 && f.till.HasPrinter() {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return d
}

func nextScan(t *testing.T, f *fixture, d *app.Devices) {
	t.Helper()
	select {
	case s := <-d.Scans:
		f.c.onScan(s)
	case <-time.After(5 * time.Second):
		t.Fatal("the simulated scan never arrived")
	}
}

func TestSimulatorPanelScansThroughTheSerialPath(t *testing.T) {
	f := newFixture(t, "zh")
	d := startDemoDevices(t, f)
	f.c.openSimPanel()
	p := f.c.SimPanel
	if p == nil || len(p.Products) == 0 {
		t.Fatal("no simulator panel")
	}
	test.Tap(p.Products[0]) // 农夫山泉
	nextScan(t, f, d)
	test.Type(p.Code, noodles)
	test.Tap(p.Scan)
	nextScan(t, f, d)
	if len(f.c.lines) != 2 || f.c.lines[0].Code != water || f.c.lines[1].Code != noodles {
		t.Fatalf("cart after simulated scans: %+v", f.c.lines)
	}
	// Nothing printed yet: the receipt button says so.
	test.Tap(p.Receipt)
	if p.Error.Text != tr("sim.nothing_printed") {
		t.Errorf("receipt button before printing: %q", p.Error.Text)
	}
	f.c.Popup = nil
	test.Tap(p.Close)

	payExactCash(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Simulators().Printer.WaitReceipts(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.press("Return")
	f.c.openSimPanel()
	test.Tap(f.c.SimPanel.Receipt)
	if f.c.SimPanel.Error.Text != "" {
		t.Errorf("showing the printed receipt: %q", f.c.SimPanel.Error.Text)
	}
	// Paper out from the panel: the next print is refused.
	f.c.SimPanel.PaperOut.SetChecked(true)
	f.c.reprint()
	f.c.printing.Wait()
	wantMessage(t, f, "err.paper_out")
}

func TestF11OpensTheDevicesScreen(t *testing.T) {
	f := newFixture(t, "en")
	f.key("F11")
	wantMessage(t, f, "err.no_settings")
	startDemoDevices(t, f)
	var saved []app.Config
	f.c.EnableSettings(app.DefaultConfig(), func(cfg app.Config) error { saved = append(saved, cfg); return nil })
	f.key("F11")
	if f.c.scanWanted == nil {
		t.Fatal("F11 did not open the devices screen (scans are not routed to it)")
	}
	// Closing it stops its status polling and gives scans back to the sale.
	test.Tap(f.c.DevScreen.Close)
	if f.c.scanWanted != nil || f.c.DevScreen != nil {
		t.Fatal("closing the devices screen kept its scan hook")
	}
}
