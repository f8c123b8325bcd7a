package cardtest

import (
	"bytes"
	"errors"
	"sync/atomic"

	"tilldesk/devices/sim"
)

// ErrPulledOut is what a Direct card answers after PullOut.
var ErrPulledOut = errors.New("cardtest: card pulled out")

// Direct is a virtual card held straight to the kernel, with no reader in between:
// Transmit is the card's Process. It is the fastest path, for the transaction matrix
// and the in-process benchmark.
type Direct struct {
	app      sim.CardApp
	pulled   atomic.Bool
	commands atomic.Int64
}

// Insert powers the card up (a reset) and returns it.
func Insert(app sim.CardApp) *Direct {
	app.Reset()
	return &Direct{app: app}
}

// Transmit hands one command APDU to the card and returns its response APDU.
func (d *Direct) Transmit(apdu []byte) ([]byte, error) {
	if d.pulled.Load() {
		return nil, ErrPulledOut
	}
	d.commands.Add(1)
	return d.app.Process(bytes.Clone(apdu)), nil
}

// PullOut makes every later Transmit fail, as a card taken out does.
func (d *Direct) PullOut() { d.pulled.Store(true) }

// Commands counts the APDUs the card answered.
func (d *Direct) Commands() int { return int(d.commands.Load()) }
