package app

import (
	"testing"

	"tilldesk/core/dereg"
)

// deregCrash is panicked by the test hook to stop a step at a crash point.
type deregCrash struct{ point string }

// deregCrashAt makes the wizard stop dead at point (once), as a power cut would.
func deregCrashAt(t *testing.T, point string) {
	t.Helper()
	old := deregTestHook
	t.Cleanup(func() { deregTestHook = old })
	deregTestHook = func(p string) {
		if p == point {
			deregTestHook = old
			panic(deregCrash{p})
		}
	}
}

// deregCrashPoints are the places a step can be cut short, with the step the wizard must
// resume at afterwards.
var deregCrashPoints = []struct {
	point  string
	resume dereg.Step
}{
	{"step.preconditions", dereg.Preconditions},
	{"step.safe_environment", dereg.SafeEnvironment},
	{"step.confirm_details", dereg.ConfirmDetails},
	{"step.backup", dereg.Backup},
	{"backup.written", dereg.Backup}, // file written, not yet verified or recorded
	{"step.sign_off", dereg.SignOff},
	{"step.clear_and_wipe", dereg.ClearAndWipe},
	{"wipe.files", dereg.ClearAndWipe}, // logs and traces wiped, journal not yet
	{"wipe.built", dereg.ClearAndWipe}, // new journal built beside the old one
	{"journal.installed", dereg.Void},  // new journal moved in, old file not yet zeroed
	{"step.void", dereg.Void},          // (ClearAndWipe's own hook, after the swap)
	{"step.record", dereg.Record},
	{"step.done", dereg.Done},
}

// finishAfterCrash resumes a wizard over a restarted session and checks it is at want,
// then finishes it and checks nothing of the sales or the secret is left.
func (f *deregFixture) finishAfterCrash(t *testing.T, want dereg.Step) {
	t.Helper()
	w := f.wizard(t, DeregOptions{})
	if got := w.State().Step; got != want {
		t.Fatalf("resumed at %s, want %s", got, want)
	}
	if want > dereg.Preconditions && want < dereg.Done {
		if _, err := f.s.Till.Scan(water); err == nil {
			t.Fatal("the till sells after a restart in the middle of a deregistration")
		}
	}
	f.walk(t, w, dereg.Done)
	if _, err := f.s.Journal.Verify(); err != nil {
		t.Fatal(err)
	}
	if hits := deregFindInFiles(t, f.paths.DataDir, append(f.saleIDs, deregSecret)...); len(hits) > 0 {
		t.Fatalf("after finishing: %v", hits)
	}
	recs, err := ReadDeregRecords(f.paths)
	if err != nil || len(recs) != 1 || recs[0].Run != w.State().Run {
		t.Fatalf("records after finishing: %+v, %v", recs, err)
	}
}

// A crash at any point, in any step, resumes at the right step after a restart, and
// the deregistration then finishes with everything cleared and recorded once.
func TestDeregResumesAfterCrash(t *testing.T) {
	for _, cp := range deregCrashPoints {
		t.Run(cp.point, func(t *testing.T) {
			f := newDeregFixture(t)
			w := f.wizard(t, DeregOptions{})
			deregCrashAt(t, cp.point)
			func() {
				defer func() {
					if r := recover(); r != nil {
						if _, ok := r.(deregCrash); !ok {
							panic(r)
						}
					}
				}()
				f.walk(t, w, dereg.Done)
				t.Fatalf("never reached %s", cp.point)
			}()
			f.restart(t)
			f.finishAfterCrash(t, cp.resume)
		})
	}
}

// Dropping the wizard between steps (no crash inside one) resumes at the same step.
func TestDeregResumesAfterEachStep(t *testing.T) {
	for _, stop := range dereg.Steps()[1:] {
		t.Run(stop.String(), func(t *testing.T) {
			f := newDeregFixture(t)
			f.walk(t, f.wizard(t, DeregOptions{}), stop)
			f.restart(t)
			f.finishAfterCrash(t, stop)
		})
	}
}
