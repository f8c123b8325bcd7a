package journal

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const testTerminal = "T01"

var clockStart = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// fakeClock is a deterministic clock: every call returns the previous time plus step.
type fakeClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func newClock() *fakeClock { return &fakeClock{t: clockStart, step: time.Second} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

func testOptions(c *fakeClock) Options {
	return Options{Terminal: testTerminal, Now: c.Now, LockTimeout: 100 * time.Millisecond}
}

func openAt(t testing.TB, path string, opt Options) *Journal {
	t.Helper()
	j, err := Open(path, opt)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

// newJournal opens a fresh journal in a temp dir with a deterministic clock.
func newJournal(t testing.TB) (*Journal, string, *fakeClock) {
	t.Helper()
	c := newClock()
	path := filepath.Join(t.TempDir(), "journal.db")
	return openAt(t, path, testOptions(c)), path, c
}

func mustAppend(t testing.TB, j *Journal, kind string, data any) Record {
	t.Helper()
	r, err := j.Append(kind, data)
	if err != nil {
		t.Fatalf("Append(%s): %v", kind, err)
	}
	return r
}

// fill appends n sale records (seq 2..n+1, after journal.created).
func fill(t testing.TB, j *Journal, n int) []Record {
	t.Helper()
	var out []Record
	for i := 0; i < n; i++ {
		out = append(out, mustAppend(t, j, KindSaleCompleted, map[string]any{"sale": fmt.Sprintf("S%03d", i), "total": 100 * (i + 1)}))
	}
	return out
}

func collect(t testing.TB, j *Journal, f Filter) []Record {
	t.Helper()
	var out []Record
	if err := j.Each(f, func(r Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatalf("Each: %v", err)
	}
	return out
}

func seqs(rs []Record) []uint64 {
	var out []uint64
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}

// tamper closes j, lets fn edit the raw bolt file, and reopens the journal.
func tamper(t *testing.T, j *Journal, path string, opt Options, fn func(tx *bolt.Tx) error) *Journal {
	t.Helper()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	editBolt(t, path, fn)
	return openAt(t, path, opt)
}

// editBolt opens the closed journal at path as a plain bolt file and lets fn edit it.
func editBolt(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReopenKeepsRecordsAndSequence(t *testing.T) {
	j, path, c := newJournal(t)
	if j.Terminal() != testTerminal || j.Path() != path {
		t.Fatalf("Terminal/Path = %q %q", j.Terminal(), j.Path())
	}
	first := collect(t, j, Filter{})
	if len(first) != 1 || first[0].Kind != KindJournalOpened || first[0].Seq != 1 || first[0].Prev != "" {
		t.Fatalf("fresh journal = %+v, want one %s record", first, KindJournalOpened)
	}
	if !first[0].Time.Equal(clockStart.Add(time.Second)) {
		t.Errorf("created record time %v, want the injected clock", first[0].Time)
	}
	written := fill(t, j, 5)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j2 := openAt(t, path, testOptions(c))
	last, err := j2.LastSeq()
	if err != nil || last != 6 {
		t.Fatalf("LastSeq after reopen = %d, %v; want 6", last, err)
	}
	got := collect(t, j2, Filter{})
	if len(got) != 6 {
		t.Fatalf("got %d records after reopen, want 6", len(got))
	}
	for i, w := range written {
		g := got[i+1]
		if g.Seq != w.Seq || g.Hash != w.Hash || g.Prev != w.Prev || !bytes.Equal(g.Data, w.Data) || !g.Time.Equal(w.Time) || g.Kind != w.Kind {
			t.Errorf("record %d: got %+v, want %+v", i, g, w)
		}
	}
	r := mustAppend(t, j2, KindPayment, map[string]any{"amount": 500})
	if r.Seq != 7 || r.Prev != written[4].Hash || r.Terminal != testTerminal {
		t.Fatalf("append after reopen = seq %d prev %s; want 7 chained to %s", r.Seq, r.Prev, written[4].Hash)
	}
	res, err := j2.Verify()
	if err != nil || res.Records != 7 || res.LastHash != r.Hash {
		t.Fatalf("Verify = %+v, %v", res, err)
	}

	// A read-only open takes the terminal from the file and sees the same chain.
	if err := j2.Close(); err != nil {
		t.Fatal(err)
	}
	ro := openAt(t, path, Options{ReadOnly: true})
	if ro.Terminal() != testTerminal {
		t.Errorf("read-only terminal = %q", ro.Terminal())
	}
	if res2, err := ro.Verify(); err != nil || res2 != res {
		t.Errorf("read-only Verify = %+v, %v; want %+v", res2, err, res)
	}
	if _, err := ro.Append(KindAdmin, nil); err == nil {
		t.Error("Append on a read-only journal succeeded")
	}
}

func TestAppendCanonicalData(t *testing.T) {
	j, _, _ := newJournal(t)
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"map", map[string]any{"b": 1, "a": "x"}, `{"a":"x","b":1}`},
		{"raw spaced", json.RawMessage(`{ "a" : [1, 2] }`), `{"a":[1,2]}`},
		{"raw html", json.RawMessage(`{"n":"<b>&"}`), `{"n":"\u003cb\u003e\u0026"}`},
		{"nil", nil, `null`},
	} {
		r := mustAppend(t, j, KindAdmin, tc.in)
		got, err := j.Get(r.Seq)
		if err != nil {
			t.Fatalf("%s: Get: %v", tc.name, err)
		}
		if string(got.Data) != tc.want || string(r.Data) != tc.want {
			t.Errorf("%s: data appended %s, stored %s; want %s", tc.name, r.Data, got.Data, tc.want)
		}
	}
	if _, err := j.Append(KindAdmin, json.RawMessage(`{broken`)); err == nil {
		t.Error("Append of invalid raw JSON succeeded")
	}
	if _, err := j.Append(KindAdmin, func() {}); err == nil {
		t.Error("Append of an unmarshalable value succeeded")
	}
	if _, err := j.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(tx *bolt.Tx) error
		wantSeq uint64
		reason  string
	}{
		{"data altered", func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketRecords)
			var r Record
			if err := json.Unmarshal(b.Get(seqKey(3)), &r); err != nil {
				return err
			}
			r.Data = json.RawMessage(`{"sale":"S001","total":1}`)
			enc, err := json.Marshal(r)
			if err != nil {
				return err
			}
			return b.Put(seqKey(3), enc)
		}, 3, "altered"},
		{"middle deleted", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRecords).Delete(seqKey(4))
		}, 4, "sequence"},
		{"last deleted", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRecords).Delete(seqKey(6))
		}, 6, "missing"},
		{"undecodable", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRecords).Put(seqKey(2), []byte("not json"))
		}, 2, "undecodable"},
		{"relinked", func(tx *bolt.Tx) error { // rehashed but prev no longer links
			b := tx.Bucket(bucketRecords)
			var r Record
			if err := json.Unmarshal(b.Get(seqKey(5)), &r); err != nil {
				return err
			}
			r.Prev = strings.Repeat("0", 64)
			r.Hash = r.computeHash()
			enc, _ := json.Marshal(r)
			return b.Put(seqKey(5), enc)
		}, 5, "previous-hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, path, c := newJournal(t)
			fill(t, j, 5) // seq 1..6
			if res, err := j.Verify(); err != nil || res.Records != 6 {
				t.Fatalf("Verify on a good journal = %+v, %v", res, err)
			}
			j = tamper(t, j, path, testOptions(c), tc.edit)
			_, err := j.Verify()
			var ce *ChainError
			if !errors.As(err, &ce) {
				t.Fatalf("Verify = %v, want *ChainError", err)
			}
			if ce.Seq != tc.wantSeq || !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("ChainError = seq %d %q; want seq %d mentioning %q", ce.Seq, ce.Reason, tc.wantSeq, tc.reason)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tc.wantSeq)) {
				t.Errorf("error text %q does not name record %d", err, tc.wantSeq)
			}
		})
	}
}

func TestEachFilterAndStop(t *testing.T) {
	j, _, _ := newJournal(t)
	// Clock: created meta at +0s, journal.created record at +1s, then +2s, +3s, ...
	kinds := []string{KindSaleCompleted, KindPayment, KindSaleCompleted, KindAdmin, KindSaleCompleted, KindSaleCancelled}
	for i, k := range kinds {
		mustAppend(t, j, k, map[string]int{"i": i})
	}
	at := func(sec int) time.Time { return clockStart.Add(time.Duration(sec) * time.Second) }
	for _, tc := range []struct {
		name string
		f    Filter
		want []uint64
	}{
		{"all", Filter{}, []uint64{1, 2, 3, 4, 5, 6, 7}},
		{"kind", Filter{Kind: KindSaleCompleted}, []uint64{2, 4, 6}},
		{"unknown kind", Filter{Kind: "nope"}, nil},
		{"from inclusive", Filter{From: at(4)}, []uint64{4, 5, 6, 7}},
		{"to exclusive", Filter{To: at(4)}, []uint64{1, 2, 3}},
		{"window", Filter{From: at(3), To: at(6)}, []uint64{3, 4, 5}},
		{"window and kind", Filter{From: at(3), To: at(7), Kind: KindSaleCompleted}, []uint64{4, 6}},
		{"other zone", Filter{From: at(6).In(time.FixedZone("X", 5*3600))}, []uint64{6, 7}},
		{"empty window", Filter{From: at(5), To: at(5)}, nil},
	} {
		got := seqs(collect(t, j, tc.f))
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: seqs %v, want %v", tc.name, got, tc.want)
		}
	}

	var seen []uint64
	err := j.Each(Filter{Kind: KindSaleCompleted}, func(r Record) error {
		seen = append(seen, r.Seq)
		if len(seen) == 2 {
			return ErrStop
		}
		return nil
	})
	if err != nil || fmt.Sprint(seen) != "[2 4]" {
		t.Errorf("Each with ErrStop = %v, saw %v; want nil, [2 4]", err, seen)
	}
	boom := errors.New("boom")
	n := 0
	err = j.Each(Filter{}, func(Record) error { n++; return fmt.Errorf("wrapped: %w", boom) })
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("Each with a callback error = %v after %d calls; want boom after 1", err, n)
	}
}

func TestGet(t *testing.T) {
	j, _, _ := newJournal(t)
	want := fill(t, j, 3)
	for _, w := range want {
		got, err := j.Get(w.Seq)
		if err != nil {
			t.Fatalf("Get(%d): %v", w.Seq, err)
		}
		if got.Hash != w.Hash || got.computeHash() != got.Hash || !bytes.Equal(got.Data, w.Data) {
			t.Errorf("Get(%d) = %+v, want %+v", w.Seq, got, w)
		}
	}
	for _, seq := range []uint64{0, 5, 1 << 40} {
		if _, err := j.Get(seq); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("Get(%d) = %v, want not found", seq, err)
		}
	}
}

func TestExport(t *testing.T) {
	j, _, _ := newJournal(t)
	fill(t, j, 4)
	mustAppend(t, j, KindPayment, map[string]any{"note": "a,b \"quoted\"\nline"})

	var buf bytes.Buffer
	n, err := j.Export(&buf, "csv", Filter{})
	if err != nil || n != 6 {
		t.Fatalf("Export csv = %d, %v; want 6", n, err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("csv output does not parse: %v", err)
	}
	if got := strings.Join(rows[0], ","); got != "seq,terminal,time,kind,data,prev,hash" {
		t.Errorf("csv header = %s", got)
	}
	if len(rows) != 7 {
		t.Fatalf("csv has %d rows, want header + 6", len(rows))
	}
	last := rows[6]
	if last[0] != "6" || last[1] != testTerminal || last[3] != KindPayment || !strings.Contains(last[4], `\n`) {
		t.Errorf("csv last row = %q", last)
	}
	if tm, err := time.Parse(time.RFC3339Nano, last[2]); err != nil || !tm.Equal(clockStart.Add(6*time.Second)) {
		t.Errorf("csv time %q = %v, %v", last[2], tm, err)
	}

	buf.Reset()
	n, err = j.Export(&buf, "csv", Filter{Kind: KindSaleCompleted})
	if rows, _ := csv.NewReader(&buf).ReadAll(); err != nil || n != 4 || len(rows) != 5 {
		t.Errorf("filtered csv = %d rows, n %d, %v; want 5 rows, n 4", len(rows), n, err)
	}

	buf.Reset()
	n, err = j.Export(&buf, "jsonl", Filter{})
	if err != nil || n != 6 {
		t.Fatalf("Export jsonl = %d, %v; want 6", n, err)
	}
	sc := bufio.NewScanner(&buf)
	prev, lines := "", 0
	for sc.Scan() {
		lines++
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("jsonl line %d: %v", lines, err)
		}
		if r.Seq != uint64(lines) || r.Prev != prev || r.computeHash() != r.Hash {
			t.Errorf("jsonl line %d: seq %d, chain or hash broken", lines, r.Seq)
		}
		prev = r.Hash
	}
	if lines != 6 {
		t.Errorf("jsonl has %d lines, want 6", lines)
	}

	buf.Reset()
	n, err = j.Export(&buf, "jsonl", Filter{Kind: "none"})
	if err != nil || n != 0 || buf.Len() != 0 {
		t.Errorf("empty jsonl export = %d, %v, %q", n, err, buf.String())
	}
	for _, format := range []string{"xml", "", "CSV"} {
		buf.Reset()
		if n, err := j.Export(&buf, format, Filter{}); err == nil || n != 0 || buf.Len() != 0 {
			t.Errorf("Export(%q) = %d, %v, wrote %d bytes; want an error and nothing written", format, n, err, buf.Len())
		}
	}
}

func TestHeldSales(t *testing.T) {
	j, path, c := newJournal(t)
	if h, err := j.Held(); err != nil || len(h) != 0 {
		t.Fatalf("Held on a new journal = %v, %v", h, err)
	}
	cartA := json.RawMessage(`{"lines":[{"sku":"A1","qty":2}]}`)
	cartB := json.RawMessage(`{"lines":[]}`)
	for id, cart := range map[string]json.RawMessage{"H1": cartA, "H2": cartB} {
		if err := j.PutHeld(id, cart); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.PutHeld("H2", cartA); err != nil { // overwrite
		t.Fatal(err)
	}
	if err := j.PutHeld("", cartA); err == nil {
		t.Error("PutHeld with an empty ID succeeded")
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openAt(t, path, testOptions(c))
	h, err := j.Held()
	if err != nil || len(h) != 2 || string(h["H1"]) != string(cartA) || string(h["H2"]) != string(cartA) {
		t.Fatalf("Held after reopen = %s, %v", h, err)
	}
	if err := j.DeleteHeld("H1"); err != nil {
		t.Fatal(err)
	}
	if err := j.DeleteHeld("missing"); err != nil {
		t.Errorf("DeleteHeld of a missing ID = %v, want nil", err)
	}
	h, _ = j.Held()
	if _, ok := h["H1"]; ok || len(h) != 1 {
		t.Errorf("Held after delete = %s", h)
	}
	// Held sales are beside the chain, not in it.
	if res, err := j.Verify(); err != nil || res.Records != 1 {
		t.Errorf("Verify = %+v, %v", res, err)
	}
}

func TestUseAfterClose(t *testing.T) {
	j, _, _ := newJournal(t)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(KindSaleCompleted, map[string]int{"total": 1}); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if err := j.PutHeld("H", json.RawMessage(`{}`)); err == nil {
		t.Error("PutHeld after Close succeeded")
	}
	if _, err := j.Verify(); err == nil {
		t.Error("Verify after Close succeeded")
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// JSON replaces invalid UTF-8 with U+FFFD, so a record with such a kind or terminal
// would be stored differently from how it was hashed and then fail Verify.
func TestInvalidUTF8Rejected(t *testing.T) {
	j, path, c := newJournal(t)
	if _, err := j.Append("sale\xff", map[string]int{"total": 1}); err == nil {
		t.Error("Append with an invalid UTF-8 kind succeeded")
	}
	mustAppend(t, j, "vente.annulée", map[string]string{"raison": "client parti €"})
	if res, err := j.Verify(); err != nil || res.Records != 2 {
		t.Errorf("Verify = %+v, %v", res, err)
	}
	j.Close()
	opt := testOptions(c)
	opt.Terminal = "caisse\xe9"
	other := filepath.Join(filepath.Dir(path), "other.db")
	if _, err := Open(other, opt); err == nil {
		t.Error("Open with an invalid UTF-8 terminal ID succeeded")
	}
	opt.Terminal = "caisse-é"
	j2 := openAt(t, other, opt)
	if res, err := j2.Verify(); err != nil || res.Records != 1 {
		t.Errorf("Verify with a UTF-8 terminal ID = %+v, %v", res, err)
	}
}
