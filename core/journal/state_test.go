package journal

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestStateCommitsWithItsRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	j, err := Open(path, Options{Terminal: "T0000001"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := j.AppendWith(KindAdmin, map[string]string{"action": "operator.created"},
		StateChange{Bucket: "operators", Key: "1001", Value: []byte(`{"name":"王芳"}`)})
	if err != nil || rec.Seq != 2 {
		t.Fatalf("AppendWith = %+v, %v", rec, err)
	}
	if v, err := j.GetState("operators", "1001"); err != nil || string(v) != `{"name":"王芳"}` {
		t.Fatalf("GetState = %q, %v", v, err)
	}
	// A failing state change leaves neither the record nor the state.
	if _, err := j.AppendWith(KindAdmin, "x", StateChange{Bucket: "nope", Key: "k", Value: []byte("v")}); !errors.Is(err, ErrNoStateBucket) {
		t.Fatalf("undeclared bucket: %v", err)
	}
	if last, _ := j.LastSeq(); last != 2 {
		t.Fatalf("a failed AppendWith left record %d", last)
	}
	if err := j.PutState(StateChange{Bucket: "operators", Key: "1001"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := j.GetState("operators", "1001"); v != nil {
		t.Fatalf("deleted state still %q", v)
	}
	j.PutState(StateChange{Bucket: "counters", Key: "z", Value: []byte("7")}, StateChange{Bucket: "counters", Key: "a", Value: []byte("1")})
	var keys []string
	j.EachState("counters", func(k string, v []byte) error { keys = append(keys, k+"="+string(v)); return nil })
	if len(keys) != 2 || keys[0] != "a=1" || keys[1] != "z=7" {
		t.Fatalf("EachState = %v", keys)
	}
	j.Close()
	// State survives reopening, and the chain still verifies.
	j, err = Open(path, Options{Terminal: "T0000001"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if v, _ := j.GetState("counters", "z"); string(v) != "7" {
		t.Fatalf("after reopen: %q", v)
	}
	if _, err := j.Verify(); err != nil {
		t.Fatal(err)
	}
}
