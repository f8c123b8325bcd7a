package app

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tilldesk/core/backup"
	"tilldesk/core/dereg"
	"tilldesk/core/journal"
	"tilldesk/core/receipt"
)

// Test data of the deregistration tests.
const (
	deregTerminal = "DEMO0001"
	deregMerchant = "898310000000001"
	deregPass     = "a long enough passphrase"
	// deregSecret is planted in the "settings" state and in a device trace; after the
	// wipe no file in the data folder may hold it.
	deregSecret = "TMK-5EC2E7-9f1c2e7a44d0"
)

// deregKDF keeps argon2id cheap in tests.
var deregKDF = backup.KDFParams{Time: 1, MemoryKiB: 8, Threads: 1}

// deregPrinter records what it is asked to print.
type deregPrinter struct {
	mu   sync.Mutex
	jobs [][]receipt.Row
	err  error
}

func (p *deregPrinter) PrintReceipt(_ context.Context, rows []receipt.Row, _ string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.jobs = append(p.jobs, rows)
	return nil
}

func (p *deregPrinter) OpenDrawer(context.Context) error { return nil }

// deregFixture is a registered demo till with sales, a planted secret, a device trace
// and a backup target folder.
type deregFixture struct {
	paths    Paths
	now      func() time.Time
	s        *Session
	reg      *Registration
	printer  *deregPrinter
	usb      string   // the backup target
	saleIDs  []string // of the sales rung up; must be gone from the data folder at the end
	reopened int      // AfterReopen calls
}

// newDeregFixture registers the terminal, plants the secret and rings up sales.
func newDeregFixture(t *testing.T) *deregFixture {
	t.Helper()
	f := deregFixtureIn(t.TempDir())
	if err := os.MkdirAll(f.usb, 0o700); err != nil {
		t.Fatal(err)
	}
	f.open(t)
	form := RegistrationForm{MerchantID: deregMerchant, TerminalID: deregTerminal, AcquirerHost: "acquirer.example:5000"}
	if _, err := f.s.RegisterTerminal(f.reg, form, "mgr-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Journal.AppendWith(journal.KindAdmin, map[string]string{"setting": "acquirer.tmk"},
		journal.StateChange{Bucket: "settings", Key: "acquirer.tmk", Value: []byte(deregSecret)},
		journal.StateChange{Bucket: "settings", Key: "store.language", Value: []byte("zh")}); err != nil {
		t.Fatal(err)
	}
	traces := filepath.Join(f.paths.DataDir, "traces")
	if err := os.MkdirAll(traces, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(traces, "pinpad.trace"), []byte("> 02 "+deregSecret+" 03\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, codes := range [][]string{{water, noodles}, {water}, {noodles, noodles}} {
		for _, c := range codes {
			if _, err := f.s.Till.Scan(c); err != nil {
				t.Fatal(err)
			}
		}
		r := payCash(t, f.s.Till, 5000)
		f.saleIDs = append(f.saleIDs, r.Sale.ID)
	}
	return f
}

// deregFixtureIn lays a fixture out in dir, without opening anything.
func deregFixtureIn(dir string) *deregFixture {
	return &deregFixture{
		paths: Paths{Config: filepath.Join(dir, "config", "config.toml"), DataDir: filepath.Join(dir, "data")},
		now:   fixedClock(), printer: &deregPrinter{}, usb: filepath.Join(dir, "usb"),
	}
}

// open starts a session over the fixture's folders, as the program does at start-up.
func (f *deregFixture) open(t *testing.T) {
	t.Helper()
	if err := os.MkdirAll(f.paths.Logs(), 0o700); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.OpenFile(filepath.Join(f.paths.Logs(), "tilldesk.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(logFile, nil))
	cfg := DefaultConfig()
	if _, err := os.Stat(f.paths.Config); err == nil {
		if cfg, err = LoadConfig(f.paths.Config); err != nil {
			t.Fatal(err)
		}
	}
	j, err := journal.Open(f.paths.Journal(), journal.Options{Terminal: cfg.Terminal.ID, Now: f.now})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := LoadCatalog("", log)
	if err != nil {
		t.Fatal(err)
	}
	s := &Session{Paths: f.paths, Config: cfg, Log: log, Journal: j, Catalog: cat, Till: NewTill(cfg, j, cat, f.now, log), logFile: logFile}
	s.Till.SetPrinter(f.printer)
	reg, err := NewRegistration(s.Till)
	if err != nil {
		t.Fatal(err)
	}
	s.Till.AddSalesGate(reg.SalesAllowed)
	f.s, f.reg = s, reg
	t.Cleanup(func() { s.Close() })
}

// restart drops the session (and any wizard over it) and starts again on the same
// folders, as after a power cut.
func (f *deregFixture) restart(t *testing.T) {
	t.Helper()
	f.s.Close()
	f.open(t)
}

func (f *deregFixture) wizard(t *testing.T, opt DeregOptions) *DeregWizard {
	t.Helper()
	if opt.KDF == (backup.KDFParams{}) {
		opt.KDF = deregKDF
	}
	opt.AfterReopen = func(*journal.Journal) { f.reopened++ }
	w, err := NewDeregWizard(f.s, f.reg, "tech-1", opt)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// deregCertLabels are the certificate's labels as their keys.
func deregCertLabels(key string) string { return "[" + key + "]" }

// advance does the wizard's current step with good input.
func (f *deregFixture) advance(t *testing.T, w *DeregWizard) {
	t.Helper()
	ctx := context.Background()
	var err error
	at := w.State().Step
	switch at {
	case dereg.Identify:
		err = w.Start(dereg.Replacement)
	case dereg.Preconditions:
		_, err = w.CheckPreconditions()
	case dereg.SafeEnvironment:
		err = w.ConfirmEnvironment(dereg.Checklist)
	case dereg.ConfirmDetails:
		err = w.ConfirmDetails(deregTerminal, deregMerchant)
	case dereg.Backup:
		_, err = w.Backup(ctx, f.usb, deregPass, deregPass, nil)
	case dereg.SignOff:
		err = w.SignOff(ctx)
	case dereg.ClearAndWipe:
		err = w.ClearAndWipe()
	case dereg.Void:
		err = w.Void()
	case dereg.Record:
		_, err = w.Record(ctx, deregCertLabels)
	default:
		t.Fatalf("advance at %s", at)
	}
	if err != nil {
		t.Fatalf("step %s: %v", at, err)
	}
	if got := w.State().Step; got != at+1 {
		t.Fatalf("step %s moved to %s", at, got)
	}
}

// walk advances the wizard until it is at step to.
func (f *deregFixture) walk(t *testing.T, w *DeregWizard, to dereg.Step) {
	t.Helper()
	for w.State().Step < to {
		f.advance(t, w)
	}
}

// deregFindInFiles returns "file: needle" for every file under dir holding a needle.
func deregFindInFiles(t *testing.T, dir string, needles ...string) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(data, []byte(n)) {
				rel, _ := filepath.Rel(dir, path)
				hits = append(hits, rel+": "+n)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return hits
}

// liveState is the journal's record count and last hash, for "nothing changed" checks.
func (f *deregFixture) liveState(t *testing.T) journal.VerifyResult {
	t.Helper()
	res, err := f.s.Journal.Verify()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// assertNothingCleared checks the live journal still holds the sales and the secret.
func (f *deregFixture) assertNothingCleared(t *testing.T) {
	t.Helper()
	if v, err := f.s.Journal.GetState("settings", "acquirer.tmk"); err != nil || string(v) != deregSecret {
		t.Fatalf("secret gone before the clear: %q, %v", v, err)
	}
	hits := deregFindInFiles(t, f.paths.DataDir, f.saleIDs...)
	all := strings.Join(hits, "\n") // in the file, or still in its write-ahead log
	if !strings.Contains(all, "journal.db: "+f.saleIDs[0]) && !strings.Contains(all, "journal.db-log: "+f.saleIDs[0]) {
		t.Fatalf("sales gone from the journal before the clear: %v", hits)
	}
}
