package ui

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// ink counts the pixels of r in img that differ from its most common colour (the
// background), and the distinct colours there.
func ink(img image.Image, r image.Rectangle) (pixels, colours int) {
	count := map[color.NRGBA]int{}
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			count[color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)]++
		}
	}
	most := 0
	total := 0
	for _, n := range count {
		most = max(most, n)
		total += n
	}
	return total - most, len(count)
}

// area is where o is drawn on f's window, in pixels.
func (f *fixture) area(o fyne.CanvasObject) image.Rectangle {
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	c := f.w.Canvas()
	x0, y0 := c.PixelCoordinateForPosition(pos)
	x1, y1 := c.PixelCoordinateForPosition(pos.Add(o.Size()))
	return image.Rect(x0, y0, x1, y1)
}

func TestCashierRendersCartInChinese(t *testing.T) {
	f := newFixture(t, "zh")
	cart := f.area(f.c.Cart)
	if cart.Dx() < 400 || cart.Dy() < 300 {
		t.Fatalf("cart area %v is too small: the layout is broken", cart)
	}
	emptyInk, _ := ink(f.w.Canvas().Capture(), cart)

	f.scan(water)
	f.scan("3*" + noodles)
	f.scan(apples)
	f.answer(t, "0.532")
	img := f.w.Canvas().Capture()
	if img.Bounds().Dx() != 1280 || img.Bounds().Dy() != 800 {
		t.Fatalf("capture is %v, want 1280x800", img.Bounds())
	}
	pixels, colours := ink(img, cart)
	t.Logf("cart area %v: %d ink pixels (empty: %d), %d colours", cart, pixels, emptyInk, colours)
	if pixels < 3000 || pixels < 4*emptyInk+1000 {
		t.Errorf("cart with three lines has %d ink pixels (empty cart %d): it looks blank", pixels, emptyInk)
	}
	if colours < 16 {
		t.Errorf("cart area has %d colours: no anti-aliased text was drawn", colours)
	}
	// The big total is drawn too.
	if p, _ := ink(img, f.area(f.c.Total)); p < 200 {
		t.Errorf("total %q has %d ink pixels", f.c.Total.Text, p)
	}
}

// The theme's font has Chinese glyphs: two different characters draw differently and
// each draws something (a missing glyph would be the same empty box for both).
func TestThemeDrawsChineseGlyphs(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(Theme{})
	draw := func(s string) image.Image {
		text := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
		text.TextSize = 48
		w := test.NewWindow(text)
		defer w.Close()
		w.Resize(fyne.NewSize(80, 80))
		return w.Canvas().Capture()
	}
	imgs := map[string]image.Image{}
	for _, s := range []string{"农", "夫", "山", "泉"} {
		img := draw(s)
		if p, _ := ink(img, img.Bounds()); p < 100 {
			t.Errorf("%s draws %d pixels", s, p)
		}
		for other, o := range imgs {
			if samePixels(img, o) {
				t.Errorf("%s and %s draw the same image: the font lacks them", s, other)
			}
		}
		imgs[s] = img
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if color.NRGBAModel.Convert(a.At(x, y)) != color.NRGBAModel.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}
