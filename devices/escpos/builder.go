// Package escpos speaks ESC/POS, the command language of Epson-compatible receipt
// printers, without doing any I/O: a Builder that produces command bytes, a receipt
// layout for 58 mm and 80 mm paper, parsing of real-time status replies, and a
// Decoder (used by the printer simulator) that turns a byte stream back into a
// document that can be shown as text or as a PNG.
//
// Command formats follow the Epson ESC/POS command reference; the comments at each
// command say which part of it. The formats and bit tables were checked against
// printer manuals that reproduce the reference, among them:
//
//   - DLE EOT status bits: Epson TM-T88III manual p. 304 (paper sensor, n = 4) and
//     TM-L60II technical reference p. 1217 (off-line status, n = 2), Samsung/Bixolon
//     SRP-350 pp. 8-9 (all four), Citizen CBM1000 p. 49 (error status, n = 3);
//   - GS ( k QR functions 165-181: HPRT TP80K p. 44, Cino VersaJet p. 104, Partner
//     RP-330 p. 78, NCR 7168 online help;
//   - GS v 0: Cino VersaJet p. 169, HPRT TP80K p. 53 ("k = (xL + xH × 256) ×
//     (yL + yH × 256)"), Daisy 1200 ("the most significant bit of each byte is the
//     leftmost dot");
//   - GS V: Epson TM-U210 p. 373 and TM-L60II p. 1290 (m = 0, 1, 48, 49, 65, 66);
//   - ESC p: Epson TM-T88 and TM-U220A ("t1 × 2 ms on, t2 × 2 ms off").
package escpos

import (
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Control codes that start ESC/POS commands.
const (
	LF  = 0x0a // print and line feed
	DLE = 0x10 // real-time commands (DLE EOT status, DLE DC4 pulse)
	EOT = 0x04
	ESC = 0x1b
	FS  = 0x1c // Kanji / Chinese character commands
	GS  = 0x1d
)

// Align is the horizontal justification of a printed line (ESC a n).
type Align byte

// Justifications, in ESC a's order: n = 0 left, 1 centre, 2 right.
const (
	AlignLeft Align = iota
	AlignCentre
	AlignRight
)

// StatusKind selects what a real-time status request (DLE EOT n) asks for.
type StatusKind byte

// DLE EOT n parameters (Epson: "n = 1: printer status, 2: off-line status, 3: error
// status, 4: continuous paper sensor status").
const (
	StatusPrinter StatusKind = 1
	StatusOffline StatusKind = 2
	StatusError   StatusKind = 3
	StatusPaper   StatusKind = 4
)

// Builder accumulates ESC/POS commands. Methods that cannot fail return the Builder
// so calls chain; the zero value is ready to use.
type Builder struct {
	buf     []byte
	chinese bool // FS & has been sent since the last ESC @
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return &Builder{} }

// Bytes returns the commands built so far. The slice aliases the Builder's buffer.
func (b *Builder) Bytes() []byte { return b.buf }

// Len is the number of bytes built so far.
func (b *Builder) Len() int { return len(b.buf) }

// Raw appends bytes as they are, for commands the Builder does not cover.
func (b *Builder) Raw(p ...byte) *Builder {
	b.buf = append(b.buf, p...)
	return b
}

// Init resets the printer to its power-on modes (ESC @ = 1B 40): clears the print
// buffer, cancels bold, size and alignment. Chinese mode is entered again when the
// next non-ASCII text is written.
func (b *Builder) Init() *Builder {
	b.chinese = false
	return b.Raw(ESC, '@')
}

// Text writes s at the current print position. ASCII goes out as it is; any other
// text switches the printer to Chinese character mode (FS & = 1C 26) once and is
// encoded in GB18030, which Chinese ESC/POS printers take as their double-byte
// character set. Control characters in s become spaces so that shop data (item
// names, footers) can never smuggle commands to the printer.
func (b *Builder) Text(s string) *Builder {
	s = sanitize(s)
	if isASCII(s) {
		b.buf = append(b.buf, s...)
		return b
	}
	if !b.chinese {
		b.Raw(FS, '&')
		b.chinese = true
	}
	b.buf = appendGB18030(b.buf, s)
	return b
}

// Line writes s and a line feed.
func (b *Builder) Line(s string) *Builder { return b.Text(s).LineFeed() }

// LineFeed prints the line buffer and feeds one line (LF = 0A).
func (b *Builder) LineFeed() *Builder { return b.Raw(LF) }

// Feed prints the line buffer and feeds n lines (ESC d n = 1B 64 n).
func (b *Builder) Feed(n byte) *Builder { return b.Raw(ESC, 'd', n) }

// Bold turns emphasised printing on or off (ESC E n = 1B 45 n).
func (b *Builder) Bold(on bool) *Builder { return b.Raw(ESC, 'E', boolByte(on)) }

// Size sets the character magnification, 1 to 8 times in each direction
// (GS ! n = 1D 21 n; bits 4-6 are width-1, bits 0-2 height-1). Size(1, 1) is normal.
func (b *Builder) Size(width, height int) *Builder {
	return b.Raw(GS, '!', byte(clamp(width, 1, 8)-1)<<4|byte(clamp(height, 1, 8)-1))
}

// Align sets the justification of the following lines (ESC a n = 1B 61 n). Printers
// apply it only at the start of a line.
func (b *Builder) Align(a Align) *Builder { return b.Raw(ESC, 'a', byte(a)) }

// Cut feeds the paper to the cutter plus feed motion units and cuts leaving one point
// uncut (GS V 66 n = 1D 56 42 n).
func (b *Builder) Cut(feed byte) *Builder { return b.Raw(GS, 'V', 66, feed) }

// CutHere cuts partially without feeding first (GS V 1 = 1D 56 01), for printers
// that do not know the four-byte form.
func (b *Builder) CutHere() *Builder { return b.Raw(GS, 'V', 1) }

// DrawerPin is the drawer kick-out connector pin ESC p pulses.
type DrawerPin byte

// Drawer pins (Epson: "m = 0, 48: drawer kick-out connector pin 2; 1, 49: pin 5").
const (
	DrawerPin2 DrawerPin = 0
	DrawerPin5 DrawerPin = 1
)

// KickDrawer pulses a drawer kick-out pin: on for onTime then off for offTime, each
// in the command's 2 ms units (ESC p m t1 t2 = 1B 70 m t1 t2), clamped to 0-255 units.
func (b *Builder) KickDrawer(pin DrawerPin, onTime, offTime time.Duration) *Builder {
	unit := 2 * time.Millisecond
	return b.Raw(ESC, 'p', byte(pin), byte(clamp(int(onTime/unit), 0, 255)), byte(clamp(int(offTime/unit), 0, 255)))
}

// RequestStatus appends a real-time status request (DLE EOT n = 10 04 n).
func (b *Builder) RequestStatus(kind StatusKind) *Builder { return b.Raw(DLE, EOT, byte(kind)) }

// StatusRequest is the three bytes of DLE EOT n.
func StatusRequest(kind StatusKind) []byte { return []byte{DLE, EOT, byte(kind)} }

// appendGB18030 encodes s, which sanitize has made valid UTF-8 (GB18030 covers all of
// Unicode, so the encoder cannot fail on it).
func appendGB18030(dst []byte, s string) []byte {
	enc, err := simplifiedchinese.GB18030.NewEncoder().String(s)
	if err != nil {
		return append(dst, strings.Repeat("?", utf8.RuneCountInString(s))...)
	}
	return append(dst, enc...)
}

// sanitize replaces invalid UTF-8 with "?" and control characters with spaces.
func sanitize(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func boolByte(on bool) byte {
	if on {
		return 1
	}
	return 0
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }
