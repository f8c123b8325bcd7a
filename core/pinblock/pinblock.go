// Package pinblock builds and reads ISO 9564-1 PIN blocks: formats 0, 1, 2 and 3
// (8 bytes, for TDES) and format 4 (16 bytes, for AES, enciphered together with the
// PAN field).
//
// A PIN is passed as ASCII digits in a byte slice, never as a string, so that the
// caller can overwrite it. Clear PINs, PIN fields and keys handed to or returned by
// this package belong to the caller, who must zero them when done; the package zeroes
// its own intermediate copies. Errors never quote PIN digits, and the package never
// logs.
package pinblock

import (
	"errors"
	"fmt"
	"io"
)

// PIN lengths ISO 9564-1 allows.
const (
	MinPINLength = 4
	MaxPINLength = 12
)

// Sentinel errors, wrapped with the format and the reason; test with errors.Is.
var (
	// ErrPIN: the PIN is not 4 to 12 ASCII digits.
	ErrPIN = errors.New("PIN must be 4 to 12 digits")
	// ErrPAN: the PAN is not digits of a permitted length.
	ErrPAN = errors.New("bad PAN")
	// ErrControl: the block's control field is not the expected format.
	ErrControl = errors.New("wrong format in control field")
	// ErrMalformed: the decoded block is not a valid PIN field (length, digits or fill).
	ErrMalformed = errors.New("malformed PIN block")
)

// Formats with 8-byte blocks; each number is also the block's control field.
const (
	format0 = 0x0
	format1 = 0x1
	format2 = 0x2
	format3 = 0x3
	format4 = 0x4
)

// checkPIN checks that pin is 4 to 12 ASCII digits.
func checkPIN(pin []byte) error {
	if len(pin) < MinPINLength || len(pin) > MaxPINLength {
		return ErrPIN
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return ErrPIN
		}
	}
	return nil
}

// checkPAN checks that pan is min to 19 ASCII digits.
func checkPAN(pan string, min int) error {
	if len(pan) < min || len(pan) > 19 {
		return fmt.Errorf("%w: %d digits, must be %d to 19", ErrPAN, len(pan), min)
	}
	for i := 0; i < len(pan); i++ {
		if pan[i] < '0' || pan[i] > '9' {
			return fmt.Errorf("%w: not all digits", ErrPAN)
		}
	}
	return nil
}

// fillFunc gives the fill nibble for position i (0-based within the 16 nibbles).
type fillFunc func(i int) (byte, error)

// encodePINField lays out control | length | PIN digits | fill in 16 nibbles.
func encodePINField(control byte, pin []byte, fill fillFunc) ([8]byte, error) {
	var field [8]byte
	if err := checkPIN(pin); err != nil {
		return field, err
	}
	setNibble(field[:], 0, control)
	setNibble(field[:], 1, byte(len(pin)))
	for i, c := range pin {
		setNibble(field[:], 2+i, c-'0')
	}
	for i := 2 + len(pin); i < 16; i++ {
		f, err := fill(i)
		if err != nil {
			clear(field[:])
			return field, err
		}
		setNibble(field[:], i, f)
	}
	return field, nil
}

// decodePINField checks control, length, digits and fill of a PIN field and
// returns the PIN as ASCII digits.
func decodePINField(field []byte, control byte, fillOK func(nibble byte) bool) ([]byte, error) {
	if got := nibble(field, 0); got != control {
		return nil, fmt.Errorf("%w: %X, want %X", ErrControl, got, control)
	}
	n := int(nibble(field, 1))
	if n < MinPINLength || n > MaxPINLength {
		return nil, fmt.Errorf("%w: PIN length %d", ErrMalformed, n)
	}
	pin := make([]byte, n)
	for i := range pin {
		d := nibble(field, 2+i)
		if d > 9 {
			clear(pin)
			return nil, fmt.Errorf("%w: PIN digit %d is not a digit", ErrMalformed, i+1)
		}
		pin[i] = '0' + d
	}
	for i := 2 + n; i < 16; i++ {
		if !fillOK(nibble(field, i)) {
			clear(pin)
			return nil, fmt.Errorf("%w: fill at nibble %d", ErrMalformed, i)
		}
	}
	return pin, nil
}

func nibble(b []byte, i int) byte {
	if i%2 == 0 {
		return b[i/2] >> 4
	}
	return b[i/2] & 0x0F
}

func setNibble(b []byte, i int, v byte) {
	if i%2 == 0 {
		b[i/2] = b[i/2]&0x0F | v<<4
	} else {
		b[i/2] = b[i/2]&0xF0 | v&0x0F
	}
}

// randomNibbles returns a fill function drawing nibbles in [low, 0xF] from random,
// uniformly (by rejection), a byte at a time.
func randomNibbles(random io.Reader, low byte) fillFunc {
	span := 16 - int(low)
	limit := 256 - 256%span
	return func(int) (byte, error) {
		var b [1]byte
		for {
			if _, err := io.ReadFull(random, b[:]); err != nil {
				return 0, fmt.Errorf("pinblock: reading random fill: %w", err)
			}
			if int(b[0]) < limit {
				return low + byte(int(b[0])%span), nil
			}
		}
	}
}

func constantNibble(v byte) fillFunc {
	return func(int) (byte, error) { return v, nil }
}

func xor8(a, b [8]byte) [8]byte {
	for i := range a {
		a[i] ^= b[i]
	}
	return a
}
