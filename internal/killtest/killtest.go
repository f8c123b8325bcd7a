// Package killtest runs a test binary's helper test as a child process that a test
// SIGKILLs at a chosen moment, to check what survives a crash. Unix only.
package killtest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Run starts the test named child (a test that does its work only when env holds its
// variables, and prints one line per step to stdout) and calls line with each line it
// prints until line returns true; then it SIGKILLs the child and waits for it. The
// lines the child wrote before the kill took effect, still in the pipe, are passed to
// line too (what it returns then no longer matters): a test counting the child's
// acknowledgements sees every one. Only whole lines count: one the kill cut short has
// no newline and is never passed. It fails t when the child ends on its own or takes
// longer than 30 seconds.
func Run(t *testing.T, child string, env []string, line func(string) (kill bool)) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	defer deadline.Stop()
	r := bufio.NewReader(stdout)
	killed := false
	for {
		text, err := r.ReadString('\n')
		if err != nil { // EOF: the child is gone; a last line without a newline was cut short
			break
		}
		if line(strings.TrimSuffix(text, "\n")) && !killed {
			killed = true
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	_ = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child %s ended with %v, not killed: %s", child, cmd.ProcessState, stderr.String())
	}
}
