package dereg

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"golang.org/x/text/width"
)

var (
	testID  = Identity{Terminal: "DEMO0001", Merchant: "898310000000001"}
	t0      = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	goodBak = BackupInfo{File: "/media/usb/b.tdbackup", SHA256: "ff00", Size: 100, Records: 7, LastHash: "abcd", Verified: true, VerifiedAt: t0}
)

// transitions are the forward moves, each with valid input, keyed by the step it
// leaves.
var transitions = map[Step]func(State, time.Time) (State, error){
	Identify: func(s State, now time.Time) (State, error) { return s.Identified(Replacement, now) },
	Preconditions: func(s State, now time.Time) (State, error) {
		return s.PreconditionsMet([]Result{{Name: "no_open_sale"}}, now)
	},
	SafeEnvironment: func(s State, now time.Time) (State, error) { return s.EnvironmentConfirmed(Checklist, now) },
	ConfirmDetails: func(s State, now time.Time) (State, error) {
		return s.DetailsConfirmed(testID.Terminal, testID.Merchant, now)
	},
	Backup: func(s State, now time.Time) (State, error) { return s.BackedUp(goodBak, now) },
	SignOff: func(s State, now time.Time) (State, error) {
		return s.SignedOff(SignOffInfo{Status: SignOffAtAcquire, At: now}, now)
	},
	ClearAndWipe: func(s State, now time.Time) (State, error) {
		return s.Cleared(ClearInfo{PreviousRecords: 9, PreviousLastHash: "beef", At: now}, now)
	},
	Void:   func(s State, now time.Time) (State, error) { return s.Voided(now) },
	Record: func(s State, now time.Time) (State, error) { return s.RecordKept(now) },
}

// walk returns a state moved forward to step.
func walk(t *testing.T, to Step) State {
	t.Helper()
	s := New(testID, "tech-7", t0)
	for s.Step < to {
		next, err := transitions[s.Step](s, t0.Add(time.Duration(s.Step)*time.Minute))
		if err != nil {
			t.Fatalf("at %s: %v", s.Step, err)
		}
		if next.Step != s.Step+1 {
			t.Fatalf("%s moved to %s", s.Step, next.Step)
		}
		s = next
	}
	return s
}

// Each transition is allowed at its own step only; anywhere else it is refused with
// ErrWrongStep and changes nothing.
func TestTransitionTable(t *testing.T) {
	for _, at := range Steps() {
		for from, move := range transitions {
			s := walk(t, at)
			before := clone(t, s)
			next, err := move(s, t0.Add(time.Hour))
			if from == at {
				if err != nil || next.Step != at+1 || !next.Updated.Equal(t0.Add(time.Hour)) {
					t.Errorf("at %s: move = %s, %v", at, next.Step, err)
				}
				continue
			}
			if !errors.Is(err, ErrWrongStep) {
				t.Errorf("at %s, the %s move: %v, want ErrWrongStep", at, from, err)
			}
			if !reflect.DeepEqual(clone(t, next), before) || !reflect.DeepEqual(clone(t, s), before) {
				t.Errorf("at %s, a refused %s move changed the state", at, from)
			}
		}
	}
}

func clone(t *testing.T, s State) State {
	t.Helper()
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out State
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWalkRecordsEachStep(t *testing.T) {
	s := walk(t, Done)
	if s.Reason != Replacement || len(s.Checklist) != len(Checklist) || s.Backup == nil || s.Backup.SHA256 != "ff00" ||
		s.SignOff == nil || s.SignOff.Status != SignOffAtAcquire || s.Clear == nil || s.Clear.PreviousLastHash != "beef" ||
		s.VoidedAt.IsZero() || s.RecordedAt.IsZero() || s.Run != "DEMO0001-20261126T090000Z" || s.Operator != "tech-7" {
		t.Fatalf("done state %+v", s)
	}
	if s.InProgress() || !walk(t, Backup).InProgress() || New(testID, "x", t0).InProgress() {
		t.Fatal("InProgress")
	}
	if got := clone(t, s); !reflect.DeepEqual(got, s) {
		t.Fatalf("JSON round trip:\n%+v\n%+v", got, s)
	}
}

func TestRefusalsChangeNothing(t *testing.T) {
	for name, tc := range map[string]struct {
		at   Step
		move func(State) (State, error)
		want error
	}{
		"no reason":      {Identify, func(s State) (State, error) { return s.Identified("", t0) }, ErrBadReason},
		"unknown reason": {Identify, func(s State) (State, error) { return s.Identified("broken", t0) }, ErrBadReason},
		"failing check": {Preconditions, func(s State) (State, error) {
			return s.PreconditionsMet([]Result{{Name: "a"}, {Name: "b", Err: ErrOpenSale}}, t0)
		}, ErrPreconditions},
		"checklist short":  {SafeEnvironment, func(s State) (State, error) { return s.EnvironmentConfirmed(Checklist[1:], t0) }, ErrChecklist},
		"checklist none":   {SafeEnvironment, func(s State) (State, error) { return s.EnvironmentConfirmed(nil, t0) }, ErrChecklist},
		"wrong terminal":   {ConfirmDetails, func(s State) (State, error) { return s.DetailsConfirmed("DEMO0002", testID.Merchant, t0) }, ErrDetailsMismatch},
		"wrong merchant":   {ConfirmDetails, func(s State) (State, error) { return s.DetailsConfirmed(testID.Terminal, "898310000000002", t0) }, ErrDetailsMismatch},
		"case differs":     {ConfirmDetails, func(s State) (State, error) { return s.DetailsConfirmed("demo0001", testID.Merchant, t0) }, ErrDetailsMismatch},
		"empty details":    {ConfirmDetails, func(s State) (State, error) { return s.DetailsConfirmed("", "", t0) }, ErrDetailsMismatch},
		"unverified":       {Backup, func(s State) (State, error) { b := goodBak; b.Verified = false; return s.BackedUp(b, t0) }, ErrBackupUnverified},
		"no backup hash":   {Backup, func(s State) (State, error) { b := goodBak; b.SHA256 = ""; return s.BackedUp(b, t0) }, ErrBackupUnverified},
		"bad sign-off":     {SignOff, func(s State) (State, error) { return s.SignedOff(SignOffInfo{Status: "maybe"}, t0) }, nil},
		"back at identify": {Identify, func(s State) (State, error) { return s.Back(t0) }, ErrNoGoingBack},
		"back after clear": {Void, func(s State) (State, error) { return s.Back(t0) }, ErrNoGoingBack},
		"back at record":   {Record, func(s State) (State, error) { return s.Back(t0) }, ErrNoGoingBack},
		"back when done":   {Done, func(s State) (State, error) { return s.Back(t0) }, ErrNoGoingBack},
	} {
		s := walk(t, tc.at)
		before := clone(t, s)
		next, err := tc.move(s)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
		if !reflect.DeepEqual(clone(t, next), before) {
			t.Errorf("%s: refused move changed the state", name)
		}
	}
}

func TestDetailsForgiveSpacesAndFullWidth(t *testing.T) {
	s := walk(t, ConfirmDetails)
	next, err := s.DetailsConfirmed(" ＤＥＭＯ０００１ ", width.Widen.String(testID.Merchant)+"\n", t0)
	if err != nil || next.Step != Backup {
		t.Fatalf("full-width details: %v", err)
	}
}

// Clearing needs a verified backup even if a state was put together by hand.
func TestClearNeedsVerifiedBackup(t *testing.T) {
	s := walk(t, ClearAndWipe)
	s.Backup = nil
	if _, err := s.Cleared(ClearInfo{}, t0); !errors.Is(err, ErrBackupUnverified) {
		t.Fatalf("no backup: %v", err)
	}
	s.Backup = &BackupInfo{SHA256: "aa"}
	if err := s.CanClear(); !errors.Is(err, ErrBackupUnverified) {
		t.Fatalf("unverified backup: %v", err)
	}
	if err := walk(t, SignOff).CanClear(); !errors.Is(err, ErrWrongStep) {
		t.Fatalf("before its step: %v", err)
	}
}

func TestBackAndCancel(t *testing.T) {
	for _, at := range Steps() {
		s := walk(t, at)
		back, err := s.Back(t0)
		canBack := at > Identify && at <= ClearAndWipe
		if canBack != (err == nil) || (canBack && back.Step != at-1) {
			t.Errorf("Back at %s = %s, %v", at, back.Step, err)
		}
		if err := s.CanCancel(); (at <= ClearAndWipe) != (err == nil) {
			t.Errorf("CanCancel at %s = %v", at, err)
		}
	}
	// Going back from SignOff and forward again needs a new backup.
	s, _ := walk(t, SignOff).Back(t0)
	if _, err := s.SignedOff(SignOffInfo{Status: SignOffDone}, t0); !errors.Is(err, ErrWrongStep) {
		t.Fatalf("sign-off from Backup: %v", err)
	}
}

func TestStepNames(t *testing.T) {
	for _, s := range Steps() {
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Step
		if err := json.Unmarshal(raw, &back); err != nil || back != s {
			t.Fatalf("%s: %s -> %v, %v", s, raw, back, err)
		}
	}
	var s Step
	for _, bad := range []string{`"nope"`, `""`, `3`} {
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("step %s accepted", bad)
		}
	}
	if _, err := json.Marshal(Step(0)); err == nil || Step(42).String() != "step(42)" {
		t.Error("out-of-range step")
	}
}
