// Package sim holds device simulators that speak the real protocols over real
// pseudo-terminals, so demo mode and the tests drive the same serial adapters as a
// countertop with real hardware.
package sim

import (
	"fmt"
	"os"
	"sync"

	"github.com/creack/pty"
)

// PTY is a pseudo-terminal pair. The simulator reads and writes Master; the till opens
// Path (e.g. /dev/pts/5) with devices/serialport exactly as it opens /dev/ttyACM0.
type PTY struct {
	Master *os.File
	Path   string
	slave  *os.File // held open so the pty does not hang up before the till opens it
	once   sync.Once
}

// OpenPTY allocates a pseudo-terminal.
func OpenPTY() (*PTY, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("sim: open pseudo-terminal: %w", err)
	}
	return &PTY{Master: m, Path: s.Name(), slave: s}, nil
}

// Unplug closes the device side, as pulling the USB cable does: the till's next read
// or write on Path fails.
func (p *PTY) Unplug() error {
	var err error
	p.once.Do(func() {
		err = p.Master.Close()
		if serr := p.slave.Close(); err == nil {
			err = serr
		}
	})
	return err
}

// Close is Unplug.
func (p *PTY) Close() error { return p.Unplug() }
