// Package seriallink is what the till's serial device protocols with framed packets
// and ASCII link control share: a frame is acknowledged with ACK, answered with NAK
// when its check byte is wrong (and then sent again), and a session is ended with EOT.
// The Creator CRT card readers (devices/cardreader/crt) and the VeriFone IPP PIN pads
// (devices/pinpad/ipp, devices/pinpad) speak it so.
//
// A protocol brings its frame layout and check byte: a decoder that turns the byte
// stream into Events (this file), and an encoder. The package brings the host's end of
// the line (link.go): a Link that reads events with deadlines, writes, clears stale
// input, sends a frame until it is acknowledged, and reads a frame, NAKing corrupt
// ones. What is a protocol's own choice (retry counts, timeouts, what an unexpected
// answer means, what is sent when the other side gives up) is a parameter.
package seriallink

import "fmt"

// The ASCII control characters of the link, the same in every protocol here.
const (
	EOT = 0x04 // end of the session, or of a command
	ACK = 0x06 // frame received with a good check byte
	NAK = 0x15 // frame received corrupt: send it again
)

// ControlName spells ACK, NAK and EOT by name, other bytes in hex.
func ControlName(b byte) string {
	switch b {
	case ACK:
		return "ACK"
	case NAK:
		return "NAK"
	case EOT:
		return "EOT"
	}
	return fmt.Sprintf("%#02x", b)
}

// Kind says what a decoder found in the byte stream.
type Kind int

// What a stream of bytes from the other side decodes to.
const (
	// Control is a lone ACK, NAK or EOT between frames.
	Control Kind = iota + 1
	// Received is a frame whose check byte is right: answer ACK.
	Received
	// Corrupt is a frame that cannot be trusted (wrong check byte, cut short, too
	// long, badly delimited): answer NAK so that it is sent again.
	Corrupt
	// Noise is a byte between frames that neither starts one nor is ACK, NAK or EOT:
	// line noise, a device speaking another protocol, or a wrong baud rate.
	Noise
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case Control:
		return "control"
	case Received:
		return "frame"
	case Corrupt:
		return "corrupt frame"
	case Noise:
		return "noise"
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// Frame is a protocol's decoded frame.
type Frame interface {
	// String names the frame by type and size without its data, which may be card
	// data or a PIN block, so that it is safe to log.
	String() string
	// Unit names frames of its kind ("packet", "STX/ETX frame"), for a corrupt one.
	Unit() string
}

// Event is one thing a decoder found.
type Event[F Frame] struct {
	Kind Kind
	// Byte is, for Control, ACK, NAK or EOT; for Noise, the stray byte.
	Byte byte
	// Frame is, for Received, the frame (its data is the event's own copy); for
	// Corrupt, as much of it as tells its Unit.
	Frame F
	// Err is, for Corrupt, why, wrapping one of the protocol's errors.
	Err error
}

// String describes the event without the frame's data, so it is safe to log.
func (e Event[F]) String() string {
	switch e.Kind {
	case Control:
		return ControlName(e.Byte)
	case Received:
		return e.Frame.String()
	case Corrupt:
		return fmt.Sprintf("corrupt %s (%v)", e.Frame.Unit(), e.Err)
	case Noise:
		return fmt.Sprintf("noise byte %#02x", e.Byte)
	}
	return e.Kind.String()
}

// Unframed is the event of a byte between frames that does not start one: Control
// for ACK, NAK and EOT, Noise for any other.
func Unframed[F Frame](b byte) Event[F] {
	switch b {
	case ACK, NAK, EOT:
		return Event[F]{Kind: Control, Byte: b}
	}
	return Event[F]{Kind: Noise, Byte: b}
}

// Decoder splits a byte stream into events, one byte at a time. It never fails:
// whatever arrives is an event of some kind.
type Decoder[F Frame] interface {
	// Feed takes the next byte and returns the event it completes, if any.
	Feed(b byte) (Event[F], bool)
	// Pending reports whether a frame has begun and not ended.
	Pending() bool
	// Reset drops any partial frame.
	Reset()
}

// Cutter is a Decoder that can end a frame the line fell silent in, for a protocol
// whose frames come in one go (Config.FrameGap).
type Cutter[F Frame] interface {
	// Cut ends a frame that has begun as Corrupt; ok is false when none had.
	Cut() (ev Event[F], ok bool)
}
