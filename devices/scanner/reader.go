package scanner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"tilldesk/devices"
)

// Reader defaults.
const (
	// DefaultReadTimeout is how long one Read waits. It is also the quiet gap that ends
	// a suffix-less scan, so it must be longer than the gap between two bytes of one
	// code (about 1 ms at 9600 baud; USB-serial adapters batch bytes every 1-16 ms).
	DefaultReadTimeout = 50 * time.Millisecond
	// DefaultStaleAfter is how long a partial scan may wait for the rest of its bytes
	// before it is dropped as garbage (a suffix that never comes).
	DefaultStaleAfter = time.Second
)

// Reader reads scans from a Port. Set the fields, then call Run once.
type Reader struct {
	Port        devices.Port
	Decoder     Decoder          // nil: LineDecoder with a CR suffix, the factory default of most scanners
	Source      string           // Scan.Source; "" means Port.Name()
	ReadTimeout time.Duration    // 0 means DefaultReadTimeout
	StaleAfter  time.Duration    // 0 means DefaultStaleAfter
	Now         func() time.Time // clock for Scan.At and staleness; nil means time.Now
	Log         *slog.Logger     // nil means slog.Default()
}

// Run reads scans and sends them to out until ctx is cancelled or the port fails.
// Run owns the port: it closes it on return (closing is also how a cancelled ctx
// unblocks a pending Read). It returns nil when ctx is cancelled, and otherwise an
// error that wraps devices.ErrUnplugged when the device went away (a port error
// that names no devices error kind is taken to mean that too).
func (r *Reader) Run(ctx context.Context, out chan<- Scan) error {
	r.defaults()
	closed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(closed)
		r.closePort()
	})
	defer func() {
		if stop() {
			r.closePort()
		} else {
			<-closed // the AfterFunc is closing the port: wait for it, leave nothing behind
		}
	}()
	if err := r.Port.SetReadTimeout(r.ReadTimeout); err != nil {
		if ctx.Err() != nil {
			return nil // cancelled before we started: the port is already closed
		}
		return fmt.Errorf("scanner %s: %w", r.Source, err)
	}
	r.Log.Info("scanner: reading", "port", r.Source)
	buf := make([]byte, 4096)
	lastData := r.Now()
	reported, _ := r.Decoder.Errors()
	for {
		n, err := r.Port.Read(buf)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			err = asUnplugged(err)
			r.Log.Warn("scanner: port failed", "port", r.Source, "err", err)
			return fmt.Errorf("scanner %s: %w", r.Source, err)
		}
		now := r.Now()
		var scans []string
		if n > 0 {
			lastData = now
			scans = r.Decoder.Feed(buf[:n])
		} else {
			scans = r.Decoder.Flush()
			if now.Sub(lastData) >= r.StaleAfter {
				if dropped := r.Decoder.Reset(); dropped > 0 {
					r.Log.Warn("scanner: dropped an unfinished scan", "port", r.Source, "bytes", dropped)
				}
			}
		}
		if count, last := r.Decoder.Errors(); count != reported {
			r.Log.Warn("scanner: dropped garbage", "port", r.Source, "errors", count-reported, "last", last)
			reported = count
		}
		for _, s := range scans {
			select {
			case out <- Scan{Data: s, Source: r.Source, At: now}:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// defaults fills unset fields.
func (r *Reader) defaults() {
	if r.Decoder == nil {
		r.Decoder = &LineDecoder{Suffix: []byte{'\r'}}
	}
	if r.Source == "" {
		r.Source = r.Port.Name()
	}
	if r.ReadTimeout <= 0 {
		r.ReadTimeout = DefaultReadTimeout
	}
	if r.StaleAfter <= 0 {
		r.StaleAfter = DefaultStaleAfter
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Log == nil {
		r.Log = slog.Default()
	}
}

// closePort closes the port, logging a failure (there is nobody else to tell).
func (r *Reader) closePort() {
	if err := r.Port.Close(); err != nil {
		r.Log.Debug("scanner: close", "port", r.Source, "err", err)
	}
}

// kinds are the devices error kinds a port error may already carry.
var kinds = []error{
	devices.ErrUnplugged, devices.ErrBusy, devices.ErrNotFound, devices.ErrPermission,
	devices.ErrTimeout, devices.ErrBadConfig, devices.ErrProtocol, devices.ErrClosed,
}

// asUnplugged keeps err if it names a devices error kind, and otherwise marks it
// ErrUnplugged: a read that fails for no known reason means the scanner is gone.
func asUnplugged(err error) error {
	for _, k := range kinds {
		if errors.Is(err, k) {
			return err
		}
	}
	return fmt.Errorf("%w: %w", err, devices.ErrUnplugged)
}
