//go:build unix

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/sale"
	"tilldesk/internal/killtest"
)

// A payment from a card and its sale commit together or not at all, even when the
// till is killed: a child process rings up sales paid part by card and part in cash
// and is SIGKILLed; at the next start every card payment is either in a completed
// sale's record or given back, and the card holds exactly what those records say.

const prepaidKillEnv = "TILLDESK_PREPAID_SALE_KILL" // journal path

// TestPrepaidSaleKillChild is the child process: it does nothing unless the env is set.
func TestPrepaidSaleKillChild(t *testing.T) {
	path := os.Getenv(prepaidKillEnv)
	if path == "" {
		t.Skip("helper process for TestPrepaidSalesSurviveSIGKILL")
	}
	f := &prepaidFixture{refundFixture: &refundFixture{path: path, clock: &refundClock{t: time.Now().UTC()}}}
	f.open(t)
	f.openDesk(t)
	card := killCard(t, f)
	for {
		if _, err := f.till.Scan(water); err != nil {
			t.Fatal(err)
		}
		if _, err := f.till.Pay(context.Background(), f.desk.Tender(card, false), PayRequest{Amount: 100}); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(os.Stdout, "paid") // unbuffered: one write(2)
		r, err := f.till.Pay(context.Background(), CashTender{Now: f.clock.now}, PayRequest{Tendered: 100})
		if err != nil || r == nil {
			t.Fatalf("cash: %v", err)
		}
		fmt.Fprintln(os.Stdout, "done", r.Number)
	}
}

// killCard is the one card of the test: sold for ¥1,000 cash in the first round.
func killCard(t *testing.T, f *prepaidFixture) CardView {
	t.Helper()
	var found *CardView
	err := f.desk.Ledger().EachAccount(func(a prepaid.Account) error {
		v := cardView(a, f.clock.now())
		found = &v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found != nil {
		return *found
	}
	return f.sellCard(t, money.Yuan(1000), "")
}

func TestPrepaidSalesSurviveSIGKILL(t *testing.T) {
	if os.Getenv(prepaidKillEnv) != "" {
		t.Skip("in the child")
	}
	if testing.Short() {
		t.Skip("spawns a process per round")
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	for round, killAfter := range []int{3, 1, 7, 2} {
		done := runPrepaidKillChild(t, path, killAfter)
		f := &prepaidFixture{refundFixture: &refundFixture{path: path, clock: &refundClock{t: time.Now().UTC()}}}
		f.open(t)
		f.openDesk(t) // resolves: payments of the sale the kill cut short go back
		for _, number := range done {
			if _, err := f.refunds.Load(number); err != nil {
				t.Fatalf("round %d: acknowledged sale %s lost: %v", round, number, err)
			}
		}
		v := f.verify(t)
		card := killCard(t, f)
		want := money.Yuan(1000) - cardPaidInSales(t, f.j)
		if v.Pending != 0 || card.Balance != want {
			t.Fatalf("round %d: card holds %s, the completed sales say %s (%+v)", round, card.Balance, want, v)
		}
		f.j.Close()
	}
}

// cardPaidInSales sums the prepaid payments of completed sales.
func cardPaidInSales(t *testing.T, j *journal.Journal) money.Amount {
	t.Helper()
	var sum money.Amount
	err := j.Each(journal.Filter{Kind: journal.KindSaleCompleted}, func(r journal.Record) error {
		var d struct {
			Sale sale.Sale `json:"sale"`
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return err
		}
		for _, p := range d.Sale.Payments {
			if p.Method == sale.Prepaid {
				sum += p.Amount
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// runPrepaidKillChild runs the child until it has completed killAfter sales and paid
// the next one partly by card, SIGKILLs it, and returns the completed receipts.
func runPrepaidKillChild(t *testing.T, path string, killAfter int) []string {
	t.Helper()
	var done []string
	killtest.Run(t, "TestPrepaidSaleKillChild", []string{prepaidKillEnv + "=" + path}, func(line string) bool {
		if number, ok := strings.CutPrefix(line, "done "); ok {
			done = append(done, number)
		}
		return line == "paid" && len(done) == killAfter // the card has paid; the sale is not complete
	})
	return done
}
