// Package pan handles primary account numbers (ISO/IEC 7812): the Luhn check digit
// and the masked form (first six and last four digits) that is the only form a PAN may
// take in logs, errors and screens. This package never logs.
package pan

import (
	"errors"
	"strings"
)

// Lengths of a PAN in digits (ISO/IEC 7812-1).
const (
	MinLength = 12
	MaxLength = 19
)

// ErrNotDigits: a PAN (or a PAN without its check digit) holds something other than
// the digits 0 to 9, or is empty.
var ErrNotDigits = errors.New("pan: not a string of digits")

// Valid reports whether s is 12 to 19 digits whose last digit is the Luhn check digit
// of the others.
func Valid(s string) bool {
	if len(s) < MinLength || len(s) > MaxLength || !allDigits(s) {
		return false
	}
	return luhnSum(s, false)%10 == 0
}

// CheckDigit computes the Luhn check digit to append to the digits of s.
func CheckDigit(s string) (byte, error) {
	if s == "" || !allDigits(s) {
		return 0, ErrNotDigits
	}
	return byte('0' + (10-luhnSum(s, true)%10)%10), nil
}

// luhnSum is the Luhn sum of s, doubling every second digit from the right; with
// doubleLast the rightmost digit is doubled too (s is then missing its check digit).
func luhnSum(s string, doubleLast bool) int {
	sum := 0
	double := doubleLast
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum
}

// Mask keeps the first six and last four digits of a PAN and replaces the rest with
// '*' ("621234*********1234"). Anything too short to keep ten characters and still
// hide some (fewer than 13 characters) is masked entirely, so that a malformed value
// in an error never shows more than a PAN's masked form would.
func Mask(s string) string {
	const first, last = 6, 4
	if len(s) < first+last+3 {
		return strings.Repeat("*", len(s))
	}
	return s[:first] + strings.Repeat("*", len(s)-first-last) + s[len(s)-last:]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
