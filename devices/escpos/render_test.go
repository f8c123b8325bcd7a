package escpos

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// inked counts black dots in a region.
func inked(img *image.Gray, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.GrayAt(x, y).Y == 0 {
				n++
			}
		}
	}
	return n
}

func TestImageDrawsTheReceipt(t *testing.T) {
	doc := Decode(Receipt(sampleRows(), 32, "", false), 32)[0]
	img, err := doc.Image()
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != 32*DotsPerColumn {
		t.Fatalf("paper is %d dots wide, want 384", w)
	}
	// The title is six Chinese characters, 12 columns, centred: columns 10-21,
	// double height (the first 54 dots).
	if n := inked(img, image.Rect(10*12, 0, 22*12, 48)); n < 300 {
		t.Errorf("title has %d black dots", n)
	}
	if n := inked(img, image.Rect(0, 0, 9*12, 48)) + inked(img, image.Rect(23*12, 0, 384, 48)); n != 0 {
		t.Errorf("%d black dots beside the centred title", n)
	}
	// The rule on the third line: dashes across the paper.
	rule := image.Rect(0, 54+30+8, 384, 54+30+22)
	if n := inked(img, rule); n < 32*4 {
		t.Errorf("rule has %d black dots", n)
	}
	var buf bytes.Buffer
	if err := doc.PNG(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := png.Decode(&buf)
	if err != nil || back.Bounds() != img.Bounds() {
		t.Fatalf("PNG decodes to %v, %v", back.Bounds(), err)
	}
}

func TestBoldInksMore(t *testing.T) {
	plain, _ := Decode([]byte("\x1c&合计\n"), 32)[0].Image()
	bold, _ := Decode([]byte("\x1c&\x1bE\x01合计\n"), 32)[0].Image()
	if p, b := inked(plain, plain.Bounds()), inked(bold, bold.Bounds()); p == 0 || b <= p {
		t.Errorf("bold %d dots, plain %d", b, p)
	}
}

// The printer's own QR code and the raster one the Builder draws look the same: the
// same number of black dots (their left edges may differ, the raster being padded to
// whole bytes).
func TestNativeAndRasterQRLookAlike(t *testing.T) {
	const url = "https://tilldesk.example/r/T-000123"
	dots := func(native bool) int {
		b := NewBuilder().Init().ReceiptQR(url, 48, native)
		img, err := Decode(b.Bytes(), 48)[0].Image()
		if err != nil {
			t.Fatal(err)
		}
		return inked(img, img.Bounds())
	}
	if n, r := dots(true), dots(false); n == 0 || n != r {
		t.Errorf("native QR %d dots, raster %d", n, r)
	}
}

func TestImageIsBounded(t *testing.T) {
	feeds := bytes.Repeat([]byte{ESC, 'd', 255}, 1000)
	img, err := Decode(feeds, 48)[0].Image()
	if err != nil || img.Bounds().Dy() != MaxImageHeight {
		t.Errorf("image of 255000 fed lines: %v, %v", img.Bounds(), err)
	}
	empty, err := (Document{}).Image()
	if err != nil || empty.Bounds().Dx() != 48*DotsPerColumn {
		t.Errorf("empty document: %v, %v", empty.Bounds(), err)
	}
}
