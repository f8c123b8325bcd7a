// Package serialport opens serial devices (RS-232, USB CDC-ACM, pseudo-terminals) with
// go.bug.st/serial and maps its errors onto the devices error kinds.
package serialport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"go.bug.st/serial"

	"tilldesk/devices"
)

// Config is a serial port's settings, as kept in the config file.
type Config struct {
	Path     string `toml:"path"`      // "/dev/ttyACM0", "COM3", "/dev/pts/4"
	Baud     int    `toml:"baud"`      // 9600, 19200, 38400, 115200
	DataBits int    `toml:"data_bits"` // 7 or 8
	Parity   string `toml:"parity"`    // "none", "odd", "even"
	StopBits int    `toml:"stop_bits"` // 1 or 2
	// Flow sets the modem lines on open: "default" leaves them as the OS sets them
	// (raised, what most USB-serial printers and scanners expect, and the only choice
	// on a pseudo-terminal, which has no modem lines), "dtr-rts" raises DTR and RTS
	// explicitly, "none" drops both. go.bug.st/serial has no RTS/CTS handshaking, so
	// printers are paced by their status replies instead.
	Flow string `toml:"flow"`
}

// Defaults fills unset fields: 9600 8N1, modem lines as the OS sets them.
func (c Config) Defaults() Config {
	if c.Baud == 0 {
		c.Baud = 9600
	}
	if c.DataBits == 0 {
		c.DataBits = 8
	}
	if c.Parity == "" {
		c.Parity = "none"
	}
	if c.StopBits == 0 {
		c.StopBits = 1
	}
	if c.Flow == "" {
		c.Flow = "default"
	}
	return c
}

// Mode converts the settings for go.bug.st/serial, checking each one.
func (c Config) Mode() (*serial.Mode, error) {
	c = c.Defaults()
	m := &serial.Mode{BaudRate: c.Baud, DataBits: c.DataBits}
	switch c.Baud {
	case 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400:
	default:
		return nil, fmt.Errorf("baud %d: %w", c.Baud, devices.ErrBadConfig)
	}
	if c.DataBits != 7 && c.DataBits != 8 {
		return nil, fmt.Errorf("data bits %d: %w", c.DataBits, devices.ErrBadConfig)
	}
	switch c.Parity {
	case "none":
		m.Parity = serial.NoParity
	case "odd":
		m.Parity = serial.OddParity
	case "even":
		m.Parity = serial.EvenParity
	default:
		return nil, fmt.Errorf("parity %q: %w", c.Parity, devices.ErrBadConfig)
	}
	switch c.StopBits {
	case 1:
		m.StopBits = serial.OneStopBit
	case 2:
		m.StopBits = serial.TwoStopBits
	default:
		return nil, fmt.Errorf("stop bits %d: %w", c.StopBits, devices.ErrBadConfig)
	}
	switch c.Flow {
	case "default":
	case "dtr-rts":
		m.InitialStatusBits = &serial.ModemOutputBits{DTR: true, RTS: true}
	case "none":
		m.InitialStatusBits = &serial.ModemOutputBits{}
	default:
		return nil, fmt.Errorf("flow %q: %w", c.Flow, devices.ErrBadConfig)
	}
	return m, nil
}

// WireTime is how long n bytes take on the wire at these settings (start bit, data
// bits, parity, stop bits per byte): the floor for printer throughput.
func (c Config) WireTime(n int) time.Duration {
	c = c.Defaults()
	bits := 1 + c.DataBits + c.StopBits
	if c.Parity != "none" {
		bits++
	}
	return time.Duration(int64(n) * int64(bits) * int64(time.Second) / int64(c.Baud))
}

// Port is an open serial port.
type Port struct {
	name string
	mu   sync.Mutex // guards closed
	p    serial.Port
	shut bool
}

var _ devices.Port = (*Port)(nil)

// Open opens the port. Errors wrap devices.ErrNotFound, ErrBusy, ErrPermission or
// ErrBadConfig so the UI can say what is wrong.
func Open(c Config) (*Port, error) {
	mode, err := c.Mode()
	if err != nil {
		return nil, devices.Wrap("open", c.Path, err)
	}
	if c.Path == "" {
		return nil, devices.Wrap("open", c.Path, fmt.Errorf("no port set: %w", devices.ErrBadConfig))
	}
	p, err := serial.Open(c.Path, mode)
	if err != nil {
		return nil, devices.Wrap("open", c.Path, mapError(err))
	}
	return &Port{name: c.Path, p: p}, nil
}

// mapError turns go.bug.st/serial errors and OS errors into the devices error kinds.
func mapError(err error) error {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortBusy:
			return fmt.Errorf("%v: %w", err, devices.ErrBusy)
		case serial.PortNotFound:
			return fmt.Errorf("%v: %w", err, devices.ErrNotFound)
		case serial.PermissionDenied:
			return fmt.Errorf("%v: %w", err, devices.ErrPermission)
		case serial.InvalidSpeed, serial.InvalidDataBits, serial.InvalidParity, serial.InvalidStopBits, serial.InvalidTimeoutValue, serial.InvalidSerialPort:
			return fmt.Errorf("%v: %w", err, devices.ErrBadConfig)
		case serial.PortClosed:
			return fmt.Errorf("%v: %w", err, devices.ErrClosed)
		}
	}
	switch {
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENODEV):
		return fmt.Errorf("%v: %w", err, devices.ErrNotFound)
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%v: %w", err, devices.ErrPermission)
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("%v: %w", err, devices.ErrBusy)
	case errors.Is(err, syscall.EIO), errors.Is(err, io.EOF), errors.Is(err, syscall.EBADF):
		// A USB serial device pulled out, or a simulator's pty closed.
		return fmt.Errorf("%v: %w", err, devices.ErrUnplugged)
	}
	return err
}

// Name is the port path.
func (p *Port) Name() string { return p.name }

// Read reads what has arrived; (0, nil) means the read timeout passed.
func (p *Port) Read(b []byte) (int, error) {
	n, err := p.p.Read(b)
	if err != nil {
		return n, devices.Wrap("read", p.name, p.readError(err))
	}
	return n, nil
}

// readError tells our own Close from the device going away: go.bug.st/serial reports
// both as PortClosed (Linux leaves a vanished device "readable with zero bytes").
func (p *Port) readError(err error) error {
	var pe *serial.PortError
	if errors.As(err, &pe) && pe.Code() == serial.PortClosed {
		p.mu.Lock()
		shut := p.shut
		p.mu.Unlock()
		if !shut {
			return fmt.Errorf("%v: %w", err, devices.ErrUnplugged)
		}
	}
	return mapError(err)
}

// Write writes b and waits until the OS has taken all of it.
func (p *Port) Write(b []byte) (int, error) {
	n, err := p.p.Write(b)
	if err != nil {
		return n, devices.Wrap("write", p.name, mapError(err))
	}
	return n, nil
}

// SetReadTimeout bounds Read.
func (p *Port) SetReadTimeout(d time.Duration) error {
	if err := p.p.SetReadTimeout(d); err != nil {
		return devices.Wrap("configure", p.name, mapError(err))
	}
	return nil
}

// Drain waits until written bytes have left the port.
func (p *Port) Drain() error { return devices.Wrap("drain", p.name, p.p.Drain()) }

// Close closes the port; a blocked Read returns. Closing twice is harmless.
func (p *Port) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shut {
		return nil
	}
	p.shut = true
	return devices.Wrap("close", p.name, p.p.Close())
}
