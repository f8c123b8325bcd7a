//go:build unix

package journal

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tilldesk/internal/killtest"
)

// The crash test re-executes the test binary as a child that appends until it is
// SIGKILLed; the parent then checks that every append the child saw acknowledged is in
// the journal, intact, and that the chain verifies.

const (
	crashEnv      = "TILLDESK_JOURNAL_CRASH_CHILD"       // journal path
	crashRoundEnv = "TILLDESK_JOURNAL_CRASH_CHILD_ROUND" // round number, part of the payload
)

// crashPayload is the data of the child's i-th append in round.
func crashPayload(round, i int) map[string]any {
	return map[string]any{
		"sale":  fmt.Sprintf("R%d-%06d", round, i),
		"lines": []map[string]any{{"sku": "COFFEE-250", "qty": 1 + i%3, "price": 1250}},
		"total": (1 + i%3) * 1250,
	}
}

// TestCrashChild is the child process: it does nothing unless crashEnv is set.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestCrashRecovery")
	}
	round, _ := strconv.Atoi(os.Getenv(crashRoundEnv))
	j, err := Open(path, Options{Terminal: testTerminal, LockTimeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		r, err := j.Append(KindSaleCompleted, crashPayload(round, i))
		if err != nil {
			fmt.Fprintln(os.Stderr, "child append:", err)
			os.Exit(3)
		}
		// os.Stdout is unbuffered: one write(2) per acknowledgement.
		if _, err := fmt.Fprintf(os.Stdout, "ack %d %d %s\n", r.Seq, i, r.Hash); err != nil {
			os.Exit(4)
		}
	}
}

type crashAck struct {
	seq  uint64
	i    int
	hash string
}

func parseAck(line string) (crashAck, bool) {
	var a crashAck
	f := strings.Fields(line)
	if len(f) != 4 || f[0] != "ack" {
		return a, false
	}
	var err1, err2 error
	a.seq, err1 = strconv.ParseUint(f[1], 10, 64)
	a.i, err2 = strconv.Atoi(f[2])
	a.hash = f[3]
	return a, err1 == nil && err2 == nil && len(a.hash) == 64
}

// runCrashChild starts a child appending to path and SIGKILLs it after killAfter
// acknowledgements (or at the first one after 2 s, should the disk be slow), and
// returns every acknowledgement it wrote.
func runCrashChild(t *testing.T, path string, round, killAfter int) []crashAck {
	t.Helper()
	var got []crashAck
	start := time.Now()
	killtest.Run(t, "TestCrashChild", []string{crashEnv + "=" + path, crashRoundEnv + "=" + strconv.Itoa(round)}, func(line string) bool {
		if a, ok := parseAck(line); ok {
			got = append(got, a)
		}
		return len(got) >= killAfter || (len(got) > 0 && time.Since(start) > 2*time.Second)
	})
	if len(got) == 0 {
		t.Fatalf("round %d: child acknowledged nothing", round)
	}
	return got
}

func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in the crash child")
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	c := newClock()
	j := openAt(t, path, testOptions(c))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	base := uint64(1) // the journal.created record
	for round, killAfter := range []int{200, 37, 120, 1, 200} {
		acks := runCrashChild(t, path, round, killAfter)

		j, err := Open(path, testOptions(c))
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		res, err := j.Verify()
		if err != nil {
			t.Fatalf("round %d: Verify after SIGKILL: %v", round, err)
		}
		for k, a := range acks {
			if a.seq != base+uint64(k)+1 || a.i != k {
				t.Fatalf("round %d: ack %d is seq %d append %d; want seq %d", round, k, a.seq, a.i, base+uint64(k)+1)
			}
			checkCrashRecord(t, j, a.seq, round, a.i, a.hash)
		}
		// At most one append can have committed without its acknowledgement.
		lastAck := acks[len(acks)-1]
		switch res.Records {
		case lastAck.seq:
		case lastAck.seq + 1:
			checkCrashRecord(t, j, res.Records, round, lastAck.i+1, "")
		default:
			t.Fatalf("round %d: journal has %d records, last acknowledged %d", round, res.Records, lastAck.seq)
		}
		t.Logf("round %d: %d acknowledged, %d records after SIGKILL", round, len(acks), res.Records)

		// The recovered journal takes appends and stays verifiable.
		r := mustAppend(t, j, KindAdmin, map[string]any{"recovered": round})
		if r.Seq != res.Records+1 || r.Prev != res.LastHash {
			t.Fatalf("round %d: append after recovery = seq %d prev %s; want %d chained to %s", round, r.Seq, r.Prev, res.Records+1, res.LastHash)
		}
		if _, err := j.Verify(); err != nil {
			t.Fatalf("round %d: Verify after appending to the recovered journal: %v", round, err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		base = r.Seq
	}
}

// checkCrashRecord checks the record at seq is the child's i-th append of round (and
// has hash, when given).
func checkCrashRecord(t *testing.T, j *Journal, seq uint64, round, i int, hash string) {
	t.Helper()
	r, err := j.Get(seq)
	if err != nil {
		t.Fatalf("round %d: acknowledged record %d: %v", round, seq, err)
	}
	want, _ := json.Marshal(crashPayload(round, i))
	if r.Kind != KindSaleCompleted || r.Terminal != testTerminal || string(r.Data) != string(want) || (hash != "" && r.Hash != hash) {
		t.Fatalf("round %d: record %d = %s %s %s (hash %s); want %s %s (hash %s)", round, seq, r.Kind, r.Terminal, r.Data, r.Hash, KindSaleCompleted, want, hash)
	}
}
