// Package dereg is the terminal deregistration procedure as a resumable state machine:
// the steps, the rules for moving between them, the pluggable preconditions, and the
// persistence of the wizard's progress in the journal's "dereg" state bucket, one
// audited journal record per step, so that a power cut at any step resumes at that
// step and nothing is cleared that is not safely backed up.
//
// The package is pure: it decides, the app layer does (backup, wipe, printing).
package dereg

import (
	"fmt"
	"slices"
)

// Step is a step of the wizard. A State's Step is the step to do next.
type Step int

// The steps, in order.
const (
	Identify        Step = iota + 1 // confirm the terminal's identity, pick the reason
	Preconditions                   // no open sale, shift closed, batch settled, ...
	SafeEnvironment                 // the operator confirms the checklist
	ConfirmDetails                  // the operator types the terminal and merchant IDs
	Backup                          // encrypted backup written and verified
	SignOff                         // acquirer sign-off, or recorded as due at the acquirer
	ClearAndWipe                    // journal cleared, secrets wiped, file compacted
	Void                            // terminal marked deregistered
	Record                          // certificate printed, record kept
	Done
)

var stepNames = []string{"", "identify", "preconditions", "safe_environment", "confirm_details",
	"backup", "sign_off", "clear_and_wipe", "void", "record", "done"}

// Steps lists every step in order.
func Steps() []Step {
	out := make([]Step, 0, int(Done))
	for s := Identify; s <= Done; s++ {
		out = append(out, s)
	}
	return out
}

// String is the step's stable name ("clear_and_wipe"), also its JSON form.
func (s Step) String() string {
	if s < Identify || s > Done {
		return fmt.Sprintf("step(%d)", int(s))
	}
	return stepNames[s]
}

// MarshalText stores the step by name.
func (s Step) MarshalText() ([]byte, error) {
	if s < Identify || s > Done {
		return nil, fmt.Errorf("dereg: no step %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a step name.
func (s *Step) UnmarshalText(b []byte) error {
	i := slices.Index(stepNames, string(b))
	if i < int(Identify) {
		return fmt.Errorf("dereg: unknown step %q", b)
	}
	*s = Step(i)
	return nil
}

// Reason is why the terminal is deregistered.
type Reason string

// Reasons.
const (
	Replacement  Reason = "replacement"  // a new terminal takes its place
	Relocation   Reason = "relocation"   // it moves to another store or merchant
	Decommission Reason = "decommission" // it is retired and destroyed
)

// Reasons lists the valid reasons.
func Reasons() []Reason { return []Reason{Replacement, Relocation, Decommission} }

func (r Reason) valid() bool { return slices.Contains(Reasons(), r) }

// Checklist is the safe-environment checklist (the procedure's "confirm the
// environment is safe so no sensitive data leaks"). Each item is a stable ID; the
// screens show it translated as "dereg.env.<id>".
var Checklist = []string{
	"private_screen",   // no customer or unauthorised person can see the screen or keypad
	"authorised_staff", // only the technician and the store manager are at the till
	"trusted_medium",   // the backup medium is the store's own and will be kept locked away
	"passphrase_apart", // the backup passphrase is kept apart from the medium
	"paper_secured",    // printed reports and receipts from the terminal are collected for shredding
	"devices_in_view",  // the PIN pad and card reader are attached and in view, not tampered with
}
