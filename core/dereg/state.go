package dereg

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// Errors the transitions report. A refused transition leaves the state unchanged.
var (
	ErrWrongStep        = errors.New("dereg: not at that step")
	ErrBadReason        = errors.New("dereg: choose a reason: replacement, relocation or decommission")
	ErrPreconditions    = errors.New("dereg: preconditions not met")
	ErrChecklist        = errors.New("dereg: every checklist item must be confirmed")
	ErrDetailsMismatch  = errors.New("dereg: the typed details do not match this terminal")
	ErrBackupUnverified = errors.New("dereg: no verified backup")
	ErrNoGoingBack      = errors.New("dereg: cannot go back from this step")
	ErrTooLateToCancel  = errors.New("dereg: the journal is already cleared: the deregistration must be finished")
)

// Identity is the terminal being deregistered, as the wizard shows and checks it.
type Identity struct {
	Terminal string `json:"terminal"`
	Merchant string `json:"merchant"`
}

// BackupInfo is the verified backup made at the Backup step.
type BackupInfo struct {
	File       string    `json:"file"`   // full path where it was written
	SHA256     string    `json:"sha256"` // of the whole file, checked on read-back
	Size       int64     `json:"size"`
	Records    uint64    `json:"records"` // journal records it holds
	LastHash   string    `json:"last_hash"`
	Verified   bool      `json:"verified"`
	VerifiedAt time.Time `json:"verified_at"`
}

// Sign-off outcomes.
const (
	SignOffDone      = "done"                // the acquirer confirmed the sign-off
	SignOffAtAcquire = "pending_at_acquirer" // must be done at the acquirer
)

// SignOffInfo is the outcome of the SignOff step.
type SignOffInfo struct {
	Status string    `json:"status"` // SignOffDone or SignOffAtAcquire
	Note   string    `json:"note,omitempty"`
	At     time.Time `json:"at"`
}

// ClearInfo records what ClearAndWipe did.
type ClearInfo struct {
	PreviousRecords  uint64    `json:"previous_records"`
	PreviousLastHash string    `json:"previous_last_hash"`
	Wiped            []string  `json:"wiped"` // what was wiped, for the certificate
	At               time.Time `json:"at"`
}

// State is the wizard's progress, persisted as JSON after every step.
type State struct {
	Run        string       `json:"run"`  // ID of this deregistration
	Step       Step         `json:"step"` // the step to do next
	Identity   Identity     `json:"identity"`
	Reason     Reason       `json:"reason,omitempty"`
	Operator   string       `json:"operator"` // who started it
	Started    time.Time    `json:"started"`
	Updated    time.Time    `json:"updated"`
	Checklist  []string     `json:"checklist,omitempty"`
	Backup     *BackupInfo  `json:"backup,omitempty"`
	SignOff    *SignOffInfo `json:"sign_off,omitempty"`
	Clear      *ClearInfo   `json:"cleared,omitempty"`
	VoidedAt   time.Time    `json:"voided,omitzero"`
	RecordedAt time.Time    `json:"recorded,omitzero"`
}

// New starts a deregistration of id at the Identify step. Nothing is persisted until
// the first transition.
func New(id Identity, operator string, now time.Time) State {
	now = now.UTC()
	return State{
		Run:      fmt.Sprintf("%s-%s", id.Terminal, now.Format("20060102T150405Z")),
		Step:     Identify,
		Identity: id, Operator: operator, Started: now, Updated: now,
	}
}

// InProgress reports whether a deregistration has started and is not done.
func (s State) InProgress() bool { return s.Step > Identify && s.Step < Done }

// at fails unless the state is at step.
func (s State) at(step Step) error {
	if s.Step != step {
		return fmt.Errorf("%w: at %s, not %s", ErrWrongStep, s.Step, step)
	}
	return nil
}

// advance returns a copy moved to the next step.
func (s State) advance(now time.Time) State {
	s.Step++
	s.Updated = now.UTC()
	return s
}

// Identified: the operator confirmed the terminal and chose the reason.
func (s State) Identified(reason Reason, now time.Time) (State, error) {
	if err := s.at(Identify); err != nil {
		return s, err
	}
	if !reason.valid() {
		return s, fmt.Errorf("%w (got %q)", ErrBadReason, reason)
	}
	n := s.advance(now)
	n.Reason = reason
	return n, nil
}

// PreconditionsMet: every registered precondition passed (results of Registry.Check).
func (s State) PreconditionsMet(results []Result, now time.Time) (State, error) {
	if err := s.at(Preconditions); err != nil {
		return s, err
	}
	if failing := Failing(results); len(failing) > 0 {
		names := make([]string, len(failing))
		for i, f := range failing {
			names[i] = f.Name
		}
		return s, fmt.Errorf("%w: %s", ErrPreconditions, strings.Join(names, ", "))
	}
	return s.advance(now), nil
}

// EnvironmentConfirmed: the operator confirmed every Checklist item.
func (s State) EnvironmentConfirmed(confirmed []string, now time.Time) (State, error) {
	if err := s.at(SafeEnvironment); err != nil {
		return s, err
	}
	var missing []string
	for _, item := range Checklist {
		if !slices.Contains(confirmed, item) {
			missing = append(missing, item)
		}
	}
	if len(missing) > 0 {
		return s, fmt.Errorf("%w: not confirmed: %s", ErrChecklist, strings.Join(missing, ", "))
	}
	n := s.advance(now)
	n.Checklist = slices.Clone(Checklist)
	return n, nil
}

// DetailsConfirmed: the typed terminal and merchant IDs match the terminal's. Spaces
// around them and full-width characters (as a Chinese input method types them) are
// forgiven; anything else must match exactly.
func (s State) DetailsConfirmed(terminal, merchant string, now time.Time) (State, error) {
	if err := s.at(ConfirmDetails); err != nil {
		return s, err
	}
	var wrong []string
	if Normalize(terminal) != s.Identity.Terminal {
		wrong = append(wrong, "terminal ID")
	}
	if Normalize(merchant) != s.Identity.Merchant {
		wrong = append(wrong, "merchant ID")
	}
	if len(wrong) > 0 {
		return s, fmt.Errorf("%w: %s", ErrDetailsMismatch, strings.Join(wrong, " and "))
	}
	return s.advance(now), nil
}

// Normalize is how typed details are compared: trimmed, full-width folded to ASCII.
func Normalize(typed string) string { return width.Narrow.String(strings.TrimSpace(typed)) }

// BackedUp: a backup was written and verified by reading it back.
func (s State) BackedUp(b BackupInfo, now time.Time) (State, error) {
	if err := s.at(Backup); err != nil {
		return s, err
	}
	if !b.Verified || b.SHA256 == "" || b.LastHash == "" || b.Records == 0 {
		return s, fmt.Errorf("%w: the backup must be verified and its hash recorded", ErrBackupUnverified)
	}
	n := s.advance(now)
	n.Backup = &b
	return n, nil
}

// SignedOff: the acquirer sign-off was done, or recorded as due at the acquirer.
func (s State) SignedOff(info SignOffInfo, now time.Time) (State, error) {
	if err := s.at(SignOff); err != nil {
		return s, err
	}
	if info.Status != SignOffDone && info.Status != SignOffAtAcquire {
		return s, fmt.Errorf("dereg: sign-off status %q", info.Status)
	}
	n := s.advance(now)
	n.SignOff = &info
	return n, nil
}

// CanClear says whether the journal may be cleared now: only at ClearAndWipe and
// only after a verified backup whose hash is recorded.
func (s State) CanClear() error {
	if err := s.at(ClearAndWipe); err != nil {
		return err
	}
	if s.Backup == nil || !s.Backup.Verified || s.Backup.SHA256 == "" {
		return ErrBackupUnverified
	}
	return nil
}

// Cleared: the journal was cleared and secrets wiped.
func (s State) Cleared(info ClearInfo, now time.Time) (State, error) {
	if err := s.CanClear(); err != nil {
		return s, err
	}
	n := s.advance(now)
	n.Clear = &info
	return n, nil
}

// Voided: the terminal is marked deregistered.
func (s State) Voided(now time.Time) (State, error) {
	if err := s.at(Void); err != nil {
		return s, err
	}
	n := s.advance(now)
	n.VoidedAt = now.UTC()
	return n, nil
}

// RecordKept: the certificate was printed (or offered) and the record kept.
func (s State) RecordKept(now time.Time) (State, error) {
	if err := s.at(Record); err != nil {
		return s, err
	}
	n := s.advance(now)
	n.RecordedAt = now.UTC()
	return n, nil
}

// Back returns to the previous step. Going back is allowed until the journal is
// cleared (a State at ClearAndWipe has not cleared it yet: the step is still to do);
// after that, the only way is forward.
func (s State) Back(now time.Time) (State, error) {
	if s.Step <= Identify || s.Step > ClearAndWipe {
		return s, fmt.Errorf("%w: %s", ErrNoGoingBack, s.Step)
	}
	s.Step--
	s.Updated = now.UTC()
	return s, nil
}

// CanCancel says whether the deregistration may be abandoned: only before the journal
// is cleared.
func (s State) CanCancel() error {
	if s.Step > ClearAndWipe {
		return ErrTooLateToCancel
	}
	return nil
}
