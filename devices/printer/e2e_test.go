package printer

// End-to-end tests: the driver prints over a real pseudo-terminal, opened with
// devices/serialport as a USB printer is, to the simulated printer in devices/sim.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"tilldesk/core/receipt"
	"tilldesk/devices"
	"tilldesk/devices/escpos"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
)

// rig is a simulated printer, the till's port to it, and the driver.
type rig struct {
	sim     *sim.Printer
	port    *serialport.Port
	printer *Printer
}

func newRig(t testing.TB, baud int, cfg Config) *rig {
	t.Helper()
	s, err := sim.StartPrinter(sim.PrinterColumns(cfg.Width))
	if err != nil {
		t.Fatal(err)
	}
	port, err := serialport.Open(serialport.Config{Path: s.Path(), Baud: baud})
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	p, err := New(port, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{sim: s, port: port, printer: p}
	t.Cleanup(r.close)
	return r
}

func (r *rig) close() {
	r.port.Close()
	r.sim.Close()
}

func timeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// typicalReceipt is a 30-row supermarket receipt in Chinese.
func typicalReceipt() []receipt.Row {
	rows := []receipt.Row{
		{Left: "好邻居便利店", Style: receipt.Title},
		{Left: "北京市朝阳区建国路88号", Style: receipt.Centre},
		{Style: receipt.Rule},
		{Left: "单号", Right: "T-000123"},
		{Left: "时间", Right: "2026-11-26 10:00:00"},
		{Left: "收银员", Right: "王芳"},
		{Style: receipt.Rule},
	}
	rows = append(rows, longReceipt(6)...)
	rows = append(rows,
		receipt.Row{Style: receipt.Rule},
		receipt.Row{Left: "件数", Right: "12"},
		receipt.Row{Left: "小计", Right: "¥42.00"},
		receipt.Row{Left: "优惠", Right: "-¥2.00"},
		receipt.Row{Left: "合计", Right: "¥40.00", Style: receipt.Total},
		receipt.Row{Left: "税额", Right: "¥5.52"},
		receipt.Row{Style: receipt.Rule},
		receipt.Row{Left: "现金", Right: "¥50.00"},
		receipt.Row{Left: "找零", Right: "¥10.00", Style: receipt.Total},
		receipt.Row{Style: receipt.Rule},
		receipt.Row{Left: "谢谢惠顾，欢迎再来", Style: receipt.Centre},
	)
	return rows
}

// trimLines drops trailing spaces on every line and trailing blank lines.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

func TestPrintReadsBackIdentically(t *testing.T) {
	rows := typicalReceipt()
	if len(rows) != 30 {
		t.Fatalf("typical receipt has %d rows", len(rows))
	}
	for _, cfg := range []Config{{Width: 32}, {Width: 48, NativeQR: true}} {
		r := newRig(t, 115200, cfg)
		ctx := timeout(t, 5*time.Second)
		if err := r.printer.Print(ctx, rows, "https://tilldesk.example/r/T-000123"); err != nil {
			t.Fatal(err)
		}
		if err := r.sim.WaitReceipts(ctx, 1); err != nil {
			t.Fatal(err)
		}
		doc := r.sim.Receipts()[0]
		text, _, _ := strings.Cut(doc.Text(), "\n[") // the text before the QR code
		text += "\n"
		if want := escpos.ReceiptText(rows, cfg.Width); text != want {
			t.Errorf("width %d: printed\n%s\nwant\n%s", cfg.Width, text, want)
		}
		if got, want := trimLines(text), trimLines(receipt.Text(rows, cfg.Width)); got != want {
			t.Errorf("width %d: printed\n%s\nreceipt.Text\n%s", cfg.Width, got, want)
		}
		if last := doc.Blocks[len(doc.Blocks)-2]; cfg.NativeQR && last.QR.Data != "https://tilldesk.example/r/T-000123" ||
			!cfg.NativeQR && last.Kind != escpos.BlockImage {
			t.Errorf("width %d: block before the feed is %+v", cfg.Width, last.Kind)
		}
		if doc.Cut != escpos.CutPartial {
			t.Errorf("width %d: not cut", cfg.Width)
		}
	}
}

func TestPrintRefusesWhenOutOfPaper(t *testing.T) {
	r := newRig(t, 115200, Config{Width: 32})
	r.sim.SetPaperOut(true)
	err := r.printer.Print(timeout(t, 5*time.Second), typicalReceipt(), "")
	if !errors.Is(err, ErrPaperOut) {
		t.Fatalf("Print = %v, want ErrPaperOut", err)
	}
	t.Logf("the cashier reads: %v", err)
	time.Sleep(20 * time.Millisecond)
	if n := r.sim.BytesReceived(); n != 9 || len(r.sim.Receipts()) != 0 {
		t.Errorf("printer got %d bytes, %d receipts; want only the 9 of the status requests", n, len(r.sim.Receipts()))
	}
	r.sim.SetPaperOut(false)
	if err := r.printer.Print(timeout(t, 5*time.Second), typicalReceipt(), ""); err != nil {
		t.Errorf("after reloading paper: %v", err)
	}
}

func TestPrintRefusesWhenCoverOpen(t *testing.T) {
	r := newRig(t, 115200, Config{Width: 48})
	r.sim.SetCoverOpen(true)
	if err := r.printer.Print(timeout(t, 5*time.Second), typicalReceipt(), ""); !errors.Is(err, ErrCoverOpen) {
		t.Fatalf("Print = %v, want ErrCoverOpen", err)
	}
}

// bigReceipt is more than the pseudo-terminal buffers (about 20 KiB), so a printer
// that stops reading blocks the writes.
func bigReceipt() []receipt.Row { return append(typicalReceipt(), longReceipt(400)...) }

func TestUnplugMidPrintReturnsPromptly(t *testing.T) {
	r := newRig(t, 115200, Config{Width: 48})
	r.sim.StallAfter(2000)
	done := make(chan error, 1)
	go func() { done <- r.printer.Print(timeout(t, 10*time.Second), bigReceipt(), "") }()
	waitFor(t, func() bool { return r.sim.BytesReceived() >= 2000 })
	time.Sleep(50 * time.Millisecond) // the driver is now blocked in a write
	unplugged := time.Now()
	r.sim.Unplug()
	select {
	case err := <-done:
		if !errors.Is(err, devices.ErrUnplugged) {
			t.Errorf("Print = %v, want ErrUnplugged", err)
		}
		t.Logf("returned %v after the unplug: %v", time.Since(unplugged), err)
	case <-time.After(time.Second):
		t.Fatal("Print still running a second after the unplug")
	}
	if _, err := r.printer.Status(timeout(t, time.Second)); !errors.Is(err, devices.ErrUnplugged) {
		t.Errorf("Status after unplug = %v, want ErrUnplugged", err)
	}
}

func TestCancelMidPrint(t *testing.T) {
	r := newRig(t, 115200, Config{Width: 48})
	r.sim.StallAfter(2000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.printer.Print(ctx, bigReceipt(), "") }()
	waitFor(t, func() bool { return r.sim.BytesReceived() >= 2000 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Print = %v, want context.Canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Print still running a second after the cancel")
	}
	// The printer takes bytes again: the write left running finishes, and the next
	// job goes ahead after it.
	r.sim.Resume()
	if err := r.printer.OpenDrawer(timeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r.sim.DrawerOpen)
}

func TestNeverAnsweringDeviceTimesOut(t *testing.T) {
	pty, err := sim.OpenPTY() // nothing on the other end
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	port, err := serialport.Open(serialport.Config{Path: pty.Path, Baud: 9600})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	p := newPrinter(t, port, Config{StatusTimeout: 100 * time.Millisecond})
	start := time.Now()
	err = p.Print(timeout(t, 5*time.Second), typicalReceipt(), "")
	if !errors.Is(err, devices.ErrTimeout) {
		t.Errorf("Print = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v to give up", d)
	}
}

func TestOpenDrawerOverPseudoTerminal(t *testing.T) {
	r := newRig(t, 9600, Config{Width: 32})
	r.sim.SetDrawerOpenTime(0)
	ctx := timeout(t, 5*time.Second)
	if err := r.printer.OpenDrawer(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := r.printer.Status(ctx)
	if err != nil || !st.DrawerOpen || r.sim.DrawerKicks() != 1 {
		t.Errorf("after OpenDrawer: %+v, %v, %d kicks", st, err, r.sim.DrawerKicks())
	}
}

func TestPrintTestPage(t *testing.T) {
	for _, width := range []int{32, 48} {
		r := newRig(t, 115200, Config{Width: width, NativeQR: true})
		ctx := timeout(t, 5*time.Second)
		if err := r.printer.PrintTestPage(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r.sim.WaitReceipts(ctx, 1); err != nil {
			t.Fatal(err)
		}
		text := r.sim.LastReceiptText()
		for _, want := range []string{"\n" + strings.Repeat("1234567890", 5)[:width] + "\n", "打印测试", fmt.Sprintf("%d\n", width), "[QR " + testPageQR + "]"} {
			if !strings.Contains(text, want) {
				t.Errorf("width %d: test page lacks %q:\n%s", width, want, text)
			}
		}
	}
}

// Everything the driver and the simulator start ends when they are closed, also
// after a cancelled print and an unplug.
func TestNoGoroutinesLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		r := newRig(t, 115200, Config{Width: 48})
		defer r.close()
		ctx := timeout(t, 5*time.Second)
		if err := r.printer.Print(ctx, typicalReceipt(), "x"); err != nil {
			t.Fatal(err)
		}
		r.sim.StallAfter(0)
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_ = r.printer.Print(cctx, bigReceipt(), "") // a write is left stuck
		r.sim.Unplug()
		_ = r.printer.OpenDrawer(ctx)
	}()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never came true")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A conversation recorded with the simulated printer plays back byte for byte: the
// driver says the same things each time, and the playback port is faithful.
func TestRecordedConversationPlaysBack(t *testing.T) {
	r := newRig(t, 115200, Config{Width: 32})
	rec := &record{Port: r.port}
	ctx := timeout(t, 5*time.Second)
	if err := newPrinter(t, rec, Config{Width: 32}).Print(ctx, typicalReceipt(), "https://tilldesk.example/r/1"); err != nil {
		t.Fatal(err)
	}
	conversation := rec.conversation()
	if len(conversation) != 4 || string(conversation[2].write) != "\x10\x04\x04" || len(conversation[3].reply) != 0 {
		t.Fatalf("recorded %d steps: %+v", len(conversation), conversation[:min(3, len(conversation))])
	}
	port := newPlayback(t, conversation...)
	if err := newPrinter(t, port, Config{Width: 32}).Print(ctx, typicalReceipt(), "https://tilldesk.example/r/1"); err != nil {
		t.Fatal(err)
	}
	port.done()
}
