//go:build unix

package app

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tilldesk/core/dereg"
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
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeregKillChild$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), deregKillDirEnv+"="+dir, deregKillPointEnv+"="+point)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	timeout := time.After(30 * time.Second)
	reached := false
	for !reached {
		select {
		case line, ok := <-lines:
			if !ok {
				cmd.Wait()
				t.Fatalf("child ended before %s: %s", point, stderr.String())
			}
			if strings.HasPrefix(line, "finished") {
				t.Fatalf("child: %s", line)
			}
			reached = line == "at "+point
		case <-timeout:
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child never reached %s: %s", point, stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for range lines {
	}
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want SIGKILL: %s", cmd.ProcessState, stderr.String())
	}
}
