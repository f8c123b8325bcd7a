package crt

import (
	"errors"
	"fmt"

	"tilldesk/devices/seriallink"
)

// Why a packet is seriallink.Corrupt; Event.Err wraps one of these.
var (
	ErrBCC       = errors.New("crt: BCC mismatch")
	ErrLength    = errors.New("crt: packet length out of range")
	ErrNoETX     = errors.New("crt: no ETX where the length ends the text")
	ErrTruncated = errors.New("crt: packet cut short")
)

// Event is one thing the decoder found: for seriallink.Received, the packet (its Text
// is the event's own copy). Its String never shows the packet's data, so it is safe to
// log.
type Event = seriallink.Event[Frame]

// decoderState is where the decoder is in a packet.
type decoderState int

const (
	betweenPackets decoderState = iota
	awaitingAddress
	awaitingLengthHigh
	awaitingLengthLow
	inText
	awaitingETX
	awaitingBCC
)

// Decoder splits a byte stream into events, one byte at a time, holding at most
// MaxText bytes. The zero value is ready to use; it never fails.
//
// The packet length drives it: text bytes are data whatever their value (an APDU
// may hold F2H or 03H), so only the byte at the end of the length must be ETX. A
// length of zero or over MaxText makes the packet Corrupt at once, and the decoder
// looks for the next STX; a packet whose end never comes is ended by Cut, which the
// reader of the line calls when the line falls silent mid-packet.
type Decoder struct {
	state   decoderState
	address byte
	length  int
	text    []byte
	bcc     byte
}

// Feed takes the next byte and returns the event it completes, if any.
func (d *Decoder) Feed(b byte) (Event, bool) {
	if d.state != betweenPackets {
		d.bcc ^= b
	}
	switch d.state {
	case awaitingAddress:
		d.address, d.state = b, awaitingLengthHigh
	case awaitingLengthHigh:
		d.length, d.state = int(b)<<8, awaitingLengthLow
	case awaitingLengthLow:
		d.length |= int(b)
		if d.length == 0 || d.length > MaxText {
			return d.corrupt(fmt.Errorf("%w: %d bytes", ErrLength, d.length)), true
		}
		d.state = inText
	case inText:
		d.text = append(d.text, b)
		if len(d.text) == d.length {
			d.state = awaitingETX
		}
	case awaitingETX:
		if b != ETX {
			return d.corrupt(fmt.Errorf("%w: %#02x after %d bytes", ErrNoETX, b, d.length)), true
		}
		d.state = awaitingBCC
	case awaitingBCC:
		return d.finish(), true
	default:
		return d.between(b)
	}
	return Event{}, false
}

// between handles a byte outside any packet.
func (d *Decoder) between(b byte) (Event, bool) {
	switch b {
	case STX:
		d.state, d.text, d.bcc = awaitingAddress, d.text[:0], STX
		return Event{}, false
	}
	return seriallink.Unframed[Frame](b), true
}

// finish checks the BCC (the XOR of the whole packet, BCC included, is zero).
func (d *Decoder) finish() Event {
	if d.bcc != 0 {
		return d.corrupt(ErrBCC)
	}
	d.state = betweenPackets
	return Event{Kind: seriallink.Received, Frame: Frame{Address: d.address, Text: append([]byte(nil), d.text...)}}
}

func (d *Decoder) corrupt(err error) Event {
	d.state = betweenPackets
	return Event{Kind: seriallink.Corrupt, Err: err}
}

// Pending reports whether a packet has begun and not ended.
func (d *Decoder) Pending() bool { return d.state != betweenPackets }

// Cut ends a packet that has begun (the line fell silent in the middle of it) as
// Corrupt; ok is false when no packet had begun.
func (d *Decoder) Cut() (ev Event, ok bool) {
	if !d.Pending() {
		return Event{}, false
	}
	return d.corrupt(fmt.Errorf("%w: silence after %d of %d text bytes", ErrTruncated, len(d.text), d.length)), true
}

// Reset drops any partial packet.
func (d *Decoder) Reset() { d.state = betweenPackets }
