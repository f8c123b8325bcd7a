package journal

import (
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// kindSeqs is what Each yields for kind: the sequence numbers, oldest first.
func kindSeqs(t testing.TB, j *Journal, kind string) []uint64 {
	t.Helper()
	var seqs []uint64
	if err := j.Each(Filter{Kind: kind}, func(r Record) error {
		if r.Kind != kind {
			t.Fatalf("Each(%s) gave a %s record", kind, r.Kind)
		}
		seqs = append(seqs, r.Seq)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return seqs
}

// scanSeqs is the same found by reading every record, without the index.
func scanSeqs(t testing.TB, j *Journal, kind string) []uint64 {
	t.Helper()
	var seqs []uint64
	if err := j.Each(Filter{}, func(r Record) error {
		if r.Kind == kind {
			seqs = append(seqs, r.Seq)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return seqs
}

// appendMix appends n records of three kinds, one refund every tenth.
func appendMix(t testing.TB, j *Journal, n int) {
	t.Helper()
	for i := range n {
		kind := KindSaleCompleted
		switch {
		case i%10 == 9:
			kind = "refund"
		case i%3 == 0:
			kind = KindPayment
		}
		mustAppend(t, j, kind, map[string]int{"i": i})
	}
}

// Each by kind through the index finds exactly what a full read finds: records in
// bbolt and records still in the write-ahead log, before and after a reopen.
func TestEachKindUsesTheIndex(t *testing.T) {
	j, path, c := newJournal(t)
	appendMix(t, j, 300) // over two checkpoints, and some entries still in the log
	check := func(when string) {
		for _, kind := range []string{KindSaleCompleted, KindPayment, "refund", KindJournalOpened, "nothing"} {
			if got, want := kindSeqs(t, j, kind), scanSeqs(t, j, kind); !slices.Equal(got, want) {
				t.Fatalf("%s: Each(%s) = %v, a full read finds %v", when, kind, got, want)
			}
		}
		if n := len(kindSeqs(t, j, "refund")); n != 30 {
			t.Fatalf("%s: %d refunds", when, n)
		}
	}
	check("open")
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openAt(t, path, testOptions(c))
	check("reopened")
}

// A schema 1 journal (no kind index) is indexed on its first writable open and
// becomes schema 2; opened read-only it is read without the index.
func TestSchema1JournalGetsTheKindIndex(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openAt(t, path, testOptions(c))
	appendMix(t, j, 50)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { // as a schema 1 Tilldesk left it
		if err := tx.DeleteBucket(bucketKinds); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	ro := openAt(t, path, Options{ReadOnly: true})
	if got := kindSeqs(t, ro, "refund"); len(got) != 5 {
		t.Fatalf("read-only schema 1: refunds %v", got)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	j = openAt(t, path, testOptions(c))
	if got, want := kindSeqs(t, j, "refund"), scanSeqs(t, j, "refund"); len(got) != 5 || !slices.Equal(got, want) {
		t.Fatalf("after the migration: %v, want %v", got, want)
	}
	if _, err := j.Verify(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		if v := string(tx.Bucket(bucketMeta).Get(keySchema)); v != strconv.Itoa(SchemaVersion) {
			t.Errorf("schema after the migration %q", v)
		}
		return nil
	})
}

// BenchmarkEachKind looks the refunds up in a journal of 20,000 records (one in ten a
// refund), through the kind index, and reports it as a ratio to a full read of the
// same journal timed in the same run (the look-up before the index): what a refund
// costs to find what was already refunded.
func BenchmarkEachKind(b *testing.B) {
	j, _, _ := newJournal(b)
	appendMix(b, j, 20_000)
	timed := func(f Filter) time.Duration {
		start := time.Now()
		if err := j.Each(f, func(Record) error { return nil }); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var full, indexed time.Duration
	b.ResetTimer()
	for range b.N {
		full += timed(Filter{})
		indexed += timed(Filter{Kind: "refund"})
	}
	b.ReportMetric(float64(indexed)/float64(full), "x-full-read")
	b.ReportMetric(float64(full.Microseconds())/1e3/float64(b.N), "full-read-ms")
	b.ReportMetric(float64(indexed.Microseconds())/1e3/float64(b.N), "indexed-ms")
}

// Verify finds a kind index that disagrees with the records: an entry missing (a
// look-up by kind would miss the record: a refund not seen, refunded twice) or one
// too many.
func TestVerifyChecksTheKindIndex(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(*bolt.Bucket) error
		reason string
	}{
		{"entry missing", func(k *bolt.Bucket) error { return k.Delete(kindKey("refund", 11)) }, "missing from the kind index"},
		{"entry too many", func(k *bolt.Bucket) error { return k.Put(kindKey("refund", 999), nil) }, "the kind index names"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			path := filepath.Join(t.TempDir(), "journal.db")
			j := openAt(t, path, testOptions(c))
			appendMix(t, j, 20)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(tx *bolt.Tx) error { return tc.damage(tx.Bucket(bucketKinds)) }); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			ro := openAt(t, path, Options{ReadOnly: true})
			var ce *ChainError
			if _, err := ro.Verify(); !errors.As(err, &ce) || !strings.Contains(ce.Reason, tc.reason) {
				t.Fatalf("Verify: %v, want %q", err, tc.reason)
			}
		})
	}
}
