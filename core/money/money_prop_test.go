package money

import (
	"testing"

	"pgregory.net/rapid"
)

func TestPropFormatParseRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := Amount(rapid.Int64Range(-int64(MaxAmount), int64(MaxAmount)).Draw(t, "a"))
		for _, s := range []string{a.Format(), a.Plain()} {
			back, err := Parse(s)
			if err != nil || back != a {
				t.Fatalf("Parse(%q) = %d, %v; want %d", s, back, err, a)
			}
		}
	})
}

func TestPropAllocate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		total := Amount(rapid.Int64Range(-int64(MaxAmount), int64(MaxAmount)).Draw(t, "total"))
		weights := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Amount {
			return Amount(rapid.Int64Range(0, int64(MaxAmount)).Draw(t, "w"))
		}), 1, 60).Draw(t, "weights")
		parts := Allocate(total, weights)
		var sum Amount
		for _, p := range parts {
			sum += p
		}
		if sum != total {
			t.Fatalf("parts %v sum to %d, want %d", parts, sum, total)
		}
		// Equal weights get shares that differ by at most one fen.
		for i := range weights {
			for j := range weights {
				if weights[i] == weights[j] && parts[i]-parts[j] > 1 {
					t.Fatalf("equal weights %d got %d and %d", weights[i], parts[i], parts[j])
				}
			}
		}
	})
}

func TestPropMulRatioBounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := Amount(rapid.Int64Range(-int64(MaxAmount), int64(MaxAmount)).Draw(t, "a"))
		num := rapid.Int64Range(0, 10_000_000).Draw(t, "num")
		den := rapid.Int64Range(1, 10_000_000).Draw(t, "den")
		got := int64(MulRatio(a, num, den))
		// |got*den - a*num| <= den/2, and exactly half rounds away from zero.
		diff := got*den - int64(a)*num
		if 2*diff > den || 2*diff < -den {
			t.Fatalf("MulRatio(%d,%d,%d) = %d is not the nearest fen", a, num, den, got)
		}
		if 2*diff == den && got <= 0 || 2*diff == -den && got >= 0 {
			t.Fatalf("MulRatio(%d,%d,%d) = %d rounds a half toward zero", a, num, den, got)
		}
	})
}
