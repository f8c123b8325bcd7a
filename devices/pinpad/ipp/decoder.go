package ipp

import (
	"errors"
	"fmt"

	"tilldesk/devices/seriallink"
)

// Why a frame is seriallink.Corrupt; Event.Err wraps one of these.
var (
	ErrLRC       = errors.New("ipp: LRC mismatch")
	ErrTruncated = errors.New("ipp: frame cut short by a new start delimiter")
	ErrOverlong  = errors.New("ipp: frame longer than the protocol allows")
	ErrEnd       = errors.New("ipp: frame closed by the other framing's end delimiter")
)

// Event is one thing the decoder found: for seriallink.Received, the frame (its Body
// is the event's own copy); for seriallink.Corrupt, a Frame with the Framing only, and
// an Err wrapping ErrLRC, ErrTruncated, ErrEnd or ErrOverlong. Its String never shows
// the frame's body, so it is safe to log even when the frame carries a PAN or a PIN
// block.
type Event = seriallink.Event[Frame]

// ControlName spells a control byte as the guides do ("ACK"), or in hex.
func ControlName(b byte) string {
	switch b {
	case STX:
		return "STX"
	case ETX:
		return "ETX"
	case SI:
		return "SI"
	case SO:
		return "SO"
	}
	return seriallink.ControlName(b)
}

// decoderState is where the decoder is in a frame.
type decoderState int

const (
	betweenFrames decoderState = iota
	inBody                     // after a start delimiter
	awaitingLRC                // after the end delimiter
)

// Decoder splits a byte stream into events, one byte at a time, holding at most
// MaxBody bytes. The zero value is ready to use. It never fails: whatever arrives is
// an event of some kind, and what to do about it (ACK, NAK, give up) is the caller's
// protocol decision.
type Decoder struct {
	state   decoderState
	framing Framing
	body    []byte
	tooLong bool // the body outgrew MaxBody; the rest of it is being skipped
	endedBy byte // the end delimiter that closed the body
}

// Feed takes the next byte and returns the event it completes, if any.
//
// A start delimiter inside a frame ends that frame as Corrupt (ErrTruncated) and
// begins a new one: the guides leave resynchronisation open, and restarting on the
// newest start delimiter loses the least when a frame's end was garbled. Either end
// delimiter ends a body (the Mx800 guide, note to table 87, forbids ETX and SO in
// any packet data), and the byte after it is the LRC whatever its value; a frame
// closed by the other framing's delimiter is Corrupt. Inside a body every other byte,
// control characters included, is data.
func (d *Decoder) Feed(b byte) (Event, bool) {
	switch d.state {
	case inBody:
		return d.feedBody(b)
	case awaitingLRC:
		return d.finish(b), true
	}
	switch b {
	case STX, SI:
		d.start(Framing(b))
		return Event{}, false
	}
	return seriallink.Unframed[Frame](b), true
}

// Reset drops any partial frame, as after a timeout or an error.
func (d *Decoder) Reset() { d.start(0); d.state = betweenFrames }

// Pending reports whether a frame has begun and not ended.
func (d *Decoder) Pending() bool { return d.state != betweenFrames }

func (d *Decoder) start(f Framing) {
	d.state = inBody
	d.framing = f
	d.body = d.body[:0]
	d.tooLong = false
}

func (d *Decoder) feedBody(b byte) (Event, bool) {
	switch {
	case b == STX || b == SI:
		cut := Event{Kind: seriallink.Corrupt, Frame: Frame{Framing: d.framing}, Err: fmt.Errorf("%w after %d bytes", ErrTruncated, len(d.body))}
		if d.tooLong {
			cut.Err = fmt.Errorf("%w, then %w", ErrOverlong, ErrTruncated)
		}
		d.start(Framing(b))
		return cut, true
	case b == ETX || b == SO:
		d.state = awaitingLRC
		d.endedBy = b
	case len(d.body) == MaxBody:
		d.tooLong = true
	default:
		d.body = append(d.body, b)
	}
	return Event{}, false
}

// finish checks the LRC byte of a frame whose end delimiter has arrived.
func (d *Decoder) finish(lrc byte) Event {
	d.state = betweenFrames
	corrupt := func(err error) Event {
		return Event{Kind: seriallink.Corrupt, Frame: Frame{Framing: d.framing}, Err: err}
	}
	switch {
	case d.tooLong:
		return corrupt(fmt.Errorf("%w (over %d bytes)", ErrOverlong, MaxBody))
	case d.endedBy != d.framing.end():
		return corrupt(fmt.Errorf("%w: %v frame ended by %s", ErrEnd, d.framing, ControlName(d.endedBy)))
	case len(d.body) == 0:
		return corrupt(fmt.Errorf("%w: empty frame", ErrTruncated))
	}
	if want := LRC(d.body, d.framing.end()); lrc != want {
		return corrupt(fmt.Errorf("%w: got %#02x, want %#02x", ErrLRC, lrc, want))
	}
	body := append([]byte(nil), d.body...)
	return Event{Kind: seriallink.Received, Frame: Frame{Framing: d.framing, Body: body}}
}
