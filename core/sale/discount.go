package sale

import (
	"fmt"
	"strconv"
	"strings"

	"tilldesk/core/money"
)

// ParseDiscount reads a discount as typed: "10%" (at most 2 decimals) is a percentage,
// "5" or "5.50" is an amount in yuan. Whether it fits a line or sale is checked when set.
func ParseDiscount(text string) (Discount, error) {
	text = strings.TrimSpace(text)
	if pct, ok := strings.CutSuffix(text, "%"); ok {
		whole, frac, _ := strings.Cut(strings.TrimSpace(pct), ".")
		if len(frac) > 2 || whole == "" {
			return Discount{}, fmt.Errorf("sale: discount %q: %w", text, ErrDiscount)
		}
		for len(frac) < 2 {
			frac += "0"
		}
		bp, err := strconv.ParseInt(whole+frac, 10, 64)
		if err != nil {
			return Discount{}, fmt.Errorf("sale: discount %q: %w", text, ErrDiscount)
		}
		return Discount{PercentBP: bp}, nil
	}
	a, err := money.Parse(text)
	if err != nil {
		return Discount{}, fmt.Errorf("sale: discount %q: %w", text, ErrDiscount)
	}
	return Discount{Amount: a}, nil
}
