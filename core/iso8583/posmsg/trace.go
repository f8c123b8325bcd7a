package posmsg

import (
	"fmt"
	"strconv"
)

// maxSixDigits is the largest STAN or batch number.
const maxSixDigits = 999999

// STAN is the system trace audit number (DE11): 000001-999999, one per message the
// terminal originates; 0 means "not set".
type STAN uint32

// Next is the following STAN: 999999 wraps to 000001, and an unset STAN starts at 1.
func (s STAN) Next() STAN { return STAN(nextSixDigits(uint32(s))) }

// String is the six-digit field form.
func (s STAN) String() string { return fmt.Sprintf("%06d", uint32(s)) }

// ParseSTAN reads a six-digit STAN.
func ParseSTAN(s string) (STAN, error) {
	v, err := parseSixDigits(s, "STAN")
	return STAN(v), err
}

func (s *STAN) encode() ([]byte, error) { return encodeSixDigits(uint32(*s), "STAN") }

func (s *STAN) decode(b []byte) error {
	v, err := ParseSTAN(string(b))
	*s = v
	return err
}

// BatchNumber is the terminal's batch (DE60.2): 000001-999999; it advances after each
// settlement and wraps like the STAN; 0 means "not set".
type BatchNumber uint32

// Next is the following batch number, wrapping 999999 to 000001.
func (b BatchNumber) Next() BatchNumber { return BatchNumber(nextSixDigits(uint32(b))) }

// String is the six-digit field form.
func (b BatchNumber) String() string { return fmt.Sprintf("%06d", uint32(b)) }

// ParseBatchNumber reads a six-digit batch number.
func ParseBatchNumber(s string) (BatchNumber, error) {
	v, err := parseSixDigits(s, "batch number")
	return BatchNumber(v), err
}

// nextSixDigits advances a 1-999999 counter, wrapping to 1.
func nextSixDigits(v uint32) uint32 {
	if v == 0 || v >= maxSixDigits {
		return 1
	}
	return v + 1
}

// parseSixDigits reads a six-digit counter in 1-999999.
func parseSixDigits(s, what string) (uint32, error) {
	if len(s) != 6 || !isDigits(s) {
		return 0, fmt.Errorf("%w: %s must be 6 digits", ErrValue, what)
	}
	v, _ := strconv.ParseUint(s, 10, 32)
	if v == 0 {
		return 0, fmt.Errorf("%w: %s 000000 is not allowed", ErrValue, what)
	}
	return uint32(v), nil
}

// encodeSixDigits writes a counter, or nothing when it is unset.
func encodeSixDigits(v uint32, what string) ([]byte, error) {
	switch {
	case v == 0:
		return nil, nil
	case v > maxSixDigits:
		return nil, fmt.Errorf("%w: %s %d exceeds 999999", ErrValue, what, v)
	}
	return fmt.Appendf(nil, "%06d", v), nil
}

// RRN is the retrieval reference number (DE37) the host assigns to an approved
// transaction: 12 letters or digits. Voids and refunds send it back.
type RRN string

// ParseRRN checks an RRN.
func ParseRRN(s string) (RRN, error) {
	if len(s) != 12 {
		return "", fmt.Errorf("%w: RRN must be 12 characters, got %d", ErrValue, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == ' ') {
			return "", fmt.Errorf("%w: RRN character %d is not alphanumeric", ErrValue, i)
		}
	}
	return RRN(s), nil
}

func (r *RRN) encode() ([]byte, error) {
	if *r == "" {
		return nil, nil
	}
	if _, err := ParseRRN(string(*r)); err != nil {
		return nil, err
	}
	return []byte(*r), nil
}

func (r *RRN) decode(b []byte) error {
	v, err := ParseRRN(string(b))
	*r = v
	return err
}

// Amount is a transaction amount in minor units (fen for CNY), DE4 as 12 digits.
// Zero means "not set".
type Amount int64

// MaxAmount is the largest amount DE4 can carry.
const MaxAmount Amount = 999999999999

func (a *Amount) encode() ([]byte, error) {
	switch {
	case *a == 0:
		return nil, nil
	case *a < 0 || *a > MaxAmount:
		return nil, fmt.Errorf("%w: amount %d out of range", ErrValue, int64(*a))
	}
	return fmt.Appendf(nil, "%012d", int64(*a)), nil
}

func (a *Amount) decode(b []byte) error {
	if len(b) != 12 || !isDigits(string(b)) {
		return fmt.Errorf("%w: amount must be 12 digits", ErrValue)
	}
	v, _ := strconv.ParseInt(string(b), 10, 64)
	*a = Amount(v)
	return nil
}

// isDigits reports whether s is non-empty decimal digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
