package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// abandon drops the journal the way a killed process does: the files are closed with
// no checkpoint, so what the log holds is not in bbolt.
func (j *Journal) abandon() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	j.log.close()
	j.db.Close()
}

// boltRecords counts the records bbolt itself holds (no log), reading the file directly.
func boltRecords(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	_ = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, _ []byte) error {
			if !bytes.Equal(k, headKey) {
				n++
			}
			return nil
		})
	})
	return n
}

func verifyRecords(t *testing.T, j *Journal, want uint64) {
	t.Helper()
	res, err := j.Verify()
	if err != nil || res.Records != want {
		t.Fatalf("Verify = %+v, %v; want %d records", res, err, want)
	}
	if last, err := j.LastSeq(); err != nil || last != want {
		t.Fatalf("LastSeq = %d, %v; want %d", last, err, want)
	}
	if got := collect(t, j, Filter{}); uint64(len(got)) != want {
		t.Fatalf("Each saw %d records, want %d", len(got), want)
	}
}

// Everything written since the last checkpoint lives in the log and the overlay; readers
// see it all, and a restart after a kill replays it into bbolt.
func TestLogReplayAfterKill(t *testing.T) {
	j, path, c := newJournal(t)
	fill(t, j, 10)
	if err := j.PutState(StateChange{Bucket: "settings", Key: "a", Value: []byte("1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.AppendWith(KindAdmin, map[string]string{"what": "x"},
		StateChange{Bucket: "settings", Key: "a", Value: nil},
		StateChange{Bucket: "settings", Key: "b", Value: []byte{}}); err != nil {
		t.Fatal(err)
	}
	if err := j.PutHeld("H1", json.RawMessage(`{"lines":[]}`)); err != nil {
		t.Fatal(err)
	}
	verifyRecords(t, j, 12)
	if r, err := j.Get(12); err != nil || r.Kind != KindAdmin {
		t.Fatalf("Get(12) from the overlay = %+v, %v", r, err)
	}
	if _, err := j.Get(13); err == nil {
		t.Error("Get past the newest record succeeded")
	}
	j.abandon()
	if n := boltRecords(t, path); n != 0 {
		t.Fatalf("bbolt holds %d records before any checkpoint, want 0 (all in the log)", n)
	}

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	verifyRecords(t, ro, 12) // a read-only open sees the log without applying it
	ro.Close()
	if n := boltRecords(t, path); n != 0 {
		t.Fatalf("a read-only open wrote %d records into bbolt", n)
	}

	j = openAt(t, path, testOptions(c))
	verifyRecords(t, j, 12)
	if v, _ := j.GetState("settings", "a"); v != nil {
		t.Errorf("deleted state a = %q", v)
	}
	if v, _ := j.GetState("settings", "b"); v == nil || len(v) != 0 {
		t.Errorf("empty state b = %v, want empty and set", v)
	}
	if h, _ := j.Held(); len(h) != 1 || string(h["H1"]) != `{"lines":[]}` {
		t.Errorf("held after replay = %s", h)
	}
	j.Close()
	if n := boltRecords(t, path); n != 12 {
		t.Errorf("bbolt holds %d records after replay and close, want 12", n)
	}
}

// A crash between the checkpoint's bbolt commit and the log's new generation leaves a
// log the file has applied; the next start must not apply it twice.
func TestCheckpointCrashBeforeLogReset(t *testing.T) {
	j, path, c := newJournal(t)
	fill(t, j, 5)
	j.mu.Lock()
	err := j.db.Update(func(tx *bolt.Tx) error {
		if err := j.pend.flush(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyLogGen, []byte(strconv.FormatUint(j.log.gen, 10)))
	})
	j.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	j.abandon()
	j = openAt(t, path, testOptions(c))
	verifyRecords(t, j, 6)
	fill(t, j, 1)
	verifyRecords(t, j, 7)
}

// A torn last entry (a crash during its write, never acknowledged) ends the log; a torn
// header (a crash while a checkpoint rewrote it) loses nothing.
func TestTornLog(t *testing.T) {
	for _, tc := range []struct {
		name string
		tear func(t *testing.T, f *os.File, end int64)
		want uint64
	}{
		{"last entry torn", func(t *testing.T, f *os.File, end int64) {
			if _, err := f.WriteAt([]byte{0xde, 0xad}, end-2); err != nil {
				t.Fatal(err)
			}
		}, 5},
		{"header torn", func(t *testing.T, f *os.File, end int64) {
			if _, err := f.WriteAt(bytes.Repeat([]byte{0x5a}, 40), 0); err != nil {
				t.Fatal(err)
			}
		}, 6},
		{"header zeroed", func(t *testing.T, f *os.File, end int64) {
			if _, err := f.WriteAt(make([]byte, logHeaderSize), 0); err != nil {
				t.Fatal(err)
			}
		}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, path, c := newJournal(t)
			fill(t, j, 5)
			end := j.log.next
			j.abandon()
			f, err := os.OpenFile(LogPath(path), os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			tc.tear(t, f, end)
			f.Close()
			j = openAt(t, path, testOptions(c))
			verifyRecords(t, j, tc.want)
			fill(t, j, 1)
			verifyRecords(t, j, tc.want+1)
		})
	}
}

// A log left by another journal file (e.g. one that was replaced) is started anew when
// it holds nothing, with its old bytes overwritten; one that still holds records is
// refused and left as it is.
func TestForeignLog(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	ja := openAt(t, a, testOptions(c))
	mustAppend(t, ja, KindSaleCompleted, map[string]string{"secret": "PAN-LIKE-MARKER-4111"})
	ja.abandon()
	openAt(t, b, testOptions(c)).Close()

	if err := os.Rename(LogPath(a), LogPath(b)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(LogPath(b))
	if _, err := Open(b, testOptions(c)); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "another journal") {
		t.Fatalf("Open with a foreign log holding records = %v, want ErrCorrupt", err)
	}
	if after, _ := os.ReadFile(LogPath(b)); !bytes.Equal(before, after) {
		t.Fatal("a refused log was modified")
	}

	// Once its own journal has applied it, the log holds nothing and may be replaced.
	if err := os.Rename(LogPath(b), LogPath(a)); err != nil {
		t.Fatal(err)
	}
	openAt(t, a, testOptions(c)).Close()
	if err := os.Rename(LogPath(a), LogPath(b)); err != nil {
		t.Fatal(err)
	}
	jb := openAt(t, b, testOptions(c))
	verifyRecords(t, jb, 1)
	jb.Close()
	if data, _ := os.ReadFile(LogPath(b)); bytes.Contains(data, []byte("PAN-LIKE-MARKER")) {
		t.Error("the other journal's log entries survived in the new log")
	}
}

// Checkpoints happen every checkpointEvery entries and whenever an entry does not fit.
func TestCheckpointTriggers(t *testing.T) {
	j, path, c := newJournal(t)
	fill(t, j, checkpointEvery+10)
	if j.pend.entries != 11 { // journal.created + the sales, minus one checkpoint's worth
		t.Errorf("pending entries = %d, want 11", j.pend.entries)
	}
	big := strings.Repeat("x", 300<<10)
	for range 20 { // 6 MB through a 4 MB log
		mustAppend(t, j, KindAdmin, map[string]string{"blob": big})
	}
	verifyRecords(t, j, checkpointEvery+31)
	if _, err := j.Append(KindAdmin, map[string]string{"blob": strings.Repeat("y", logSize)}); err == nil {
		t.Error("an entry larger than the log was accepted")
	}
	if _, err := j.Append(KindAdmin, map[string]string{"blob": "ok"}); err != nil {
		t.Errorf("append after a refused oversize entry: %v", err)
	}
	j.Close()
	j = openAt(t, path, testOptions(c))
	verifyRecords(t, j, checkpointEvery+32)
}

// A failed log write leaves the disk in doubt: the journal takes no more writes, and
// the next start recovers what reached the log.
func TestLogWriteFailure(t *testing.T) {
	j, path, c := newJournal(t)
	fill(t, j, 3)
	j.log.f.Close() // the next write fails
	if _, err := j.Append(KindSaleCompleted, map[string]int{"total": 1}); err == nil {
		t.Fatal("append with a dead log succeeded")
	}
	_, err := j.Append(KindSaleCompleted, map[string]int{"total": 2})
	if err == nil || !strings.Contains(err.Error(), "restart") {
		t.Fatalf("append after a failed write = %v, want a restart error", err)
	}
	if err := j.PutState(StateChange{Bucket: "settings", Key: "k", Value: []byte("v")}); err == nil {
		t.Error("PutState after a failed write succeeded")
	}
	verifyRecords(t, j, 4) // reads still work
	j.Close()
	j = openAt(t, path, testOptions(c))
	verifyRecords(t, j, 4)
}

// Writers and readers at once (run with -race): every append is seen exactly once and
// in order, across checkpoints.
func TestConcurrentAppendAndRead(t *testing.T) {
	j, _, _ := newJournal(t)
	const writers, each = 4, 80
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := j.Append(KindSaleCompleted, map[string]string{"sale": fmt.Sprintf("W%d-%d", w, i)}); err != nil {
					t.Error(err)
					return
				}
				if i%20 == 0 {
					_ = j.PutHeld(fmt.Sprintf("W%d", w), json.RawMessage(`{}`))
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var prev uint64
			err := j.Each(Filter{}, func(r Record) error {
				if r.Seq != prev+1 {
					return fmt.Errorf("record %d after %d", r.Seq, prev)
				}
				prev = r.Seq
				return nil
			})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := j.Verify(); err != nil {
				t.Error(err)
				return
			}
			if prev == writers*each+1 {
				return
			}
		}
	}()
	wg.Wait()
	<-done
	verifyRecords(t, j, writers*each+1)
}

// A journal that replaces a cleared one continues its chain: the sequence numbers go on
// (receipt numbers never repeat) and the first record commits to the old last hash.
func TestContinuedChain(t *testing.T) {
	old, _, c := newJournal(t)
	fill(t, old, 4)
	last, err := old.Verify()
	if err != nil {
		t.Fatal(err)
	}
	opt := testOptions(c)
	opt.Continues = Link{Seq: last.Records, Hash: last.LastHash}
	path := filepath.Join(t.TempDir(), "next.db")
	j := openAt(t, path, opt)
	if j.FirstSeq() != 6 {
		t.Errorf("FirstSeq = %d, want 6", j.FirstSeq())
	}
	first, err := j.Get(6)
	if err != nil || first.Kind != KindJournalOpened || first.Prev != last.LastHash {
		t.Fatalf("first record = %+v, %v", first, err)
	}
	if !strings.Contains(string(first.Data), last.LastHash) {
		t.Errorf("the created record does not name the link: %s", first.Data)
	}
	if _, err := j.Get(1); err == nil {
		t.Error("record 1 found in a continuing journal")
	}
	r := mustAppend(t, j, KindSaleCompleted, map[string]int{"total": 1})
	if r.Seq != 7 {
		t.Errorf("next record is %d, want 7", r.Seq)
	}
	res, err := j.Verify()
	if err != nil || res.Records != 7 || res.Continues != opt.Continues || res.LastHash != r.Hash {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
	j.Close()
	opt.Continues = Link{Seq: 99, Hash: "ignored for an existing file"}
	j = openAt(t, path, opt)
	if res2, err := j.Verify(); err != nil || res2 != res {
		t.Fatalf("Verify after reopen = %+v, %v; want %+v", res2, err, res)
	}
	j.Close()

	// Altering the link breaks the chain at its first record.
	editBolt(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyContinues, []byte(`{"seq":5,"hash":"00"}`))
	})
	j = openAt(t, path, opt)
	var ce *ChainError
	if _, err := j.Verify(); !errors.As(err, &ce) || ce.Seq != 6 {
		t.Errorf("Verify with an altered link = %v, want a chain error at 6", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "bad.db"), Options{Terminal: testTerminal, Continues: Link{Seq: 3}}); err == nil {
		t.Error("a link with no hash was accepted")
	}
}
