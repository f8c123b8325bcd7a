package money

import (
	"errors"
	"math/big"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Amount
	}{
		{"12", 1200},
		{"12.3", 1230},
		{"12.34", 1234},
		{"0", 0},
		{"0.01", 1},
		{"0.5", 50},
		{".5", 50},
		{"7.", 700},
		{"-5", -500},
		{" -5 ", -500},
		{"-0.05", -5},
		{"-0", 0},
		{"¥1,234.50", 123450},
		{"￥1,234.50", 123450},
		{"¥-3.20", -320},
		{"-¥3.20", -320}, // what Format writes for a negative amount
		{"-¥1,234.56", -123456},
		{"1,234,567.89", 123456789},
		{"999", 99900},
		{"99999999.99", 9999999999},
		{"¥99,999,999.99", MaxAmount},
		{"-99999999.99", -MaxAmount},
		{"000012.30", 1230},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"1.234", ErrSyntax}, // never rounded
		{"0.001", ErrSyntax},
		{"abc", ErrSyntax},
		{"", ErrSyntax},
		{"   ", ErrSyntax},
		{".", ErrSyntax},
		{"-", ErrSyntax},
		{"-.", ErrSyntax},
		{"¥", ErrSyntax},
		{"--5", ErrSyntax},
		{"+5", ErrSyntax},
		{"1.2.3", ErrSyntax},
		{"12a", ErrSyntax},
		{"1 000", ErrSyntax},
		{"1e3", ErrSyntax},
		{"１２", ErrSyntax},   // full-width digits
		{"1,23", ErrSyntax}, // decimal comma, not a 123 yuan
		{"12.3,4", ErrSyntax},
		{",5", ErrSyntax},
		{"1,,234", ErrSyntax},
		{"1234,567", ErrSyntax},
		{"1,234,", ErrSyntax},
		{"$5", ErrSyntax},
		{"100000000", ErrRange},
		{"100000000.00", ErrRange},
		{"99999999.991", ErrSyntax},
		{"-100000000", ErrRange},
		{"99999999999999999999999999", ErrRange}, // would overflow int64
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) = %d, %v; want error %v", tt.in, got, err, tt.want)
		}
		if got != 0 {
			t.Errorf("Parse(%q) returned %d alongside an error, want 0", tt.in, got)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in    Amount
		want  string
		plain string
	}{
		{0, "¥0.00", "0.00"},
		{1, "¥0.01", "0.01"},
		{-5, "-¥0.05", "-0.05"},
		{100, "¥1.00", "1.00"},
		{99999, "¥999.99", "999.99"},
		{100000, "¥1,000.00", "1000.00"},
		{123456, "¥1,234.56", "1234.56"},
		{-123456, "-¥1,234.56", "-1234.56"},
		{12345678, "¥123,456.78", "123456.78"},
		{123456789, "¥1,234,567.89", "1234567.89"},
		{MaxAmount, "¥99,999,999.99", "99999999.99"},
		{Yuan(7), "¥7.00", "7.00"},
	}
	for _, tt := range tests {
		if got := tt.in.Format(); got != tt.want {
			t.Errorf("Amount(%d).Format() = %q, want %q", int64(tt.in), got, tt.want)
		}
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Amount(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
		if got := tt.in.Plain(); got != tt.plain {
			t.Errorf("Amount(%d).Plain() = %q, want %q", int64(tt.in), got, tt.plain)
		}
		// Both written forms read back to the same amount.
		for _, s := range []string{tt.want, tt.plain} {
			if back, err := Parse(s); err != nil || back != tt.in {
				t.Errorf("Parse(%q) = %d, %v; want %d", s, back, err, tt.in)
			}
		}
	}
}

func TestCurrencyFormatOtherExponents(t *testing.T) {
	jpy := Currency{Code: "JPY", Numeric: 392, Symbol: "¥", Exponent: 0}
	kwd := Currency{Code: "KWD", Numeric: 414, Symbol: "KD", Exponent: 3}
	tests := []struct {
		c    Currency
		in   Amount
		want string
	}{
		{jpy, 1234567, "¥1,234,567"},
		{jpy, -5, "-¥5"},
		{kwd, 1234567, "KD1,234.567"},
		{kwd, 5, "KD0.005"},
	}
	for _, tt := range tests {
		if got := tt.c.Format(tt.in); got != tt.want {
			t.Errorf("%s.Format(%d) = %q, want %q", tt.c.Code, int64(tt.in), got, tt.want)
		}
	}
}

func TestMulRatio(t *testing.T) {
	tests := []struct {
		a        Amount
		num, den int64
		want     Amount
	}{
		{100, 1, 2, 50},
		{5, 1, 2, 3},   // 2.5 -> 3
		{-5, 1, 2, -3}, // -2.5 -> -3 (away from zero)
		{15, 1, 10, 2}, // 1.5 -> 2
		{-15, 1, 10, -2},
		{14, 1, 10, 1}, // 1.4 -> 1
		{-14, 1, 10, -1},
		{16, 1, 10, 2}, // 1.6 -> 2
		{-16, 1, 10, -2},
		{10, 1, 3, 3}, // 3.33 -> 3
		{20, 1, 3, 7}, // 6.67 -> 7
		{-20, 1, 3, -7},
		{0, 7, 9, 0},
		{1234, 532, 1000, 656},   // 6.56488 -> 656: ¥12.34/kg x 0.532 kg
		{1299, 1500, 1000, 1949}, // 1948.5 -> 1949
		{-1299, 1500, 1000, -1949},
		{1130, 1300, 11300, 130}, // VAT included in a 13% price
		{999, 1000, 10000, 100},  // 10% of 9.99 = 99.9 -> 100
		{MaxAmount, 9999 * 1000, 1000, MaxAmount * 9999},
		{MaxAmount, 10000, 10000, MaxAmount},
	}
	for _, tt := range tests {
		if got := MulRatio(tt.a, tt.num, tt.den); got != tt.want {
			t.Errorf("MulRatio(%d, %d, %d) = %d, want %d", int64(tt.a), tt.num, tt.den, int64(got), int64(tt.want))
		}
	}
}

func TestMulRatioSymmetric(t *testing.T) {
	// Half away from zero means negating the input negates the output exactly.
	for a := Amount(-300); a <= 300; a++ {
		for _, den := range []int64{1, 2, 3, 7, 10, 1000, 11300} {
			for _, num := range []int64{0, 1, 3, 532, 1300} {
				if p, n := MulRatio(a, num, den), MulRatio(-a, num, den); p != -n {
					t.Fatalf("MulRatio(%d,%d,%d)=%d but MulRatio(%d,...)=%d", a, num, den, p, -a, n)
				}
			}
		}
	}
}

func TestMulRatioPanicsOnBadDenominator(t *testing.T) {
	for _, den := range []int64{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("MulRatio(1, 1, %d) did not panic", den)
				}
			}()
			MulRatio(1, 1, den)
		}()
	}
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name    string
		total   Amount
		weights []Amount
		want    []Amount
	}{
		{"exact", 10, []Amount{1, 2, 3, 4}, []Amount{1, 2, 3, 4}},
		{"thirds", 100, []Amount{1, 1, 1}, []Amount{34, 33, 33}},
		{"largest remainder wins", 100, []Amount{1, 2}, []Amount{33, 67}},
		{"negative total", -100, []Amount{1, 1, 1}, []Amount{-34, -33, -33}},
		{"negative largest remainder", -100, []Amount{1, 2}, []Amount{-33, -67}},
		{"zero total", 0, []Amount{5, 7}, []Amount{0, 0}},
		{"all weights zero go to first", 99, []Amount{0, 0, 0}, []Amount{99, 0, 0}},
		{"zero weight gets nothing", 10, []Amount{0, 5, 5}, []Amount{0, 5, 5}},
		{"zero weight gets nothing with remainder", 11, []Amount{3, 0, 3}, []Amount{6, 0, 5}},
		{"single weight", 123, []Amount{1}, []Amount{123}},
		{"empty", 50, nil, []Amount{}},
		{"discount over lines", 500, []Amount{1000, 2000, 3300}, []Amount{79, 159, 262}},
		{"one fen over many", 1, []Amount{1, 1, 1, 1}, []Amount{1, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Allocate(tt.total, tt.weights)
			if len(got) != len(tt.want) {
				t.Fatalf("Allocate(%d, %v) = %v, want %v", tt.total, tt.weights, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("Allocate(%d, %v) = %v, want %v", int64(tt.total), tt.weights, got, tt.want)
				}
			}
			if len(tt.weights) > 0 {
				checkAllocation(t, tt.total, tt.weights, got)
			}
		})
	}
}

func TestAllocateHugeNoOverflow(t *testing.T) {
	tests := []struct {
		name    string
		total   Amount
		weights []Amount
	}{
		{"max total, max weights", MaxAmount, repeat(MaxAmount, 500)},
		{"negative max total", -MaxAmount, repeat(MaxAmount, 500)},
		{"max total, mixed weights", MaxAmount, mixedWeights(1000)},
		{"max total, tiny and huge", MaxAmount, []Amount{1, MaxAmount, 1, MaxAmount - 1, 2}},
		{"line totals of a huge sale", MaxAmount * 9999, repeat(MaxAmount*9999, 500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Allocate(tt.total, tt.weights)
			checkAllocation(t, tt.total, tt.weights, got)
		})
	}
}

func repeat(a Amount, n int) []Amount {
	out := make([]Amount, n)
	for i := range out {
		out[i] = a
	}
	return out
}

func mixedWeights(n int) []Amount {
	out := make([]Amount, n)
	for i := range out {
		out[i] = MaxAmount - Amount(i*i*7919)%MaxAmount
	}
	return out
}

// checkAllocation asserts the largest-remainder contract with exact big-integer
// arithmetic: the parts sum to total, each part has total's sign, and each part is the
// exact proportional share rounded down or up by at most one fen.
func checkAllocation(t *testing.T, total Amount, weights, parts []Amount) {
	t.Helper()
	if len(parts) != len(weights) {
		t.Fatalf("got %d parts for %d weights", len(parts), len(weights))
	}
	var sum Amount
	var wsum big.Int
	for i, p := range parts {
		sum += p
		if (total >= 0 && p < 0) || (total < 0 && p > 0) {
			t.Fatalf("part %d = %d has the wrong sign for total %d", i, p, total)
		}
		wsum.Add(&wsum, big.NewInt(int64(weights[i])))
	}
	if sum != total {
		t.Fatalf("parts sum to %d, want %d", int64(sum), int64(total))
	}
	if wsum.Sign() == 0 {
		return
	}
	for i, p := range parts {
		// exact = total*w/wsum; require |p*wsum - total*w| < wsum.
		lhs := new(big.Int).Mul(big.NewInt(int64(p)), &wsum)
		rhs := new(big.Int).Mul(big.NewInt(int64(total)), big.NewInt(int64(weights[i])))
		diff := new(big.Int).Sub(lhs, rhs)
		if diff.Abs(diff).Cmp(&wsum) >= 0 {
			t.Fatalf("part %d = %d is more than one fen from its share %s/%s", i, int64(p), rhs, &wsum)
		}
	}
}
