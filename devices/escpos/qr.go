package escpos

import (
	"errors"
	"fmt"
	"image"
	"image/color"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// QRLevel is the QR code error correction level, as GS ( k function 169 numbers it.
type QRLevel byte

// Error correction levels (function 169: n = 48 L 7 %, 49 M 15 %, 50 Q 25 %, 51 H 30 %).
const (
	QRLevelL QRLevel = 48 + iota
	QRLevelM
	QRLevelQ
	QRLevelH
)

// MaxQRData is the most data GS ( k function 180 stores: 4 ≤ pL+pH×256 ≤ 7092, and the
// length counts cn, fn and m besides the data.
const MaxQRData = 7092 - 3

// ErrQRData reports QR data that is empty, too long, or too big for the paper.
var ErrQRData = errors.New("escpos: QR code data does not fit")

// GS ( k sub-commands for QR codes (cn = 49), from the Epson reference as reproduced
// in the HPRT TP80K and Cino programming manuals: "Function 180: GS ( k pL pH cn fn m
// d1...dk, Hex 1D 28 6B pL pH 31 50 30 d1...dk, k = (pL + pH × 256) − 3".
const (
	qrSymbol     = 49 // cn: QR Code
	qrFnModel    = 65 // function 165: n1 = 49 model 1, 50 model 2, 51 micro; n2 = 0
	qrFnModule   = 67 // function 167: module size in dots, 1-16
	qrFnLevel    = 69 // function 169: error correction level
	qrFnStore    = 80 // function 180: m = 48, then the data
	qrFnPrint    = 81 // function 181: m = 48
	qrModel2     = 50
	qrStoreM     = 48
	qrQuietZones = 8 // four modules of quiet zone each side, per the QR specification
)

// NativeQR has the printer draw a QR code (model 2, moduleSize dots a module, 1-16)
// with GS ( k functions 165, 167, 169, 180 and 181. It writes nothing and returns
// ErrQRData when data is empty or longer than MaxQRData.
func (b *Builder) NativeQR(data string, moduleSize int, level QRLevel) error {
	if len(data) == 0 || len(data) > MaxQRData {
		return fmt.Errorf("%w: %d bytes for a printer QR code", ErrQRData, len(data))
	}
	b.qrFunction(qrFnModel, qrModel2, 0)
	b.qrFunction(qrFnModule, byte(clamp(moduleSize, 1, 16)))
	b.qrFunction(qrFnLevel, byte(clampLevel(level)))
	b.qrFunction(qrFnStore, append([]byte{qrStoreM}, data...)...)
	b.qrFunction(qrFnPrint, qrStoreM)
	return nil
}

// qrFunction appends GS ( k pL pH cn fn params, where pL pH count cn, fn and params.
func (b *Builder) qrFunction(fn byte, params ...byte) {
	n := 2 + len(params)
	b.Raw(GS, '(', 'k', byte(n), byte(n>>8), qrSymbol, fn)
	b.Raw(params...)
}

// RasterQR draws data as a QR code itself (github.com/boombuler/barcode/qr) and sends
// it as a raster image, for printers without GS ( k. Modules are moduleSize dots
// square, made smaller if the code and its quiet zone would not fit maxDots (the paper
// width in dots). It writes nothing and returns an error wrapping ErrQRData when data
// cannot be encoded or cannot fit.
func (b *Builder) RasterQR(data string, moduleSize int, level QRLevel, maxDots int) error {
	code, err := qr.Encode(data, clampLevel(level).boombuler(), qr.Auto)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrQRData, err)
	}
	modules := code.Bounds().Dx()
	size := min(moduleSize, maxDots/(modules+qrQuietZones))
	if size < 1 {
		return fmt.Errorf("%w: %d modules on %d dots", ErrQRData, modules, maxDots)
	}
	b.appendRaster(qrBitmap(code, size))
	return nil
}

func clampLevel(l QRLevel) QRLevel { return QRLevel(clamp(int(l), int(QRLevelL), int(QRLevelH))) }

func (l QRLevel) boombuler() qr.ErrorCorrectionLevel {
	switch l {
	case QRLevelM:
		return qr.M
	case QRLevelQ:
		return qr.Q
	case QRLevelH:
		return qr.H
	}
	return qr.L
}

// bitmap is a 1-bit image in raster order: rows top to bottom, each row rowBytes
// bytes, the most significant bit the leftmost dot, 1 printing black.
type bitmap struct {
	width, height int
	bits          []byte
}

func newBitmap(width, height int) bitmap {
	return bitmap{width: width, height: height, bits: make([]byte, (width+7)/8*height)}
}

func (m bitmap) rowBytes() int { return (m.width + 7) / 8 }

func (m bitmap) set(x, y int) { m.bits[y*m.rowBytes()+x/8] |= 0x80 >> (x % 8) }

// dark reports whether a pixel is closer to black than white.
func dark(c color.Color) bool {
	r, g, bl, a := c.RGBA()
	if a < 0x8000 {
		return false
	}
	return (299*r+587*g+114*bl)/1000 < 0x8000
}

func qrBitmap(code barcode.Barcode, size int) bitmap {
	n := code.Bounds().Dx()
	m := newBitmap(n*size, n*size)
	for y := range m.height {
		for x := range m.width {
			if dark(code.At(code.Bounds().Min.X+x/size, code.Bounds().Min.Y+y/size)) {
				m.set(x, y)
			}
		}
	}
	return m
}

// maxRasterRows is the tallest band one GS v 0 carries (yH ≤ 8 in the Cino and
// Epson ranges: "0 ≤ yH ≤ 8"); taller images go out as several bands.
const maxRasterRows = 8*256 + 255

// Raster prints img as a raster bit image (GS v 0 m xL xH yL yH d1...dk =
// 1D 76 30 m ..., m = 0 normal density, xL xH the row width in bytes, yL yH the
// height in dots, MSB the leftmost dot). Dark pixels print; the printer drops what
// is wider than the paper.
func (b *Builder) Raster(img image.Image) *Builder {
	r := img.Bounds()
	m := newBitmap(r.Dx(), r.Dy())
	for y := range m.height {
		for x := range m.width {
			if dark(img.At(r.Min.X+x, r.Min.Y+y)) {
				m.set(x, y)
			}
		}
	}
	b.appendRaster(m)
	return b
}

func (b *Builder) appendRaster(m bitmap) {
	rb := m.rowBytes()
	if rb == 0 {
		return
	}
	for top := 0; top < m.height; top += maxRasterRows {
		rows := min(maxRasterRows, m.height-top)
		b.Raw(GS, 'v', '0', 0, byte(rb), byte(rb>>8), byte(rows), byte(rows>>8))
		b.Raw(m.bits[top*rb : (top+rows)*rb]...)
	}
}
