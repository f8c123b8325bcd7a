package escpos

import (
	"bytes"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"strings"
	"testing"
	"time"
)

// unhex turns "1b 40" into bytes.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// TestBuilderBytes checks each command against the byte sequences of the ESC/POS
// reference.
func TestBuilderBytes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(b *Builder)
		want  string
	}{
		{"ESC @ init", func(b *Builder) { b.Init() }, "1b 40"},
		{"ASCII text", func(b *Builder) { b.Text("Total 12.50") }, "54 6f 74 61 6c 20 31 32 2e 35 30"},
		{"line", func(b *Builder) { b.Line("A") }, "41 0a"},
		{"Chinese enters FS & once", func(b *Builder) { b.Text("中").Text("文") }, "1c 26 d6 d0 ce c4"},
		{"ESC @ forgets Chinese mode", func(b *Builder) { b.Text("中").Init().Text("中") }, "1c 26 d6 d0 1b 40 1c 26 d6 d0"},
		{"yen sign in GB18030", func(b *Builder) { b.Text("¥2") }, "1c 26 81 30 84 36 32"},
		{"control characters become spaces", func(b *Builder) { b.Text("a\x1b@\n") }, "61 20 40 20"},
		{"bold on", func(b *Builder) { b.Bold(true) }, "1b 45 01"},
		{"bold off", func(b *Builder) { b.Bold(false) }, "1b 45 00"},
		{"double height", func(b *Builder) { b.Size(1, 2) }, "1d 21 01"},
		{"double width and height", func(b *Builder) { b.Size(2, 2) }, "1d 21 11"},
		{"size clamps to 8", func(b *Builder) { b.Size(9, 0) }, "1d 21 70"},
		{"centre", func(b *Builder) { b.Align(AlignCentre) }, "1b 61 01"},
		{"right", func(b *Builder) { b.Align(AlignRight) }, "1b 61 02"},
		{"line feed", func(b *Builder) { b.LineFeed() }, "0a"},
		{"feed 3 lines", func(b *Builder) { b.Feed(3) }, "1b 64 03"},
		{"feed and partial cut", func(b *Builder) { b.Cut(0) }, "1d 56 42 00"},
		{"partial cut here", func(b *Builder) { b.CutHere() }, "1d 56 01"},
		{"drawer kick pin 2, 50 ms on, 500 ms off", func(b *Builder) {
			b.KickDrawer(DrawerPin2, 50*time.Millisecond, 500*time.Millisecond)
		}, "1b 70 00 19 fa"},
		{"drawer kick clamps", func(b *Builder) { b.KickDrawer(DrawerPin5, time.Second, time.Second) }, "1b 70 01 ff ff"},
		{"DLE EOT 1", func(b *Builder) { b.RequestStatus(StatusPrinter) }, "10 04 01"},
		{"DLE EOT 2", func(b *Builder) { b.RequestStatus(StatusOffline) }, "10 04 02"},
		{"DLE EOT 3", func(b *Builder) { b.RequestStatus(StatusError) }, "10 04 03"},
		{"DLE EOT 4", func(b *Builder) { b.RequestStatus(StatusPaper) }, "10 04 04"},
		{"native QR", func(b *Builder) {
			if err := b.NativeQR("AB", 6, QRLevelM); err != nil {
				t.Fatal(err)
			}
		}, "1d 28 6b 04 00 31 41 32 00" + // function 165: model 2
			"1d 28 6b 03 00 31 43 06" + // function 167: module 6 dots
			"1d 28 6b 03 00 31 45 31" + // function 169: level M
			"1d 28 6b 05 00 31 50 30 41 42" + // function 180: store "AB", pL = 2 + 3
			"1d 28 6b 03 00 31 51 30"}, // function 181: print
		{"raster 9×2 image", func(b *Builder) {
			img := image.NewGray(image.Rect(0, 0, 9, 2))
			for i := range img.Pix {
				img.Pix[i] = 0xff
			}
			img.SetGray(0, 0, color.Gray{})
			img.SetGray(8, 1, color.Gray{})
			b.Raster(img)
		}, "1d 76 30 00 02 00 02 00 80 00 00 80"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			tc.build(b)
			if want := unhex(t, tc.want); !bytes.Equal(b.Bytes(), want) {
				t.Errorf("got  % x\nwant % x", b.Bytes(), want)
			}
		})
	}
}

func TestGB18030(t *testing.T) {
	for in, want := range map[string]string{
		"中":    "d6 d0",
		"农夫山泉": "c5 a9 b7 f2 c9 bd c8 aa",
		"合计":   "ba cf bc c6",
		"€":    "a2 e3",
	} {
		got := appendGB18030(nil, in)
		if !bytes.Equal(got, unhex(t, want)) {
			t.Errorf("GB18030(%q) = % x, want %s", in, got, want)
		}
	}
}

func TestNativeQRStoreLength(t *testing.T) {
	data := strings.Repeat("9", 300) // pL pH = 303 = 0x012f
	b := NewBuilder()
	if err := b.NativeQR(data, 4, QRLevelL); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), unhex(t, "1d 28 6b 2f 01 31 50 30 39 39")) {
		t.Errorf("store header wrong: % x", b.Bytes()[:40])
	}
	for _, bad := range []string{"", strings.Repeat("x", MaxQRData+1)} {
		b := NewBuilder()
		if err := b.NativeQR(bad, 4, QRLevelL); !errors.Is(err, ErrQRData) || b.Len() != 0 {
			t.Errorf("NativeQR(%d bytes) = %v, wrote %d bytes", len(bad), err, b.Len())
		}
	}
}

func TestRasterQR(t *testing.T) {
	b := NewBuilder()
	if err := b.RasterQR("https://tilldesk.example/r/S1", 4, QRLevelM, 384); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	if !bytes.HasPrefix(out, []byte{GS, 'v', '0', 0}) {
		t.Fatalf("not GS v 0: % x", out[:8])
	}
	x, y := int(out[4])|int(out[5])<<8, int(out[6])|int(out[7])<<8
	if len(out) != 8+x*y || y%4 != 0 || x != (y+7)/8 {
		t.Fatalf("raster %d bytes × %d rows in %d bytes", x, y, len(out))
	}
	// The finder pattern: the top-left module row starts with 7 dark modules of 4 dots.
	if out[8] != 0xff || out[9] != 0xff || out[10] != 0xff || out[11]&0xf0 != 0xf0 {
		t.Errorf("first row % x is not a finder pattern", out[8:12])
	}
	// Too big for the paper at any module size.
	if err := NewBuilder().RasterQR(strings.Repeat("z", 2000), 4, QRLevelH, 100); !errors.Is(err, ErrQRData) {
		t.Errorf("oversized QR: %v", err)
	}
}

func TestRasterSplitsTallImages(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 8, maxRasterRows+10))
	out := NewBuilder().Raster(img).Bytes()
	if n := bytes.Count(out, []byte{GS, 'v', '0'}); n != 2 {
		t.Fatalf("%d GS v 0 bands, want 2", n)
	}
	if len(out) != 2*8+maxRasterRows+10 {
		t.Errorf("raster is %d bytes", len(out))
	}
}

func TestStatusRequest(t *testing.T) {
	if got := StatusRequest(StatusPaper); !bytes.Equal(got, []byte{0x10, 0x04, 0x04}) {
		t.Errorf("StatusRequest = % x", got)
	}
}
