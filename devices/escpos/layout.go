package escpos

import (
	"strings"

	"github.com/boombuler/barcode/qr"

	"tilldesk/core/receipt"
)

// Paper widths in columns of the printers' standard font A, 12 × 24 dots a column.
const (
	Columns58mm   = 32 // 384 dots
	Columns80mm   = 48 // 576 dots
	DotsPerColumn = 12
)

const (
	feedBeforeCut  = 3  // blank lines between the last row and the cut
	qrDotsPerPaper = 96 // preferred QR module size: paper dots / 96 (6 on 80 mm, 4 on 58 mm)
	qrLevel        = QRLevelM
)

// Receipt lays out receipt rows for a printer width columns wide (32 for 58 mm
// paper, 48 for 80 mm; other widths are taken as they are, 0 means 48): ESC @, the
// rows, an optional QR code (drawn by the printer when nativeQR, else sent as a raster
// image), then a feed and a partial cut.
//
// Columns are counted as receipt.Text counts them, Chinese characters taking two.
// Title rows print bold, double height and centred, Centre rows centred, Total rows
// bold, Rule rows as dashes; text too long for the paper wraps onto further lines
// without splitting a character. What the printer then shows is ReceiptText.
func Receipt(rows []receipt.Row, width int, qrData string, nativeQR bool) []byte {
	width = columnsOrDefault(width)
	b := NewBuilder().Init()
	for _, r := range rows {
		b.ReceiptRow(r, width)
	}
	if qrData != "" {
		b.ReceiptQR(qrData, width, nativeQR)
	}
	return b.Feed(feedBeforeCut).Cut(0).Bytes()
}

// ReceiptRow appends one row laid out for width columns, leaving the printer in
// normal style and left-aligned.
func (b *Builder) ReceiptRow(r receipt.Row, width int) *Builder {
	lines := rowLines(r, width)
	switch r.Style {
	case receipt.Title:
		b.Align(AlignCentre).Bold(true).Size(1, 2)
		defer func() { b.Size(1, 1).Bold(false).Align(AlignLeft) }()
	case receipt.Centre:
		b.Align(AlignCentre)
		defer b.Align(AlignLeft)
	case receipt.Total:
		b.Bold(true)
		defer b.Bold(false)
	}
	for _, l := range lines {
		b.Line(l)
	}
	return b
}

// ReceiptQR appends a centred QR code for data on paper width columns wide, drawn by
// the printer (nativeQR) or as a raster image. Data that cannot become a QR code is
// printed as text instead, so the receipt still carries it.
func (b *Builder) ReceiptQR(data string, width int, nativeQR bool) *Builder {
	dots := columnsOrDefault(width) * DotsPerColumn
	size := qrModuleSize(data, dots)
	b.Align(AlignCentre)
	defer b.Align(AlignLeft)
	var err error
	if nativeQR {
		err = b.NativeQR(data, size, qrLevel)
	} else {
		err = b.RasterQR(data, size, qrLevel, dots)
	}
	if err != nil {
		for _, l := range wrap(sanitize(data), width) {
			b.Line(l)
		}
	}
	return b
}

// qrModuleSize picks the module size: paper dots / 96, smaller when the symbol and its
// quiet zone would not fit the paper.
func qrModuleSize(data string, dots int) int {
	size := max(1, dots/qrDotsPerPaper)
	if code, err := qr.Encode(data, qrLevel.boombuler(), qr.Auto); err == nil {
		size = min(size, dots/(code.Bounds().Dx()+qrQuietZones))
	}
	return max(1, size)
}

// ReceiptText is the plain text a printer width columns wide shows for rows: what
// Receipt prints and the Decoder reads back (Document.Text), without the QR code and
// the feed before the cut. It matches receipt.Text except that trailing spaces are
// not sent and text wider than the paper wraps as the printer would wrap it.
func ReceiptText(rows []receipt.Row, width int) string {
	width = columnsOrDefault(width)
	var sb strings.Builder
	for _, r := range rows {
		align := AlignLeft
		if r.Style == receipt.Title || r.Style == receipt.Centre {
			align = AlignCentre
		}
		for _, l := range rowLines(r, width) {
			sb.WriteString(strings.Repeat(" ", alignPad(align, width-receipt.Width(l))))
			sb.WriteString(l)
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// rowLines is a row's printed lines before justification: receipt.Text's layout with
// trailing spaces dropped, wrapped to the paper width.
func rowLines(r receipt.Row, width int) []string {
	r.Left, r.Right = sanitize(r.Left), sanitize(r.Right)
	var laid []string
	switch r.Style {
	case receipt.Rule:
		return []string{strings.Repeat("-", width)}
	case receipt.Title, receipt.Centre:
		laid = []string{r.Left}
	default:
		laid = strings.Split(strings.TrimSuffix(receipt.Text([]receipt.Row{r}, width), "\n"), "\n")
	}
	var lines []string
	for _, l := range laid {
		lines = append(lines, wrap(strings.TrimRight(l, " "), width)...)
	}
	return lines
}

// wrap breaks s into lines of at most width columns, never inside a character; a
// character wider than the paper gets a line of its own.
func wrap(s string, width int) []string {
	if receipt.Width(s) <= width {
		return []string{s}
	}
	var lines []string
	start, cols := 0, 0
	for i, r := range s {
		w := receipt.Width(string(r))
		if cols+w > width && cols > 0 {
			lines = append(lines, s[start:i])
			start, cols = i, 0
		}
		cols += w
	}
	return append(lines, s[start:])
}

// alignPad is how many columns of space a justification puts before a line when free
// columns are left over: centring rounds down, as receipt.Text does.
func alignPad(a Align, free int) int {
	switch {
	case free <= 0:
		return 0
	case a == AlignCentre:
		return free / 2
	case a == AlignRight:
		return free
	}
	return 0
}

func columnsOrDefault(width int) int {
	if width <= 0 {
		return Columns80mm
	}
	return width
}
