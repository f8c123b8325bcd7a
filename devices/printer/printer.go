// Package printer drives an ESC/POS receipt printer over any devices.Port: it asks the
// printer for its status, refuses to print when it is out of paper or open, prints
// receipts in chunks that a cancelled context or a pulled cable interrupts promptly,
// and kicks the cash drawer. Every call is bounded by timeouts; none blocks forever.
package printer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"tilldesk/core/receipt"
	"tilldesk/devices"
	"tilldesk/devices/escpos"
)

// Why the printer would not print. Errors from Print wrap one of these, or a
// devices error kind (ErrUnplugged, ErrTimeout, ...) when the port failed.
var (
	ErrPaperOut  = errors.New("printer is out of paper")
	ErrCoverOpen = errors.New("printer cover is open")
	ErrFault     = errors.New("printer reports an error (paper jam, cutter or overheating)")
	ErrOffline   = errors.New("printer is offline")
	ErrBusy      = errors.New("printer is still taking an earlier job")
)

// Config is how the printer is set up.
type Config struct {
	// Width is the paper width in columns: 32 (58 mm) or 48 (80 mm). 0 means 48.
	Width int
	// NativeQR has the printer draw QR codes (GS ( k); otherwise they are sent as
	// raster images, which every printer prints but which take longer to send.
	NativeQR bool
	// StatusTimeout bounds the wait for each status reply. 0 means 500 ms.
	StatusTimeout time.Duration
	// WriteTimeout bounds each chunk of data the port takes. 0 means 2 s.
	WriteTimeout time.Duration
	// Logger receives what the driver does. nil means slog.Default().
	Logger *slog.Logger
}

// Defaults applied by New.
const (
	DefaultStatusTimeout = 500 * time.Millisecond
	DefaultWriteTimeout  = 2 * time.Second
	// chunkSize is how much is written at a time: small enough that a cancel or an
	// unplug is noticed within a chunk's wire time (about a quarter of a second at
	// 9600 baud), large enough to keep the line busy.
	chunkSize = 256
)

// The drawer pulse: pin 2, 50 ms on, 500 ms off (ESC p 0 25 250), what most drawers
// sold with ESC/POS printers want.
const (
	drawerPulseOn  = 50 * time.Millisecond
	drawerPulseOff = 500 * time.Millisecond
)

// Printer is an ESC/POS receipt printer on a port. It is safe for concurrent use; jobs
// run one at a time. The caller owns the port and closes it.
type Printer struct {
	port devices.Port
	cfg  Config
	log  *slog.Logger
	// turn holds one token; a job takes it to use the port.
	turn chan struct{}
	// stuck is the result of a write that outlived its job (timed out or cancelled),
	// still running in its goroutine. The next job waits for it before writing.
	stuck chan error
}

// New returns a driver for the printer on port. A Width other than 0, 32 or 48 gives
// an error wrapping devices.ErrBadConfig.
func New(port devices.Port, cfg Config) (*Printer, error) {
	switch cfg.Width {
	case 0:
		cfg.Width = escpos.Columns80mm
	case escpos.Columns58mm, escpos.Columns80mm:
	default:
		return nil, devices.Wrap("configure", port.Name(), fmt.Errorf("paper width %d columns, want 32 or 48: %w", cfg.Width, devices.ErrBadConfig))
	}
	if cfg.StatusTimeout <= 0 {
		cfg.StatusTimeout = DefaultStatusTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	p := &Printer{port: port, cfg: cfg, log: log.With("device", "printer", "port", port.Name()), turn: make(chan struct{}, 1)}
	p.turn <- struct{}{}
	return p, nil
}

// Status asks the printer for its printer, off-line and paper sensor status
// (DLE EOT 1, 2, 4). A printer that does not answer within StatusTimeout gives an
// error wrapping devices.ErrTimeout.
func (p *Printer) Status(ctx context.Context) (escpos.Status, error) {
	var st escpos.Status
	err := p.job(ctx, "status", func() error {
		var err error
		st, err = p.status(ctx)
		return err
	})
	return st, err
}

// Print prints a receipt (rows, then a QR code for qr unless it is empty) and cuts.
// It checks the status first and refuses, with an error wrapping ErrPaperOut,
// ErrCoverOpen, ErrFault or ErrOffline, a printer that cannot print. A cancelled ctx
// or an unplugged printer stops it within a chunk; the error then wraps ctx.Err() or
// devices.ErrUnplugged, and the receipt is incomplete.
func (p *Printer) Print(ctx context.Context, rows []receipt.Row, qr string) error {
	data := escpos.Receipt(rows, p.cfg.Width, qr, p.cfg.NativeQR)
	return p.job(ctx, "print", func() error {
		st, err := p.status(ctx)
		if err != nil {
			return err
		}
		if err := p.Refusal(st); err != nil {
			p.log.Warn("printer cannot print", "status", st.String())
			return err
		}
		start := time.Now()
		if err := p.write(ctx, data); err != nil {
			return err
		}
		p.log.Info("receipt sent", "rows", len(rows), "bytes", len(data), "elapsed", time.Since(start))
		return nil
	})
}

// PrintTestPage prints a page showing the paper width, Chinese text and a QR code.
func (p *Printer) PrintTestPage(ctx context.Context) error {
	return p.Print(ctx, TestPage(p.cfg.Width), testPageQR)
}

// OpenDrawer pulses the cash drawer (ESC p 0 25 250).
func (p *Printer) OpenDrawer(ctx context.Context) error {
	kick := escpos.NewBuilder().KickDrawer(escpos.DrawerPin2, drawerPulseOn, drawerPulseOff).Bytes()
	return p.job(ctx, "open drawer", func() error {
		if err := p.write(ctx, kick); err != nil {
			return err
		}
		p.log.Info("drawer kicked")
		return nil
	})
}

// Refusal says why a printer in status st cannot print, as Print would refuse it: an
// error wrapping ErrCoverOpen, ErrPaperOut, ErrFault or ErrOffline; nil when it can
// print. The status bar can show it after Status.
func (p *Printer) Refusal(st escpos.Status) error {
	var why error
	switch {
	case st.CoverOpen:
		why = ErrCoverOpen
	case st.PaperOut:
		why = ErrPaperOut
	case st.Error:
		why = ErrFault
	case !st.Online:
		why = ErrOffline
	default:
		return nil
	}
	return devices.Wrap("status", p.port.Name(), why)
}

// job runs fn with the port to itself, waiting for an earlier job (and for a write
// an earlier job left running) no longer than ctx and WriteTimeout allow. Errors come
// back as "printer: <op>: ...".
func (p *Printer) job(ctx context.Context, op string, fn func() error) error {
	if err := p.runJob(ctx, fn); err != nil {
		if errors.Is(err, devices.ErrUnplugged) || errors.Is(err, devices.ErrTimeout) {
			p.log.Warn("printer job failed", "op", op, "err", err)
		}
		return fmt.Errorf("printer: %s: %w", op, err)
	}
	return nil
}

func (p *Printer) runJob(ctx context.Context, fn func() error) error {
	select {
	case <-p.turn:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { p.turn <- struct{}{} }()
	if p.stuck != nil {
		timer := time.NewTimer(p.cfg.WriteTimeout)
		defer timer.Stop()
		select {
		case err := <-p.stuck:
			p.stuck = nil
			if err != nil {
				return err // the port failed under the earlier job: say so
			}
		case <-timer.C:
			return devices.Wrap("write", p.port.Name(), ErrBusy)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn()
}
