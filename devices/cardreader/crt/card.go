package crt

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"tilldesk/devices"
)

// Card is a card the reader powered on (contact) or activated (contactless). Its
// Transmit is what the EMV kernel needs. Close powers it down.
type Card struct {
	reader      *Reader
	contactless bool
	protocol    int // 0 or 1: T=0 or T=1 (contactless: ISO/IEC 14443-4, block protocol)
	atr, uid    []byte
	mu          sync.Mutex
	closed      bool
	gone        error // why the card is no longer usable
}

// ATR is the card's answer to reset; for a contactless card, the ATR PC/SC builds
// from its ATS (PC/SC part 3, 3.1.3.2.3.1), so that both readers report the same.
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// UID is a tapped card's UID from its activation (ISO/IEC 14443-3 anticollision),
// nil for an inserted card.
func (c *Card) UID() []byte { return append([]byte(nil), c.uid...) }

// Contactless reports whether the card was tapped rather than inserted.
func (c *Card) Contactless() bool { return c.contactless }

// Protocol is 0 or 1: the card's transmission protocol T=0 or T=1.
func (c *Card) Protocol() int { return c.protocol }

// Reader is the reader's port name.
func (c *Card) Reader() string { return c.reader.Name() }

// Transmit sends one command APDU and returns the response APDU (data and status
// word). The reader runs the transport protocol; a T=0 card's 61xx and 6Cxx come
// back to the caller. A card taken out, or gone from the field, gives an error
// wrapping ErrCardRemoved; every error names the port.
func (c *Card) Transmit(apdu []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, devices.Wrap("transmit", c.Reader(), devices.ErrClosed)
	}
	if c.gone != nil {
		return nil, c.gone
	}
	if len(apdu) < 4 || len(apdu) > 261 {
		return nil, devices.Wrap("transmit", c.Reader(), fmt.Errorf("command APDU of %d bytes (4 to 261): %w", len(apdu), devices.ErrBadConfig))
	}
	cmd := Command{CM: cmContactCard, PM: pmAPDUAuto, Data: apdu}
	if c.contactless {
		cmd = Command{CM: cmContactless, PM: pmAPDUTypeA, Data: apdu}
	}
	ctx := context.Background()
	resp, err := c.reader.command(ctx, "transmit", cmd)
	if err != nil {
		c.gone = c.reader.cardError(ctx, c.contactless, err)
		return nil, c.gone
	}
	if len(resp.Data) < 2 {
		return nil, devices.Wrap("transmit", c.Reader(), fmt.Errorf("%w: response APDU of %d bytes", ErrPacket, len(resp.Data)))
	}
	return resp.Data, nil
}

// cardError says what a failed exchange means for the card: a refusal by the reader
// is the card pulled out (when the reader no longer sees it, or for a contactless
// card), or the card failing; line errors are passed on.
func (r *Reader) cardError(ctx context.Context, contactless bool, err error) error {
	var refusal *RefusalError
	if !errors.As(err, &refusal) {
		return err
	}
	if contactless {
		return fmt.Errorf("%w (the card left the field): %w", ErrCardRemoved, err)
	}
	if st, serr := r.Status(ctx); serr == nil && !st.CardIn() {
		return fmt.Errorf("%w: %w", ErrCardRemoved, err)
	}
	return fmt.Errorf("%w: %w", ErrCardFailed, err)
}

// Close powers the card down (contact) or deactivates the field (contactless).
// Closing a card that was pulled out is not an error.
func (c *Card) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	cmd := Command{CM: cmContactCard, PM: pmPowerDown}
	if c.contactless {
		cmd = Command{CM: cmContactless, PM: pmDeactivate}
	}
	_, err := c.reader.command(context.Background(), "power off", cmd)
	if errors.Is(err, ErrRefused) && c.gone != nil {
		return nil
	}
	return err
}

// Activation is what the reader reports when it activates an ISO/IEC 14443 type A
// card (F3 manual p. 35-36): Rtype 'A', ATQA, UID length and UID, SAK, then the ATS.
type Activation struct {
	ATQA [2]byte
	UID  []byte // 4, 7 or 10 bytes
	SAK  byte
	ATS  []byte // its first byte TL is its length
}

// Bytes is the activation as the reader sends it.
func (a Activation) Bytes() []byte {
	out := []byte{rTypeA, a.ATQA[0], a.ATQA[1], byte(len(a.UID))}
	out = append(out, a.UID...)
	out = append(out, a.SAK)
	return append(out, a.ATS...)
}

// ParseActivation reads an activation response's data.
func ParseActivation(data []byte) (Activation, error) {
	if len(data) < 4 || data[0] != rTypeA {
		return Activation{}, fmt.Errorf("%w: activation data of %d bytes, not type A", ErrPacket, len(data))
	}
	n := int(data[3])
	if n != 4 && n != 7 && n != 10 || len(data) < 4+n+2 {
		return Activation{}, fmt.Errorf("%w: UID of %d bytes", ErrPacket, n)
	}
	a := Activation{ATQA: [2]byte{data[1], data[2]}, UID: append([]byte(nil), data[4:4+n]...), SAK: data[4+n]}
	ats := data[5+n:]
	if len(ats) == 0 || int(ats[0]) < 1 || int(ats[0]) > len(ats) {
		return Activation{}, fmt.Errorf("%w: ATS of %d bytes", ErrPacket, len(ats))
	}
	a.ATS = append([]byte(nil), ats[:ats[0]]...)
	return a, nil
}

// HistoricalBytes are the ATS's historical bytes: after TL, T0 and the interface
// bytes TA, TB, TC that T0 announces.
func (a Activation) HistoricalBytes() []byte {
	if len(a.ATS) < 2 {
		return nil
	}
	skip := 2
	for _, bit := range []byte{0x10, 0x20, 0x40} {
		if a.ATS[1]&bit != 0 {
			skip++
		}
	}
	if skip > len(a.ATS) {
		return nil
	}
	return a.ATS[skip:]
}

// ATR is the ATR PC/SC gives an ISO/IEC 14443-4 card: 3B 8n 80 01, the historical
// bytes (at most 15), and the check byte TCK.
func (a Activation) ATR() []byte {
	hist := a.HistoricalBytes()
	if len(hist) > 15 {
		hist = hist[:15]
	}
	atr := append([]byte{0x3B, 0x80 | byte(len(hist)), 0x80, 0x01}, hist...)
	var tck byte
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}
