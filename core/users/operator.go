package users

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Operator is a person who signs on to the till. It is stored as JSON (by app.Auth,
// in the journal's "operators" state bucket); PINHash never leaves that bucket: not
// into journal records, logs or screens (see Redacted and LogValue).
type Operator struct {
	ID          string    `json:"id"` // 2-8 digits, typed at the login screen
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	PINHash     string    `json:"pin_hash"`              // PHC string, see HashPIN
	Failures    int       `json:"failures,omitempty"`    // wrong PINs in a row since the last success or lock
	LockedUntil time.Time `json:"locked_until,omitzero"` // no PIN is tried before this time
	Disabled    bool      `json:"disabled,omitempty"`    // may not sign on at all
	Created     time.Time `json:"created"`
}

// Operator ID and name rules.
const (
	MinIDLen   = 2
	MaxIDLen   = 8
	MaxNameLen = 40 // characters
)

// Errors of the operator field checks.
var (
	ErrBadID   = fmt.Errorf("an operator ID is %d to %d digits", MinIDLen, MaxIDLen)
	ErrBadName = fmt.Errorf("an operator name is 1 to %d characters, no control characters", MaxNameLen)
)

// CheckID checks an operator ID: digits only, so it can be typed on a numeric keypad.
func CheckID(id string) error {
	if len(id) < MinIDLen || len(id) > MaxIDLen || !allDigits(id) {
		return ErrBadID
	}
	return nil
}

// CleanName trims name and checks it.
func CleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLen ||
		strings.ContainsFunc(name, unicode.IsControl) {
		return "", ErrBadName
	}
	return name, nil
}

// New makes an operator after checking every field against the rules; the PIN is
// hashed with params and a salt from rand.
func New(id, name string, role Role, pin string, params Params, rand io.Reader, now time.Time) (Operator, error) {
	if err := CheckID(id); err != nil {
		return Operator{}, err
	}
	name, err := CleanName(name)
	if err != nil {
		return Operator{}, err
	}
	if !role.Valid() {
		return Operator{}, fmt.Errorf("%w: %q", ErrBadRole, role)
	}
	if err := CheckPIN(id, pin); err != nil {
		return Operator{}, err
	}
	hash, err := params.Hash(pin, rand)
	if err != nil {
		return Operator{}, err
	}
	return Operator{ID: id, Name: name, Role: role, PINHash: hash, Created: now.UTC()}, nil
}

// Can reports whether the operator's role holds p. A disabled operator holds nothing.
func (o Operator) Can(p Permission) bool { return !o.Disabled && o.Role.Can(p) }

// Locked reports whether the operator is locked out at now.
func (o Operator) Locked(now time.Time) bool { return now.Before(o.LockedUntil) }

// Redacted is a copy without the PIN hash, for screens and lists.
func (o Operator) Redacted() Operator {
	o.PINHash = ""
	return o
}

// LogValue makes slog print an operator without its PIN hash.
func (o Operator) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", o.ID), slog.String("role", string(o.Role)),
		slog.Bool("disabled", o.Disabled), slog.Int("failures", o.Failures))
}

// Policy is the lockout policy: after MaxFailures wrong PINs in a row the operator is
// locked for LockFor, during which no PIN (not even the right one) is tried.
type Policy struct {
	MaxFailures int
	LockFor     time.Duration
}

// DefaultPolicy locks an operator for 15 minutes after 5 wrong PINs in a row.
var DefaultPolicy = Policy{MaxFailures: 5, LockFor: 15 * time.Minute}

// Outcome is what a PIN attempt led to.
type Outcome int

// Outcomes of Attempt.
const (
	Granted     Outcome = iota // right PIN, not locked: failures cleared
	Refused                    // wrong PIN, one more failure counted
	LockedNow                  // wrong PIN, and that failure locked the operator
	StillLocked                // locked: the PIN was not considered
)

var outcomeNames = [...]string{"granted", "refused", "locked_now", "still_locked"}

func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
	return outcomeNames[o]
}

// ErrBadPolicy is returned by Validate for a policy that would never lock or never
// unlock.
var ErrBadPolicy = errors.New("lockout policy needs at least 1 failure and a positive lock time")

// Validate checks the policy.
func (p Policy) Validate() error {
	if p.MaxFailures < 1 || p.LockFor <= 0 {
		return ErrBadPolicy
	}
	return nil
}

// Attempt applies a PIN attempt at now, whose PIN was right (ok) or wrong, to op and
// returns the operator to store and the outcome. A locked operator is returned
// unchanged with StillLocked whatever ok says: callers should not even verify the
// PIN then. A lock that has ended is cleared, with its failure count, before the
// attempt counts. The failure that reaches MaxFailures sets LockedUntil and resets
// the count, so the operator has MaxFailures fresh tries once the lock ends.
func (p Policy) Attempt(op Operator, ok bool, now time.Time) (Operator, Outcome) {
	if op.Locked(now) {
		return op, StillLocked
	}
	if !op.LockedUntil.IsZero() { // an ended lock
		op.LockedUntil, op.Failures = time.Time{}, 0
	}
	if ok {
		op.Failures = 0
		return op, Granted
	}
	op.Failures++
	if op.Failures < p.MaxFailures {
		return op, Refused
	}
	op.Failures = 0
	op.LockedUntil = now.Add(p.LockFor).UTC()
	return op, LockedNow
}

// Attempt applies a PIN attempt under DefaultPolicy (see Policy.Attempt).
func Attempt(op Operator, ok bool, now time.Time) (Operator, Outcome) {
	return DefaultPolicy.Attempt(op, ok, now)
}

// Unlock clears a lock and the failure count (a manager reset the PIN).
func (o Operator) Unlock() Operator {
	o.LockedUntil, o.Failures = time.Time{}, 0
	return o
}
