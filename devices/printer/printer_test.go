package printer

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"tilldesk/core/receipt"
	"tilldesk/devices"
	"tilldesk/devices/escpos"
)

var shortReceipt = []receipt.Row{
	{Left: "好邻居便利店", Style: receipt.Title},
	{Style: receipt.Rule},
	{Left: "农夫山泉 550ml", Right: "¥2.00"},
	{Left: "合计", Right: "¥2.00", Style: receipt.Total},
}

// testLogger sends the driver's log to the test's log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

func newPrinter(t *testing.T, port devices.Port, cfg Config) *Printer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	p, err := New(port, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func steps(parts ...[]step) []step {
	var all []step
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

func TestStatusAsksPrinterOfflineAndPaper(t *testing.T) {
	port := newPlayback(t, statusSteps(0x16, 0x12, 0x1e)...)
	st, err := newPrinter(t, port, Config{}).Status(context.Background())
	if want := (escpos.Status{Online: true, DrawerOpen: true, PaperNearEnd: true}); err != nil || st != want {
		t.Errorf("Status = %+v, %v; want %+v", st, err, want)
	}
	port.done()
}

func TestPrintChecksStatusThenSendsTheReceipt(t *testing.T) {
	for _, cfg := range []Config{{Width: 32, NativeQR: true}, {Width: 48}} {
		data := escpos.Receipt(shortReceipt, cfg.Width, "https://tilldesk.example/r/1", cfg.NativeQR)
		port := newPlayback(t, steps(ready, []step{{write: data}})...)
		if err := newPrinter(t, port, cfg).Print(context.Background(), shortReceipt, "https://tilldesk.example/r/1"); err != nil {
			t.Fatal(err)
		}
		port.done()
	}
}

func TestPrintRefusesAPrinterThatCannotPrint(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		printer, offline, paper byte
		want                    error
	}{
		{"paper out", 0x1a, 0x32, 0x7e, ErrPaperOut},
		{"paper sensor only", 0x12, 0x12, 0x72, ErrPaperOut},
		{"cover open", 0x1a, 0x16, 0x12, ErrCoverOpen},
		{"cutter jam", 0x1a, 0x52, 0x12, ErrFault},
		{"offline", 0x1a, 0x12, 0x12, ErrOffline},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The script ends after the status: any receipt byte is an error.
			port := newPlayback(t, statusSteps(tc.printer, tc.offline, tc.paper)...)
			err := newPrinter(t, port, Config{}).Print(context.Background(), shortReceipt, "")
			if !errors.Is(err, tc.want) {
				t.Errorf("Print = %v, want %v", err, tc.want)
			}
			var de *devices.Error
			if !errors.As(err, &de) || de.Port != "playback" {
				t.Errorf("error %q does not name the port", err)
			}
			port.done()
		})
	}
}

func TestOpenDrawerSendsThePulse(t *testing.T) {
	port := newPlayback(t, step{write: []byte{0x1b, 0x70, 0x00, 0x19, 0xfa}})
	if err := newPrinter(t, port, Config{}).OpenDrawer(context.Background()); err != nil {
		t.Fatal(err)
	}
	port.done()
}

func TestStatusTimesOutOnASilentPrinter(t *testing.T) {
	port := newPlayback(t, step{write: []byte{0x10, 0x04, 0x01}}) // no answer
	start := time.Now()
	_, err := newPrinter(t, port, Config{StatusTimeout: 80 * time.Millisecond}).Status(context.Background())
	if !errors.Is(err, devices.ErrTimeout) {
		t.Errorf("Status = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("took %v to time out after 80 ms", d)
	}
}

func TestStatusRejectsGarbage(t *testing.T) {
	port := newPlayback(t, step{write: []byte{0x10, 0x04, 0x01}, reply: []byte{0x00}},
		step{write: []byte{0x10, 0x04, 0x02}, reply: []byte{0x12}},
		step{write: []byte{0x10, 0x04, 0x04}, reply: []byte{0x12}})
	if _, err := newPrinter(t, port, Config{}).Status(context.Background()); !errors.Is(err, devices.ErrProtocol) {
		t.Errorf("Status = %v, want ErrProtocol", err)
	}
}

func TestStatusDiscardsALateReply(t *testing.T) {
	port := newPlayback(t, ready...)
	port.unread = []byte{0x1a} // the answer to an earlier request that timed out
	if st, err := newPrinter(t, port, Config{}).Status(context.Background()); err != nil || !st.Online {
		t.Errorf("Status = %+v, %v", st, err)
	}
	port.done()
}

func TestNewRejectsOddWidths(t *testing.T) {
	for _, w := range []int{-1, 24, 40, 64} {
		if _, err := New(newPlayback(t), Config{Width: w}); !errors.Is(err, devices.ErrBadConfig) {
			t.Errorf("width %d: %v", w, err)
		}
	}
}

func TestPrintStopsWhenUnplugged(t *testing.T) {
	rows := append(shortReceipt, longReceipt(20)...)
	data := escpos.Receipt(rows, 48, "", false)
	port := newPlayback(t, steps(ready, []step{{write: data}})...)
	port.unplugAfter = 9 + 2*chunkSize
	err := newPrinter(t, port, Config{}).Print(context.Background(), rows, "")
	if !errors.Is(err, devices.ErrUnplugged) {
		t.Errorf("Print = %v, want ErrUnplugged", err)
	}
}

func TestCancelledContextWritesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	port := newPlayback(t)
	p := newPrinter(t, port, Config{})
	if err := p.Print(ctx, shortReceipt, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Print = %v", err)
	}
	if err := p.OpenDrawer(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("OpenDrawer = %v", err)
	}
}

// A port whose write never returns: the call gives up after WriteTimeout, the next
// waits for the stuck write (and says ErrBusy if it stays stuck), and once the write
// finishes the printer works again.
func TestStuckWrite(t *testing.T) {
	kick := []byte{0x1b, 0x70, 0x00, 0x19, 0xfa}
	port := newPlayback(t, step{write: kick}, step{write: kick})
	port.block = make(chan struct{})
	p := newPrinter(t, port, Config{WriteTimeout: 50 * time.Millisecond})
	start := time.Now()
	if err := p.OpenDrawer(context.Background()); !errors.Is(err, devices.ErrTimeout) {
		t.Errorf("first OpenDrawer = %v, want ErrTimeout", err)
	}
	if err := p.OpenDrawer(context.Background()); !errors.Is(err, ErrBusy) {
		t.Errorf("second OpenDrawer = %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("two calls on a stuck port took %v", d)
	}
	close(port.block)
	if err := p.OpenDrawer(context.Background()); err != nil {
		t.Errorf("after the port came back: %v", err)
	}
	port.done()
}

// longReceipt is n item rows of a supermarket receipt.
func longReceipt(n int) []receipt.Row {
	items := []string{"农夫山泉 550ml", "可口可乐 330ml", "苹果 Fuji", "康师傅红烧牛肉面", "伊利纯牛奶 250ml"}
	var rows []receipt.Row
	for i := range n {
		rows = append(rows, receipt.Row{Left: items[i%len(items)]},
			receipt.Row{Left: "  2 x ¥3.50", Right: "¥7.00"})
	}
	return rows
}

func TestRefusal(t *testing.T) {
	p := newPrinter(t, newPlayback(t), Config{})
	if err := p.Refusal(escpos.Status{Online: true, PaperNearEnd: true, DrawerOpen: true}); err != nil {
		t.Errorf("a printer that can print is refused: %v", err)
	}
	if err := p.Refusal(escpos.Status{PaperOut: true, CoverOpen: true}); !errors.Is(err, ErrCoverOpen) {
		t.Errorf("open and empty: %v, want the cover first", err)
	}
}
