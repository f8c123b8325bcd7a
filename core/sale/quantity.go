package sale

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Quantities are integers in thousandths: 1 unit = 1000, 0.532 kg = 532.
const (
	QtyOne         = 1000
	MaxUnits       = 9999 * QtyOne // most units of one item on a line
	MaxWeightMilli = 99_999        // 99.999 kg on a line
)

// ErrQuantity is returned for a quantity that is zero, negative, fractional for a counted
// item, has more than 3 decimals, or is absurdly large.
var ErrQuantity = errors.New("invalid quantity")

// ParseQty reads a quantity as typed: "3" for counted items, "0.532" (kg) for weighed
// items. It returns thousandths.
func ParseQty(s string, weighed bool) (int64, error) {
	t := strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(t, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 3 {
		return 0, fmt.Errorf("sale: quantity %q has more than 3 decimals: %w", s, ErrQuantity)
	}
	for len(frac) < 3 {
		frac += "0"
	}
	if strings.HasPrefix(whole, "+") || len(whole) > 7 {
		return 0, fmt.Errorf("sale: quantity %q: %w", s, ErrQuantity)
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("sale: quantity %q is not a number: %w", s, ErrQuantity)
	}
	return v, CheckQty(v, weighed)
}

// CheckQty checks a quantity in thousandths against the till's limits.
func CheckQty(milli int64, weighed bool) error {
	switch {
	case milli <= 0:
		return fmt.Errorf("sale: quantity must be more than zero: %w", ErrQuantity)
	case weighed && milli > MaxWeightMilli:
		return fmt.Errorf("sale: weight %s kg is more than %s kg: %w", FormatQty(milli, true), FormatQty(MaxWeightMilli, true), ErrQuantity)
	case !weighed && milli%QtyOne != 0:
		return fmt.Errorf("sale: counted items take whole quantities, not %s: %w", FormatQty(milli, true), ErrQuantity)
	case !weighed && milli > MaxUnits:
		return fmt.Errorf("sale: quantity %d is more than %d: %w", milli/QtyOne, MaxUnits/QtyOne, ErrQuantity)
	}
	return nil
}

// FormatQty writes a quantity: "3" for counted items, "0.532" for weights.
func FormatQty(milli int64, weighed bool) string {
	if !weighed && milli%QtyOne == 0 {
		return strconv.FormatInt(milli/QtyOne, 10)
	}
	sign := ""
	if milli < 0 {
		sign, milli = "-", -milli
	}
	return fmt.Sprintf("%s%d.%03d", sign, milli/QtyOne, milli%QtyOne)
}
