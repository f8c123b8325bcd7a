package iso8583

import (
	"errors"
	"fmt"
)

// Sentinel errors: every error from Pack and Unpack wraps one of them (test with
// errors.Is) and, for a data element, a *FieldError naming the field.
var (
	// ErrTruncated: the input ends before the element or length prefix it announces.
	ErrTruncated = errors.New("truncated message")
	// ErrLength: a length prefix is not a number, or a value is longer (or, for a
	// fixed field, other) than the spec allows.
	ErrLength = errors.New("bad length")
	// ErrCharacter: a value holds a character its data type does not allow, such as a
	// non-digit in a numeric field.
	ErrCharacter = errors.New("bad character")
	// ErrUndefinedField: the bitmap or the message names a field the spec does not define.
	ErrUndefinedField = errors.New("field not defined by the spec")
	// ErrMTI: the message type indicator is not four digits.
	ErrMTI = errors.New("bad message type indicator")
	// ErrTrailingData: bytes follow the last field the bitmap names.
	ErrTrailingData = errors.New("trailing data after the last field")
	// ErrSpec: a field specification is inconsistent (a programming error in a table).
	ErrSpec = errors.New("bad field specification")
)

// FieldError is an error in one data element: "iso8583: field 35: LL length 40
// exceeds max 37". Unwrap gives the detailed error, which wraps a sentinel.
type FieldError struct {
	Field int
	Err   error
}

// Error names the field and the problem.
func (e *FieldError) Error() string {
	return fmt.Sprintf("iso8583: field %d: %v", e.Field, e.Err)
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// detailError is a sentinel with a message of its own: its text is the detail only
// ("LL length 40 exceeds max 37"), while errors.Is still finds the sentinel.
type detailError struct {
	kind error
	text string
}

// Error is the detail text.
func (e *detailError) Error() string { return e.text }

// Unwrap returns the sentinel.
func (e *detailError) Unwrap() error { return e.kind }

// failf builds a detailError of kind with a formatted message.
func failf(kind error, format string, args ...any) error {
	return &detailError{kind: kind, text: fmt.Sprintf(format, args...)}
}

// messageError prefixes an error that concerns the message as a whole (MTI, bitmap,
// trailing bytes) with the package name.
func messageError(err error) error {
	return fmt.Errorf("iso8583: %w", err)
}

// fieldError wraps err as a *FieldError for field n.
func fieldError(n int, err error) error {
	return &FieldError{Field: n, Err: err}
}
