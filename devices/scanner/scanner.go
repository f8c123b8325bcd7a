// Package scanner turns what barcode and QR scanners send into scan events.
//
// A scanner reaches the till in one of three ways, each with its own decoder:
//
//   - serial (RS-232, USB CDC-ACM, a simulator's pseudo-terminal): a byte stream of
//     prefix + code + suffix, split by LineDecoder;
//   - USB HID POS (usage page 0x8C): one input report per chunk of a code, joined by
//     HIDAssembler (the transport is devices/hid);
//   - keyboard wedge: the code arrives as typed keys; Wedge tells a scanner's burst of
//     keys from a person typing.
//
// Reader runs a Decoder over a devices.Port and delivers Scan events on a channel.
package scanner

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"tilldesk/devices"
)

// Scan is one scanned code.
type Scan struct {
	Data   string    // the code, without prefix and suffix
	Source string    // the port it came from, as the person at the till knows it
	At     time.Time // when the last byte of the code arrived
}

// DefaultMaxLen bounds a scan when a decoder's MaxLen is 0. A QR code holds at most
// 2,953 bytes, so anything longer is a scanner misconfiguration or line noise.
const DefaultMaxLen = 4096

// gs is ASCII Group Separator, the GS1 FNC1 field separator in GS1-128 and GS1
// DataMatrix codes. It is a control character, but dropping it would merge the
// variable-length fields of a GS1 code (batch, expiry, serial), so it is kept.
const gs = 0x1d

// Decoder splits what a port delivers into scans. Decoders are not safe for concurrent
// use; a Reader owns its Decoder.
type Decoder interface {
	// Feed takes the bytes of one Read and returns the scans they complete.
	Feed(b []byte) []string
	// Flush is called after a read timeout with no data: a decoder whose scans end
	// with a quiet gap returns the pending scan.
	Flush() []string
	// Reset drops any partial scan (stale, or the device was reset) and returns how
	// many bytes were dropped.
	Reset() int
	// Errors is how many scans or fragments were dropped as garbage so far, and the
	// latest reason (nil when none).
	Errors() (int, error)
}

// ParseTerminator turns a suffix setting from the config file ("CR", "LF", "CRLF" or
// "none", any case) into the bytes the scanner sends after each code. "none" gives an
// empty suffix: a quiet gap ends each scan.
func ParseTerminator(name string) ([]byte, error) {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case "CR":
		return []byte{'\r'}, nil
	case "LF":
		return []byte{'\n'}, nil
	case "CRLF":
		return []byte{'\r', '\n'}, nil
	case "NONE":
		return []byte{}, nil
	}
	return nil, fmt.Errorf("scanner suffix %q (want CR, LF, CRLF or none): %w", name, devices.ErrBadConfig)
}

// clean turns the raw bytes of one scan into its text: it strips prefix when the
// frame starts with it, silently drops CR and LF (a CRLF scanner set up as CR leaves
// its LF at the start of the next frame), and drops other control characters and
// invalid UTF-8, reporting how many such bytes it dropped. GS is kept (see gs).
func clean(frame, prefix []byte) (text string, dropped int) {
	if len(prefix) > 0 {
		frame = bytes.TrimPrefix(frame, prefix)
	}
	var sb strings.Builder
	sb.Grow(len(frame))
	for len(frame) > 0 {
		r, size := utf8.DecodeRune(frame)
		switch {
		case r == utf8.RuneError && size <= 1:
			dropped++
		case r == '\r' || r == '\n':
		case r == gs:
			sb.WriteByte(gs)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			dropped += size
		default:
			sb.WriteRune(r)
		}
		frame = frame[size:]
	}
	return sb.String(), dropped
}

// errCount counts dropped scans for a decoder's Errors method.
type errCount struct {
	n    int
	last error
}

func (e *errCount) add(err error) {
	e.n++
	e.last = err
}

// Errors is how many scans or fragments were dropped, and the latest reason.
func (e *errCount) Errors() (int, error) { return e.n, e.last }

// maxLen is the effective length bound for a configured MaxLen.
func maxLen(configured int) int {
	if configured <= 0 {
		return DefaultMaxLen
	}
	return configured
}

// tooLong is the error for a scan longer than max bytes.
func tooLong(max int) error {
	return fmt.Errorf("scan longer than %d bytes dropped: %w", max, devices.ErrProtocol)
}
