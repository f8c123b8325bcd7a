// Package pcsctest gives tests the real PC/SC stack with a virtual reader: it makes
// sure pcscd runs with vsmartcard-vpcd's reader, and holds a machine-wide lock so that
// test packages running at once never share the one virtual card slot.
package pcsctest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tilldesk/devices/pcsc"
	"tilldesk/devices/sim"
)

// ReaderPrefix starts the name pcscd gives vpcd's first reader ("Virtual PCD 00 00").
const ReaderPrefix = "Virtual PCD"

// lockPath is the machine-wide lock on the virtual slot.
var lockPath = filepath.Join(os.TempDir(), "tilldesk-vpcd.lock")

// Reader makes sure pcscd runs with the virtual reader (starting pcscd when it does not
// and the test runs as root, as `make test` does), takes the slot's lock for the rest
// of the test, and returns the reader's name. It fails the test, saying what to
// install, when the stack is not there.
func Reader(t testing.TB) string {
	t.Helper()
	lock, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("pcsctest: lock: %v", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("pcsctest: lock: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN); lock.Close() })
	if name, err := virtualReader(); err == nil {
		return name
	}
	// Another test process may be starting pcscd at this very moment (the lock is on
	// the slot, not on the daemon): a second start then exits with an error while the
	// first daemon comes up. So a failed start is only fatal if no reader appears.
	startErr := startPCSCD()
	deadline := time.Now().Add(10 * time.Second)
	for {
		name, err := virtualReader()
		if err == nil {
			return name
		}
		if time.Now().After(deadline) {
			if startErr != nil {
				t.Fatalf("pcsctest: %v (run `make deps`, which installs pcscd and vsmartcard-vpcd); then: %v", startErr, err)
			}
			t.Fatalf("pcsctest: pcscd started but shows no virtual reader: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// virtualReader returns the virtual reader's name, if pcscd lists it and vpcd listens.
func virtualReader() (string, error) {
	ctx, err := pcsc.Establish()
	if err != nil {
		return "", err
	}
	defer ctx.Close()
	names, err := ctx.Readers()
	if err != nil {
		return "", err
	}
	for _, n := range names {
		if strings.HasPrefix(n, ReaderPrefix) {
			c, err := net.DialTimeout("tcp", sim.VPCDAddr, time.Second)
			if err != nil {
				return "", fmt.Errorf("vpcd does not listen on %s: %w", sim.VPCDAddr, err)
			}
			c.Close()
			return n, nil
		}
	}
	return "", fmt.Errorf("no %q reader among %q", ReaderPrefix, names)
}

func startPCSCD() error {
	bin, err := exec.LookPath("pcscd")
	if err != nil {
		for _, p := range []string{"/usr/sbin/pcscd", "/sbin/pcscd"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		return fmt.Errorf("pcscd is not installed")
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("pcscd is not running and only root can start it")
	}
	if _, err := os.Stat("/usr/lib/pcsc/drivers/serial/libifdvpcd.so"); err != nil {
		return fmt.Errorf("vsmartcard-vpcd is not installed")
	}
	// pcscd daemonises itself; a second start while one runs exits at once.
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil {
		return fmt.Errorf("start pcscd: %v: %s", err, out)
	}
	return nil
}
