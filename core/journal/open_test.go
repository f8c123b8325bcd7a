package journal

import (
	"bytes"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// assertUnchanged fails unless the file at path holds exactly want.
func assertUnchanged(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s was modified: %d bytes before, %d after", filepath.Base(path), len(want), len(got))
	}
}

func textBytes(seed int64, n int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;\n"
	rng := rand.New(rand.NewSource(seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.Intn(len(alphabet))]
	}
	return b
}

func TestOpenLockedFile(t *testing.T) {
	j, path, c := newJournal(t)
	// bbolt locks with flock, which is per open file description, so a second Open in
	// the same process conflicts with the first one just as another process would.
	for _, ro := range []bool{false, true} {
		opt := testOptions(c)
		opt.ReadOnly = ro
		start := time.Now()
		j2, err := Open(path, opt)
		if err == nil {
			j2.Close()
			t.Fatalf("second Open (read-only %v) of a locked journal succeeded", ro)
		}
		if !errors.Is(err, ErrLocked) {
			t.Errorf("second Open (read-only %v) = %v, want ErrLocked", ro, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Open took %v with a 100ms lock timeout", d)
		}
	}
	// The holder is unaffected and, once it closes, the file opens again.
	mustAppend(t, j, KindAdmin, nil)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j3 := openAt(t, path, testOptions(c))
	if last, err := j3.LastSeq(); err != nil || last != 2 {
		t.Errorf("LastSeq after lock released = %d, %v", last, err)
	}
}

func TestOpenForeignFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"short text", []byte("hello, this is not a journal\n")},
		{"text 1KiB", textBytes(1, 1024)},
		{"text 3000", textBytes(2, 3000)}, // bbolt: "file size too small"
		{"text 5000", textBytes(3, 5000)},
		{"text 8KiB", textBytes(4, 8192)},
		{"text 64KiB", textBytes(5, 64<<10)},
		{"zeros 16KiB", make([]byte, 16<<10)},
		{"sqlite-ish", append([]byte("SQLite format 3\x00"), make([]byte, 8192)...)},
	} {
		for _, ro := range []bool{false, true} {
			name := tc.name
			if ro {
				name += " read-only"
			}
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, tc.data, 0o600); err != nil {
					t.Fatal(err)
				}
				opt := Options{Terminal: testTerminal, ReadOnly: ro, LockTimeout: 100 * time.Millisecond}
				j, err := Open(path, opt)
				if err == nil {
					j.Close()
					t.Fatal("Open of a foreign file succeeded")
				}
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("Open = %v, want ErrCorrupt", err)
				}
				assertUnchanged(t, path, tc.data)
			})
		}
	}
}

// makeBolt creates a bolt file at path, lets fn lay it out, and returns its bytes.
func makeBolt(t *testing.T, path string, fn func(tx *bolt.Tx) error) []byte {
	t.Helper()
	editBolt(t, path, fn)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenBadBoltFiles(t *testing.T) {
	put := func(tx *bolt.Tx, bucket string, kv ...string) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		for i := 0; i < len(kv); i += 2 {
			if err := b.Put([]byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	}
	goodMeta := func(tx *bolt.Tx, schema string) error {
		for _, b := range []string{"records", "held"} {
			if err := put(tx, b); err != nil {
				return err
			}
		}
		return put(tx, "meta", "magic", magic, "schema_version", schema, "terminal_id", testTerminal)
	}
	for _, tc := range []struct {
		name   string
		layout func(tx *bolt.Tx) error
		want   error
	}{
		{"other app's buckets", func(tx *bolt.Tx) error { return put(tx, "users", "alice", "1") }, ErrCorrupt},
		{"meta without magic", func(tx *bolt.Tx) error { return put(tx, "meta", "schema_version", "1") }, ErrCorrupt},
		{"bad schema", func(tx *bolt.Tx) error { return goodMeta(tx, "one") }, ErrCorrupt},
		{"missing bucket", func(tx *bolt.Tx) error {
			return put(tx, "meta", "magic", magic, "schema_version", "1", "terminal_id", testTerminal)
		}, ErrCorrupt},
		{"newer schema", func(tx *bolt.Tx) error { return goodMeta(tx, strconv.Itoa(SchemaVersion+1)) }, ErrNewerSchema},
	} {
		for _, ro := range []bool{false, true} {
			name := tc.name
			if ro {
				name += " read-only"
			}
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "j.db")
				before := makeBolt(t, path, tc.layout)
				j, err := Open(path, Options{Terminal: testTerminal, ReadOnly: ro})
				if err == nil {
					j.Close()
					t.Fatal("Open succeeded")
				}
				if !errors.Is(err, tc.want) {
					t.Errorf("Open = %v, want %v", err, tc.want)
				}
				assertUnchanged(t, path, before)
			})
		}
	}
}

func TestOpenNewerSchemaJournal(t *testing.T) {
	j, path, c := newJournal(t)
	fill(t, j, 2)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	editBolt(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(SchemaVersion+1)))
	})
	before, _ := os.ReadFile(path)
	if _, err := Open(path, testOptions(c)); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("Open = %v, want ErrNewerSchema", err)
	}
	assertUnchanged(t, path, before)
}

func TestOpenOtherTerminal(t *testing.T) {
	j, path, c := newJournal(t)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	opt := testOptions(c)
	opt.Terminal = "T02"
	if _, err := Open(path, opt); !errors.Is(err, ErrTerminal) {
		t.Errorf("Open as T02 = %v, want ErrTerminal", err)
	}
	assertUnchanged(t, path, before)
	// Read-only opens are for any terminal's journal (export, audit).
	opt.ReadOnly = true
	ro := openAt(t, path, opt)
	if ro.Terminal() != testTerminal {
		t.Errorf("read-only Terminal = %q, want %q", ro.Terminal(), testTerminal)
	}
}

func TestOpenArguments(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if _, err := Open(missing, Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only Open of a missing file = %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("read-only Open created the file")
	}
	if _, err := Open(missing, Options{}); err == nil {
		t.Error("Open without a terminal ID succeeded")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("Open without a terminal ID created the file")
	}
	if _, err := Open(filepath.Join(dir, "no", "such", "dir.db"), Options{Terminal: testTerminal}); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
	// An empty file is not a journal to read, but is one to create.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(empty, Options{ReadOnly: true}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("read-only Open of an empty file = %v, want ErrCorrupt", err)
	}
	assertUnchanged(t, empty, nil)
	j := openAt(t, empty, Options{Terminal: testTerminal})
	if res, err := j.Verify(); err != nil || res.Records != 1 {
		t.Errorf("Verify of a journal created over an empty file = %+v, %v", res, err)
	}
}

// A journal cut short (an interrupted copy, a damaged disk) must be reported, not make
// bbolt fault reading pages past the end of the file.
func TestOpenTruncatedJournal(t *testing.T) {
	j, path, c := newJournal(t)
	for i := 0; i < 30; i++ { // 3 KB records: a few dozen pages
		mustAppend(t, j, KindSaleCompleted, map[string]any{"i": i, "note": strings.Repeat("x", 3000)})
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The file grows in chunks; the pages in use end at the high-water mark.
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var hwm int
	_ = db.View(func(tx *bolt.Tx) error { hwm = int(tx.Size()); return nil })
	db.Close()
	page := os.Getpagesize()
	if hwm < 8*page || hwm > len(full) {
		t.Fatalf("high-water mark %d, file %d bytes", hwm, len(full))
	}
	for _, n := range []int{100, page + 10, 2*page - 1, 2 * page, 3 * page, hwm / 2, hwm - page, hwm - 1} {
		for _, ro := range []bool{false, true} {
			p := filepath.Join(t.TempDir(), "cut.db")
			if err := os.WriteFile(p, full[:n], 0o600); err != nil {
				t.Fatal(err)
			}
			opt := testOptions(c)
			opt.ReadOnly = ro
			j, err := Open(p, opt)
			if err == nil {
				j.Close()
				t.Errorf("Open (read-only %v) of the journal cut to %d of %d bytes succeeded", ro, n, len(full))
				continue
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Open (read-only %v) of the journal cut to %d bytes = %v, want ErrCorrupt", ro, n, err)
			}
			assertUnchanged(t, p, full[:n])
		}
	}
}

// bbolt keeps two meta pages: with one damaged the journal opens at the other
// (consistent, at most the last commit older); with both damaged it is corrupt.
func TestOpenDamagedMetaPages(t *testing.T) {
	j, path, c := newJournal(t)
	fill(t, j, 20)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := os.Getpagesize()
	damage := func(pages ...int) string {
		b := bytes.Clone(full)
		for _, p := range pages {
			b[p*page+16] ^= 0xff // the meta's magic number, after the 16-byte page header
		}
		p := filepath.Join(t.TempDir(), "damaged.db")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, meta := range []int{0, 1} {
		p := damage(meta)
		j := openAt(t, p, testOptions(c))
		res, err := j.Verify()
		if err != nil || res.Records < 20 {
			t.Errorf("meta page %d damaged: Verify = %+v, %v; want at least 20 records", meta, res, err)
		}
	}
	for _, ro := range []bool{false, true} {
		p := damage(0, 1)
		before, _ := os.ReadFile(p)
		opt := testOptions(c)
		opt.ReadOnly = ro
		if _, err := Open(p, opt); !errors.Is(err, ErrCorrupt) {
			t.Errorf("both meta pages damaged (read-only %v): Open = %v, want ErrCorrupt", ro, err)
		}
		assertUnchanged(t, p, before)
	}
}
