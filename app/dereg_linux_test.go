//go:build linux

package app

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"

	"tilldesk/core/dereg"
)

// A real full medium: a tiny tmpfs (needs root; skipped elsewhere).
func TestDeregBackupToAFullTmpfs(t *testing.T) {
	f := newDeregFixture(t)
	if err := syscall.Mount("tmpfs", f.usb, "tmpfs", 0, "size=8k"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(f.usb, 0) })
	w := f.wizard(t, DeregOptions{})
	f.walk(t, w, dereg.Backup)
	before := f.liveState(t)
	_, err := w.Backup(context.Background(), f.usb, deregPass, deregPass, nil)
	if !errors.Is(err, ErrBackupTarget) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("backup to a full tmpfs: %v", err)
	}
	if w.State().Step != dereg.Backup || f.liveState(t) != before {
		t.Fatal("moved on or changed the journal")
	}
	if left, _ := os.ReadDir(f.usb); len(left) != 0 {
		t.Fatalf("left on the tmpfs: %v", left)
	}
	f.assertNothingCleared(t)
}
