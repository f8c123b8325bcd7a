// Package money holds amounts of money as integer minor units (fen for CNY).
//
// Rounding rules, stated once for the whole till:
//   - Extended prices (unit price x quantity) and percentage discounts are rounded
//     half away from zero to the nearest minor unit (MulRatio).
//   - Tax included in a price is computed per line and rounded the same way.
//   - Order discounts are spread over lines by the largest-remainder method (Allocate),
//     so the parts always add up to the whole, fen for fen.
//   - Cash is paid to the fen: the till does not round cash totals to 0.1 yuan.
//
// There are no floating-point numbers anywhere in this package.
package money

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// Amount is a quantity of money in minor units (fen). Negative amounts are refunds and
// discounts.
type Amount int64

// Currency is an ISO 4217 currency.
type Currency struct {
	Code     string // alphabetic code, "CNY"
	Numeric  int    // numeric code, 156
	Symbol   string // "¥"
	Exponent int    // digits after the decimal point, 2
}

// CNY is the Chinese yuan renminbi, the till's default currency.
var CNY = Currency{Code: "CNY", Numeric: 156, Symbol: "¥", Exponent: 2}

// MaxAmount bounds any single amount the till accepts: ¥99,999,999.99. It keeps every
// product of an amount and a quantity or ratio far from int64 overflow.
const MaxAmount Amount = 99_999_999_99

// ErrSyntax is returned for text that is not an amount.
var ErrSyntax = errors.New("not an amount")

// ErrRange is returned for amounts beyond MaxAmount.
var ErrRange = errors.New("amount out of range")

// Yuan returns y whole yuan as an Amount.
func Yuan(y int64) Amount { return Amount(y * 100) }

// Format writes a as "¥1,234.56" (or "-¥1,234.56"). The same form is used in Chinese and
// English: both write CNY with the yuan sign and a dot for decimals.
func (a Amount) Format() string {
	return CNY.Format(a)
}

// String is Format, so amounts print readably in logs and test failures.
func (a Amount) String() string { return a.Format() }

// Plain writes a as "1234.56" with no symbol and no grouping (CSV, journal exports).
func (a Amount) Plain() string {
	sign := ""
	v := int64(a)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Format writes a in the currency's usual form with thousands separators.
func (c Currency) Format(a Amount) string {
	sign := ""
	v := int64(a)
	if v < 0 {
		sign = "-"
		v = -v
	}
	unit := int64(math.Pow10(c.Exponent))
	whole := group(fmt.Sprintf("%d", v/unit))
	if c.Exponent == 0 {
		return sign + c.Symbol + whole
	}
	return fmt.Sprintf("%s%s%s.%0*d", sign, c.Symbol, whole, c.Exponent, v%unit)
}

func group(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	lead := len(digits) % 3
	if lead > 0 {
		b.WriteString(digits[:lead])
	}
	for i := lead; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// Parse reads a yuan amount typed by a person or found in a file: "12", "12.3",
// "12.34", "¥1,234.50", " -5 ". More than two decimals is an error, never rounded.
func Parse(s string) (Amount, error) {
	t := strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(t, "-") { // "-¥1.00", as Format writes it
		neg = true
		t = t[1:]
	}
	t = strings.TrimPrefix(t, "¥")
	t = strings.TrimPrefix(t, "￥")
	if !neg && strings.HasPrefix(t, "-") { // "¥-1.00"
		neg = true
		t = t[1:]
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, fmt.Errorf("money: %q: %w", s, ErrSyntax)
	}
	if strings.Contains(whole, ",") {
		// Commas only group thousands: "1,234" is 1234 yuan, but "1,23" (a decimal
		// comma) is refused rather than read as 123.
		groups := strings.Split(whole, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, fmt.Errorf("money: %q: %w", s, ErrSyntax)
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, fmt.Errorf("money: %q: %w", s, ErrSyntax)
			}
		}
		whole = strings.Join(groups, "")
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("money: %q has more than 2 decimals: %w", s, ErrSyntax)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	var v int64
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("money: %q: %w", s, ErrSyntax)
		}
		v = v*10 + int64(r-'0')
		if v > int64(MaxAmount) {
			return 0, fmt.Errorf("money: %q: %w", s, ErrRange)
		}
	}
	if neg {
		v = -v
	}
	return Amount(v), nil
}

// MulRatio returns a*num/den rounded half away from zero. den must be positive.
// Callers keep a, num and den within the till's limits (MaxAmount, quantities up to
// 10^7, ratios up to 10^4), so the product never overflows.
func MulRatio(a Amount, num, den int64) Amount {
	if den <= 0 {
		panic("money: MulRatio with non-positive denominator")
	}
	p := int64(a) * num
	return Amount(divRound(p, den))
}

// divRound divides rounding half away from zero.
func divRound(p, den int64) int64 {
	q, r := p/den, p%den
	if r < 0 {
		r = -r
	}
	if 2*r >= den {
		if p < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// Allocate splits total over weights in proportion to them, by the largest-remainder
// method: the parts add up to total exactly. Weights must be non-negative; when they are
// all zero the total goes to the first part.
func Allocate(total Amount, weights []Amount) []Amount {
	parts := make([]Amount, len(weights))
	if len(weights) == 0 {
		return parts
	}
	var sum int64
	for _, w := range weights {
		sum += int64(w)
	}
	if sum == 0 {
		parts[0] = total
		return parts
	}
	neg := total < 0
	t := int64(total)
	if neg {
		t = -t
	}
	rems := make([]int64, len(weights))
	var given int64
	for i, w := range weights {
		// t*w can exceed int64 for large orders, so multiply in 128 bits.
		hi, lo := bits.Mul64(uint64(t), uint64(w))
		q, r := bits.Div64(hi, lo, uint64(sum))
		parts[i] = Amount(q)
		rems[i] = int64(r)
		given += int64(q)
	}
	for left := t - given; left > 0; left-- {
		best := 0
		for i := range rems {
			if rems[i] > rems[best] {
				best = i
			}
		}
		parts[best]++
		rems[best] = -1
	}
	if neg {
		for i := range parts {
			parts[i] = -parts[i]
		}
	}
	return parts
}
