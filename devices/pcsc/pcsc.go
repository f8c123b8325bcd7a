// Package pcsc talks to smart-card readers (USB CCID readers, contact and contactless)
// through the system's PC/SC service: pcscd on Linux, WinSCard on Windows. A Context
// lists readers and waits for cards; a Card exchanges APDUs. Every call that can block
// has a timeout, a card pulled out mid-exchange gives ErrCardRemoved, and a missing
// service gives ErrNoService, each wrapped in a *devices.Error naming the reader.
//
// The protocol above APDUs (EMV, T=0 GET RESPONSE chaining) is not this package's: it
// carries bytes, and never logs them (they may hold card data).
package pcsc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tilldesk/devices"
)

// What can go wrong besides the devices sentinels.
var (
	// ErrNoService: the PC/SC service (pcscd) is not running or not installed.
	ErrNoService = errors.New("the smart-card service (pcscd) is not running")
	// ErrCardRemoved: the card was taken out, or is not in the reader.
	ErrCardRemoved = errors.New("card removed")
	// ErrUnsupported: this system has no PC/SC support in this build.
	ErrUnsupported = errors.New("smart-card readers are not supported on this system")
)

// DefaultTimeout bounds one APDU exchange; a card or reader that stays silent longer is
// treated as gone.
const DefaultTimeout = 5 * time.Second

// Presence is what a reader holds.
type Presence int

// Reader states WaitPresence reports.
const (
	Empty   Presence = iota // no card
	Present                 // a card is in (or in the field)
	Unknown                 // the reader is gone or its state cannot be read
)

func (p Presence) String() string {
	switch p {
	case Empty:
		return "empty"
	case Present:
		return "present"
	}
	return "unknown"
}

// Context is a connection to the PC/SC service.
type Context struct {
	h context_
}

// Establish connects to the PC/SC service.
func Establish() (*Context, error) {
	h, err := establish()
	if err != nil {
		return nil, devices.Wrap("connect", "pcsc", err)
	}
	return &Context{h: h}, nil
}

// Close releases the connection.
func (c *Context) Close() error { return devices.Wrap("close", "pcsc", c.h.release()) }

// Readers lists the readers the service knows, by name.
func (c *Context) Readers() ([]string, error) {
	names, err := c.h.listReaders()
	if err != nil {
		return nil, devices.Wrap("list", "pcsc", err)
	}
	return names, nil
}

// WaitPresence waits until reader's presence differs from known, or ctx ends (which
// returns known and ctx's error); it polls in steps so that ctx is honoured.
func (c *Context) WaitPresence(ctx context.Context, reader string, known Presence) (Presence, error) {
	const step = 250 * time.Millisecond
	for {
		p, err := c.h.presence(reader, known, step)
		if err != nil {
			return Unknown, devices.Wrap("wait", reader, err)
		}
		if p != known {
			return p, nil
		}
		if err := ctx.Err(); err != nil {
			return known, err
		}
	}
}

// Card is a connection to the card in one reader.
type Card struct {
	h       card_
	reader  string
	atr     []byte
	timeout time.Duration
}

// Connect opens the card in reader (shared access, T=0 or T=1).
func (c *Context) Connect(reader string) (*Card, error) {
	h, atr, err := c.h.connect(reader)
	if err != nil {
		return nil, devices.Wrap("connect", reader, err)
	}
	return &Card{h: h, reader: reader, atr: atr, timeout: DefaultTimeout}, nil
}

// ATR is the card's answer to reset.
func (k *Card) ATR() []byte { return append([]byte(nil), k.atr...) }

// Reader is the reader's name.
func (k *Card) Reader() string { return k.reader }

// SetTimeout changes how long one exchange may take.
func (k *Card) SetTimeout(d time.Duration) { k.timeout = d }

// Transmit sends one command APDU and returns the response APDU (data and status
// word). A reader that does not answer within the timeout gives ErrTimeout and the card
// is reset, so that a late answer cannot be taken for the next command's.
func (k *Card) Transmit(apdu []byte) ([]byte, error) {
	type result struct {
		resp []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := k.h.transmit(apdu)
		done <- result{resp, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, devices.Wrap("transmit", k.reader, r.err)
		}
		if len(r.resp) < 2 {
			return nil, devices.Wrap("transmit", k.reader, fmt.Errorf("%w: response of %d bytes", devices.ErrProtocol, len(r.resp)))
		}
		return r.resp, nil
	case <-time.After(k.timeout):
		go func() { <-done; _ = k.h.disconnect(true) }()
		return nil, devices.Wrap("transmit", k.reader, devices.ErrTimeout)
	}
}

// Close ends the connection, resetting the card when reset is set (the end of a
// transaction, so that no state survives for the next one).
func (k *Card) Close(reset bool) error {
	return devices.Wrap("disconnect", k.reader, k.h.disconnect(reset))
}
