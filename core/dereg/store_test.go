package dereg

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"tilldesk/core/journal"
)

func openJournal(t *testing.T, path string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(path, journal.Options{Terminal: testID.Terminal, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// A crash after any step resumes at the step after it: the state is saved with its
// audit record in one transaction.
func TestResumeAfterEachStep(t *testing.T) {
	for _, stop := range Steps()[1:] {
		path := filepath.Join(t.TempDir(), "journal.db")
		j := openJournal(t, path)
		if _, ok, err := Load(j); ok || err != nil {
			t.Fatalf("fresh journal: state %v, %v", ok, err)
		}
		s := New(testID, "tech-7", t0)
		for s.Step < stop {
			next, err := transitions[s.Step](s, t0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Save(j, s.Step, next, "tech-7", map[string]int{"n": int(s.Step)}); err != nil {
				t.Fatal(err)
			}
			s = next
		}
		j.Close() // the power cut: nothing else is written

		j = openJournal(t, path)
		got, ok, err := Load(j)
		if err != nil || !ok || got.Step != stop || !reflect.DeepEqual(got, clone(t, s)) {
			t.Fatalf("stopped before %s: resumed at %s (ok %v, %v)", stop, got.Step, ok, err)
		}
		var audits []Audit
		j.Each(journal.Filter{Kind: KindStep}, func(r journal.Record) error {
			var a Audit
			if err := json.Unmarshal(r.Data, &a); err != nil {
				t.Fatal(err)
			}
			audits = append(audits, a)
			return nil
		})
		if len(audits) != int(stop-Identify) || audits[len(audits)-1].To != stop || audits[0].From != Identify || audits[0].Operator != "tech-7" || audits[0].Run != s.Run {
			t.Fatalf("stopped before %s: audits %+v", stop, audits)
		}
		if _, err := j.Verify(); err != nil {
			t.Fatal(err)
		}
		j.Close()
	}
}

func TestSaveFailsWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openJournal(t, path)
	defer j.Close()
	s, _ := New(testID, "op", t0).Identified(Relocation, t0)
	// A bad extra change fails the whole transaction: no record, no state.
	_, err := Save(j, Identify, s, "op", nil, journal.StateChange{Bucket: "no-such-bucket", Key: "k", Value: []byte("v")})
	if !errors.Is(err, journal.ErrNoStateBucket) {
		t.Fatalf("Save with a bad change: %v", err)
	}
	if _, ok, _ := Load(j); ok {
		t.Fatal("state saved by a failed Save")
	}
	if last, _ := j.LastSeq(); last != 1 {
		t.Fatalf("records after a failed Save: %d", last)
	}
}

func TestCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openJournal(t, path)
	defer j.Close()
	s := walk(t, Backup)
	if _, err := Save(j, ConfirmDetails, s, "op", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Cancel(j, walk(t, Void), "op"); !errors.Is(err, ErrTooLateToCancel) {
		t.Fatalf("cancel after the clear: %v", err)
	}
	if _, err := Cancel(j, s, "op"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := Load(j); ok || err != nil {
		t.Fatalf("after cancel: %v, %v", ok, err)
	}
	n := 0
	j.Each(journal.Filter{Kind: KindCancelled}, func(journal.Record) error { n++; return nil })
	if n != 1 {
		t.Fatalf("%d cancel records", n)
	}
	// A corrupt stored state is reported, not taken for "none".
	if err := j.PutState(journal.StateChange{Bucket: StateBucket, Key: stateKey, Value: []byte("{")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(j); err == nil {
		t.Fatal("corrupt state loaded")
	}
}
