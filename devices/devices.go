// Package devices holds the till's hardware adapters: byte transports (serial, USB HID,
// keyboard wedge), the drivers for scanners and receipt printers on top of them,
// discovery and hot-plug, and simulators (devices/sim) that speak the same protocols
// over pseudo-terminals. This package declares what they share: the Port transport and
// the Error type that tells the person at the till what went wrong.
package devices

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Port is a byte transport to one device (a serial port, a HID device, a simulator).
// Read follows go.bug.st/serial: when the read timeout passes with no data it returns
// (0, nil), which is not the end of the stream; a device that is gone returns an error.
type Port interface {
	io.ReadWriteCloser
	// SetReadTimeout bounds how long Read waits for the first byte.
	SetReadTimeout(time.Duration) error
	// Name is the port as the person at the till knows it ("/dev/ttyACM0", "COM3").
	Name() string
}

// What went wrong, for the UI to say in words. Every device error wraps one of these.
var (
	ErrUnplugged  = errors.New("device unplugged")
	ErrBusy       = errors.New("port busy (in use by another program)")
	ErrNotFound   = errors.New("device not found")
	ErrPermission = errors.New("no permission to open the device")
	ErrTimeout    = errors.New("device did not answer in time")
	ErrBadConfig  = errors.New("invalid device settings")
	ErrProtocol   = errors.New("device sent something unexpected")
	ErrClosed     = errors.New("device closed")
)

// Error is a failed device operation: which operation, on which port, and why.
type Error struct {
	Op   string // "open", "read", "write", "status", ...
	Port string // port name
	Err  error  // wraps one of the sentinel errors above where one applies
}

func (e *Error) Error() string { return fmt.Sprintf("%s %s: %v", e.Op, e.Port, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Wrap builds an *Error, or returns nil for a nil err.
func Wrap(op, port string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Port: port, Err: err}
}

// ReadFull reads exactly len(buf) bytes from p within timeout, treating (0, nil) reads
// as "no data yet". It returns ErrTimeout when the device stays silent.
func ReadFull(p Port, buf []byte, timeout time.Duration, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	deadline := now().Add(timeout)
	got := 0
	for got < len(buf) {
		left := deadline.Sub(now())
		if left <= 0 {
			return Wrap("read", p.Name(), ErrTimeout)
		}
		if err := p.SetReadTimeout(left); err != nil {
			return Wrap("read", p.Name(), err)
		}
		n, err := p.Read(buf[got:])
		got += n
		if err != nil {
			return Wrap("read", p.Name(), err)
		}
	}
	return nil
}
