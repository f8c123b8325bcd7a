package scanner

import (
	"bytes"
	"slices"
	"testing"
	"unicode/utf8"
)

// checkScans fails t unless every scan is non-empty, valid UTF-8, free of control
// characters other than GS and at most max bytes long.
func checkScans(t *testing.T, scans []string, max int) {
	t.Helper()
	for _, s := range scans {
		if s == "" || !utf8.ValidString(s) || len(s) > max {
			t.Fatalf("bad scan %q (max %d)", s, max)
		}
		for _, r := range s {
			if (r < 0x20 && r != gs) || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("scan %q holds control character %U", s, r)
			}
		}
	}
}

// FuzzLineDecoder feeds arbitrary bytes, whole and in chunks: it must never panic,
// every scan must be clean, and how reads split the stream must not matter.
// mode picks the suffix (bits 0-1: CR, LF, CRLF, none), a "]E0" prefix (bit 2) and a
// small MaxLen (bit 3); split is the chunk size.
func FuzzLineDecoder(f *testing.F) {
	f.Add([]byte("4006381333931\r9780201379624\r"), byte(0), byte(3))
	f.Add([]byte("]E04006381333931\r\n]E0\x00\xff\r\n"), byte(2|4), byte(1))
	f.Add([]byte("0123456789abcdefXYZ\nok\n"), byte(1|8), byte(5))
	f.Add([]byte("商品编号-42"), byte(3), byte(2))
	f.Fuzz(func(t *testing.T, data []byte, mode, split byte) {
		newDecoder := func() *LineDecoder {
			d := &LineDecoder{Suffix: [][]byte{cr, lf, crlf, nil}[mode&3]}
			if mode&4 != 0 {
				d.Prefix = []byte("]E0")
			}
			if mode&8 != 0 {
				d.MaxLen = 16
			}
			return d
		}
		whole := newDecoder()
		want := feedAll(whole, []string{string(data)}, true)
		checkScans(t, want, maxLen(whole.MaxLen))

		chunked := newDecoder()
		size := int(split)%17 + 1
		var chunks []string
		for rest := data; len(rest) > 0; rest = rest[min(size, len(rest)):] {
			chunks = append(chunks, string(rest[:min(size, len(rest))]))
		}
		if got := feedAll(chunked, chunks, true); !slices.Equal(got, want) {
			t.Fatalf("in %d-byte chunks: %q, whole: %q", size, got, want)
		}
	})
}

// FuzzHIDReport decodes arbitrary reports: no panics, chunks stay inside the report,
// and an assembler fed the input as a run of 64-byte reports only yields clean scans.
// Any input encoded with HIDReports must come back as its cleaned self.
func FuzzHIDReport(f *testing.F) {
	f.Add(honeywellMore)
	f.Add(honeywellLast)
	f.Add(slices.Concat(honeywellMore, honeywellLast))
	f.Add([]byte{4, 1})
	f.Add([]byte{2, 57, ']', 'E', '0'})
	f.Fuzz(func(t *testing.T, report []byte) {
		chunk, complete, err := DecodeHIDReport(report)
		if err == nil {
			if len(chunk) > hidMaxData || !bytes.Equal(chunk, report[hidDataAt:hidDataAt+len(chunk)]) {
				t.Fatalf("chunk %q not the report's data field", chunk)
			}
			if flag := len(report) > hidFlagsAt && report[hidFlagsAt]&1 == 1; complete == flag {
				t.Fatalf("complete = %v with flag %v", complete, flag)
			}
		}

		var a HIDAssembler
		for rest := report; len(rest) > 0; rest = rest[min(HIDReportSize, len(rest)):] {
			checkScans(t, a.Feed(rest[:min(HIDReportSize, len(rest))]), DefaultMaxLen)
		}

		var b HIDAssembler
		var got []string
		for _, r := range HIDReports("]Q1", report) {
			got = append(got, b.Feed(r)...)
		}
		want, _ := clean(report, nil)
		if (want == "" && got != nil) || (want != "" && !slices.Equal(got, []string{want})) {
			t.Fatalf("round trip of %q: %q, want %q", report, got, want)
		}
	})
}
