package users

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ReasonCode says why a manager approved (or was asked to approve) a cashier's
// action. Codes are a fixed list so reports can count them; Other needs a note.
type ReasonCode string

// The reason codes.
const (
	CustomerChangedMind ReasonCode = "customer_changed_mind"
	WrongItem           ReasonCode = "wrong_item"
	PriceError          ReasonCode = "price_error"
	Damaged             ReasonCode = "damaged"
	ManagerDiscount     ReasonCode = "manager_discount"
	Other               ReasonCode = "other"
)

// ReasonCodes lists every reason code, in the order screens offer them.
func ReasonCodes() []ReasonCode {
	return []ReasonCode{CustomerChangedMind, WrongItem, PriceError, Damaged, ManagerDiscount, Other}
}

// MaxNoteLen is the longest free-text note, in characters.
const MaxNoteLen = 200

// Reason is a reason code with an optional free-text note.
type Reason struct {
	Code ReasonCode `json:"reason"`
	Note string     `json:"note,omitempty"`
}

// Errors of Reason.Clean.
var (
	ErrBadReason = errors.New("unknown reason code")
	ErrNoNote    = errors.New(`reason "other" needs a note`)
	ErrBadNote   = fmt.Errorf("a note is at most %d characters, no control characters", MaxNoteLen)
)

// Clean trims the note and checks the reason: a known code, a note within limits,
// and a note for Other.
func (r Reason) Clean() (Reason, error) {
	if !slices.Contains(ReasonCodes(), r.Code) {
		return r, fmt.Errorf("%w: %q", ErrBadReason, r.Code)
	}
	r.Note = strings.TrimSpace(r.Note)
	if !utf8.ValidString(r.Note) || utf8.RuneCountInString(r.Note) > MaxNoteLen || strings.ContainsFunc(r.Note, unicode.IsControl) {
		return r, ErrBadNote
	}
	if r.Code == Other && r.Note == "" {
		return r, ErrNoNote
	}
	return r, nil
}
