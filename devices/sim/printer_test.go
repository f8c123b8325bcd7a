package sim

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"tilldesk/core/receipt"
	"tilldesk/devices"
	"tilldesk/devices/escpos"
	"tilldesk/devices/serialport"
)

// startPrinter starts a simulated printer and opens its port as the till does.
func startPrinter(t *testing.T, opts ...PrinterOption) (*Printer, *serialport.Port) {
	t.Helper()
	sim, err := StartPrinter(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	port, err := serialport.Open(serialport.Config{Path: sim.Path(), Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { port.Close() })
	return sim, port
}

func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var rows = []receipt.Row{
	{Left: "好邻居便利店", Style: receipt.Title},
	{Style: receipt.Rule},
	{Left: "农夫山泉 550ml", Right: "¥2.00"},
	{Left: "合计", Right: "¥2.00", Style: receipt.Total},
}

func TestPrinterKeepsReceiptsSplitAtCuts(t *testing.T) {
	sim, port := startPrinter(t, PrinterColumns(32))
	for _, qr := range []string{"", "https://tilldesk.example/r/2"} {
		if _, err := port.Write(escpos.Receipt(rows, 32, qr, true)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sim.WaitReceipts(within(t, 2*time.Second), 2); err != nil {
		t.Fatal(err)
	}
	docs := sim.Receipts()
	if len(docs) != 2 || sim.ReceiptCount() != 2 {
		t.Fatalf("%d receipts kept, %d counted", len(docs), sim.ReceiptCount())
	}
	if got, want := docs[0].Text(), escpos.ReceiptText(rows, 32)+"\n\n\n"; got != want {
		t.Errorf("first receipt\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(sim.LastReceiptText(), "[QR https://tilldesk.example/r/2]") {
		t.Errorf("last receipt lacks its QR code:\n%s", sim.LastReceiptText())
	}
	path := filepath.Join(t.TempDir(), "receipt.png")
	if err := sim.SavePNG(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dx() != 32*escpos.DotsPerColumn {
		t.Errorf("saved PNG: %v, %v", img.Bounds(), err)
	}
}

func TestPrinterShowsAnInterruptedReceipt(t *testing.T) {
	sim, port := startPrinter(t)
	port.Write([]byte("\x1b@half a receipt\n"))
	deadline := time.Now().Add(2 * time.Second)
	for sim.LastReceiptText() != "half a receipt\n" {
		if time.Now().After(deadline) {
			t.Fatalf("last receipt = %q", sim.LastReceiptText())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if sim.ReceiptCount() != 0 {
		t.Error("an uncut receipt counts as printed")
	}
}

// ask sends DLE EOT n and reads the reply.
func ask(t *testing.T, port devices.Port, kind escpos.StatusKind) (byte, error) {
	t.Helper()
	if _, err := port.Write(escpos.StatusRequest(kind)); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	err := devices.ReadFull(port, b[:], 300*time.Millisecond, nil)
	return b[0], err
}

func TestPrinterAnswersStatusRequests(t *testing.T) {
	sim, port := startPrinter(t)
	for _, tc := range []struct {
		name  string
		setup func()
		want  escpos.Status
	}{
		{"ready", func() {}, escpos.Status{Online: true}},
		{"near end", func() { sim.SetPaperNearEnd(true) }, escpos.Status{Online: true, PaperNearEnd: true}},
		{"paper out", func() { sim.SetPaperOut(true) }, escpos.Status{PaperOut: true, PaperNearEnd: true}},
		{"cover open", func() { sim.SetPaperOut(false); sim.SetPaperNearEnd(false); sim.SetCoverOpen(true) }, escpos.Status{CoverOpen: true}},
		{"fault", func() { sim.SetCoverOpen(false); sim.SetFault(true) }, escpos.Status{Error: true}},
	} {
		tc.setup()
		var replies [3]byte
		for i, kind := range []escpos.StatusKind{escpos.StatusPrinter, escpos.StatusOffline, escpos.StatusPaper} {
			b, err := ask(t, port, kind)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			replies[i] = b
		}
		got, err := escpos.StatusFromReplies(replies[0], replies[1], replies[2])
		if err != nil || got != tc.want {
			t.Errorf("%s: status % x = %+v, %v; want %+v", tc.name, replies, got, err, tc.want)
		}
	}
	sim.SetSilent(true)
	if _, err := ask(t, port, escpos.StatusPrinter); !errors.Is(err, devices.ErrTimeout) {
		t.Errorf("silent printer: %v, want ErrTimeout", err)
	}
}

func TestPrinterDrawer(t *testing.T) {
	sim, port := startPrinter(t)
	sim.SetDrawerOpenTime(100 * time.Millisecond)
	port.Write(escpos.NewBuilder().KickDrawer(escpos.DrawerPin2, 50*time.Millisecond, 500*time.Millisecond).Bytes())
	b, err := ask(t, port, escpos.StatusPrinter) // answered after the kick: in order
	if err != nil || !sim.DrawerOpen() || sim.DrawerKicks() != 1 {
		t.Fatalf("after a kick: open %v, kicks %d, %v", sim.DrawerOpen(), sim.DrawerKicks(), err)
	}
	if st, _ := escpos.ParseStatus(1, b); !st.DrawerOpen {
		t.Errorf("status %#02x does not show the drawer open", b)
	}
	deadline := time.Now().Add(2 * time.Second)
	for sim.DrawerOpen() {
		if time.Now().After(deadline) {
			t.Fatal("drawer never closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPrinterStallThenUnplugFailsTheBlockedWrite(t *testing.T) {
	sim, port := startPrinter(t)
	sim.StallAfter(100)
	wrote := make(chan error, 1)
	go func() {
		// A write cut short by the hang-up returns what it wrote; the next one fails.
		data := bytes.Repeat([]byte("x"), 1<<20)
		for {
			n, err := port.Write(data)
			if err != nil || n == len(data) {
				wrote <- err
				return
			}
			data = data[n:]
		}
	}()
	select {
	case err := <-wrote:
		t.Fatalf("a 1 MiB write to a stalled printer returned: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	sim.Unplug()
	select {
	case err := <-wrote:
		if !errors.Is(err, devices.ErrUnplugged) {
			t.Errorf("blocked write after unplug: %v, want ErrUnplugged", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("write still blocked after unplug")
	}
	if n := sim.BytesReceived(); n != 100 {
		t.Errorf("took %d bytes before stalling, want 100", n)
	}
}

func TestPrinterResume(t *testing.T) {
	sim, port := startPrinter(t)
	sim.StallAfter(0)
	port.Write([]byte("A\n\x1dV\x01"))
	time.Sleep(50 * time.Millisecond)
	if sim.ReceiptCount() != 0 {
		t.Fatal("a stalled printer printed")
	}
	sim.Resume()
	if err := sim.WaitReceipts(within(t, 2*time.Second), 1); err != nil {
		t.Fatal(err)
	}
}

func TestPrinterCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		sim, err := StartPrinter()
		if err != nil {
			t.Fatal(err)
		}
		sim.StallAfter(0) // a goroutine waiting for Resume must end too
		sim.Close()
		if err := sim.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines before, %d after", before, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
