package escpos

import (
	"bytes"
	"strings"
	"testing"

	"tilldesk/core/receipt"
)

// sampleRows is a small Chinese supermarket receipt.
func sampleRows() []receipt.Row {
	return []receipt.Row{
		{Left: "好邻居便利店", Style: receipt.Title},
		{Left: "北京市朝阳区建国路88号", Style: receipt.Centre},
		{Style: receipt.Rule},
		{Left: "单号", Right: "T-000123"},
		{Left: "时间", Right: "2026-11-26 10:00:00"},
		{Style: receipt.Rule},
		{Left: "农夫山泉 550ml"},
		{Left: "  2 x ¥2.00", Right: "¥4.00"},
		{Left: "苹果"},
		{Left: "  0.532 kg x ¥12.80", Right: "¥6.81"},
		{Left: "  优惠", Right: "-¥0.81"},
		{Style: receipt.Rule},
		{Left: "合计", Right: "¥10.00", Style: receipt.Total},
		{Left: "现金", Right: "¥20.00"},
		{Left: "找零", Right: "¥10.00", Style: receipt.Total},
		{Style: receipt.Rule},
		{Left: "谢谢惠顾，欢迎再来", Style: receipt.Centre},
	}
}

// trimLines drops trailing spaces on every line and trailing blank lines.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

func TestReceiptReadsBackAsReceiptText(t *testing.T) {
	for _, width := range []int{Columns58mm, Columns80mm} {
		rows := sampleRows()
		docs := Decode(Receipt(rows, width, "", false), width)
		if len(docs) != 1 || docs[0].Cut != CutPartial {
			t.Fatalf("width %d: %d documents, want 1 cut", width, len(docs))
		}
		got := docs[0].Text()
		if want := ReceiptText(rows, width) + strings.Repeat("\n", feedBeforeCut); got != want {
			t.Errorf("width %d: decoded\n%s\nwant\n%s", width, got, want)
		}
		// Every row fits, so this is receipt.Text less the trailing spaces.
		if got, want := trimLines(got), trimLines(receipt.Text(rows, width)); got != want {
			t.Errorf("width %d: decoded\n%s\nreceipt.Text\n%s", width, got, want)
		}
	}
}

func TestReceiptStyles(t *testing.T) {
	doc := Decode(Receipt(sampleRows(), 32, "", false), 32)[0]
	title := doc.Blocks[0].Line
	if title.Text() != "好邻居便利店" || title.Align != AlignCentre || len(title.Spans) != 1 ||
		title.Spans[0].Style != (Style{Bold: true, Width: 1, Height: 2}) {
		t.Errorf("title = %+v", title)
	}
	if addr := doc.Blocks[1].Line; addr.Align != AlignCentre || addr.Spans[0].Style != normal {
		t.Errorf("centre row = %+v", addr)
	}
	var total Line
	for _, b := range doc.Blocks {
		if strings.HasPrefix(b.Line.Text(), "合计") {
			total = b.Line
		}
	}
	if total.Align != AlignLeft || total.Spans[0].Style != (Style{Bold: true, Width: 1, Height: 1}) {
		t.Errorf("total row = %+v", total)
	}
	if rule := doc.Blocks[2].Line.Text(); rule != strings.Repeat("-", 32) {
		t.Errorf("rule = %q", rule)
	}
}

func TestReceiptFraming(t *testing.T) {
	out := Receipt([]receipt.Row{{Left: "x"}}, 48, "", false)
	if !bytes.HasPrefix(out, []byte{ESC, '@'}) || !bytes.HasSuffix(out, []byte{ESC, 'd', feedBeforeCut, GS, 'V', 66, 0}) {
		t.Errorf("receipt = % x", out)
	}
	if bytes.Contains(out, []byte{FS, '&'}) {
		t.Error("an ASCII receipt switches to Chinese mode")
	}
}

func TestReceiptWrapsWithoutSplittingCharacters(t *testing.T) {
	rows := []receipt.Row{
		{Left: "特价进口智利车厘子JJ级大果礼盒装两公斤", Right: "¥298.00"},
		{Left: strings.Repeat("好", 20), Style: receipt.Title},
		{Left: "a" + strings.Repeat("中", 16)}, // 33 columns: the last character moves down
	}
	doc := Decode(Receipt(rows, 32, "", false), 32)[0]
	text := doc.Text()
	if text != ReceiptText(rows, 32)+strings.Repeat("\n", feedBeforeCut) {
		t.Errorf("decoded\n%s\nwant\n%s", text, ReceiptText(rows, 32))
	}
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if receipt.Width(l) > 32 {
			t.Errorf("line %q is wider than the paper", l)
		}
	}
	if !strings.Contains(text, "a"+strings.Repeat("中", 15)+"\n中\n") {
		t.Errorf("wide character not moved whole to the next line:\n%s", text)
	}
}

func TestReceiptQR(t *testing.T) {
	const url = "https://tilldesk.example/r/T-000123"
	native := Decode(Receipt(sampleRows(), 48, url, true), 48)[0]
	var qr *QRCode
	for _, b := range native.Blocks {
		if b.Kind == BlockQR {
			qr = &b.QR
		}
	}
	if qr == nil || qr.Data != url || qr.ModuleSize != 6 || qr.Level != QRLevelM || qr.Align != AlignCentre {
		t.Fatalf("native QR = %+v", qr)
	}
	raster := Decode(Receipt(sampleRows(), 32, url, false), 32)[0]
	var img *Raster
	for _, b := range raster.Blocks {
		if b.Kind == BlockImage {
			img = &b.Image
		}
	}
	if img == nil || img.Width > 32*DotsPerColumn || img.Height == 0 || img.Align != AlignCentre {
		t.Fatalf("raster QR = %+v", img)
	}
	if !strings.Contains(native.Text(), "[QR "+url+"]") {
		t.Errorf("text lacks the QR payload:\n%s", native.Text())
	}
}

func TestReceiptQRFallsBackToText(t *testing.T) {
	data := strings.Repeat("没法编码", 800) // too long for any QR code
	doc := Decode(Receipt(nil, 32, data, false), 32)[0]
	if got := strings.ReplaceAll(doc.Text(), "\n", ""); got != data {
		t.Errorf("fallback text has %d bytes, want the %d of the data", len(got), len(data))
	}
}

func TestReceiptSanitisesShopData(t *testing.T) {
	rows := []receipt.Row{{Left: "evil\x1dV\x00name", Right: "1.00"}}
	doc := Decode(Receipt(rows, 32, "", false), 32)
	if len(doc) != 1 || !strings.HasPrefix(doc[0].Text(), "evil V name") {
		t.Errorf("control characters reached the printer: %+v", doc)
	}
}
