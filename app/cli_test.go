package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tilldesk/core/journal"
)

// fakeFrontend rings up one cash sale instead of opening a window.
type fakeFrontend struct {
	ran     bool
	failure error
}

func (f *fakeFrontend) Run(s *Session) error {
	f.ran = true
	if _, err := s.Till.Scan(water); err != nil {
		return err
	}
	_, err := s.Till.Pay(context.Background(), CashTender{Now: fixedClock()}, PayRequest{Tendered: 1000})
	return err
}

func (f *fakeFrontend) Screenshots(*Session, string) error { return nil }

func (f *fakeFrontend) StartupFailed(err error) { f.failure = err }

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, &out, &errOut, &fakeFrontend{})
	return code, out.String(), errOut.String()
}

func TestMainFirstRunThenVerifyAndExport(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "conf", "config.toml")
	data := filepath.Join(dir, "data")
	fe := &fakeFrontend{}
	var out, errOut bytes.Buffer
	if code := Main([]string{"--config", cfg, "--data-dir", data}, &out, &errOut, fe); code != 0 || !fe.ran {
		t.Fatalf("run: code %d, ran %v, stderr %s", code, fe.ran, errOut.String())
	}
	written, err := os.ReadFile(cfg)
	if err != nil || !strings.Contains(string(written), `id = "DEMO0001"`) {
		t.Fatalf("first run did not write demo defaults: %v\n%s", err, written)
	}
	if _, err := os.Stat(filepath.Join(data, "logs", "tilldesk.log")); err != nil {
		t.Errorf("no log file: %v", err)
	}

	code, stdout, stderr := runMain(t, "--config", cfg, "--data-dir", data, "journal", "verify")
	if code != 0 || !strings.Contains(stdout, "OK, 2 records") {
		t.Fatalf("verify: %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = runMain(t, "--config", cfg, "--data-dir", data, "journal", "export", "--format", "jsonl")
	if code != 0 || strings.Count(stdout, "\n") != 2 || !strings.Contains(stdout, `"kind":"sale.completed"`) {
		t.Fatalf("export jsonl: %d\n%s", code, stdout)
	}
	code, stdout, _ = runMain(t, "--data-dir", data, "--config", cfg, "journal", "export", "--format", "csv", "--from", "2026-11-26", "--to", "2026-11-27")
	if code != 0 || !strings.HasPrefix(stdout, "seq,terminal,time,kind,data,prev,hash\n") || strings.Count(stdout, "\n") != 3 {
		t.Fatalf("export csv: %d\n%s", code, stdout)
	}
	code, stdout, _ = runMain(t, "--data-dir", data, "--config", cfg, "journal", "export", "--from", "2030-01-01")
	if code != 0 || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("export of a future range should be the header only: %d\n%s", code, stdout)
	}
}

func TestMainRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	locked := filepath.Join(dir, "locked")
	os.MkdirAll(locked, 0o700)
	j, err := journal.Open(filepath.Join(locked, "journal.db"), journal.Options{Terminal: "DEMO0001"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	corrupt := filepath.Join(dir, "corrupt")
	os.MkdirAll(corrupt, 0o700)
	garbage := bytes.Repeat([]byte("not a journal "), 1000)
	os.WriteFile(filepath.Join(corrupt, "journal.db"), garbage, 0o600)
	badCSV := filepath.Join(dir, "bad.csv")
	os.WriteFile(badCSV, []byte("code,name_zh,name_en,price,tax_rate,unit,weighed\n6936352322871,水,Water,2,13,瓶,no\n6936352322870,水,Water,2.001,13,瓶,no\nP9,梨,Pear,3,9,kg,yes\n"), 0o600)
	badConfig := filepath.Join(dir, "bad.toml")
	os.WriteFile(badConfig, []byte("[terminal]\nid = \"short\"\n"), 0o600)

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"locked journal", []string{"--config", cfg, "--data-dir", locked, "journal", "verify"}, 1, "in use by another Tilldesk"},
		{"corrupt journal", []string{"--config", cfg, "--data-dir", corrupt, "journal", "verify"}, 1, "corrupt"},
		{"corrupt journal at start", []string{"--config", cfg, "--data-dir", corrupt}, 1, "corrupt"},
		{"missing journal", []string{"--config", cfg, "--data-dir", filepath.Join(dir, "none"), "journal", "verify"}, 1, "no such file"},
		{"bad export format", []string{"--config", cfg, "--data-dir", locked, "journal", "export", "--format", "xml"}, 2, "want csv or jsonl"},
		{"bad date", []string{"--config", cfg, "--data-dir", locked, "journal", "export", "--from", "yesterday"}, 2, "want 2006-01-02"},
		{"bad config", []string{"--config", badConfig, "--data-dir", dir}, 1, "terminal.id"},
		{"unknown command", []string{"--config", cfg, "--data-dir", dir, "frobnicate"}, 2, "unknown command"},
		{"catalog check", []string{"catalog", "check", badCSV}, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMain(t, tc.args...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Fatalf("code %d (want %d), output:\n%s%s", code, tc.code, stdout, stderr)
			}
		})
	}
	if got, _ := os.ReadFile(filepath.Join(corrupt, "journal.db")); !bytes.Equal(got, garbage) {
		t.Error("a corrupt journal file was modified")
	}
	_, stdout, _ := runMain(t, "catalog", "check", badCSV)
	for _, want := range []string{":2: code 6936352322871 has a wrong check digit", ":3: price", "1 products OK, 2 rows refused"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("catalog check output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestStartupFailureIsShownToTheCashier(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "journal.db"), bytes.Repeat([]byte("x"), 9000), 0o600)
	fe := &fakeFrontend{}
	var out, errOut bytes.Buffer
	code := Main([]string{"--config", filepath.Join(dir, "c.toml"), "--data-dir", dir}, &out, &errOut, fe)
	if code != 1 || fe.ran || !errors.Is(fe.failure, journal.ErrCorrupt) {
		t.Fatalf("code %d ran %v failure %v", code, fe.ran, fe.failure)
	}
}

func TestStartWithOwnCatalogCountsSkippedRows(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "shop.csv")
	os.WriteFile(csvPath, []byte("code,name_zh,name_en,price,tax_rate,unit,weighed\n4006381333931,咖啡,Coffee,25.00,13,袋,no\n4006381333932,茶,Tea,9.00,13,盒,no\n"), 0o600)
	cfgPath := filepath.Join(dir, "config.toml")
	os.WriteFile(cfgPath, []byte("[catalog]\nfile = \""+filepath.ToSlash(csvPath)+"\"\n"), 0o600)
	s, err := Start(Paths{Config: cfgPath, DataDir: filepath.Join(dir, "data")}, fixedClock())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Catalog.Len() != 1 || s.Till.CatalogSkipped() != 1 {
		t.Fatalf("catalog has %d products, %d skipped; want 1 and 1", s.Catalog.Len(), s.Till.CatalogSkipped())
	}
	if err := s.Till.JournalProblem(); err != nil {
		t.Fatalf("fresh journal failed its check: %v", err)
	}
}
