package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tilldesk/core/dereg"
)

// runBackupCommand runs `tilldesk backup ARGS` with the passphrase in the environment.
func runBackupCommand(t *testing.T, pass string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv(PassphraseEnv, pass)
	var out, errOut bytes.Buffer
	code := BackupCommand(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func deregContainsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// backupFile makes a deregistration backup of a till with sales.
func deregBackupFile(t *testing.T) (*deregFixture, dereg.State) {
	t.Helper()
	f := newDeregFixture(t)
	w := f.wizard(t, DeregOptions{})
	f.walk(t, w, dereg.SignOff)
	return f, w.State()
}

func TestBackupCommand(t *testing.T) {
	f, st := deregBackupFile(t)
	file := st.Backup.File
	tmp := t.TempDir()

	code, out, errOut := runBackupCommand(t, deregPass, "open", file)
	if code != 0 || !deregContainsAll(out, deregTerminal, deregMerchant, st.Backup.SHA256, st.Backup.LastHash, st.Run, "replacement") {
		t.Fatalf("open: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runBackupCommand(t, deregPass, "verify", "--tmp", tmp, file)
	if code != 0 || !deregContainsAll(out, "verified:  OK", "hash chain intact") {
		t.Fatalf("verify: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runBackupCommand(t, deregPass, "export", file, "--format", "jsonl", "--tmp", tmp)
	if lines := strings.Count(out, "\n"); code != 0 || uint64(lines) != st.Backup.Records || !deregContainsAll(out, f.saleIDs...) {
		t.Fatalf("export jsonl: %d, %d lines for %d records\n%s", code, lines, st.Backup.Records, errOut)
	}
	code, out, _ = runBackupCommand(t, deregPass, "export", "--format=csv", file)
	if code != 0 || !strings.HasPrefix(out, "seq,terminal,time,kind,data,prev,hash\n") || !deregContainsAll(out, f.saleIDs...) {
		t.Fatalf("export csv: %d\n%.300s", code, out)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("decrypted copies left in --tmp: %v", left)
	}

	// The passphrase typed on standard input.
	t.Setenv(PassphraseEnv, "")
	var sout, serr bytes.Buffer
	if code := BackupCommand([]string{"open", file}, strings.NewReader(deregPass+"\r\n"), &sout, &serr); code != 0 || !strings.Contains(sout.String(), st.Run) {
		t.Fatalf("passphrase on stdin: %d %s", code, serr.String())
	}
	if code := BackupCommand([]string{"open", file}, strings.NewReader(""), &sout, &serr); code != 1 || !strings.Contains(serr.String(), PassphraseEnv) {
		t.Fatalf("no passphrase: %d %s", code, serr.String())
	}

	// Through the program's command line.
	t.Setenv(PassphraseEnv, deregPass)
	if code, out, errOut := runMain(t, "backup", "open", file); code != 0 || !strings.Contains(out, st.Run) {
		t.Fatalf("tilldesk backup open: %d %s", code, errOut)
	}
}

func TestBackupCommandRefusesBadFiles(t *testing.T) {
	_, st := deregBackupFile(t)
	data, err := os.ReadFile(st.Backup.File)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 1
	for name, tc := range map[string]struct {
		file, pass, want string
	}{
		"tampered":   {write("tampered", flipped), deregPass, "damaged"},
		"truncated":  {write("truncated", data[:len(data)-1]), deregPass, "truncated"},
		"foreign":    {write("foreign", []byte("just some text")), deregPass, "not a Tilldesk backup"},
		"wrong pass": {st.Backup.File, "not the passphrase", "wrong passphrase"},
		"missing":    {filepath.Join(dir, "nope"), deregPass, "no such file"},
	} {
		for _, cmd := range []string{"open", "verify", "export"} {
			code, _, errOut := runBackupCommand(t, tc.pass, cmd, tc.file)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("%s %s: %d %q, want %q", name, cmd, code, errOut, tc.want)
			}
		}
	}
	for _, args := range [][]string{{}, {"open"}, {"list", st.Backup.File}, {"open", "a", "b"}, {"export", st.Backup.File, "--format", "xml"}, {"verify", "--bogus", st.Backup.File}} {
		if code, _, _ := runBackupCommand(t, deregPass, args...); code != 2 {
			t.Errorf("backup %q: exit %d, want 2", args, code)
		}
	}
}
