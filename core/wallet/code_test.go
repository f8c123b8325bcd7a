package wallet

import (
	"errors"
	"strings"
	"testing"
)

func TestClassifyCode(t *testing.T) {
	for _, c := range []struct {
		code string
		want Provider
		err  error
	}{
		// Alipay: 25 to 30, 16 to 24 digits. The first is the example auth_code of the
		// alipay.trade.pay documentation.
		{"28763443825664394", Alipay, nil},
		{"2500000000000000", Alipay, nil},         // 16 digits
		{"300000000000000000000000", Alipay, nil}, // 24 digits
		{"250000000000000", "", ErrUnknownCode},   // 15 digits
		{"3000000000000000000000000", "", ErrUnknownCode},
		{"31000000000000000", "", ErrUnknownCode}, // prefix 31
		{"24000000000000000", "", ErrUnknownCode},
		// WeChat Pay: 10 to 15, 18 digits; the first is the micropay example auth_code.
		{"120061098828009406", WeChat, nil},
		{"100000000000000000", WeChat, nil},
		{"150000000000000000", WeChat, nil},
		{"1300000000000000000", "", ErrUnknownCode}, // 19 digits
		{"13000000000000000", "", ErrUnknownCode},   // 17 digits
		{"160000000000000000", "", ErrUnknownCode},  // prefix 16
		// UnionPay QR: 62, 19 digits.
		{"6212345678901234567", UnionPay, nil},
		{"621234567890123456", "", ErrUnknownCode},
		{"62123456789012345678", "", ErrUnknownCode},
		// Scanner suffixes are ignored; anything else is not a code.
		{"134567890123456789\r\n", WeChat, nil},
		{" 134567890123456789", WeChat, nil},
		{"1", "", ErrUnknownCode},
		{"", "", ErrMalformedCode},
		{"13456789012345678x", "", ErrMalformedCode},
		{"1345678901 2345678", "", ErrMalformedCode},
		{"１３４５６７８９０１２３４５６７８９", "", ErrMalformedCode}, // full-width digits
		{"https://qr.alipay.com/bax00000", "", ErrMalformedCode},
	} {
		got, err := ClassifyCode(c.code)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("ClassifyCode(%q) = %q, %v; want %q, %v", c.code, got, err, c.want, c.err)
		}
	}
}

// A refused code's error never holds it in full.
func TestClassifyCodeErrorMasksCode(t *testing.T) {
	for _, code := range []string{"990000001234567890", "13456789012345678x"} {
		_, err := ClassifyCode(code)
		if err == nil || strings.Contains(err.Error(), code[4:len(code)-4]) {
			t.Errorf("ClassifyCode(%q) error %v shows the code", code, err)
		}
	}
}

func TestMaskCode(t *testing.T) {
	for in, want := range map[string]string{
		"134567890123456789": "1345**********6789",
		"12345678":           "********",
		"123456789":          "1234*6789",
		"":                   "",
	} {
		if got := MaskCode(in); got != want {
			t.Errorf("MaskCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// Generated codes classify as their provider's, and differ.
func TestGenerateCode(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		length int
		want   Provider
	}{{"28", 18, Alipay}, {"13", 18, WeChat}, {"62", 19, UnionPay}} {
		a, err := GenerateCode(nil, tc.prefix, tc.length)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := GenerateCode(nil, tc.prefix, tc.length)
		if got, err := ClassifyCode(a); err != nil || got != tc.want || len(a) != tc.length || a == b {
			t.Errorf("GenerateCode(%q, %d) = %q (%v, %v), again %q", tc.prefix, tc.length, a, got, err, b)
		}
	}
	if _, err := GenerateCode(nil, "6212", 3); err == nil {
		t.Error("a code shorter than its prefix was made")
	}
}
