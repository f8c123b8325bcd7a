package catalog

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzReadCSV checks that ReadCSV never panics, that every product it returns validates
// and is unique, that row errors carry real line numbers, and that what it read survives
// a WriteCSV/ReadCSV round trip.
func FuzzReadCSV(f *testing.F) {
	f.Add(header + "4006381333931,荧光笔,Pen,8.90,13,支,no\n")
	f.Add("\ufeff" + header + "P001,苹果,Apple,12.80,9,kg,yes\r\nP002,香蕉,,6.98,9,kg,是\r\n")
	f.Add(header + "4006381333932,x,y,1,13,个,no\nP1,x,y,1.234,13,个,no\nP2,x,y,1,x,个,maybe\n")
	f.Add(header + "\"P1,x,y,1,13,个,no\n")
	f.Add(header + "P1,x\"y,z,1,13,个,no\nP1,a,b,1,13,个,no\nP1,a,b,2,13,个,no\n")
	f.Add(header + "P1,\"multi\nline\",y,1,13,个,no\n,,,,,,\n")
	f.Add("code,name_zh\nP1,x\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		ps, rowErrs, err := ReadCSV(strings.NewReader(in))
		lines := strings.Count(in, "\n") + 1
		for _, re := range rowErrs {
			if re.Line < 2 || re.Line > lines {
				t.Fatalf("row error on line %d of a %d-line file: %v", re.Line, lines, re)
			}
			if re.Reason == "" {
				t.Fatalf("row error without a reason on line %d", re.Line)
			}
		}
		if err != nil {
			if len(ps) != 0 {
				t.Fatalf("ReadCSV returned %d products with error %v", len(ps), err)
			}
			if !errors.Is(err, ErrNoRows) && rowErrs != nil {
				t.Fatalf("fatal error %v came with row errors", err)
			}
			return
		}
		if len(ps) == 0 {
			t.Fatal("ReadCSV returned no products and no error")
		}
		seen := map[string]bool{}
		for _, p := range ps {
			if err := p.Validate(); err != nil {
				t.Fatalf("ReadCSV returned invalid product %+v: %v", p, err)
			}
			if seen[p.Code] {
				t.Fatalf("ReadCSV returned code %q twice", p.Code)
			}
			seen[p.Code] = true
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, ps); err != nil {
			t.Fatalf("WriteCSV: %v", err)
		}
		back, backErrs, err := ReadCSV(&buf)
		if err != nil || len(backErrs) != 0 || len(back) != len(ps) {
			t.Fatalf("re-reading written products: %d products, %v, %v (wrote %d)", len(back), backErrs, err, len(ps))
		}
		for i := range ps {
			if back[i] != normalized(ps[i]) {
				t.Fatalf("round trip changed product:\n got %+v\nwant %+v", back[i], ps[i])
			}
		}
	})
}

// normalized is what a product looks like after WriteCSV and ReadCSV: the CSV reader
// turns a "\r\n" inside a quoted field into "\n", and ReadCSV trims fields.
func normalized(p Product) Product {
	fix := func(s string) string {
		return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	}
	p.NameZH, p.NameEN, p.Unit = fix(p.NameZH), fix(p.NameEN), fix(p.Unit)
	return p
}

// FuzzClassifyCode checks ClassifyCode's contract on arbitrary text.
func FuzzClassifyCode(f *testing.F) {
	for _, s := range []string{
		"4006381333931", "4006381333932", "96385074", "036000291452", "P001", "SKU-1",
		"", "123 456", "１２３", "条码", strings.Repeat("9", 20), strings.Repeat("9", 21), "-",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, err := ClassifyCode(s)
		switch {
		case err == nil:
			if kind == "" {
				t.Fatalf("ClassifyCode(%q) accepted with no kind", s)
			}
			if len(s) == 0 || len(s) > 20 {
				t.Fatalf("ClassifyCode(%q) accepted a code of length %d", s, len(s))
			}
			for _, r := range s {
				if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-') {
					t.Fatalf("ClassifyCode(%q) accepted the character %q", s, r)
				}
			}
			if kind != KindInternal && GS1CheckDigit(s[:len(s)-1]) != s[len(s)-1] {
				t.Fatalf("ClassifyCode(%q) = %s with a wrong check digit", s, kind)
			}
		case errors.Is(err, ErrCheckDigit):
			want := map[int]string{8: KindEAN8, 12: KindUPCA, 13: KindEAN13}[len(s)]
			if want == "" || kind != want {
				t.Fatalf("ClassifyCode(%q) = %q, check digit error for a non-GS1 length", s, kind)
			}
			// Exactly one final digit makes it valid.
			valid := s[:len(s)-1] + string(GS1CheckDigit(s[:len(s)-1]))
			if k, err := ClassifyCode(valid); err != nil || k != kind {
				t.Fatalf("ClassifyCode(%q) = %q, %v after fixing the check digit", valid, k, err)
			}
		case errors.Is(err, ErrBadCode):
			if kind != "" {
				t.Fatalf("ClassifyCode(%q) = %q with ErrBadCode", s, kind)
			}
		default:
			t.Fatalf("ClassifyCode(%q) unexpected error %v", s, err)
		}
	})
}
