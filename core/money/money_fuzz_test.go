package money

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, fails only with ErrSyntax or ErrRange, keeps
// results within MaxAmount, and that whatever it accepts reads back the same from both
// Plain and Format.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"12", "12.3", "12.34", "¥1,234.50", "￥1,234.50", " -5 ", "-¥0.05", "¥-0.05",
		"1.234", "abc", "", ".", "-", "-.", ".5", "7.", "1,23", "1,234,567.89",
		"99999999.99", "100000000", "99999999999999999999999", "0", "-0", "１２",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrRange) {
				t.Fatalf("Parse(%q) error %v is neither ErrSyntax nor ErrRange", s, err)
			}
			if a != 0 {
				t.Fatalf("Parse(%q) = %d with error", s, a)
			}
			return
		}
		if a > MaxAmount || a < -MaxAmount {
			t.Fatalf("Parse(%q) = %d is beyond MaxAmount", s, a)
		}
		for _, form := range []string{a.Plain(), a.Format()} {
			back, err := Parse(form)
			if err != nil || back != a {
				t.Fatalf("Parse(%q) = %d, but Parse(%q) = %d, %v", s, a, form, back, err)
			}
		}
		if strings.Count(a.Plain(), ".") != 1 {
			t.Fatalf("Plain() = %q has no single decimal point", a.Plain())
		}
	})
}

// FuzzAllocate checks the largest-remainder contract on arbitrary totals and weights.
func FuzzAllocate(f *testing.F) {
	f.Add(int64(100), []byte{1, 1, 1})
	f.Add(int64(-100), []byte{1, 2})
	f.Add(int64(99), []byte{0, 0, 0})
	f.Add(int64(MaxAmount), []byte{255, 0, 7, 1})
	f.Fuzz(func(t *testing.T, total int64, raw []byte) {
		total %= int64(MaxAmount) + 1
		if len(raw) > 200 {
			raw = raw[:200]
		}
		weights := make([]Amount, len(raw))
		for i, b := range raw {
			// Spread the byte over the whole range up to MaxAmount.
			weights[i] = Amount(b) * (MaxAmount / 255)
		}
		parts := Allocate(Amount(total), weights)
		if len(weights) == 0 {
			if len(parts) != 0 {
				t.Fatalf("Allocate with no weights = %v", parts)
			}
			return
		}
		checkAllocation(t, Amount(total), weights, parts)
	})
}
