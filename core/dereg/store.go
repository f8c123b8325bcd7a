package dereg

import (
	"encoding/json"
	"fmt"

	"tilldesk/core/journal"
)

// Where and how the wizard's progress is kept in the journal.
const (
	StateBucket   = "dereg"           // journal state bucket
	stateKey      = "current"         // key of the State in StateBucket
	KindStep      = "dereg.step"      // audit record of each step
	KindCancelled = "dereg.cancelled" // audit record of an abandoned deregistration
)

// Journal is what the store needs of the journal (*journal.Journal has it).
type Journal interface {
	AppendWith(kind string, data any, changes ...journal.StateChange) (journal.Record, error)
	GetState(bucket, key string) ([]byte, error)
}

// Audit is the data of a KindStep record: which run moved from which step to which,
// by whom, and the step's own details (precondition results, backup file and hash).
type Audit struct {
	Run      string `json:"run"`
	From     Step   `json:"from"`
	To       Step   `json:"to"`
	Operator string `json:"operator"`
	Detail   any    `json:"detail,omitempty"`
}

// Load returns the persisted state; ok is false when no deregistration has started
// (or the last one was cancelled, or the terminal was registered again).
func Load(j Journal) (s State, ok bool, err error) {
	raw, err := j.GetState(StateBucket, stateKey)
	if err != nil || raw == nil {
		return s, false, err
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, false, fmt.Errorf("dereg: stored state unreadable: %w", err)
	}
	return s, true, nil
}

// Change is the journal state change that stores s.
func Change(s State) (journal.StateChange, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return journal.StateChange{}, fmt.Errorf("dereg: encode state: %w", err)
	}
	return journal.StateChange{Bucket: StateBucket, Key: stateKey, Value: raw}, nil
}

// Forget is the journal state change that deletes the stored state (a new
// registration starts with none).
func Forget() journal.StateChange { return journal.StateChange{Bucket: StateBucket, Key: stateKey} }

// Save stores next with a KindStep audit record from step from, in one transaction
// with any extra state changes (the terminal marked deregistered at Void).
func Save(j Journal, from Step, next State, operator string, detail any, extra ...journal.StateChange) (journal.Record, error) {
	change, err := Change(next)
	if err != nil {
		return journal.Record{}, err
	}
	a := Audit{Run: next.Run, From: from, To: next.Step, Operator: operator, Detail: detail}
	rec, err := j.AppendWith(KindStep, a, append([]journal.StateChange{change}, extra...)...)
	if err != nil {
		return rec, fmt.Errorf("dereg: save step %s: %w", next.Step, err)
	}
	return rec, nil
}

// Cancel abandons s (see State.CanCancel), deleting the stored state with a
// KindCancelled record.
func Cancel(j Journal, s State, operator string) (journal.Record, error) {
	if err := s.CanCancel(); err != nil {
		return journal.Record{}, err
	}
	a := Audit{Run: s.Run, From: s.Step, To: s.Step, Operator: operator}
	rec, err := j.AppendWith(KindCancelled, a, Forget())
	if err != nil {
		return rec, fmt.Errorf("dereg: cancel: %w", err)
	}
	return rec, nil
}
