package escpos

import (
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"tilldesk/core/receipt"
)

// Decoder reads an ESC/POS byte stream the way a printer does and keeps what it
// printed as Documents, one per cut. It takes the stream in pieces of any size
// (a command split across writes waits for its remaining bytes) and tolerates
// garbage: unknown ESC, FS and GS sequences are skipped with their documented
// lengths where the Epson reference gives them, else as two bytes, and stray bytes
// are dropped. It never panics and keeps at most one command's data in memory.
//
// As on Epson printers, a cut or a raster image or QR code print that arrives while
// the line buffer holds text is ignored, and ESC @ discards the line buffer. Bytes
// from 0x80 up are read as GB18030 in Chinese mode (FS &); outside it they would be
// code page characters, which the Decoder shows as U+FFFD.
type Decoder struct {
	// Columns is the paper width in font A columns; lines wrap there. 0 means 48.
	Columns int
	// OnStatusRequest, if set, is called for each DLE EOT as it arrives, to answer it.
	OnStatusRequest func(StatusKind)
	// OnDrawerKick, if set, is called for each drawer pulse as it arrives.
	OnDrawerKick func(DrawerKick)

	in   []byte // unfinished command
	skip int    // bytes still to drop of a command whose data is not kept
	mode mode
	line openLine
	doc  Document
	done []Document
	gb   *encoding.Decoder
}

// mode is the printer state commands set.
type mode struct {
	style    Style
	align    Align
	chinese  bool
	qrModule int
	qrLevel  QRLevel
	qrData   string
}

// openLine is the line buffer: text received but not yet printed.
type openLine struct {
	open bool
	line Line
	cols int
}

// Command parameters, and limits on what the Decoder keeps: the data of bigger
// commands is skipped unread.
const (
	maxRasterRowBytes = 255    // 2040 dots, wider than any receipt paper
	maxBarcodeData    = 255    // GS k with NUL-terminated data
	maxTabs           = 32     // ESC D n1...nk NUL, k ≤ 32
	defaultQRModule   = 3      // Epson's power-on QR module size
	pulseUnit         = 2      // ms, ESC p t1 t2
	realtimePulseUnit = 100    // ms, DLE DC4 1 m t
	kanjiBytes        = 4 + 72 // FS 2 c1 c2 d1...d72: one 24 × 24 character
)

// NewDecoder returns a Decoder for paper columns wide (32 for 58 mm, 48 for 80 mm).
func NewDecoder(columns int) *Decoder {
	d := &Decoder{Columns: columns}
	d.reset()
	return d
}

// Decode decodes a whole stream: the cut documents, then what follows the last cut if
// anything was printed or requested there.
func Decode(b []byte, columns int) []Document {
	d := NewDecoder(columns)
	d.Write(b)
	docs := d.Documents()
	if cur := d.Current(); cur.Printed() || len(cur.DrawerKicks) > 0 || len(cur.StatusRequests) > 0 {
		docs = append(docs, cur)
	}
	return docs
}

// Write feeds bytes to the Decoder. It always takes all of p and returns len(p), nil.
func (d *Decoder) Write(p []byte) (int, error) {
	n := len(p)
	if d.gb == nil {
		d.reset()
	}
	k := min(d.skip, len(p))
	d.skip -= k
	d.in = append(d.in, p[k:]...)
	i := 0
	for i < len(d.in) {
		used, ok := d.step(d.in[i:])
		if !ok {
			break
		}
		i += used
		k := min(d.skip, len(d.in)-i)
		d.skip -= k
		i += k
	}
	d.in = append(d.in[:0], d.in[i:]...)
	return n, nil
}

// Documents returns the documents completed by a cut so far.
func (d *Decoder) Documents() []Document { return append([]Document(nil), d.done...) }

// TakeDocuments returns the documents completed so far and forgets them.
func (d *Decoder) TakeDocuments() []Document {
	docs := d.done
	d.done = nil
	return docs
}

// Current is the document since the last cut (lines still in the line buffer are not
// printed yet and not in it).
func (d *Decoder) Current() Document {
	doc := d.doc
	doc.Columns = d.columns()
	return doc
}

func (d *Decoder) columns() int { return columnsOrDefault(d.Columns) }

// reset is ESC @: power-on modes, line buffer cleared.
func (d *Decoder) reset() {
	d.mode = mode{style: normal, qrModule: defaultQRModule, qrLevel: QRLevelL}
	d.line = openLine{}
	if d.gb == nil {
		d.gb = simplifiedchinese.GB18030.NewDecoder()
	}
}

// step decodes one command at the start of b (which is not empty). It returns the
// bytes used, or ok false when the command continues past b.
func (d *Decoder) step(b []byte) (used int, ok bool) {
	switch c := b[0]; {
	case c == LF, c == 0x0c: // LF; FF in standard mode prints like LF
		d.endLine()
		return 1, true
	case c == DLE:
		return d.dle(b)
	case c == ESC:
		return d.esc(b)
	case c == FS:
		return d.fs(b)
	case c == GS:
		return d.gs(b)
	case c < 0x20 || c == 0x7f: // CR, HT, CAN and the rest: nothing to print
		return 1, true
	case c < utf8.RuneSelf:
		d.print(rune(c))
		return 1, true
	}
	return d.multibyte(b)
}

// multibyte prints one GB18030 character (two bytes, or four with a digit second),
// or U+FFFD for a byte that starts none.
func (d *Decoder) multibyte(b []byte) (int, bool) {
	if !d.mode.chinese { // a code page character, one byte, not simulated
		d.print(utf8.RuneError)
		return 1, true
	}
	size := gb18030Size(b)
	if size == 0 {
		return 0, false
	}
	r := utf8.RuneError
	if size > 1 {
		if s, err := d.gb.Bytes(b[:size]); err == nil {
			if dr, n := utf8.DecodeRune(s); n == len(s) {
				r = dr
			}
		}
	}
	d.print(r)
	return size, true
}

// gb18030Size is the length of the character b starts: 2 or 4, 1 for an invalid
// byte, 0 when more bytes are needed to tell.
func gb18030Size(b []byte) int {
	lead := func(c byte) bool { return c >= 0x81 && c <= 0xfe }
	digit := func(c byte) bool { return c >= 0x30 && c <= 0x39 }
	if !lead(b[0]) {
		return 1
	}
	if len(b) < 2 {
		return 0
	}
	switch c := b[1]; {
	case c >= 0x40 && c <= 0xfe && c != 0x7f:
		return 2
	case !digit(c):
		return 1
	}
	if len(b) >= 3 && !lead(b[2]) || len(b) >= 4 && !digit(b[3]) {
		return 1
	}
	if len(b) < 4 {
		return 0
	}
	return 4
}

// print puts a character in the line buffer, printing the line first when the
// character would not fit.
func (d *Decoder) print(r rune) {
	w := receipt.Width(string(r)) * d.mode.style.Width
	if d.line.open && d.line.cols > 0 && d.line.cols+w > d.columns() {
		d.endLine()
	}
	if !d.line.open {
		d.line = openLine{open: true, line: Line{Align: d.mode.align}}
	}
	spans := d.line.line.Spans
	if n := len(spans); n > 0 && spans[n-1].Style == d.mode.style {
		spans[n-1].Text += string(r)
	} else {
		d.line.line.Spans = append(spans, Span{Text: string(r), Style: d.mode.style})
	}
	d.line.cols += w
}

// endLine prints the line buffer, or feeds a blank line when it is empty.
func (d *Decoder) endLine() {
	if !d.line.open {
		d.feed(1)
		return
	}
	d.doc.Blocks = append(d.doc.Blocks, Block{Kind: BlockText, Line: d.line.line})
	d.line = openLine{}
}

// feed adds blank lines, merging with blank lines just before.
func (d *Decoder) feed(n int) {
	if n <= 0 {
		return
	}
	if last := len(d.doc.Blocks) - 1; last >= 0 && d.doc.Blocks[last].Kind == BlockFeed {
		d.doc.Blocks[last].Lines += n
		return
	}
	d.doc.Blocks = append(d.doc.Blocks, Block{Kind: BlockFeed, Lines: n})
}

// printAndFeed is ESC d n: print the line buffer and feed n lines in all.
func (d *Decoder) printAndFeed(n int) {
	if d.line.open {
		d.endLine()
		n--
	}
	d.feed(n)
}

// atLineStart reports whether the line buffer is empty, where cuts and graphics work.
func (d *Decoder) atLineStart() bool { return !d.line.open }

func (d *Decoder) cut(kind CutKind) {
	if !d.atLineStart() {
		return
	}
	d.doc.Cut = kind
	d.doc.Columns = d.columns()
	d.done = append(d.done, d.doc)
	d.doc = Document{}
}

func (d *Decoder) kick(k DrawerKick) {
	d.doc.DrawerKicks = append(d.doc.DrawerKicks, k)
	if d.OnDrawerKick != nil {
		d.OnDrawerKick(k)
	}
}

func (d *Decoder) statusRequest(k StatusKind) {
	d.doc.StatusRequests = append(d.doc.StatusRequests, k)
	if d.OnStatusRequest != nil {
		d.OnStatusRequest(k)
	}
}

// qrFunction runs a GS ( k function for QR codes; p is cn fn and the parameters.
func (d *Decoder) qrFunction(p []byte) {
	if len(p) < 3 || p[0] != qrSymbol {
		return // other symbols (PDF417, MaxiCode, ...) or too short: not printed here
	}
	arg := p[2]
	switch p[1] {
	case qrFnModule:
		d.mode.qrModule = clamp(int(arg), 1, 16)
	case qrFnLevel:
		if QRLevel(arg) >= QRLevelL && QRLevel(arg) <= QRLevelH {
			d.mode.qrLevel = QRLevel(arg)
		}
	case qrFnStore:
		d.mode.qrData = string(p[3:])
	case qrFnPrint:
		if d.mode.qrData != "" && d.atLineStart() {
			d.doc.Blocks = append(d.doc.Blocks, Block{Kind: BlockQR, QR: QRCode{
				Data: d.mode.qrData, ModuleSize: d.mode.qrModule, Level: d.mode.qrLevel, Align: d.mode.align}})
		}
	}
}

// raster keeps a GS v 0 image: mode m, width in bytes, height in dots, the rows.
func (d *Decoder) raster(m byte, width, height int, data []byte) {
	if !d.atLineStart() {
		return
	}
	d.doc.Blocks = append(d.doc.Blocks, Block{Kind: BlockImage, Image: Raster{
		Width: width * 8, Height: height,
		ScaleX: 1 + int(m&1), ScaleY: 1 + int(m>>1&1),
		Bits:  append([]byte(nil), data...),
		Align: d.mode.align,
	}})
}

func alignOf(n byte) Align {
	switch n {
	case 1, '1':
		return AlignCentre
	case 2, '2':
		return AlignRight
	}
	return AlignLeft
}

func pinOf(m byte) (DrawerPin, bool) {
	switch m {
	case 0, '0':
		return DrawerPin2, true
	case 1, '1':
		return DrawerPin5, true
	}
	return 0, false
}

func ms(units, unit int) time.Duration { return time.Duration(units*unit) * time.Millisecond }
