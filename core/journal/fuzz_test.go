package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/. Run a fuzzer with e.g.
//
//	go test -run=XXX -fuzz=FuzzRecordHash -fuzztime=30s ./core/journal
//
// FuzzOpenForeign's seeds are 8 KiB files; add -fuzzminimizetime=2s or the engine spends
// up to a minute minimising each new input and reports 0 execs/sec meanwhile.

// FuzzRecordHash checks the chain hash commits to every field: changing any one, or
// moving bytes across a field boundary, changes it; the Hash field and the time zone
// do not; and the JSON form a record is stored in gives back the same hash.
func FuzzRecordHash(f *testing.F) {
	f.Fuzz(func(t *testing.T, seq uint64, terminal string, unixNano int64, kind string, data []byte, prev string) {
		r := Record{Seq: seq, Terminal: terminal, Time: time.Unix(0, unixNano).UTC(), Kind: kind, Data: data, Prev: prev}
		h := r.computeHash()
		if len(h) != 64 || r.computeHash() != h {
			t.Fatalf("hash %q is not a stable hex SHA-256", h)
		}
		differs := func(what string, m func(*Record)) {
			t.Helper()
			c := r
			c.Data = bytes.Clone(r.Data)
			m(&c)
			if c.computeHash() == h {
				t.Errorf("hash unchanged when %s", what)
			}
		}
		differs("seq changes", func(c *Record) { c.Seq ^= 1 })
		differs("terminal changes", func(c *Record) { c.Terminal += "x" })
		differs("time changes", func(c *Record) { c.Time = c.Time.Add(time.Nanosecond) })
		differs("kind changes", func(c *Record) { c.Kind += "x" })
		differs("data changes", func(c *Record) { c.Data = append(c.Data, ' ') })
		differs("prev changes", func(c *Record) { c.Prev += "0" })
		if len(data) > 0 {
			differs("data flips a bit", func(c *Record) { c.Data[len(c.Data)/2] ^= 1 })
			differs("a byte moves from data to kind", func(c *Record) { c.Kind += string(c.Data[:1]); c.Data = c.Data[1:] })
			differs("a byte moves from data to prev", func(c *Record) { c.Prev = string(c.Data[len(c.Data)-1:]) + c.Prev; c.Data = c.Data[:len(c.Data)-1] })
		}
		if kind != "" {
			differs("a byte moves from kind to data", func(c *Record) {
				c.Data = append([]byte(c.Kind[len(c.Kind)-1:]), c.Data...)
				c.Kind = c.Kind[:len(c.Kind)-1]
			})
		}

		same := r
		same.Hash = "whatever"
		same.Time = r.Time.In(time.FixedZone("X", -7*3600))
		if same.computeHash() != h {
			t.Error("hash depends on the Hash field or the time zone")
		}

		// The stored form: a record Append could write must read back with its hash.
		if !utf8.ValidString(terminal) || !utf8.ValidString(kind) || !utf8.ValidString(prev) {
			return
		}
		canon, err := canonicalJSON(json.RawMessage(data))
		if err != nil {
			return
		}
		r.Data = canon
		r.Hash = r.computeHash()
		enc, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back Record
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", enc, err)
		}
		if back.computeHash() != r.Hash || back.Hash != r.Hash || !bytes.Equal(back.Data, canon) {
			t.Errorf("stored form %s reads back with hash %s, want %s", enc, back.computeHash(), r.Hash)
		}
	})
}

// FuzzAppendRoundTrip appends arbitrary kinds and raw JSON data: Append must accept
// exactly the valid ones, and what it stores must read back byte for byte, with a hash
// that verifies and links to the previous record.
func FuzzAppendRoundTrip(f *testing.F) {
	j, err := Open(filepath.Join(f.TempDir(), "journal.db"), Options{Terminal: testTerminal})
	if err != nil {
		f.Fatal(err)
	}
	defer j.Close()
	f.Fuzz(func(t *testing.T, kind string, data []byte) {
		last, err := j.LastSeq()
		if err != nil {
			t.Fatal(err)
		}
		prev, err := j.Get(last)
		if err != nil {
			t.Fatal(err)
		}
		r, err := j.Append(kind, json.RawMessage(data))
		valid := utf8.ValidString(kind) && json.Valid(data)
		if err != nil {
			if valid {
				t.Fatalf("Append(%q, %q): %v", kind, data, err)
			}
			if l, _ := j.LastSeq(); l != last {
				t.Fatalf("a failed Append moved the sequence from %d to %d", last, l)
			}
			return
		}
		if !valid {
			t.Fatalf("Append(%q, %q) accepted invalid input", kind, data)
		}
		got, err := j.Get(r.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if r.Seq != last+1 || got.Prev != prev.Hash || got.Kind != kind || got.Hash != r.Hash ||
			!bytes.Equal(got.Data, r.Data) || got.computeHash() != got.Hash {
			t.Fatalf("Append(%q, %q) = %+v, read back %+v", kind, data, r, got)
		}
		if again, err := canonicalJSON(got.Data); err != nil || !bytes.Equal(again, got.Data) {
			t.Fatalf("stored data %q is not canonical: %q, %v", got.Data, again, err)
		}
	})
}

// FuzzOpenForeign opens arbitrary bytes as a journal: short of an empty file, which
// becomes a new journal, Open must fail with ErrCorrupt and leave the file untouched.
func FuzzOpenForeign(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		path := filepath.Join(t.TempDir(), "foreign")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, ro := range []bool{false, true} {
			j, err := Open(path, Options{Terminal: testTerminal, ReadOnly: ro, LockTimeout: 100 * time.Millisecond})
			if err == nil {
				j.Close()
				t.Fatalf("Open (read-only %v) of %d foreign bytes succeeded", ro, len(data))
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Open (read-only %v) = %v, want ErrCorrupt", ro, err)
			}
			assertUnchanged(t, path, data)
		}
	})
}
