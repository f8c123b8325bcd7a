package cardreader

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices"
)

// Card is a card a reader powered up for one transaction. Its Transmit is the EMV
// kernel's kernel.Card. Close it when the transaction ends (WaitCard also closes the
// previous one).
type Card struct {
	svc     *Service
	reader  *readerState
	conn    Conn
	iface   kernel.Interface
	atr     []byte
	timeout time.Duration

	mu      sync.Mutex
	closed  bool
	failure error // the card is unusable: removed, or its reader stopped answering
}

var _ kernel.Card = (*Card)(nil)

// Interface is how the card was presented: inserted or tapped.
func (c *Card) Interface() kernel.Interface { return c.iface }

// ATR is the card's answer to reset (PC/SC's form for a tapped card).
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// Reader is the name of the reader the card is in.
func (c *Card) Reader() string { return c.reader.backend.Name() }

// Transmit sends one command APDU and returns the response APDU. It gives up after
// the service's timeout (devices.ErrTimeout). A card pulled out gives an error
// wrapping ErrCardRemoved; every error is a *devices.Error naming the reader, and
// after one the card answers nothing more.
func (c *Card) Transmit(apdu []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return nil, devices.Wrap("transmit", c.Reader(), devices.ErrClosed)
	case c.failure != nil:
		return nil, c.failure
	}
	type result struct {
		resp []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := c.conn.Transmit(apdu)
		done <- result{resp, err}
	}()
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err == nil {
			return r.resp, nil
		}
		c.failure = wrapDevice("transmit", c.Reader(), r.err)
		if errors.Is(r.err, ErrCardRemoved) {
			c.svc.cardGone(c)
		}
	case <-timer.C:
		c.failure = devices.Wrap("transmit", c.Reader(), fmt.Errorf("no answer within %v: %w", c.timeout, devices.ErrTimeout))
	}
	return nil, c.failure
}

// Close powers the card down and lets the reader look for the next one. Closing a
// card that was pulled out is not an error; closing twice does nothing.
func (c *Card) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	defer c.svc.released(c)
	err := c.conn.Close()
	if err != nil && c.failure != nil {
		return nil
	}
	return wrapDevice("power off", c.Reader(), err)
}

// cardRemoved is a backend's "the card is gone" as this package's ErrCardRemoved, with
// the backend's words after it, and the reader named.
func cardRemoved(op, reader string, cause error) error {
	var de *devices.Error
	if errors.As(cause, &de) {
		cause = de.Err
	}
	return devices.Wrap(op, reader, fmt.Errorf("%w (%w)", ErrCardRemoved, cause))
}
