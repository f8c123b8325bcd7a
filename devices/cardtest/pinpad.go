package cardtest

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tilldesk/devices/cardreader"
	"tilldesk/devices/pinpad"
	"tilldesk/devices/pinpad/ipp"
	"tilldesk/devices/sim"
)

// PINPad is the simulated PIN pad on a pseudo-terminal, the real driver on the till's
// side of it as the kernel's PINPad, and a customer at the keypad who types the PIN
// set by Types whenever the pad asks for one.
type PINPad struct {
	cardreader.PINPad
	Sim *sim.PINPad

	mu    sync.Mutex
	pin   string
	asked int
}

// StartPINPad starts the pad with TDES DUKPT keys, the driver and the customer; the
// test's cleanup stops them.
func StartPINPad(t testing.TB) *PINPad { return StartPINPadFor(t, ipp.TDES) }

// StartPINPadFor is StartPINPad with the pad and the driver in the DUKPT scheme key:
// with ipp.AES the pad holds the AES test keys (sim.PINPadAESTestKeys) and sends
// ISO 9564 format 4 blocks.
func StartPINPadFor(t testing.TB, key ipp.KeyScheme) *PINPad {
	t.Helper()
	cfg, err := sim.TestPINPadConfigFor(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	s, err := sim.StartPINPad(cfg)
	if err != nil {
		t.Fatal(err)
	}
	port := openSimulator(t, s.Path(), s.Close)
	p := &PINPad{Sim: s, PINPad: cardreader.PINPad{Pad: pinpad.New(port, pinpad.Config{Key: key, EntryTimeout: 10 * time.Second,
		Logger: slog.New(slog.DiscardHandler)})}}
	runUntilCleanup(t, p.customer) // cleanups run last first: the customer leaves before the pad closes
	return p
}

// Types sets the PIN the customer types from now on; "" presses ENTER alone.
func (p *PINPad) Types(pin string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pin = pin
}

// Asked counts the PINs the pad has asked the customer for.
func (p *PINPad) Asked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.asked
}

// customer waits at the keypad and types the PIN each time the pad asks: once per
// entry, counted by the pad (waiting for the pad to go idle between entries missed
// the next one when, under load, the idle moment passed unseen).
func (p *PINPad) customer(ctx context.Context) {
	for served := 0; ctx.Err() == nil; {
		n, err := p.Sim.WaitForEntryAfter(ctx, served)
		if err != nil {
			return
		}
		served = n
		p.mu.Lock()
		pin := p.pin
		p.asked++
		p.mu.Unlock()
		if pin != "" {
			_ = p.Sim.PressDigits(pin)
		}
		_ = p.Sim.PressEnter()
	}
}
