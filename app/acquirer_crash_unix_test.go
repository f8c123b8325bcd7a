//go:build unix

package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/internal/killtest"
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
	killtest.Run(t, "TestCardKillChild", env, func(line string) bool { return line == "at "+point })
}

// A till SIGKILLed while its UnionPay code is on the screen (the customer about to
// scan it): on restart the open order is reversed before any sale, closing it when
// nobody paid and giving the money back when the customer paid after the crash; the
// journal verifies and the till sells again.
func TestMerchantQRSurvivesSIGKILL(t *testing.T) {
	if os.Getenv(mpmKillDirEnv) != "" {
		t.Skip("in the child")
	}
	if testing.Short() {
		t.Skip("spawns a process per case")
	}
	for _, paidAfterCrash := range []bool{false, true} {
		t.Run(fmt.Sprintf("paid=%v", paidAfterCrash), func(t *testing.T) {
			sb, err := acquirersim.Start(acquirersim.Options{MAC: mustRetail(demoMACKey), RequireSignOn: true, Log: quietLog()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sb.Close() })
			wallet, err := sb.UnionPayApp().NewWallet(100_00)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var payload string
			killtest.Run(t, "TestMerchantQRKillChild", []string{mpmKillDirEnv + "=" + dir, mpmKillAddrEnv + "=" + sb.Addr()}, func(line string) bool {
				if q, ok := strings.CutPrefix(line, "shown "); ok && payload == "" {
					payload, _ = strconv.Unquote(q)
				}
				return payload != ""
			})
			if paidAfterCrash {
				if code, err := sb.UnionPayApp().PayMerchantQR(wallet, payload); err != nil || code != "00" {
					t.Fatalf("the customer pays the code after the crash: %s %v", code, err)
				}
			}
			f := openMPMFixtureFor(t, dir, sb.Addr(), sb, time.Minute) // the restart: resolution first
			want := acquirersim.Closed
			if paidAfterCrash {
				want = acquirersim.Reversed
			}
			f.eventually("the order resolved", func() bool {
				txns := sb.Transactions("")
				return len(txns) == 1 && txns[0].Status == want && f.d.salesGate() == nil
			})
			if got := f.qrBalance(wallet); got != 100_00 {
				t.Fatalf("the customer's wallet holds %d after the restart", got)
			}
			if err := f.till.CheckJournal(); err != nil {
				t.Fatal(err)
			}
			assertNoIntents(t, f)
		})
	}
}

const (
	mpmKillDirEnv  = "TILLDESK_MPM_KILL_DIR"
	mpmKillAddrEnv = "TILLDESK_MPM_KILL_ADDR"
)

// TestMerchantQRKillChild is the child process: it shows a UnionPay code for a sale
// and says so (the payload quoted), then waits to be killed.
func TestMerchantQRKillChild(t *testing.T) {
	dir := os.Getenv(mpmKillDirEnv)
	if dir == "" {
		t.Skip("helper process for TestMerchantQRSurvivesSIGKILL")
	}
	f := openMPMFixtureFor(t, dir, os.Getenv(mpmKillAddrEnv), nil, time.Minute)
	_, _, err := f.payMPM(context.Background(), func(payload string) {
		fmt.Fprintf(os.Stdout, "shown %q\n", payload) // unbuffered: one write(2)
	}, water)
	fmt.Fprintln(os.Stdout, "finished without being killed:", err)
}
