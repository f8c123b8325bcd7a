package catalog

import (
	"errors"
	"strings"
	"testing"
)

// Published barcodes with correct check digits.
var realCodes = []struct {
	code, kind, source string
}{
	{"4006381333931", KindEAN13, "Wikipedia, International Article Number (EAN-13) example"},
	{"5901234123457", KindEAN13, "GS1 sample EAN-13 used in many references"},
	{"9780306406157", KindEAN13, "Wikipedia, ISBN example 978-0-306-40615-7"},
	{"6936352322870", KindEAN13, "demo catalog (Chinese 69x prefix)"},
	{"96385074", KindEAN8, "Wikipedia, EAN-8 example"},
	{"73513537", KindEAN8, "Wikipedia, EAN-8 barcode image"},
	{"036000291452", KindUPCA, "Wikipedia, Universal Product Code example"},
	{"012345678905", KindUPCA, "GS1 sample UPC-A"},
}

func TestClassifyCodeRealBarcodes(t *testing.T) {
	for _, tt := range realCodes {
		kind, err := ClassifyCode(tt.code)
		if err != nil || kind != tt.kind {
			t.Errorf("ClassifyCode(%q) (%s) = %q, %v; want %q", tt.code, tt.source, kind, err, tt.kind)
		}
	}
}

func TestClassifyCodeWrongCheckDigit(t *testing.T) {
	for _, tt := range realCodes {
		last := tt.code[len(tt.code)-1]
		for d := byte('0'); d <= '9'; d++ {
			if d == last {
				continue
			}
			bad := tt.code[:len(tt.code)-1] + string(d)
			kind, err := ClassifyCode(bad)
			if !errors.Is(err, ErrCheckDigit) {
				t.Errorf("ClassifyCode(%q) error = %v, want ErrCheckDigit", bad, err)
			}
			if errors.Is(err, ErrBadCode) {
				t.Errorf("ClassifyCode(%q) error %v also matches ErrBadCode", bad, err)
			}
			if kind != tt.kind {
				t.Errorf("ClassifyCode(%q) kind = %q, want %q even when the check digit is wrong", bad, kind, tt.kind)
			}
		}
	}
	// A typical misread: two adjacent digits swapped.
	if _, err := ClassifyCode("4006381339331"); !errors.Is(err, ErrCheckDigit) {
		t.Errorf("transposed EAN-13: error = %v, want ErrCheckDigit", err)
	}
}

func TestClassifyCodeInternal(t *testing.T) {
	for _, code := range []string{
		"1",
		"4011",        // PLU for bananas
		"1234567",     // 7 digits
		"123456789",   // 9 digits
		"12345678901", // 11 digits
		"P001",
		"p001",
		"SKU-12-A",
		"ABCDEFGHIJKLMNOPQRST", // 20 characters
		"4006381333932X",
	} {
		kind, err := ClassifyCode(code)
		if err != nil || kind != KindInternal {
			t.Errorf("ClassifyCode(%q) = %q, %v; want internal", code, kind, err)
		}
	}
}

func TestClassifyCodeBad(t *testing.T) {
	for _, code := range []string{
		"",
		" ",
		"123 456",
		" 4006381333931",
		"4006381333931\n",
		"ABCDEFGHIJKLMNOPQRSTU", // 21 characters
		strings.Repeat("1", 21),
		"ab_c",
		"a.b",
		"P/001",
		"１２３４", // full-width digits
		"条码",
		"96385074\x00",
		"é",
	} {
		kind, err := ClassifyCode(code)
		if !errors.Is(err, ErrBadCode) {
			t.Errorf("ClassifyCode(%q) = %q, %v; want ErrBadCode", code, kind, err)
		}
		if kind != "" {
			t.Errorf("ClassifyCode(%q) kind = %q, want empty for a bad code", code, kind)
		}
	}
}

func TestGS1CheckDigit(t *testing.T) {
	tests := []struct {
		data string
		want byte
	}{
		{"400638133393", '1'},
		{"590123412345", '7'},
		{"978030640615", '7'},
		{"9638507", '4'},
		{"7351353", '7'},
		{"03600029145", '2'},
		{"01234567890", '5'},
		{"0000000", '0'},
		{"1", '7'},  // 1*3 = 3 -> 7
		{"5", '5'},  // 5*3 = 15 -> 5
		{"12", '3'}, // 2*3 + 1*1 = 7 -> 3
		{"", '0'},
	}
	for _, tt := range tests {
		if got := GS1CheckDigit(tt.data); got != tt.want {
			t.Errorf("GS1CheckDigit(%q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}
