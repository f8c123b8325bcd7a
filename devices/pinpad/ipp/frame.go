// Package ipp is the serial packet protocol of the VeriFone PINpad 1000SE and of the
// IPP (internal PIN pad) emulation of the VeriFone Mx800 series. Sources, all public:
//
//   - Mx800 Series Programmers Guide, appendix A "IPP MS and DUKPT Communications
//     Packets" (pages 275-344): packet formats and the ACK/NAK/EOT exchange of every
//     packet used here, cited as "Mx800 guide" with page and table.
//   - PINpad 1000SE Reference and Programmers Guide, VeriFone part number 22903
//     rev. E (2005): the same packet family ("EOT after 3 NAKs" in its management
//     packet tables). Only parts of the stored copies were legible; nothing here rests
//     on it alone.
//   - PIN Pad 791 Programmer's Manual, Uniform Industrial Corp., UDN PM0103-U rev. 06
//     (2015), for a pad sold as compatible with this protocol: section 4 "Message
//     format" states the LRC, the time-out and retransmission rules that the VeriFone
//     guides leave implicit, and its messages Z2 and 72 spell out display and cancel.
//     Cited as "PP791 manual".
//
// AES DUKPT is not in these guides. The AES mode of Z60 and 73 (aes.go) is
// Tilldesk's own extension of this packet set, for ANSI X9.24-3 keys and ISO 9564
// format 4 blocks: no public document found defines a serial PIN pad packet that
// returns an AES DUKPT block, and no real IPP pad speaks it.
//
// It is a codec only: frames to bytes and back (this file and decoder.go), and the
// packets the till uses (packets.go, pinblock.go, aes.go). The ACK/NAK/EOT exchange
// around them is driven by devices/pinpad (the till's side) and devices/sim (the
// simulated PIN pad).
//
// Two framings share the line. Management packets travel as <SI>body<SO>{LRC}, PIN
// and display packets as <STX>body<ETX>{LRC}; the body starts with the packet type
// ("25", "Z60", "73"). Between frames each side answers with single control bytes:
// ACK when a frame's LRC is right, NAK when it is wrong (the sender retransmits),
// EOT to end a session (after three NAKs, or when the customer cancels).
package ipp

import (
	"errors"
	"fmt"

	"tilldesk/devices/seriallink"
)

// Control characters of the protocol (Mx800 guide tables 29-90, "Characteristic 1H").
const (
	STX = 0x02           // start of a text frame
	ETX = 0x03           // end of a text frame
	EOT = seriallink.EOT // 04H: end of the session
	ACK = seriallink.ACK // 06H: frame received with a good LRC
	SO  = 0x0E           // end of a management frame ("shift out")
	SI  = 0x0F           // start of a management frame ("shift in")
	NAK = seriallink.NAK // 15H: frame received with a bad LRC: send it again
	SUB = 0x1A           // in Z2: clear the display first
	FS  = 0x1C           // field separator
)

// Framing says which pair of delimiters surrounds a frame.
type Framing byte

// The two framings.
const (
	Text       Framing = STX // <STX>...<ETX>{LRC}: PIN entry, display, cancel
	Management Framing = SI  // <SI>...<SO>{LRC}: diagnostics, keys, DUKPT engine
)

// end is the delimiter that closes a frame of this framing.
func (f Framing) end() byte {
	if f == Management {
		return SO
	}
	return ETX
}

// String names the framing for logs and test failures.
func (f Framing) String() string {
	switch f {
	case Text:
		return "STX/ETX"
	case Management:
		return "SI/SO"
	}
	return fmt.Sprintf("framing(%#02x)", byte(f))
}

// MaxBody is the longest body accepted, packet type included: the longest packet of
// the Mx800 guide, Z66, is 255 characters with its three framing bytes.
const MaxBody = 252

// Frame is one packet: its framing and its body (packet type and data, without the
// delimiters and the LRC).
type Frame struct {
	Framing Framing
	Body    []byte
}

// String names the frame by framing, packet type and size. It never shows the body,
// which may carry a PAN (Z60) or a PIN block (73), so frames are safe to log.
func (f Frame) String() string {
	return fmt.Sprintf("%v frame, packet %s, %d bytes", f.Framing, PacketType(f), len(f.Body))
}

// Unit names frames of this framing, "STX/ETX frame" or "SI/SO frame".
func (f Frame) Unit() string { return f.Framing.String() + " frame" }

// ErrBody is returned by Encode for a body the protocol cannot carry.
var ErrBody = errors.New("ipp: body cannot be framed")

// LRC is the frame check character. The VeriFone guides only name it ("{LRC} 1H
// Error check", Mx800 guide tables 29-90); the PP791 manual, section 4, defines it as
// the XOR "of every byte after start code ... from the next byte of <STX> or <SI>
// through the <ETX> or <SO> byte": the start delimiter is left out, the end
// delimiter counted. So for <STX>72<ETX> the LRC is '7' ^ '2' ^ ETX = 0x06.
func LRC(body []byte, end byte) byte {
	lrc := end
	for _, b := range body {
		lrc ^= b
	}
	return lrc
}

// Encode frames a body: start delimiter, body, end delimiter, LRC. The body must be
// 1 to MaxBody bytes with no start or end delimiter in it (a receiver would cut the
// frame there); otherwise Encode returns an error wrapping ErrBody.
func Encode(f Frame) ([]byte, error) {
	if f.Framing != Text && f.Framing != Management {
		return nil, fmt.Errorf("%w: unknown framing %#02x", ErrBody, byte(f.Framing))
	}
	if len(f.Body) == 0 || len(f.Body) > MaxBody {
		return nil, fmt.Errorf("%w: %d bytes, want 1 to %d", ErrBody, len(f.Body), MaxBody)
	}
	for i, b := range f.Body {
		if isDelimiter(b) {
			return nil, fmt.Errorf("%w: delimiter %#02x at byte %d", ErrBody, b, i)
		}
	}
	end := f.Framing.end()
	out := make([]byte, 0, len(f.Body)+3)
	out = append(out, byte(f.Framing))
	out = append(out, f.Body...)
	out = append(out, end, LRC(f.Body, end))
	return out, nil
}

// isDelimiter reports whether b starts or ends a frame.
func isDelimiter(b byte) bool { return b == STX || b == ETX || b == SI || b == SO }
