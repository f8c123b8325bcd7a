package catalog

import (
	"errors"
	"fmt"
)

// Barcode kinds the till recognises.
const (
	KindEAN13    = "EAN-13"
	KindEAN8     = "EAN-8"
	KindUPCA     = "UPC-A"
	KindInternal = "internal"
)

// ErrCheckDigit is returned for a GS1 barcode whose check digit is wrong (usually a
// misread or mistyped code).
var ErrCheckDigit = errors.New("bad check digit")

// ErrBadCode is returned for text that is neither a GS1 barcode nor a store code.
var ErrBadCode = errors.New("not a barcode or store code")

// ClassifyCode tells what kind of code s is and checks it. 13, 12 and 8 digit codes are
// GS1 codes (EAN-13, UPC-A, EAN-8) and must carry a correct check digit. Store-internal
// codes are 1-7 or 9-11 digits, or letters, digits and '-' up to 20 characters.
func ClassifyCode(s string) (string, error) {
	if s == "" || len(s) > 20 {
		return "", fmt.Errorf("catalog: code %q: %w", s, ErrBadCode)
	}
	digits := true
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || r == '-':
			digits = false
		default:
			return "", fmt.Errorf("catalog: code %q: %w", s, ErrBadCode)
		}
	}
	if !digits {
		return KindInternal, nil
	}
	kind := ""
	switch len(s) {
	case 13:
		kind = KindEAN13
	case 12:
		kind = KindUPCA
	case 8:
		kind = KindEAN8
	default:
		return KindInternal, nil
	}
	if !gs1CheckOK(s) {
		return kind, fmt.Errorf("catalog: %s %s: %w", kind, s, ErrCheckDigit)
	}
	return kind, nil
}

// GS1CheckDigit computes the check digit for the data digits of a GS1 code (all digits
// but the last): weights 3,1,3,1... counted from the right.
func GS1CheckDigit(data string) byte {
	sum := 0
	for i := 0; i < len(data); i++ {
		d := int(data[len(data)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

func gs1CheckOK(code string) bool {
	return GS1CheckDigit(code[:len(code)-1]) == code[len(code)-1]
}
