package escpos

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"sync"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"tilldesk/assets"
	"tilldesk/core/receipt"
)

// Dimensions of the rendered paper, in printer dots (1 px = 1 dot, 203 dpi).
const (
	cellWidth     = DotsPerColumn // font A: 12 × 24
	cellHeight    = 24
	lineSpacing   = 30   // the power-on 1/6 inch line pitch, in dots
	inkThreshold  = 0x60 // glyph coverage from which a thermal dot burns
	maxPaperDots  = 4096 // widest image rendered
	missingQRSide = 96   // size of the crossed box drawn for a QR code that cannot be drawn
)

// MaxImageHeight is the tallest image Document.Image renders, in dots (about 3.7 m of
// paper); the rest is cut off.
const MaxImageHeight = 30000

// fontFace is a font to draw with and its pixel size.
type fontFace struct {
	ttf  []byte
	size float64
}

// fontFaces are tried in order for each character: Go Mono for Latin text (its
// 0.6 em advance is exactly a 12-dot column at 20 px), then the bundled Droid Sans
// Fallback, which has the Chinese characters but no Latin ones.
var fontFaces = []fontFace{{gomono.TTF, 20}, {assets.CJKFont, 22}}

// fonts are fontFaces parsed, once.
var fonts = sync.OnceValues(func() ([]*opentype.Font, error) {
	var fs []*opentype.Font
	for _, ff := range fontFaces {
		f, err := opentype.Parse(ff.ttf)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, nil
})

// PNG writes the document as the paper would look, as a PNG.
func (d Document) PNG(w io.Writer) error {
	img, err := d.Image()
	if err != nil {
		return err
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("escpos: encode PNG: %w", err)
	}
	return nil
}

// Image renders the document as the paper would look: Columns × 12 dots wide, text
// in Go Mono and the bundled CJK font on a 12 × 24 dot grid (Chinese characters two cells), bold
// and magnified as printed, QR codes and raster images as the printer draws them.
// Dots are black or white, as on thermal paper. Paper beyond MaxImageHeight is cut off.
func (d Document) Image() (*image.Gray, error) {
	fs, err := fonts()
	if err != nil {
		return nil, fmt.Errorf("escpos: fonts: %w", err)
	}
	var faces []font.Face
	for i, f := range fs {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: fontFaces[i].size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return nil, fmt.Errorf("escpos: font face: %w", err)
		}
		defer face.Close()
		faces = append(faces, face)
	}
	r := &renderer{faces: faces, width: clamp(columnsOrDefault(d.Columns)*cellWidth, cellWidth, maxPaperDots),
		glyphs: map[glyphKey]*image.Alpha{}}
	height := 0
	layout := make([]placed, 0, len(d.Blocks))
	for _, b := range d.Blocks {
		if height >= MaxImageHeight {
			break
		}
		p := r.place(b, height)
		layout = append(layout, p)
		height = min(MaxImageHeight, height+p.height)
	}
	r.img = image.NewGray(image.Rect(0, 0, r.width, max(height, 1)))
	for i := range r.img.Pix {
		r.img.Pix[i] = 0xff
	}
	for _, p := range layout {
		r.draw(p)
	}
	return r.img, nil
}

type renderer struct {
	faces  []font.Face // tried in order for each character
	width  int
	img    *image.Gray
	glyphs map[glyphKey]*image.Alpha
}

type glyphKey struct {
	ch    rune
	width int
}

// placed is a block with its place on the paper, and its QR symbol when it has one.
type placed struct {
	block  Block
	top    int
	height int
	code   barcode.Barcode // nil: the QR data cannot be encoded
}

func (r *renderer) place(b Block, top int) placed {
	p := placed{block: b, top: top}
	switch b.Kind {
	case BlockText:
		p.height = (b.Line.tallest()-1)*cellHeight + lineSpacing
	case BlockFeed:
		p.height = min(b.Lines, MaxImageHeight) * lineSpacing
	case BlockQR:
		side := missingQRSide
		if code, err := qr.Encode(b.QR.Data, clampLevel(b.QR.Level).boombuler(), qr.Auto); err == nil {
			p.code, side = code, code.Bounds().Dx()*max(1, b.QR.ModuleSize)
		}
		p.height = side + lineSpacing/2
	case BlockImage:
		p.height = b.Image.Height * b.Image.ScaleY
	}
	return p
}

func (r *renderer) draw(p placed) {
	switch b := p.block; b.Kind {
	case BlockText:
		r.line(b.Line, p.top)
	case BlockQR:
		r.qr(b.QR, p.code, p.top)
	case BlockImage:
		im := b.Image
		w := im.Width * im.ScaleX
		r.dots(alignPad(im.Align, r.width-w), p.top, w, im.Height*im.ScaleY, func(x, y int) bool {
			return im.Dot(x/im.ScaleX, y/im.ScaleY)
		})
	}
}

// tallest is the line's largest height magnification.
func (l Line) tallest() int {
	h := 1
	for _, s := range l.Spans {
		h = max(h, s.Style.Height)
	}
	return h
}

// line draws a text line at top; characters of different heights share a baseline.
func (r *renderer) line(l Line, top int) {
	x := alignPad(l.Align, r.width-l.Columns()*cellWidth)
	for _, s := range l.Spans {
		sx, sy := max(1, s.Style.Width), max(1, s.Style.Height)
		y := top + (l.tallest()-sy)*cellHeight
		for _, ch := range s.Text {
			w := receipt.Width(string(ch)) * cellWidth
			glyph := r.glyph(ch, w)
			inked := func(gx, gy int) bool { return gx >= 0 && glyph.AlphaAt(gx/sx, gy/sy).A >= inkThreshold }
			r.dots(x, y, w*sx, cellHeight*sy, func(gx, gy int) bool {
				// Emphasis prints each dot twice, the second a dot to the right.
				return inked(gx, gy) || s.Style.Bold && inked(gx-sx, gy)
			})
			x += w * sx
		}
	}
}

// glyph draws one character centred in a cell width dots wide, as a coverage mask.
func (r *renderer) glyph(ch rune, width int) *image.Alpha {
	key := glyphKey{ch, width}
	if g, ok := r.glyphs[key]; ok {
		return g
	}
	mask := image.NewAlpha(image.Rect(0, 0, width, cellHeight))
	face := r.faces[len(r.faces)-1]
	for _, f := range r.faces {
		if _, ok := f.GlyphAdvance(ch); ok {
			face = f
			break
		}
	}
	adv, _ := face.GlyphAdvance(ch)
	m := face.Metrics()
	baseline := (fixed.I(cellHeight)-m.Ascent-m.Descent)/2 + m.Ascent
	drawer := font.Drawer{Dst: mask, Src: image.Opaque, Face: face,
		Dot: fixed.Point26_6{X: (fixed.I(width) - adv) / 2, Y: baseline}}
	drawer.DrawString(string(ch))
	r.glyphs[key] = mask
	return mask
}

// qr draws a QR symbol at top, or a crossed box when code is nil (the printer would
// print nothing, or garbage).
func (r *renderer) qr(q QRCode, code barcode.Barcode, top int) {
	if code == nil {
		s := missingQRSide
		r.dots(alignPad(q.Align, r.width-s), top, s, s, func(x, y int) bool {
			return x == 0 || y == 0 || x == s-1 || y == s-1 || x == y || x == s-1-y
		})
		return
	}
	size := max(1, q.ModuleSize)
	side := code.Bounds().Dx() * size
	r.dots(alignPad(q.Align, r.width-side), top, side, side, func(x, y int) bool { return dark(code.At(x/size, y/size)) })
}

// dots blackens the dots of a w × h box at left, top for which ink says so, clipped
// to the paper.
func (r *renderer) dots(left, top, w, h int, ink func(x, y int) bool) {
	b := r.img.Bounds()
	for y := max(0, -top); y < h && top+y < b.Max.Y; y++ {
		for x := max(0, -left); x < w && left+x < b.Max.X; x++ {
			if ink(x, y) {
				r.img.SetGray(left+x, top+y, color.Gray{})
			}
		}
	}
}
