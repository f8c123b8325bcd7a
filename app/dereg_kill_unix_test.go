//go:build unix

package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tilldesk/core/dereg"
	"tilldesk/internal/killtest"
)

// The SIGKILL variant of TestDeregResumesAfterCrash: a child process runs the wizard
// on a prepared till and is killed at a crash point; the parent restarts the till on
// the same folders and finishes the deregistration.

const (
	deregKillDirEnv   = "TILLDESK_DEREG_KILL_DIR"   // the fixture's folder
	deregKillPointEnv = "TILLDESK_DEREG_KILL_POINT" // where the child stops
)

// TestDeregKillChild is the child process: it does nothing unless deregKillDirEnv is set.
func TestDeregKillChild(t *testing.T) {
	dir := os.Getenv(deregKillDirEnv)
	if dir == "" {
		t.Skip("helper process for TestDeregResumesAfterSIGKILL")
	}
	point := os.Getenv(deregKillPointEnv)
	deregTestHook = func(p string) {
		if p == point {
			fmt.Fprintf(os.Stdout, "at %s\n", p) // unbuffered: one write(2)
			time.Sleep(time.Hour)                // wait for SIGKILL
		}
	}
	f := deregFixtureIn(dir)
	f.open(t)
	f.walk(t, f.wizard(t, DeregOptions{}), dereg.Done)
	fmt.Fprintln(os.Stdout, "finished without reaching", point)
}

func TestDeregResumesAfterSIGKILL(t *testing.T) {
	if os.Getenv(deregKillDirEnv) != "" {
		t.Skip("in the child")
	}
	if testing.Short() {
		t.Skip("spawns a process per crash point")
	}
	for _, cp := range deregCrashPoints {
		t.Run(cp.point, func(t *testing.T) {
			f := newDeregFixture(t)
			f.s.Close()
			deregKillChildAt(t, filepath.Dir(f.paths.DataDir), cp.point)
			f.open(t)
			f.finishAfterCrash(t, cp.resume)
		})
	}
}

// deregKillChildAt runs the child until it reports reaching point, then SIGKILLs it.
func deregKillChildAt(t *testing.T, dir, point string) {
	t.Helper()
	killtest.Run(t, "TestDeregKillChild", []string{deregKillDirEnv + "=" + dir, deregKillPointEnv + "=" + point}, func(line string) bool {
		if strings.HasPrefix(line, "finished") {
			t.Errorf("child: %s", line)
		}
		return line == "at "+point
	})
}
