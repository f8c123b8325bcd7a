package scanner

import (
	"errors"
	"slices"
	"testing"

	"tilldesk/devices"
)

var (
	cr   = []byte{'\r'}
	lf   = []byte{'\n'}
	crlf = []byte{'\r', '\n'}
)

func TestParseTerminator(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
	}{
		{"CR", cr}, {"cr", cr}, {" LF ", lf}, {"CRLF", crlf}, {"crlf", crlf}, {"none", []byte{}}, {"NONE", []byte{}},
	} {
		got, err := ParseTerminator(tc.in)
		if err != nil || string(got) != string(tc.want) || got == nil {
			t.Errorf("ParseTerminator(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "TAB", "LFCR", "\\r"} {
		if _, err := ParseTerminator(bad); !errors.Is(err, devices.ErrBadConfig) {
			t.Errorf("ParseTerminator(%q) error = %v, want ErrBadConfig", bad, err)
		}
	}
}

// feedAll feeds chunks to d, then flushes if asked, collecting the scans.
func feedAll(d Decoder, chunks []string, flush bool) []string {
	var got []string
	for _, c := range chunks {
		got = append(got, d.Feed([]byte(c))...)
	}
	if flush {
		got = append(got, d.Flush()...)
	}
	return got
}

func TestLineDecoder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		dec      LineDecoder
		chunks   []string
		flush    bool
		want     []string
		wantErrs int
	}{
		{"CR", LineDecoder{Suffix: cr}, []string{"4006381333931\r"}, false, []string{"4006381333931"}, 0},
		{"LF, two scans in one read", LineDecoder{Suffix: lf}, []string{"123\n456\n"}, false, []string{"123", "456"}, 0},
		{"CRLF", LineDecoder{Suffix: crlf}, []string{"abc\r\ndef\r\n"}, false, []string{"abc", "def"}, 0},
		{"CRLF split between reads", LineDecoder{Suffix: crlf}, []string{"abc\r", "\ndef\r", "\n"}, false, []string{"abc", "def"}, 0},
		{"partial frames across reads", LineDecoder{Suffix: cr}, []string{"400", "638", "1333931\r96"}, false, []string{"4006381333931"}, 0},
		{"partial frame is kept on flush with a suffix", LineDecoder{Suffix: cr}, []string{"400638"}, true, nil, 0},
		{"none: flush ends the scan", LineDecoder{}, []string{"400638", "1333931"}, true, []string{"4006381333931"}, 0},
		{"none: nothing before the gap", LineDecoder{Suffix: []byte{}}, []string{"4006381333931"}, false, nil, 0},
		{"prefix stripped", LineDecoder{Prefix: []byte("]E0"), Suffix: cr}, []string{"]E04006381333931\r"}, false, []string{"4006381333931"}, 0},
		{"prefix split between reads", LineDecoder{Prefix: []byte("]E0"), Suffix: cr}, []string{"]E", "04006381333931\r"}, false, []string{"4006381333931"}, 0},
		{"prefix absent", LineDecoder{Prefix: []byte("]E0"), Suffix: cr}, []string{"12345\r"}, false, []string{"12345"}, 0},
		{"STX prefix ETX suffix", LineDecoder{Prefix: []byte{0x02}, Suffix: []byte{0x03}}, []string{"\x02123\x03\x02456\x03"}, false, []string{"123", "456"}, 0},
		{"NUL dropped", LineDecoder{Suffix: cr}, []string{"12\x0034\r"}, false, []string{"1234"}, 1},
		{"invalid UTF-8 dropped", LineDecoder{Suffix: cr}, []string{"ab\xffcd\r"}, false, []string{"abcd"}, 1},
		{"C1 control dropped", LineDecoder{Suffix: cr}, []string{"ab\u0085cd\r"}, false, []string{"abcd"}, 1},
		{"all garbage", LineDecoder{Suffix: cr}, []string{"\x00\x01\x1b\r"}, false, nil, 1},
		{"empty frames", LineDecoder{Suffix: cr}, []string{"\r\r\r"}, false, nil, 0},
		{"CRLF scanner set up as CR", LineDecoder{Suffix: cr}, []string{"123\r\n456\r\n"}, false, []string{"123", "456"}, 0},
		{"GS1 DataMatrix keeps GS", LineDecoder{Prefix: []byte("]d2"), Suffix: cr}, []string{"]d2010950123456789017250101\x1d10ABC\r"}, false, []string{"010950123456789017250101\x1d10ABC"}, 0},
		{"UTF-8 QR code", LineDecoder{Suffix: crlf}, []string{"商品编号-42\r\n"}, false, []string{"商品编号-42"}, 0},
		{"over-long in one read", LineDecoder{Suffix: cr, MaxLen: 8}, []string{"123456789\r12345678\r"}, false, []string{"12345678"}, 1},
		{"over-long across reads", LineDecoder{Suffix: cr, MaxLen: 8}, []string{"12345", "6789012", "345\rOK\r"}, false, []string{"OK"}, 1},
		{"over-long CRLF keeps a split suffix", LineDecoder{Suffix: crlf, MaxLen: 4}, []string{"123456\r", "\nOK\r\n"}, false, []string{"OK"}, 1},
		{"over-long none", LineDecoder{MaxLen: 4}, []string{"123", "45"}, true, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.dec
			got := feedAll(&d, tc.chunks, tc.flush)
			if !slices.Equal(got, tc.want) {
				t.Errorf("scans = %q, want %q", got, tc.want)
			}
			n, last := d.Errors()
			if n != tc.wantErrs {
				t.Errorf("errors = %d (last %v), want %d", n, last, tc.wantErrs)
			}
			if n > 0 && !errors.Is(last, devices.ErrProtocol) {
				t.Errorf("last error %v does not wrap ErrProtocol", last)
			}
		})
	}
}

func TestLineDecoderAfterOverLongFlush(t *testing.T) {
	d := LineDecoder{MaxLen: 4}
	if got := feedAll(&d, []string{"12345"}, true); got != nil {
		t.Fatalf("over-long scan gave %q", got)
	}
	if got := feedAll(&d, []string{"12"}, true); !slices.Equal(got, []string{"12"}) {
		t.Fatalf("scan after an over-long one = %q, want [12]", got)
	}
}

func TestLineDecoderReset(t *testing.T) {
	d := LineDecoder{Suffix: crlf}
	d.Feed([]byte("stale\r"))
	if d.Pending() != 6 {
		t.Fatalf("Pending = %d, want 6", d.Pending())
	}
	if n := d.Reset(); n != 6 {
		t.Fatalf("Reset dropped %d bytes, want 6", n)
	}
	if got := d.Feed([]byte("\nfresh\r\n")); !slices.Equal(got, []string{"fresh"}) {
		t.Fatalf("after Reset got %q", got)
	}
}

// TestLineDecoderAnySplit checks that how reads split a stream never changes the scans.
func TestLineDecoderAnySplit(t *testing.T) {
	stream := "]E04006381333931\r\n\x00junk\r\n]E09780201379624\r\n" + "toolongtoolongtoolong\r\n" + "]E0商品\r\n]E0tail"
	for _, suffix := range [][]byte{cr, crlf, lf} {
		whole := LineDecoder{Prefix: []byte("]E0"), Suffix: suffix, MaxLen: 16}
		want := whole.Feed([]byte(stream))
		for i := 0; i <= len(stream); i++ {
			for j := i; j <= len(stream); j++ {
				d := LineDecoder{Prefix: []byte("]E0"), Suffix: suffix, MaxLen: 16}
				got := feedAll(&d, []string{stream[:i], stream[i:j], stream[j:]}, false)
				if !slices.Equal(got, want) {
					t.Fatalf("suffix %q split at %d,%d: %q, want %q", suffix, i, j, got, want)
				}
			}
		}
	}
}
