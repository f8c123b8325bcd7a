package cardtest

import (
	"bytes"
	"errors"
	"sync/atomic"
	"testing"

	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
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

// NewCard personalises a fresh card of a built-in profile and presents it through
// iface; it fails the test when the profile has no such card or interface.
func NewCard(t testing.TB, profile string, iface emvcard.Interface) (*emvcard.Presented, *emvcard.Profile) {
	t.Helper()
	p, ok := emvcard.Lookup(profile)
	if !ok {
		t.Fatalf("cardtest: no profile %q", profile)
	}
	card, err := emvcard.New(p)
	if err != nil {
		t.Fatal(err)
	}
	app, err := card.Present(iface)
	if err != nil {
		t.Fatal(err)
	}
	return app, p
}
