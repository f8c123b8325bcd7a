package app

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"tilldesk/core/dereg"
	"tilldesk/core/journal"
)

// deregFullFile is a backup file on a medium with room bytes left: writes past them fail
// with ENOSPC, as on a full USB stick.
type deregFullFile struct {
	*os.File
	room int
}

func (f *deregFullFile) Write(p []byte) (int, error) {
	if len(p) > f.room {
		n, _ := f.File.Write(p[:f.room])
		f.room = 0
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	f.room -= len(p)
	return f.File.Write(p)
}

// deregFlippingFile corrupts one byte on its way to the medium (a bad stick).
type deregFlippingFile struct {
	*os.File
	at, off int
}

func (f *deregFlippingFile) Write(p []byte) (int, error) {
	q := append([]byte(nil), p...)
	if i := f.at - f.off; i >= 0 && i < len(q) {
		q[i] ^= 0x40
	}
	f.off += len(p)
	return f.File.Write(q)
}

func deregCreateWith(wrap func(*os.File) BackupFile) func(string) (BackupFile, error) {
	return func(path string) (BackupFile, error) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		return wrap(f), nil
	}
}

// A missing, unwritable or full target, a backup that does not read back, or a bad
// passphrase stop at the Backup step with nothing cleared and no file left behind;
// then a good target works.
func TestDeregBackupFailuresClearNothing(t *testing.T) {
	f := newDeregFixture(t)
	notDir := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	denied := func(string) (BackupFile, error) {
		return nil, &os.PathError{Op: "open", Path: "/media/usb/x", Err: syscall.EACCES}
	}
	for _, tc := range []struct {
		name        string
		dir         string
		pass, pass2 string
		create      func(string) (BackupFile, error)
		cancelled   bool
		want        []error
	}{
		{name: "missing", dir: filepath.Join(f.usb, "unplugged"), want: []error{ErrBackupTarget, os.ErrNotExist}},
		{name: "not a folder", dir: notDir, want: []error{ErrBackupTarget}},
		{name: "unwritable", create: denied, want: []error{ErrBackupTarget, os.ErrPermission}},
		{name: "full at once", create: deregCreateWith(func(f *os.File) BackupFile { return &deregFullFile{File: f} }), want: []error{ErrBackupTarget, syscall.ENOSPC}},
		{name: "full in the header", create: deregCreateWith(func(f *os.File) BackupFile { return &deregFullFile{File: f, room: 40} }), want: []error{ErrBackupTarget, syscall.ENOSPC}},
		{name: "full midway", create: deregCreateWith(func(f *os.File) BackupFile { return &deregFullFile{File: f, room: 9000} }), want: []error{ErrBackupTarget, syscall.ENOSPC}},
		{name: "corrupted on the medium", create: deregCreateWith(func(f *os.File) BackupFile { return &deregFlippingFile{File: f, at: 5000} }), want: []error{ErrBackupVerify}},
		{name: "cancelled", cancelled: true, want: []error{context.Canceled}},
		{name: "passphrases differ", pass2: deregPass + "!", want: []error{ErrPassphraseMismatch}},
		{name: "short passphrase", pass: "short", pass2: "short", want: []error{ErrPassphraseShort}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := f.wizard(t, DeregOptions{CreateFile: tc.create})
			f.walk(t, w, dereg.Backup)
			if tc.dir == "" {
				tc.dir = f.usb
			}
			if tc.pass == "" {
				tc.pass = deregPass
			}
			if tc.pass2 == "" {
				tc.pass2 = tc.pass
			}
			before := f.liveState(t)
			ctx, cancel := context.WithCancel(context.Background())
			var progress func(int64, int64)
			if tc.cancelled {
				progress = func(int64, int64) { cancel() } // the screen closed midway
			}
			_, err := w.Backup(ctx, tc.dir, tc.pass, tc.pass2, progress)
			cancel()
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Fatalf("Backup = %v, want %v", err, want)
				}
			}
			if w.State().Step != dereg.Backup || w.State().Backup != nil {
				t.Fatalf("moved on to %s", w.State().Step)
			}
			if f.liveState(t) != before {
				t.Fatal("the journal changed")
			}
			if left, _ := os.ReadDir(f.usb); len(left) != 0 {
				t.Fatalf("left on the target: %v", left)
			}
			if _, err := f.s.Journal.Append(journal.KindAdmin, nil); err != nil {
				t.Fatalf("journal unusable after the failed backup: %v", err)
			}
			f.assertNothingCleared(t)
		})
	}
	w := f.wizard(t, DeregOptions{})
	var calls int
	var last, total int64
	rep, err := w.Backup(context.Background(), f.usb, deregPass, deregPass, func(done, of int64) { calls, last, total = calls+1, done, of })
	if err != nil || w.State().Step != dereg.SignOff || rep.Records != w.State().Backup.Records {
		t.Fatalf("good backup after the failures: %v", err)
	}
	if calls == 0 || last != total || total == 0 {
		t.Fatalf("progress: %d calls, last %d of %d", calls, last, total)
	}
}

// The backup is of the journal as it is, readable only with the passphrase.
func TestDeregBackupNeedsThePassphrase(t *testing.T) {
	f := newDeregFixture(t)
	w := f.wizard(t, DeregOptions{})
	f.walk(t, w, dereg.SignOff)
	file := w.State().Backup.File
	if filepath.Dir(file) != f.usb || filepath.Ext(file) != BackupExt {
		t.Fatalf("backup written to %s", file)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode: %v, %v", fi.Mode(), err)
	}
	in, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	data, _ := io.ReadAll(in)
	if code, _, stderr := runBackupCommand(t, "wrong passphrase", "open", file); code != 1 || len(data) == 0 || !deregContainsAll(stderr, "wrong passphrase") {
		t.Fatalf("open with a wrong passphrase: %d %s", code, stderr)
	}
}
