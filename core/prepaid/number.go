package prepaid

import (
	"errors"
	"fmt"
	"strings"

	"tilldesk/core/pan"
)

// Card identity. A card number is all decimal digits: the store's issuer prefix, a
// serial number, and a Luhn check digit (ISO/IEC 7812-1 Annex B, core/pan), e.g. 19 digits
// "9900010000000000017". It is printed on the card in groups of four, as a barcode of
// the bare digits, and as a QR code whose payload is
//
//	TDPC:1:<card number>
//
// ("Tilldesk prepaid card", format version 1): exactly that prefix, then exactly the
// number's digits, nothing before or after (the scanner's suffix is already gone). A
// contactless card is known by its UID (4, 7 or 10 bytes, written as hex), which the
// ledger maps to its card number.

// QRPrefix starts a prepaid card's QR payload; the format version follows it.
const QRPrefix = "TDPC:1:"

// qrFamily is what every version of the QR payload starts with.
const qrFamily = "TDPC:"

// Bounds on a card number's shape.
const (
	MinNumberLen = 12
	MaxNumberLen = 19
	MaxPrefixLen = 10
)

// Errors of the card identity parsers.
var (
	ErrBadNumber = errors.New("not a card number of this store")
	ErrBadQR     = errors.New("not a prepaid card QR code")
	ErrBadUID    = errors.New("not a contactless card UID (4, 7 or 10 bytes in hex)")
)

// Numbering is how this store's card numbers look: the issuer prefix and the length.
type Numbering struct {
	Prefix string // issuer prefix, 1 to MaxPrefixLen digits
	Length int    // digits in a number, check digit included
}

// Validate checks the numbering: a digit prefix that leaves room for a serial.
func (n Numbering) Validate() error {
	switch {
	case n.Length < MinNumberLen || n.Length > MaxNumberLen:
		return fmt.Errorf("prepaid: card numbers of %d digits: want %d to %d", n.Length, MinNumberLen, MaxNumberLen)
	case n.Prefix == "" || len(n.Prefix) > MaxPrefixLen || !allDigits(n.Prefix):
		return fmt.Errorf("prepaid: card number prefix %q: want 1 to %d digits", n.Prefix, MaxPrefixLen)
	case n.Length-len(n.Prefix)-1 < 4:
		return fmt.Errorf("prepaid: prefix %q leaves fewer than 4 serial digits in %d", n.Prefix, n.Length)
	}
	return nil
}

// serialDigits is how many digits the serial number takes.
func (n Numbering) serialDigits() int { return n.Length - len(n.Prefix) - 1 }

// MaxSerial is the highest serial number a card of this numbering can have.
func (n Numbering) MaxSerial() uint64 {
	m := uint64(1)
	for range n.serialDigits() {
		m *= 10
	}
	return m - 1
}

// Number builds the card number of serial (1 to MaxSerial).
func (n Numbering) Number(serial uint64) (string, error) {
	if serial < 1 || serial > n.MaxSerial() {
		return "", fmt.Errorf("prepaid: serial %d out of range 1-%d", serial, n.MaxSerial())
	}
	body := fmt.Sprintf("%s%0*d", n.Prefix, n.serialDigits(), serial)
	check, err := pan.CheckDigit(body)
	if err != nil {
		return "", fmt.Errorf("prepaid: serial %d: %w", serial, err)
	}
	return body + string(check), nil
}

// Parse reads a typed card number: digits, optionally in groups separated by single
// spaces or hyphens (as printed), with the store's prefix, length and a valid check
// digit. It returns the bare digits. Errors never echo the input.
func (n Numbering) Parse(s string) (string, error) {
	var b strings.Builder
	prevSep := true // no separator first
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
			prevSep = false
		case (c == ' ' || c == '-') && !prevSep && i < len(s)-1:
			prevSep = true
		default:
			return "", fmt.Errorf("%w: only digits, in groups split by a space or a hyphen", ErrBadNumber)
		}
		if b.Len() > MaxNumberLen {
			return "", fmt.Errorf("%w: too long", ErrBadNumber)
		}
	}
	return n.check(b.String())
}

// check validates bare digits as a card number of this numbering.
func (n Numbering) check(digits string) (string, error) {
	switch {
	case len(digits) != n.Length || !allDigits(digits):
		return "", fmt.Errorf("%w: want %d digits", ErrBadNumber, n.Length)
	case !strings.HasPrefix(digits, n.Prefix):
		return "", fmt.Errorf("%w: another issuer's prefix", ErrBadNumber)
	case !pan.Valid(digits):
		return "", fmt.Errorf("%w: check digit wrong (mistyped?)", ErrBadNumber)
	}
	return digits, nil
}

// ParseQR reads a card's QR payload strictly (see QRPrefix) and returns the number.
func (n Numbering) ParseQR(payload string) (string, error) {
	digits, ok := strings.CutPrefix(payload, QRPrefix)
	if !ok {
		if strings.HasPrefix(payload, qrFamily) {
			return "", fmt.Errorf("%w: unknown format version", ErrBadQR)
		}
		return "", ErrBadQR
	}
	number, err := n.check(digits)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadQR, err)
	}
	return number, nil
}

// ParseScan reads what the scanner read off a card: its QR payload, or the bare digits
// of its barcode (no separators: a barcode has none).
func (n Numbering) ParseScan(code string) (string, error) {
	if strings.HasPrefix(code, qrFamily) {
		return n.ParseQR(code)
	}
	return n.check(code)
}

// QRPayload is the QR payload printed on the card with number.
func QRPayload(number string) string { return QRPrefix + number }

// Format writes a card number in groups of four digits, as printed.
func Format(number string) string {
	var b strings.Builder
	for i := 0; i < len(number); i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(number[i])
	}
	return b.String()
}

// Mask hides all but the first six and the last four digits of a card number, the
// only form of it that goes into logs, errors, receipts and screens other than the
// card's own manager screen (pan.Mask).
func Mask(number string) string { return pan.Mask(number) }

// NormalizeUID reads a contactless card's UID as a reader reports it: hex digits,
// either case, optionally with bytes split by ':', '-' or ' '. It returns upper-case
// hex without separators. Single-size (4), double (7) and triple (10) UIDs of
// ISO/IEC 14443-3 are accepted.
func NormalizeUID(s string) (string, error) {
	var b strings.Builder
	prevSep := true // no separator first
	for i := 0; i < len(s); i++ {
		c := s[i]
		isSep := false
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
			b.WriteByte(c)
		case c >= 'a' && c <= 'f':
			b.WriteByte(c - 'a' + 'A')
		case (c == ':' || c == '-' || c == ' ') && !prevSep && b.Len()%2 == 0 && i < len(s)-1:
			isSep = true
		default:
			return "", ErrBadUID
		}
		prevSep = isSep
		if b.Len() > 20 {
			return "", ErrBadUID
		}
	}
	switch b.Len() {
	case 8, 14, 20:
		return b.String(), nil
	}
	return "", ErrBadUID
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
