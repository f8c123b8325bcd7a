package app

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/width"

	"tilldesk/core/dereg"
	"tilldesk/core/journal"
)

func TestRegistrationFormValidate(t *testing.T) {
	good := RegistrationForm{MerchantID: "898310000000001", TerminalID: "T1234567", AcquirerHost: "acq.example.cn:5000"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit  func(*RegistrationForm)
		field string // "" when the form is fine
	}{
		{func(f *RegistrationForm) { f.MerchantID = "89831000000001" }, "merchant"},
		{func(f *RegistrationForm) { f.MerchantID = "8983100000000012" }, "merchant"},
		{func(f *RegistrationForm) { f.MerchantID = "89831000000000A" }, "merchant"},
		{func(f *RegistrationForm) { f.TerminalID = "T123456" }, "terminal"},
		{func(f *RegistrationForm) { f.TerminalID = "T1234-67" }, "terminal"},
		{func(f *RegistrationForm) { f.AcquirerHost = "acq.example.cn" }, "acquirer"},
		{func(f *RegistrationForm) { f.AcquirerHost = ":5000" }, "acquirer"},
		{func(f *RegistrationForm) { f.AcquirerHost = "acq:0" }, "acquirer"},
		{func(f *RegistrationForm) { f.AcquirerHost = "acq:70000" }, "acquirer"},
		{func(f *RegistrationForm) { f.AcquirerHost = "a b:5000" }, "acquirer"},
		{func(f *RegistrationForm) { f.AcquirerHost = "[::1]:5000" }, ""},
		{func(f *RegistrationForm) {
			f.TerminalID, f.MerchantID = " Ｔ１２３４５６７ ", width.Widen.String(good.MerchantID)
		}, ""},
	} {
		f := good
		tc.edit(&f)
		err := f.Normalized().Validate()
		var fe *FieldError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", f, err)
		case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrInvalidRegistration)):
			t.Errorf("%+v: %v, want a %s error", f, err, tc.field)
		}
	}
	all := RegistrationForm{}.Validate()
	if n := strings.Count(all.Error(), "\n") + 1; n != 3 {
		t.Errorf("an empty form reports %d fields: %v", n, all)
	}
}

// newRegisterFixture is a till with nothing rung up and no registration.
func newRegisterFixture(t *testing.T) *deregFixture {
	t.Helper()
	f := deregFixtureIn(t.TempDir())
	f.open(t)
	return f
}

func TestRegisterAndSalesGate(t *testing.T) {
	f := newRegisterFixture(t)
	id, err := f.reg.Identity()
	if err != nil || id.Status != StatusUnregistered || id.Terminal != deregTerminal || f.reg.SalesAllowed() != nil {
		t.Fatalf("fresh demo till: %+v, %v, gate %v", id, err, f.reg.SalesAllowed())
	}
	f.s.Till.cfg.Terminal.Demo = false
	if _, err := f.s.Till.Scan(water); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("unregistered, not demo: %v", err)
	}
	form := RegistrationForm{MerchantID: deregMerchant, TerminalID: deregTerminal, AcquirerHost: "10.0.0.5:8583"}
	bad := form
	bad.TerminalID = "OTHER001"
	if _, err := f.reg.Register(bad, "mgr-1"); !errors.Is(err, ErrTerminalMismatch) {
		t.Fatalf("register another terminal ID directly: %v", err)
	}
	id, err = f.reg.Register(form, "mgr-1")
	if err != nil || id.Status != StatusRegistered || id.SignOn != SignOnPending || id.PINPadSerial != "" || id.RegisteredBy != "mgr-1" || id.Registered.IsZero() || id.Acquirer != "10.0.0.5:8583" {
		t.Fatalf("registered: %+v, %v", id, err)
	}
	if _, err := f.s.Till.Scan(water); err != nil {
		t.Fatalf("registered till refuses a sale: %v", err)
	}
	if _, err := f.reg.Register(form, "mgr-1"); !errors.Is(err, ErrAlreadyRegistered) {
		t.Fatalf("registering twice: %v", err)
	}
	n := 0
	f.s.Journal.Each(journal.Filter{Kind: KindTerminalRegistered}, func(journal.Record) error { n++; return nil })
	if n != 1 {
		t.Fatalf("%d registration records", n)
	}
	f.restart(t)
	if f.reg.Status() != StatusRegistered {
		t.Fatalf("after a restart: %s", f.reg.Status())
	}
}

// A new terminal ID starts a new journal while the old one holds no sales; the old
// file is kept, the state carried over, and the config follows.
func TestRegisterTerminalWithANewID(t *testing.T) {
	f := newRegisterFixture(t)
	if err := f.s.Journal.PutState(journal.StateChange{Bucket: "operators", Key: "1001", Value: []byte(`{"name":"王芳"}`)}); err != nil {
		t.Fatal(err)
	}
	form := RegistrationForm{MerchantID: "898310000000777", TerminalID: "NEWT0002", AcquirerHost: "acq:5000"}
	id, err := f.s.RegisterTerminal(f.reg, form, "mgr-1")
	if err != nil || id.Terminal != "NEWT0002" || f.s.Journal.Terminal() != "NEWT0002" || f.s.Till.Journal() != f.s.Journal {
		t.Fatalf("register with a new ID: %+v, %v", id, err)
	}
	if v, _ := f.s.Journal.GetState("operators", "1001"); string(v) != `{"name":"王芳"}` {
		t.Fatal("operators not carried over")
	}
	archived, _ := filepath.Glob(filepath.Join(f.paths.DataDir, "journal-DEMO0001-*.db"))
	if len(archived) != 1 {
		t.Fatalf("old journal kept as %v", archived)
	}
	cfg, err := LoadConfig(f.paths.Config)
	if err != nil || cfg.Terminal.ID != "NEWT0002" || cfg.Terminal.MerchantID != "898310000000777" || f.s.Till.Config().Terminal.ID != "NEWT0002" {
		t.Fatalf("config after: %+v, %v", cfg.Terminal, err)
	}
	if _, err := f.s.Till.Scan(water); err != nil {
		t.Fatal(err)
	}
	if r := payCash(t, f.s.Till, 500); !strings.HasPrefix(r.Number, "NEWT0002-") {
		t.Fatalf("receipt %s", r.Number)
	}
	// The restarted till opens the new journal with the new ID from the config.
	f.restart(t)
	if f.s.Journal.Terminal() != "NEWT0002" || f.reg.Status() != StatusRegistered {
		t.Fatalf("after restart: %s %s", f.s.Journal.Terminal(), f.reg.Status())
	}
}

func TestRegisterTerminalRefusesANewIDOverSales(t *testing.T) {
	f := newRegisterFixture(t)
	if _, err := f.s.Till.Scan(water); err != nil {
		t.Fatal(err)
	}
	payCash(t, f.s.Till, 500)
	before := f.liveState(t)
	form := RegistrationForm{MerchantID: deregMerchant, TerminalID: "NEWT0002", AcquirerHost: "acq:5000"}
	if _, err := f.s.RegisterTerminal(f.reg, form, "mgr-1"); !errors.Is(err, ErrJournalHasSales) {
		t.Fatalf("new ID over sales: %v", err)
	}
	if f.liveState(t) != before || f.s.Journal.Terminal() != deregTerminal {
		t.Fatal("the journal changed")
	}
	want := []string{f.paths.Journal(), journal.LogPath(f.paths.Journal())}
	if left, _ := filepath.Glob(filepath.Join(f.paths.DataDir, "journal*")); !slices.Equal(left, want) {
		t.Fatalf("files: %v", left)
	}
}

// Once deregistered, the cleared journal may go to a new terminal ID.
func TestRegisterANewIDAfterDeregistration(t *testing.T) {
	f := newDeregFixture(t)
	w := f.wizard(t, DeregOptions{})
	f.walk(t, w, dereg.Done)
	form := RegistrationForm{MerchantID: "898310000000778", TerminalID: "NEWT0003", AcquirerHost: "acq:5000"}
	if _, err := f.s.RegisterTerminal(f.reg, form, "mgr-1"); err != nil {
		t.Fatal(err)
	}
	if f.reg.Status() != StatusRegistered || f.s.Journal.Terminal() != "NEWT0003" {
		t.Fatalf("status %s, journal of %s", f.reg.Status(), f.s.Journal.Terminal())
	}
	if hits := deregFindInFiles(t, f.paths.DataDir, append(f.saleIDs, deregSecret)...); len(hits) > 0 {
		t.Fatalf("old data back: %v", hits)
	}
	if _, err := os.Stat(filepath.Join(f.paths.DataDir, DeregRecordsFile)); err != nil {
		t.Fatal(err)
	}
}
