package prepaid

import (
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/users"
)

// testParams are cheap argon2id parameters for tests (the real ones take 64 MiB).
var testParams = users.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// testPolicy is DefaultPolicy with cheap PIN hashing and a ¥1,000 limit.
func testPolicy() Policy {
	p := DefaultPolicy
	p.PINParams = testParams
	p.MaxBalance = money.Yuan(1000)
	p.PINLockout = users.Policy{MaxFailures: 3, LockFor: 10 * time.Minute}
	return p
}

// clock is a settable test clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// seededReader is a deterministic io.Reader for salts and IDs.
type seededReader struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func newSeeded(seed byte) *seededReader {
	var s [32]byte
	s[0] = seed
	return &seededReader{r: rand.NewChaCha8(s)}
}

func (s *seededReader) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Read(p)
}

// fixture is a ledger over a fresh journal in a temporary folder.
type fixture struct {
	path  string
	j     *journal.Journal
	l     *Ledger
	clock *clock
}

// fatalT is what the helpers need of *testing.T and *rapid.T.
type fatalT interface {
	Helper()
	Fatal(args ...any)
}

func openJournal(t fatalT, path string, c *clock) *journal.Journal {
	t.Helper()
	j, err := journal.Open(path, journal.Options{Terminal: "TEST0001", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{path: filepath.Join(t.TempDir(), "journal.db"), clock: newClock()}
	f.j = openJournal(t, f.path, f.clock)
	t.Cleanup(func() { f.j.Close() })
	f.l = f.ledger(t)
	return f
}

func (f *fixture) ledger(t testing.TB) *Ledger {
	t.Helper()
	l, err := New(func() *journal.Journal { return f.j }, Options{Policy: testPolicy(), Terminal: "TEST0001", Now: f.clock.Now, Rand: newSeeded(1), Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// issue issues a card with amount and an optional PIN and returns its number.
func (f *fixture) issue(t testing.TB, id string, amount money.Amount, pin string) string {
	t.Helper()
	hash := ""
	if pin != "" {
		var err error
		if hash, err = f.l.HashPIN("x", pin); err != nil {
			t.Fatal(err)
		}
	}
	m, err := f.l.Issue(IssueRequest{ID: id, Amount: amount, PINHash: hash, Operator: "m1"})
	if err != nil {
		t.Fatalf("issue %s: %v", id, err)
	}
	return m.Card
}

// verify checks the ledger against its movements.
func (f *fixture) verify(t testing.TB) VerifyResult {
	t.Helper()
	res, err := f.l.Verify()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) balance(t testing.TB, card string) money.Amount {
	t.Helper()
	a, err := f.l.Account(card)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

// quietLog discards the ledger's log.
func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// fastTemp is a folder for throw-away journals: memory-backed /dev/shm where there is
// one (a sync costs nothing there), else the system's temporary folder.
func fastTemp() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return ""
}
