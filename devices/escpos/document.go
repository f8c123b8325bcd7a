package escpos

import (
	"fmt"
	"strings"
	"time"

	"tilldesk/core/receipt"
)

// Document is what a printer made of a stretch of ESC/POS: the printed blocks in
// order up to a cut, and the commands that did not print (drawer kicks, status
// requests) received meanwhile.
type Document struct {
	Columns        int // paper width in font A columns
	Blocks         []Block
	Cut            CutKind
	DrawerKicks    []DrawerKick
	StatusRequests []StatusKind
}

// Printed reports whether anything was printed (a document may hold only status
// requests or drawer kicks).
func (d Document) Printed() bool { return len(d.Blocks) > 0 }

// CutKind is how a document ended.
type CutKind uint8

// Ways a document ends: not cut yet (still printing, or interrupted), or cut.
const (
	CutNone CutKind = iota
	CutPartial
	CutFull
)

// BlockKind says which field of a Block is in use.
type BlockKind uint8

// Kinds of printed block.
const (
	BlockText  BlockKind = iota // Block.Line
	BlockFeed                   // Block.Lines blank lines
	BlockQR                     // Block.QR, a QR code the printer drew (GS ( k)
	BlockImage                  // Block.Image, a raster bit image (GS v 0)
)

// Block is one printed thing: a line of text, blank lines, a QR code or an image.
type Block struct {
	Kind  BlockKind
	Line  Line
	Lines int
	QR    QRCode
	Image Raster
}

// Style is how characters print.
type Style struct {
	Bold          bool
	Width, Height int // magnification, 1-8
}

// normal is the power-on style.
var normal = Style{Width: 1, Height: 1}

// Span is text printed in one style.
type Span struct {
	Text  string
	Style Style
}

// Line is one printed line of text.
type Line struct {
	Spans []Span
	Align Align
}

// Text is the line's characters.
func (l Line) Text() string {
	var sb strings.Builder
	for _, s := range l.Spans {
		sb.WriteString(s.Text)
	}
	return sb.String()
}

// Columns is how many font A columns the line takes: Chinese characters two, times
// the width magnification.
func (l Line) Columns() int {
	n := 0
	for _, s := range l.Spans {
		n += receipt.Width(s.Text) * s.Style.Width
	}
	return n
}

// QRCode is a QR code symbol the printer was asked to draw.
type QRCode struct {
	Data       string
	ModuleSize int // dots
	Level      QRLevel
	Align      Align
}

// Raster is a 1-bit image: Height rows of (Width+7)/8 bytes, most significant bit
// leftmost, a set bit printing black; ScaleX and ScaleY are GS v 0's double
// width/height modes.
type Raster struct {
	Width, Height  int
	ScaleX, ScaleY int
	Bits           []byte
	Align          Align
}

// Dot reports whether the dot at x, y (unscaled) prints.
func (r Raster) Dot(x, y int) bool {
	i := y*((r.Width+7)/8) + x/8
	if x < 0 || y < 0 || x >= r.Width || y >= r.Height || i >= len(r.Bits) {
		return false
	}
	return r.Bits[i]&(0x80>>(x%8)) != 0
}

// DrawerKick is a pulse on a drawer kick-out pin (ESC p or DLE DC4 1).
type DrawerKick struct {
	Pin     DrawerPin
	On, Off time.Duration
}

// Text renders the document as the fixed-width text the paper shows: each line
// justified within the paper width (without trailing spaces), blank lines for feeds,
// and "[QR data]" or "[image W×H]" for graphics.
func (d Document) Text() string {
	var sb strings.Builder
	for _, b := range d.Blocks {
		switch b.Kind {
		case BlockText:
			sb.WriteString(strings.Repeat(" ", alignPad(b.Line.Align, d.Columns-b.Line.Columns())))
			sb.WriteString(b.Line.Text())
			sb.WriteByte('\n')
		case BlockFeed:
			sb.WriteString(strings.Repeat("\n", b.Lines))
		case BlockQR:
			fmt.Fprintf(&sb, "[QR %s]\n", b.QR.Data)
		case BlockImage:
			fmt.Fprintf(&sb, "[image %d×%d]\n", b.Image.Width*b.Image.ScaleX, b.Image.Height*b.Image.ScaleY)
		}
	}
	return sb.String()
}
