package scanner

import (
	"bytes"
	"fmt"

	"tilldesk/devices"
)

// LineDecoder splits the byte stream of a serial scanner into scans. A scanner sends
// each code as Prefix + code + Suffix; reads split that anywhere, so partial frames
// are kept across Feed calls (a CRLF suffix may even arrive split between two reads).
//
// With an empty Suffix a quiet gap ends each scan: the Reader calls Flush after a read
// timeout. Control characters (other than GS) and invalid UTF-8 are dropped from a
// scan, and a scan longer than MaxLen is dropped whole; both count as errors (see
// Errors). The zero value decodes suffix-less scans of up to DefaultMaxLen bytes.
type LineDecoder struct {
	Prefix []byte // stripped from the start of each scan when present
	Suffix []byte // ends each scan (see ParseTerminator); empty: a quiet gap does
	MaxLen int    // longest scan in bytes, prefix included; 0 means DefaultMaxLen

	buf        []byte // bytes of the current frame (and possibly a partial suffix)
	from       int    // where in buf the suffix search resumes
	discarding bool   // the current frame is over-long: drop it up to its suffix
	errCount
}

var _ Decoder = (*LineDecoder)(nil)

// Feed takes the bytes of one read and returns the scans they complete.
func (d *LineDecoder) Feed(b []byte) []string {
	if len(d.Suffix) == 0 {
		return d.feedUnterminated(b)
	}
	d.buf = append(d.buf, b...)
	var out []string
	start := 0 // where the current frame begins in buf
	for {
		i := bytes.Index(d.buf[d.from:], d.Suffix)
		if i < 0 {
			break
		}
		end := d.from + i
		if d.discarding {
			d.discarding = false
		} else if s, ok := d.frame(d.buf[start:end]); ok {
			out = append(out, s)
		}
		start = end + len(d.Suffix)
		d.from = start
	}
	d.buf = append(d.buf[:0], d.buf[start:]...)
	// No suffix in buf: its last len(Suffix)-1 bytes may be the start of one.
	keep := len(d.Suffix) - 1
	if len(d.buf)-keep > maxLen(d.MaxLen) {
		if !d.discarding {
			d.add(tooLong(maxLen(d.MaxLen)))
			d.discarding = true
		}
		d.buf = append(d.buf[:0], d.buf[len(d.buf)-keep:]...)
	}
	d.from = max(0, len(d.buf)-keep)
	return out
}

// feedUnterminated buffers a suffix-less scan until Flush.
func (d *LineDecoder) feedUnterminated(b []byte) []string {
	if d.discarding {
		return nil
	}
	d.buf = append(d.buf, b...)
	if len(d.buf) > maxLen(d.MaxLen) {
		d.add(tooLong(maxLen(d.MaxLen)))
		d.discarding = true
		d.buf = d.buf[:0]
	}
	return nil
}

// Flush ends a suffix-less scan after a quiet gap and returns it. With a Suffix set,
// a partial frame is kept: its suffix may still be on the way.
func (d *LineDecoder) Flush() []string {
	if len(d.Suffix) > 0 {
		return nil
	}
	defer d.Reset()
	if d.discarding {
		return nil
	}
	if s, ok := d.frame(d.buf); ok {
		return []string{s}
	}
	return nil
}

// Reset drops the partial frame, returning how many bytes it held.
func (d *LineDecoder) Reset() int {
	n := len(d.buf)
	d.buf, d.from, d.discarding = d.buf[:0], 0, false
	return n
}

// Pending is how many bytes of an unfinished scan are buffered.
func (d *LineDecoder) Pending() int { return len(d.buf) }

// frame turns one complete frame (suffix removed) into a scan, counting garbage.
func (d *LineDecoder) frame(f []byte) (string, bool) {
	if len(f) > maxLen(d.MaxLen) {
		d.add(tooLong(maxLen(d.MaxLen)))
		return "", false
	}
	s, dropped := clean(f, d.Prefix)
	if dropped > 0 {
		d.add(fmt.Errorf("dropped %d non-printable bytes from a scan: %w", dropped, devices.ErrProtocol))
	}
	return s, s != ""
}
