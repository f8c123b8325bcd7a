//go:build unix

package prepaid

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/internal/killtest"
)

// The kill test re-executes the test binary as a child that makes random movements
// until it is SIGKILLed; the parent then checks that every movement the child saw
// acknowledged is in the ledger, that the ledger verifies against its movements, and
// that the start-up resolution gives back the payments of sales left unfinished.

const (
	killEnv      = "TILLDESK_PREPAID_KILL_CHILD" // journal path
	killRoundEnv = "TILLDESK_PREPAID_KILL_ROUND"
)

// randomMovement makes one random movement on l (cards and pending payments as they
// are) with request ID id, and returns its ID when it was made.
func randomMovement(r *rand.Rand, j *journal.Journal, l *Ledger, id string) (string, error) {
	var cards []string
	if err := l.EachAccount(func(a Account) error { cards = append(cards, a.Number); return nil }); err != nil {
		return "", err
	}
	pending, err := l.PendingPayments()
	if err != nil {
		return "", err
	}
	amount := money.Amount(1 + r.IntN(5000))
	if len(cards) == 0 || r.IntN(8) == 0 {
		_, err := l.Issue(IssueRequest{ID: id, Amount: amount})
		return id, err
	}
	card := cards[r.IntN(len(cards))]
	var m Movement
	switch r.IntN(5) {
	case 0:
		m, err = l.TopUp(TopUpRequest{ID: id, Card: card, Amount: amount})
	case 1:
		m, err = l.Pay(PayRequest{ID: id, Card: card, Amount: amount, Sale: "S-" + id, Partial: true})
	case 2:
		m, err = l.Adjust(AdjustRequest{ID: id, Card: card, Amount: amount, Reason: "kill test"})
	default:
		if len(pending) == 0 {
			return "", nil
		}
		p := pending[r.IntN(len(pending))]
		if r.IntN(2) == 0 {
			m, err = l.Reverse(p.Payment, "kill test")
			return m.ID, err
		}
		// Settle in a sale's own record, as the till's completion does.
		tx := l.Begin()
		if m, err = tx.Settle(p.Payment, p.Sale); err != nil {
			tx.Abort()
			return "", err
		}
		b, changes, err := tx.Prepare()
		if err == nil {
			_, err = j.AppendWith(journal.KindSaleCompleted, map[string]any{"sale": map[string]any{"id": p.Sale}, "extras": map[string]any{SaleExtra: b}}, changes...)
		}
		tx.Finish(err == nil)
		return m.ID, err
	}
	if err != nil {
		return "", nil // a refusal (frozen, insufficient): nothing moved
	}
	return m.ID, nil
}

// TestPrepaidKillChild is the child process: it does nothing unless killEnv is set.
func TestPrepaidKillChild(t *testing.T) {
	path := os.Getenv(killEnv)
	if path == "" {
		t.Skip("helper process for TestLedgerSurvivesSIGKILL")
	}
	round, _ := strconv.Atoi(os.Getenv(killRoundEnv))
	c := newClock()
	j, err := journal.Open(path, journal.Options{Terminal: "TEST0001", Now: c.Now, LockTimeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	l, err := New(func() *journal.Journal { return j }, Options{Policy: testPolicy(), Now: c.Now, Rand: newSeeded(byte(round)), Log: quietLog()})
	if err != nil {
		os.Exit(2)
	}
	r := rand.New(rand.NewPCG(uint64(round), 7))
	for i := 0; ; i++ {
		id, err := randomMovement(r, j, l, fmt.Sprintf("k%d-%d", round, i))
		if err != nil {
			fmt.Fprintln(os.Stderr, "child movement:", err)
			os.Exit(3)
		}
		if id != "" {
			fmt.Fprintf(os.Stdout, "ack %s\n", id) // unbuffered: one write(2)
		}
	}
}

// runKillChild runs the child until it has acknowledged killAfter movements, SIGKILLs
// it, and returns the acknowledged request IDs.
func runKillChild(t *testing.T, path string, round, killAfter int) []string {
	t.Helper()
	var acks []string
	killtest.Run(t, "TestPrepaidKillChild", []string{killEnv + "=" + path, killRoundEnv + "=" + strconv.Itoa(round)}, func(line string) bool {
		if id, ok := strings.CutPrefix(line, "ack "); ok {
			acks = append(acks, id)
		}
		return len(acks) == killAfter
	})
	return acks
}

func TestLedgerSurvivesSIGKILL(t *testing.T) {
	if os.Getenv(killEnv) != "" {
		t.Skip("in the child")
	}
	if testing.Short() {
		t.Skip("spawns a process per round")
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	r := rand.New(rand.NewPCG(42, 42))
	for round := range 6 {
		acks := runKillChild(t, path, round, 5+r.IntN(60))
		c := newClock()
		j := openJournal(t, path, c)
		l, err := New(func() *journal.Journal { return j }, Options{Policy: testPolicy(), Now: c.Now, Rand: newSeeded(99), Log: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range acks {
			if v, err := j.GetState(BucketRequests, id); err != nil || v == nil {
				t.Fatalf("round %d: acknowledged movement %s lost (%v)", round, id, err)
			}
		}
		if _, err := l.Verify(); err != nil {
			t.Fatalf("round %d after the kill: %v", round, err)
		}
		if _, err := l.ReversePending(func(Pending) bool { return true }, "restart"); err != nil {
			t.Fatal(err)
		}
		v, err := l.Verify()
		if err != nil || v.Pending != 0 {
			t.Fatalf("round %d after resolving: %+v %v", round, v, err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: %d acknowledged, ledger %+v", round, len(acks), v)
	}
}
