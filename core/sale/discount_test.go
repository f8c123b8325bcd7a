package sale

import (
	"errors"
	"fmt"
	"testing"

	"tilldesk/core/money"
)

func TestParseDiscount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Discount
		ok   bool
	}{
		{"10%", Discount{PercentBP: 1000}, true},
		{" 7.5 %", Discount{PercentBP: 750}, true},
		{"12.34%", Discount{PercentBP: 1234}, true},
		{"5", Discount{Amount: 500}, true},
		{"5.50", Discount{Amount: 550}, true},
		{"¥1,000", Discount{Amount: 100000}, true},
		{"0", Discount{}, true},
		{"1.234%", Discount{}, false},
		{"%", Discount{}, false},
		{".5%", Discount{}, false},
		{"ten", Discount{}, false},
		{"5.555", Discount{}, false},
		{"", Discount{}, false},
	} {
		got, err := ParseDiscount(tc.in)
		if tc.ok != (err == nil) || (err == nil && got != tc.want) {
			t.Errorf("ParseDiscount(%q) = %+v, %v; want %+v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrDiscount) {
			t.Errorf("ParseDiscount(%q) error %v is not ErrDiscount", tc.in, err)
		}
	}
}

// FuzzParseDiscount: whatever is typed, the parser never panics, gives one kind of
// discount, and what it accepts reads back the same from its canonical form.
func FuzzParseDiscount(f *testing.F) {
	for _, s := range []string{"10%", "5.50", "¥1,000", "1.234%", "-5", "99999999999%", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseDiscount(in)
		if err != nil {
			return
		}
		if d.PercentBP != 0 && d.Amount != 0 {
			t.Fatalf("%q gave both a percentage and an amount: %+v", in, d)
		}
		canon := money.Amount(d.Amount).Plain()
		if d.PercentBP != 0 {
			canon = fmt.Sprintf("%d.%02d%%", d.PercentBP/100, abs(d.PercentBP%100))
			if d.PercentBP < 0 {
				return // negative percentages are refused when set; no canonical form needed
			}
		}
		again, err := ParseDiscount(canon)
		if err != nil || again != d {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", in, d, canon, again, err)
		}
	})
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
