// Package hid adapts USB HID devices (HID POS barcode scanners) to devices.Port.
//
// A HID device delivers input reports, not a byte stream: every Read of a Port returns
// exactly one report (decode scanner reports with scanner.HIDAssembler). The USB side
// is github.com/karalabe/usb, whose Read blocks until a report comes; Port runs one
// goroutine that reads reports into a channel, so Read can honour SetReadTimeout and
// Close can unblock everything.
//
// Opening real devices needs cgo (karalabe/usb builds hidapi and libusb from source);
// without cgo the package still builds and Open reports devices.ErrNotFound.
package hid

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"tilldesk/devices"
)

// Device is the part of a USB HID handle Port uses; usb.Device from
// github.com/karalabe/usb satisfies it, and tests pass a fake.
type Device interface {
	Read(b []byte) (int, error) // blocks until an input report; one report per call
	Write(b []byte) (int, error)
	Close() error // must make a blocked Read return
}

// ReportSize is the largest input report Port reads. HID POS scanners send 64-byte
// reports; full-speed USB interrupt reports are at most 64 bytes.
const ReportSize = 64

// closeWait bounds how long Close waits for the report goroutine. karalabe/usb makes
// a blocked Read return when the device is closed; if a driver ever does not, Close
// still returns and the goroutine ends when that Read does.
const closeWait = 2 * time.Second

// Port is an open HID device as a devices.Port.
type Port struct {
	name string
	dev  Device
	log  *slog.Logger

	reports chan []byte   // reports read, in order
	failed  chan error    // the report goroutine's read error; buffered, sent once
	done    chan struct{} // closed by Close
	exited  chan struct{} // closed when the report goroutine returns

	mu      sync.Mutex // guards timeout and err
	timeout time.Duration
	err     error // the read error, once failed has delivered it

	closeOnce sync.Once
	closeErr  error
}

var _ devices.Port = (*Port)(nil)

// New adapts an open HID device; name is what the person at the till knows it as.
// Until SetReadTimeout, Read waits for a report indefinitely.
func New(dev Device, name string) *Port {
	p := &Port{
		name:    name,
		dev:     dev,
		log:     slog.Default().With("port", name),
		reports: make(chan []byte, 16),
		failed:  make(chan error, 1),
		done:    make(chan struct{}),
		exited:  make(chan struct{}),
		timeout: -1,
	}
	go p.readReports()
	return p
}

// readReports reads reports until the device fails or the port is closed.
func (p *Port) readReports() {
	defer close(p.exited)
	for {
		buf := make([]byte, ReportSize)
		n, err := p.dev.Read(buf)
		if err != nil {
			p.failed <- err
			return
		}
		if n == 0 {
			// Not something karalabe/usb's blocking Read returns; do not spin on it.
			select {
			case <-p.done:
				return
			case <-time.After(time.Millisecond):
			}
			continue
		}
		select {
		case p.reports <- buf[:n]:
		case <-p.done:
			return
		}
	}
}

// Name is the device as the person at the till knows it.
func (p *Port) Name() string { return p.name }

// SetReadTimeout bounds how long Read waits for a report: a negative d waits
// indefinitely, 0 only takes a report already read.
func (p *Port) SetReadTimeout(d time.Duration) error {
	p.mu.Lock()
	p.timeout = d
	p.mu.Unlock()
	return nil
}

// Read copies one input report into b (which should hold ReportSize bytes; a longer
// report is cut to len(b) and reported as a protocol error). It returns (0, nil) when
// the read timeout passes, an error wrapping devices.ErrUnplugged when the device is
// gone and devices.ErrClosed after Close. Reports that arrived before a failure are
// still returned first.
func (p *Port) Read(b []byte) (int, error) {
	select {
	case <-p.done:
		return 0, devices.Wrap("read", p.name, devices.ErrClosed)
	default:
	}
	if r, ok := p.pending(); ok {
		return p.deliver(b, r)
	}
	p.mu.Lock()
	timeout, failed := p.timeout, p.err
	p.mu.Unlock()
	if failed != nil {
		return 0, failed
	}
	var expire <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	select {
	case r := <-p.reports:
		return p.deliver(b, r)
	case err := <-p.failed:
		err = p.fail(err)
		// The reports read before the failure come first.
		if r, ok := p.pending(); ok {
			return p.deliver(b, r)
		}
		return 0, err
	case <-p.done:
		return 0, devices.Wrap("read", p.name, devices.ErrClosed)
	case <-expire:
		return 0, nil
	}
}

// pending takes a report that has already been read, if there is one.
func (p *Port) pending() ([]byte, bool) {
	select {
	case r := <-p.reports:
		return r, true
	default:
		return nil, false
	}
}

// deliver copies report r into b.
func (p *Port) deliver(b, r []byte) (int, error) {
	n := copy(b, r)
	if n < len(r) {
		return n, devices.Wrap("read", p.name, fmt.Errorf("%d-byte report cut to %d bytes: %w: %w", len(r), n, io.ErrShortBuffer, devices.ErrProtocol))
	}
	return n, nil
}

// fail records the report goroutine's error as this port's read error, returned by
// every Read once the reports read before it are taken.
func (p *Port) fail(err error) error {
	select {
	case <-p.done:
		err = devices.Wrap("read", p.name, fmt.Errorf("%v: %w", err, devices.ErrClosed))
	default:
		p.log.Warn("hid: device read failed", "err", err)
		err = devices.Wrap("read", p.name, fmt.Errorf("%v: %w", err, devices.ErrUnplugged))
	}
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
	return err
}

// Write sends an output report (report ID first).
func (p *Port) Write(b []byte) (int, error) {
	select {
	case <-p.done:
		return 0, devices.Wrap("write", p.name, devices.ErrClosed)
	default:
	}
	n, err := p.dev.Write(b)
	if err != nil {
		return n, devices.Wrap("write", p.name, fmt.Errorf("%v: %w", err, devices.ErrUnplugged))
	}
	return n, nil
}

// Close closes the device, which unblocks the report goroutine, and waits for that
// goroutine to end. A blocked Read returns ErrClosed. Closing twice is harmless.
//
// Closing while the goroutine is blocked in the device's Read is the only way to
// unblock it (karalabe/usb has no read timeout). hidapi's libusb backend, which
// karalabe/usb uses on Linux, handles it: hid_close stops the device's read thread,
// which wakes the blocked hid_read, and it returns -1 (ErrDeviceClosed). hidapi does
// not promise this is safe, though: hid_close frees the device soon after, so a woken
// hid_read that has not yet run again could touch freed memory. The window is the
// time hid_close spends releasing the USB interface, and a till closes its scanner
// rarely (quit, reconfigure, hot-unplug), but it is a known limit of the library.
func (p *Port) Close() error {
	p.closeOnce.Do(func() {
		close(p.done)
		if err := p.dev.Close(); err != nil {
			p.closeErr = devices.Wrap("close", p.name, err)
		}
		select {
		case <-p.exited:
		case <-time.After(closeWait):
			p.log.Warn("hid: device read did not return after close", "waited", closeWait)
		}
	})
	return p.closeErr
}
