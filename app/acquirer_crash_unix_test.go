//go:build unix

package app

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583/posmsg"
)

// The till is killed (SIGKILL) at each step of a card sale, restarted on the same
// folder, and the outcome checked against the sandbox acquirer's own ledger: the
// sale is either completed once, or every charge of it is reversed; the journal
// verifies. The child is this test binary run again (as in core/journal's crash test).

const (
	cardKillDirEnv   = "TILLDESK_CARD_KILL_DIR"
	cardKillAddrEnv  = "TILLDESK_CARD_KILL_ADDR"
	cardKillPointEnv = "TILLDESK_CARD_KILL_POINT"
)

// cardKillPoints are where the child stops, and whether the sale completed there.
var cardKillPoints = []struct {
	point           string
	sent, completed bool
}{
	{"intent.committed", false, false}, // journaled, not sent
	{"sale.sending", false, false},     // about to write the 0200
	{"sale.answered", true, false},     // the host approved; nothing recorded yet
	{"sale.recorded", true, false},     // the approval recorded; before the second GENERATE AC
	{"sale.completing", true, false},   // the card approved; before the sale's journal commit
	{"completed", true, true},          // the sale is journaled
}

// TestCardKillChild is the child process: it does nothing unless cardKillDirEnv is set.
func TestCardKillChild(t *testing.T) {
	dir := os.Getenv(cardKillDirEnv)
	if dir == "" {
		t.Skip("helper process for TestCardSaleSurvivesSIGKILL")
	}
	point := os.Getenv(cardKillPointEnv)
	stop := func(p string) {
		if p == point {
			fmt.Fprintf(os.Stdout, "at %s\n", p) // unbuffered: one write(2)
			time.Sleep(time.Hour)                // wait for SIGKILL
		}
	}
	cardTestHook = stop
	f := openCardFixture(t, dir, os.Getenv(cardKillAddrEnv), nil)
	f.card("visa", false)
	if _, err := f.pay(water, noodles); err != nil {
		fmt.Fprintln(os.Stdout, "pay failed:", err)
	}
	stop("completed")
	fmt.Fprintln(os.Stdout, "finished without reaching", point)
}

func TestCardSaleSurvivesSIGKILL(t *testing.T) {
	if os.Getenv(cardKillDirEnv) != "" {
		t.Skip("in the child")
	}
	if testing.Short() {
		t.Skip("spawns a process per crash point")
	}
	for _, cp := range cardKillPoints {
		t.Run(cp.point, func(t *testing.T) {
			sb, err := acquirersim.Start(acquirersim.Options{MAC: mustRetail(demoMACKey), RequireSignOn: true, Log: quietLog()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sb.Close() })
			dir := t.TempDir()
			killCardChildAt(t, cp.point, cardKillDirEnv+"="+dir, cardKillAddrEnv+"="+sb.Addr(), cardKillPointEnv+"="+cp.point)
			initial := int64(acquirersim.DefaultBalance)

			f := openCardFixture(t, dir, sb.Addr(), sb) // the restart: resolution, then the sender
			f.eventually("nothing pending", func() bool { st := f.status(); return st.PendingReversals == 0 && st.PendingAdvices == 0 })
			var approved int
			for _, x := range sb.Transactions("") {
				if x.Status == acquirersim.Approved {
					approved++
				}
			}
			want := int64(0)
			if cp.completed {
				want = 750
			}
			if got := f.balance("visa"); got != initial-want || approved != int(want/750) {
				t.Fatalf("after a crash at %s: charged %d (want %d), %d approved in the sandbox: %+v", cp.point, initial-got, want, approved, sb.Transactions(""))
			}
			sales, reversals := sb.Count(posmsg.KindSale), sb.Count(posmsg.KindReversal)
			if sales != boolInt(cp.sent) || (reversals == 0) != cp.completed {
				t.Fatalf("the host saw %d sales and %d reversals", sales, reversals)
			}
			if st := f.status(); st.BatchCount != int(want/750) {
				t.Fatalf("batch holds %d transactions", st.BatchCount)
			}
			if err := f.till.CheckJournal(); err != nil {
				t.Fatal(err)
			}
			if f.d.salesGate() != nil {
				t.Fatalf("sales still refused: %v", f.d.salesGate())
			}
		})
	}
}

// killCardChildAt runs TestCardKillChild with env until it says it reached point,
// SIGKILLs it and checks that the kill is what ended it.
func killCardChildAt(t *testing.T, point string, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCardKillChild$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	watchdog := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer watchdog.Stop()
	var said []string
	reached := false
	for sc := bufio.NewScanner(out); !reached && sc.Scan(); {
		said = append(said, sc.Text())
		if reached = sc.Text() == "at "+point; reached {
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	_ = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !reached || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child never reached %s (said %q, ended %v): %s", point, said, cmd.ProcessState, stderr.String())
	}
}
