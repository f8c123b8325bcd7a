package users

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func TestRolePermissionMatrix(t *testing.T) {
	want := map[Role]string{ // one letter per permission, in Permissions() order
		//            VRPNDMSRDRDJ
		Cashier:    "------------",
		Manager:    "xxxxxxxxx-xx",
		Technician: "--------xxxx",
	}
	for _, r := range Roles() {
		var got strings.Builder
		for _, p := range Permissions() {
			if r.Can(p) {
				got.WriteByte('x')
			} else {
				got.WriteByte('-')
			}
		}
		if got.String() != want[r] {
			t.Errorf("%s holds %s, want %s (%v)", r, got.String(), want[r], Permissions())
		}
		if len(PermissionsOf(r)) != strings.Count(want[r], "x") {
			t.Errorf("PermissionsOf(%s) = %v", r, PermissionsOf(r))
		}
	}
	if Role("owner").Can(Refund) || Manager.Can("fly") {
		t.Error("unknown roles or permissions are granted")
	}
	if (Operator{Role: Manager, Disabled: true}).Can(Refund) {
		t.Error("a disabled manager may refund")
	}
}

func TestParseRoleAndPermission(t *testing.T) {
	for _, r := range Roles() {
		if got, err := ParseRole(string(r)); got != r || err != nil {
			t.Errorf("ParseRole(%s) = %s, %v", r, got, err)
		}
	}
	if _, err := ParseRole("Manager"); !errors.Is(err, ErrBadRole) {
		t.Errorf("ParseRole(Manager) = %v", err)
	}
	for _, p := range Permissions() {
		if got, err := ParsePermission(string(p)); got != p || err != nil {
			t.Errorf("ParsePermission(%s) = %s, %v", p, got, err)
		}
	}
	if _, err := ParsePermission(""); !errors.Is(err, ErrBadPermission) {
		t.Errorf("ParsePermission(\"\") = %v", err)
	}
}

func TestOperatorFieldRules(t *testing.T) {
	for id, ok := range map[string]bool{"1001": true, "07": true, "12345678": true, "1": false, "123456789": false, "10a1": false, "": false, "١٢٣٤": false} {
		if err := CheckID(id); (err == nil) != ok {
			t.Errorf("CheckID(%q) = %v", id, err)
		}
	}
	for name, want := range map[string]string{"  王芳 ": "王芳", "Li Wei": "Li Wei", strings.Repeat("名", 40): strings.Repeat("名", 40)} {
		if got, err := CleanName(name); got != want || err != nil {
			t.Errorf("CleanName(%q) = %q, %v", name, got, err)
		}
	}
	for _, name := range []string{"", "   ", strings.Repeat("x", 41), "a\nb", "a\x00", "\xff"} {
		if _, err := CleanName(name); !errors.Is(err, ErrBadName) {
			t.Errorf("CleanName(%q) = %v, want ErrBadName", name, err)
		}
	}
}

func TestNewOperator(t *testing.T) {
	salt := bytes.NewReader(make([]byte, 64))
	op, err := New("1001", " 王芳 ", Manager, "4829", cheap, salt, t0)
	if err != nil {
		t.Fatal(err)
	}
	if op.ID != "1001" || op.Name != "王芳" || op.Role != Manager || !op.Created.Equal(t0) {
		t.Errorf("New = %+v", op)
	}
	if ok, err := VerifyPIN(op.PINHash, "4829"); !ok || err != nil {
		t.Errorf("the new operator's PIN does not verify: %v", err)
	}
	for _, tc := range []struct {
		id, name string
		role     Role
		pin      string
		want     error
	}{
		{"x", "A", Cashier, "4829", ErrBadID},
		{"1002", "", Cashier, "4829", ErrBadName},
		{"1002", "A", "boss", "4829", ErrBadRole},
		{"1002", "A", Cashier, "1111", ErrWeakPIN},
		{"1002", "A", Cashier, "48", ErrPINFormat},
	} {
		if _, err := New(tc.id, tc.name, tc.role, tc.pin, cheap, salt, t0); !errors.Is(err, tc.want) {
			t.Errorf("New(%q, %q, %q) = %v, want %v", tc.id, tc.name, tc.role, err, tc.want)
		}
	}
}

// The operator's log form and redacted copy have no PIN hash.
func TestOperatorHidesHash(t *testing.T) {
	op := Operator{ID: "1001", Name: "王芳", Role: Manager, PINHash: "$argon2id$v=19$secret"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "op", op)
	if strings.Contains(buf.String(), "argon2") || !strings.Contains(buf.String(), "1001") {
		t.Errorf("log line = %s", buf.String())
	}
	if op.Redacted().PINHash != "" || op.PINHash == "" {
		t.Error("Redacted did not clear only the copy's hash")
	}
}

func TestAttempt(t *testing.T) {
	lockEnd := t0.Add(15 * time.Minute)
	for _, tc := range []struct {
		name      string
		op        Operator
		ok        bool
		now       time.Time
		want      Operator
		outcome   Outcome
		tookPINIn bool
	}{
		{"right PIN", Operator{Failures: 3}, true, t0, Operator{}, Granted, true},
		{"wrong PIN", Operator{Failures: 3}, false, t0, Operator{Failures: 4}, Refused, true},
		{"fifth wrong PIN locks", Operator{Failures: 4}, false, t0, Operator{LockedUntil: lockEnd}, LockedNow, true},
		{"locked, right PIN", Operator{LockedUntil: lockEnd}, true, t0.Add(time.Minute), Operator{LockedUntil: lockEnd}, StillLocked, false},
		{"locked, wrong PIN", Operator{LockedUntil: lockEnd}, false, lockEnd.Add(-time.Nanosecond), Operator{LockedUntil: lockEnd}, StillLocked, false},
		{"lock ended, right PIN", Operator{LockedUntil: lockEnd}, true, lockEnd, Operator{}, Granted, true},
		{"lock ended, wrong PIN counts afresh", Operator{Failures: 4, LockedUntil: lockEnd}, false, lockEnd, Operator{Failures: 1}, Refused, true},
	} {
		got, outcome := Attempt(tc.op, tc.ok, tc.now)
		if got != tc.want || outcome != tc.outcome {
			t.Errorf("%s: Attempt = %+v %v, want %+v %v", tc.name, got, outcome, tc.want, tc.outcome)
		}
	}
	p := Policy{MaxFailures: 1, LockFor: time.Second}
	if _, out := p.Attempt(Operator{}, false, t0); out != LockedNow {
		t.Errorf("a policy of one failure: %v", out)
	}
	if (Policy{}).Validate() == nil || DefaultPolicy.Validate() != nil {
		t.Error("Policy.Validate")
	}
	if Outcome(9).String() != "Outcome(9)" || LockedNow.String() != "locked_now" {
		t.Error("Outcome.String")
	}
}

// A locked operator cannot get in, with the right PIN or not, until the lock ends;
// after it ends the right PIN gets in at once; locks come only from MaxFailures wrong
// PINs in a row and last exactly LockFor.
func TestLockedOperatorCannotLogInUntilLockEnds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		policy := Policy{MaxFailures: rapid.IntRange(1, 6).Draw(t, "max"), LockFor: time.Duration(rapid.IntRange(1, 30).Draw(t, "lock minutes")) * time.Minute}
		op := Operator{ID: "1001"}
		now := t0
		var lockedUntil time.Time // the lock the model expects
		wrongInARow := 0
		steps := rapid.IntRange(1, 60).Draw(t, "steps")
		for i := range steps {
			now = now.Add(time.Duration(rapid.Int64Range(0, int64(20*time.Minute)).Draw(t, fmt.Sprint("wait ", i))))
			ok := rapid.Bool().Draw(t, fmt.Sprint("right PIN ", i))
			before := op
			var outcome Outcome
			op, outcome = policy.Attempt(op, ok, now)
			locked := now.Before(lockedUntil)
			switch {
			case locked:
				if outcome != StillLocked || op != before {
					t.Fatalf("step %d at %v: locked until %v, but %v changed %+v to %+v", i, now, lockedUntil, outcome, before, op)
				}
			case ok:
				wrongInARow = 0
				if outcome != Granted || op.Failures != 0 || op.Locked(now) {
					t.Fatalf("step %d: right PIN after the lock: %v %+v", i, outcome, op)
				}
			default:
				wrongInARow++
				if wrongInARow == policy.MaxFailures {
					wrongInARow = 0
					lockedUntil = now.Add(policy.LockFor)
					if outcome != LockedNow || !op.LockedUntil.Equal(lockedUntil) {
						t.Fatalf("step %d: failure %d did not lock until %v: %v %+v", i, policy.MaxFailures, lockedUntil, outcome, op)
					}
				} else if outcome != Refused || op.Failures != wrongInARow {
					t.Fatalf("step %d: wrong PIN %d: %v %+v", i, wrongInARow, outcome, op)
				}
			}
			if outcome == Granted && now.Before(lockedUntil) {
				t.Fatalf("step %d: granted at %v inside a lock ending %v", i, now, lockedUntil)
			}
		}
	})
}

func TestReasonClean(t *testing.T) {
	for _, tc := range []struct {
		in   Reason
		want error
	}{
		{Reason{Code: WrongItem}, nil},
		{Reason{Code: Damaged, Note: "  box crushed "}, nil},
		{Reason{Code: Other, Note: "regular customer"}, nil},
		{Reason{Code: Other, Note: "  "}, ErrNoNote},
		{Reason{Code: "because"}, ErrBadReason},
		{Reason{Code: ""}, ErrBadReason},
		{Reason{Code: WrongItem, Note: strings.Repeat("长", 201)}, ErrBadNote},
		{Reason{Code: WrongItem, Note: "a\tb"}, ErrBadNote},
	} {
		got, err := tc.in.Clean()
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("Clean(%+v) = %v, want %v", tc.in, err, tc.want)
		}
		if err == nil && got.Note != strings.TrimSpace(tc.in.Note) {
			t.Errorf("Clean(%+v) note = %q", tc.in, got.Note)
		}
	}
}
