package escpos

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDecoderTakesTheStreamInAnyPieces(t *testing.T) {
	stream := append(Receipt(sampleRows(), 32, "https://tilldesk.example/r/1", false),
		Receipt(sampleRows(), 32, "https://tilldesk.example/r/2", true)...)
	whole := Decode(stream, 32)
	if len(whole) != 2 {
		t.Fatalf("%d documents, want 2", len(whole))
	}
	for _, size := range []int{1, 2, 3, 7, 64, 1000} {
		d := NewDecoder(32)
		for i := 0; i < len(stream); i += size {
			d.Write(stream[i:min(i+size, len(stream))])
		}
		if got := d.Documents(); !reflect.DeepEqual(got, whole) {
			t.Errorf("in pieces of %d the documents differ", size)
		}
	}
}

func TestDecoderCommands(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // Document.Text of everything decoded, cut or not
	}{
		{"text and LF", "AB\nC\n", "AB\nC\n"},
		{"CR, HT and NUL print nothing", "A\r\t\x00B\n", "AB\n"},
		{"LF on an empty line feeds", "\n\nA\n", "\n\nA\n"},
		{"ESC d prints and feeds n lines", "A\x1bd\x03", "A\n\n\n"},
		{"ESC d on an empty line", "\x1bd\x02", "\n\n"},
		{"ESC J prints the line", "A\x1bJ\x18B\n", "A\nB\n"},
		{"unknown ESC skipped as two bytes", "A\x1b\x99B\n", "AB\n"},
		{"ESC - n skipped with its parameter", "A\x1b-\x01B\n", "AB\n"},
		{"ESC @ discards the line buffer", "lost\x1b@kept\n", "kept\n"},
		{"Chinese mode", "\x1c&\xd6\xd0\xce\xc4\n", "中文\n"},
		{"GB18030 four-byte", "\x1c&\x81\x30\x84\x36\n", "¥\n"},
		{"high bytes without FS & are not Chinese", "\xd6\xd0\n", "\uFFFD\uFFFD\n"},
		{"FS . leaves Chinese mode", "\x1c&\xd6\xd0\x1c.\xd6\n", "中\uFFFD\n"},
		{"invalid GB18030 lead", "\x1c&\x80A\xd6\x0a", "\uFFFDA\uFFFD\n"},
		{"centre", "\x1ba\x01abc\n", strings.Repeat(" ", 18) + "abc\n"},
		{"right", "\x1ba\x02abc\n", strings.Repeat(" ", 37) + "abc\n"},
		{"double width counts twice when justifying", "\x1ba\x02\x1d!\x10ab\n", strings.Repeat(" ", 36) + "ab\n"},
		{"fills the paper width", strings.Repeat("x", 40) + "\n", strings.Repeat("x", 40) + "\n"},
		{"wraps at the paper width", strings.Repeat("x", 42) + "\n", strings.Repeat("x", 40) + "\nxx\n"},
		{"GS ( L skipped by its length", "\x1d(L\x03\x000abC\n", "C\n"},
		{"GS 8 L skipped by its 32-bit length", "\x1d8L\x02\x00\x00\x000aC\n", "C\n"},
		{"ESC * bit image skipped", "\x1b*\x21\x02\x00abcdefC\n", "C\n"},
		{"GS k barcode to NUL", "\x1dk\x04123\x00C\n", "C\n"},
		{"GS k barcode with length", "\x1dkI\x03123C\n", "C\n"},
		{"ESC D tabs to NUL", "\x1bD\x08\x10\x00C\n", "C\n"},
		{"oversized raster skipped", "\x1dv0\x00\x00\x04\x01\x00" + strings.Repeat("\xff", 1024) + "C\n", "C\n"},
		{"raster", "\x1dv0\x00\x01\x00\x02\x00\x80\x01", "[image 8×2]\n"},
		{"raster double size", "\x1dv0\x03\x01\x00\x01\x00\xff", "[image 16×2]\n"},
		{"raster mid-line ignored", "A\x1dv0\x00\x01\x00\x01\x00\xff\n", "A\n"},
		{"native QR", "\x1d(k\x03\x001C\x05\x1d(k\x05\x001P0hi\x1d(k\x03\x001Q0", "[QR hi]\n"},
		{"QR print without data", "\x1d(k\x03\x001Q0", ""},
		{"lone ESC at the end waits", "A\n\x1b", "A\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got strings.Builder
			for _, doc := range Decode([]byte(tc.in), 40) {
				got.WriteString(doc.Text())
			}
			if got.String() != tc.want {
				t.Errorf("Decode(%q) text = %q, want %q", tc.in, got.String(), tc.want)
			}
		})
	}
}

func TestDecoderStyles(t *testing.T) {
	doc := Decode([]byte("\x1b!\x38A\x1b!\x00B\x1bE\x01C\x1d!\x72D\n"), 48)[0]
	want := []Span{
		{"A", Style{Bold: true, Width: 2, Height: 2}},
		{"B", normal},
		{"C", Style{Bold: true, Width: 1, Height: 1}},
		{"D", Style{Bold: true, Width: 8, Height: 3}},
	}
	if got := doc.Blocks[0].Line.Spans; !reflect.DeepEqual(got, want) {
		t.Errorf("spans = %+v, want %+v", got, want)
	}
}

func TestDecoderCuts(t *testing.T) {
	for in, want := range map[string]CutKind{
		"A\n\x1dV\x00":     CutFull,
		"A\n\x1dV1":        CutPartial,
		"A\n\x1dVB\x05":    CutPartial,
		"A\n\x1dVA\x00":    CutFull,
		"A\n\x1bi":         CutPartial,
		"A\x1dV\x01":       CutNone, // not at the start of a line: ignored
		"A\n\x1dV\x01\x1b": CutPartial,
	} {
		d := NewDecoder(32)
		d.Write([]byte(in))
		got := CutNone
		if docs := d.Documents(); len(docs) == 1 {
			got = docs[0].Cut
		}
		if got != want {
			t.Errorf("%q: cut %d, want %d", in, got, want)
		}
	}
}

func TestDecoderRealTimeCommands(t *testing.T) {
	var requests []StatusKind
	var kicks []DrawerKick
	d := NewDecoder(32)
	d.OnStatusRequest = func(k StatusKind) { requests = append(requests, k) }
	d.OnDrawerKick = func(k DrawerKick) { kicks = append(kicks, k) }
	d.Write([]byte("\x10\x04\x01\x10\x04"))
	if !reflect.DeepEqual(requests, []StatusKind{StatusPrinter}) {
		t.Fatalf("requests = %v after one and a half", requests)
	}
	d.Write([]byte("\x04\x10\x04\x07\x01\x1bp\x00\x19\xfa\x10\x14\x01\x01\x03\x1bp\x07\x01\x01"))
	if !reflect.DeepEqual(requests, []StatusKind{StatusPrinter, StatusPaper}) {
		t.Errorf("requests = %v", requests)
	}
	wantKicks := []DrawerKick{
		{Pin: DrawerPin2, On: 50 * time.Millisecond, Off: 500 * time.Millisecond},
		{Pin: DrawerPin5, On: 300 * time.Millisecond, Off: 300 * time.Millisecond},
	}
	if !reflect.DeepEqual(kicks, wantKicks) {
		t.Errorf("kicks = %+v", kicks)
	}
	cur := d.Current()
	if !reflect.DeepEqual(cur.DrawerKicks, wantKicks) || len(cur.StatusRequests) != 2 || cur.Printed() {
		t.Errorf("current document = %+v", cur)
	}
}

func TestDecoderZeroValue(t *testing.T) {
	var d Decoder
	d.Write([]byte("A\n\x1dV\x01"))
	if docs := d.Documents(); len(docs) != 1 || docs[0].Text() != "A\n" || docs[0].Columns != 48 {
		t.Errorf("zero Decoder: %+v", docs)
	}
	if taken := d.TakeDocuments(); len(taken) != 1 || len(d.Documents()) != 0 {
		t.Errorf("TakeDocuments left %d", len(d.Documents()))
	}
}
