package sale

import (
	"errors"
	"testing"
)

func TestParseQty(t *testing.T) {
	tests := []struct {
		in      string
		weighed bool
		want    int64
	}{
		{"0.532", true, 532},
		{"1", true, 1000},
		{"1.5", true, 1500},
		{".5", true, 500},
		{" 2.25 ", true, 2250},
		{"0.001", true, 1},
		{"99.999", true, MaxWeightMilli},
		{"007.5", true, 7500},
		{"2", false, 2000},
		{"1", false, 1000},
		{"2.0", false, 2000},
		{"2.000", false, 2000},
		{"9999", false, MaxUnits},
		{" 12 ", false, 12000},
	}
	for _, tt := range tests {
		got, err := ParseQty(tt.in, tt.weighed)
		if err != nil || got != tt.want {
			t.Errorf("ParseQty(%q, weighed=%v) = %d, %v; want %d", tt.in, tt.weighed, got, err, tt.want)
		}
	}
}

func TestParseQtyRefuses(t *testing.T) {
	tests := []struct {
		in      string
		weighed bool
	}{
		{"1.5", false},   // counted items are whole
		{"0.001", false}, // likewise
		{"2.0001", false},
		{"0.5321", true}, // 4 decimals
		{"0.0005", true},
		{"0", true},
		{"0", false},
		{"0.000", true},
		{"", true},
		{"", false},
		{".", false},
		{"-1", true},
		{"-2", false},
		{"-0.5", true},
		{"+1", false},
		{"100", true}, // more than 99.999 kg
		{"100.000", true},
		{"10000", false}, // more than 9999 units
		{"12345678", false},
		{"99999999999999999999", false},
		{"abc", false},
		{"1e3", false},
		{"0x10", false},
		{"1,5", true},
		{"1.2.3", true},
		{"1 000", false},
		{"1_000", false},
		{"１", false}, // full-width digit
	}
	for _, tt := range tests {
		got, err := ParseQty(tt.in, tt.weighed)
		if !errors.Is(err, ErrQuantity) {
			t.Errorf("ParseQty(%q, weighed=%v) = %d, %v; want ErrQuantity", tt.in, tt.weighed, got, err)
		}
	}
}

func TestCheckQty(t *testing.T) {
	tests := []struct {
		milli   int64
		weighed bool
		ok      bool
	}{
		{1, true, true},
		{532, true, true},
		{MaxWeightMilli, true, true},
		{MaxWeightMilli + 1, true, false},
		{0, true, false},
		{-1, true, false},
		{1000, false, true},
		{MaxUnits, false, true},
		{MaxUnits + QtyOne, false, false},
		{1500, false, false},
		{999, false, false},
		{0, false, false},
		{-1000, false, false},
	}
	for _, tt := range tests {
		err := CheckQty(tt.milli, tt.weighed)
		if tt.ok && err != nil {
			t.Errorf("CheckQty(%d, weighed=%v) = %v, want nil", tt.milli, tt.weighed, err)
		}
		if !tt.ok && !errors.Is(err, ErrQuantity) {
			t.Errorf("CheckQty(%d, weighed=%v) = %v, want ErrQuantity", tt.milli, tt.weighed, err)
		}
	}
}

func TestFormatQty(t *testing.T) {
	tests := []struct {
		milli   int64
		weighed bool
		want    string
	}{
		{2000, false, "2"},
		{MaxUnits, false, "9999"},
		{0, false, "0"},
		{-2000, false, "-2"},
		{1500, false, "1.500"}, // not a valid counted quantity, but printed exactly
		{532, true, "0.532"},
		{1000, true, "1.000"},
		{1, true, "0.001"},
		{99999, true, "99.999"},
		{-532, true, "-0.532"},
		{0, true, "0.000"},
	}
	for _, tt := range tests {
		if got := FormatQty(tt.milli, tt.weighed); got != tt.want {
			t.Errorf("FormatQty(%d, weighed=%v) = %q, want %q", tt.milli, tt.weighed, got, tt.want)
		}
	}
}

// FuzzParseQty checks that ParseQty fails only with ErrQuantity, accepts only quantities
// CheckQty accepts, and reads FormatQty's output back to the same value.
func FuzzParseQty(f *testing.F) {
	for _, s := range []string{"0.532", "2", "1.5", "0", "-1", "100", "0.5321", "", ".", "+1", "9999", "99.999", "1e3"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, weighed bool) {
		v, err := ParseQty(s, weighed)
		if err != nil {
			if !errors.Is(err, ErrQuantity) {
				t.Fatalf("ParseQty(%q, %v) error %v is not ErrQuantity", s, weighed, err)
			}
			return
		}
		if err := CheckQty(v, weighed); err != nil {
			t.Fatalf("ParseQty(%q, %v) = %d, which CheckQty refuses: %v", s, weighed, v, err)
		}
		text := FormatQty(v, weighed)
		back, err := ParseQty(text, weighed)
		if err != nil || back != v {
			t.Fatalf("ParseQty(%q) = %d, but ParseQty(FormatQty) = ParseQty(%q) = %d, %v", s, v, text, back, err)
		}
	})
}
