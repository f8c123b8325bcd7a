package prepaid

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"pgregory.net/rapid"

	"tilldesk/core/journal"
	"tilldesk/core/money"
)

// model is what the ledger should hold, kept alongside it by the property tests.
type model struct {
	balance  map[string]money.Amount
	status   map[string]Status
	pending  map[string]Pending                  // by payment ID
	settled  map[string]money.Amount             // payment ID -> refundable left
	closed   map[string]string                   // payment ID -> "settle" or "reverse"
	saleOf   map[string]string                   // payment ID -> its sale
	done     map[string]Movement                 // request ID -> first outcome
	asked    map[string]func() (Movement, error) // request ID -> the request, to retry
	cards    []string
	payments []string
}

func newModel() *model {
	return &model{balance: map[string]money.Amount{}, status: map[string]Status{}, pending: map[string]Pending{},
		settled: map[string]money.Amount{}, closed: map[string]string{}, saleOf: map[string]string{}, done: map[string]Movement{}, asked: map[string]func() (Movement, error){}}
}

// opSeq draws and runs one random operation against l, updating m with what the ledger
// must have done; n numbers request IDs. It returns the operation's name.
func opSeq(t *rapid.T, l *Ledger, m *model, n int) string {
	id := fmt.Sprintf("r%d", n)
	amount := money.Amount(rapid.Int64Range(1, 30000).Draw(t, "amount"))
	pick := func(list []string, label string) string {
		if len(list) == 0 {
			return ""
		}
		return list[rapid.IntRange(0, len(list)-1).Draw(t, label)]
	}
	card := pick(m.cards, "card")
	op := rapid.SampledFrom([]string{"issue", "topup", "pay", "pay", "settle", "reverse", "refund", "adjust", "freeze", "unfreeze", "retry", "reuse"}).Draw(t, "op")
	if card == "" {
		op = "issue"
	}
	run := func(f func() (Movement, error), apply func(Movement)) {
		mv, err := f()
		if err != nil {
			return // a refusal: the model stays; Verify and the comparison check the ledger did too
		}
		m.done[id], m.asked[id] = mv, f
		apply(mv)
	}
	switch op {
	case "issue":
		run(func() (Movement, error) { return l.Issue(IssueRequest{ID: id, Amount: amount % money.Yuan(1000)}) }, func(mv Movement) {
			m.cards = append(m.cards, mv.Card)
			m.balance[mv.Card], m.status[mv.Card] = mv.Amount, Active
		})
	case "topup":
		run(func() (Movement, error) { return l.TopUp(TopUpRequest{ID: id, Card: card, Amount: amount}) }, func(mv Movement) {
			if m.status[card] != Active {
				t.Fatalf("topped up a %s card", m.status[card])
			}
			m.balance[card] += amount
		})
	case "pay":
		partial := rapid.Bool().Draw(t, "partial")
		sale := fmt.Sprintf("S%d", rapid.IntRange(0, 3).Draw(t, "sale"))
		run(func() (Movement, error) {
			return l.Pay(PayRequest{ID: id, Card: card, Amount: amount, Sale: sale, Partial: partial})
		}, func(mv Movement) {
			if m.status[card] != Active || (!partial && m.balance[card] < amount) {
				t.Fatalf("paid %s from a %s card holding %s", amount, m.status[card], m.balance[card])
			}
			m.balance[card] += mv.Amount
			m.pending[id] = Pending{Payment: id, Card: card, Sale: sale, Amount: -mv.Amount}
			m.saleOf[id] = sale
			m.payments = append(m.payments, id)
		})
	case "settle", "reverse":
		pay := pick(m.payments, "payment")
		if pay == "" {
			return "nothing"
		}
		p, wasPending := m.pending[pay]
		var err error
		if op == "settle" {
			_, err = l.Settle(pay, m.saleOf[pay])
		} else {
			_, err = l.Reverse(pay, "test")
		}
		// Pending: it closes now; closed the same way before: a retry, nothing moves;
		// closed the other way: refused.
		if (err == nil) != (wasPending || m.closed[pay] == op) {
			t.Fatalf("%s of payment %s (pending %v, closed by %q): %v", op, pay, wasPending, m.closed[pay], err)
		}
		if err == nil && wasPending {
			delete(m.pending, pay)
			m.closed[pay] = op
			if op == "settle" {
				m.settled[pay] = p.Amount
			} else {
				m.balance[p.Card] += p.Amount
			}
		}
	case "refund":
		pay := pick(m.payments, "payment")
		if pay == "" {
			return "nothing"
		}
		left, settled := m.settled[pay]
		mv, err := l.Refund(RefundRequest{ID: id, Payment: pay, Amount: amount})
		if (err == nil) != (settled && amount <= left) {
			t.Fatalf("refund %s of payment %s (settled %v, %s left): %v", amount, pay, settled, left, err)
		}
		if err == nil {
			m.settled[pay] -= amount
			m.balance[mv.Card] += amount
			m.done[id] = mv
		}
	case "adjust":
		delta := amount
		if rapid.Bool().Draw(t, "down") {
			delta = -delta
		}
		run(func() (Movement, error) {
			return l.Adjust(AdjustRequest{ID: id, Card: card, Amount: delta, Reason: "test"})
		}, func(Movement) {
			m.balance[card] += delta
		})
	case "freeze":
		run(func() (Movement, error) { return l.Freeze(StatusRequest{ID: id, Card: card, Reason: "lost"}) }, func(mv Movement) { m.status[card] = mv.Status })
	case "unfreeze":
		run(func() (Movement, error) { return l.Unfreeze(StatusRequest{ID: id, Card: card}) }, func(mv Movement) { m.status[card] = mv.Status })
	case "retry":
		prev := pick(sortedKeys(m.asked), "previous")
		mv, err := m.asked[prev]()
		if err != nil || mv != m.done[prev] {
			t.Fatalf("retry of %s: %+v %v, first %+v", prev, mv, err, m.done[prev])
		}
	case "reuse":
		prev := pick(sortedKeys(m.asked), "previous")
		if prev == "" {
			return "nothing"
		}
		if _, err := l.Adjust(AdjustRequest{ID: prev, Card: card, Amount: 1, Reason: "reuse"}); !errors.Is(err, ErrRequestReused) {
			t.Fatalf("request ID %s used again: %v", prev, err)
		}
	}
	return op
}

// check compares the ledger with the model and with its own movements.
func check(t *rapid.T, l *Ledger, m *model) {
	res, err := l.Verify()
	if err != nil {
		t.Fatal(err)
	}
	var sum money.Amount
	for _, c := range m.cards {
		a, err := l.Account(c)
		if err != nil {
			t.Fatal(err)
		}
		if a.Balance != m.balance[c] || a.Status != m.status[c] || a.Balance < 0 {
			t.Fatalf("card %s: ledger %s %s, model %s %s", Mask(c), a.Balance, a.Status, m.balance[c], m.status[c])
		}
		sum += a.Balance
	}
	if res.Liability != sum || res.Cards != len(m.cards) || res.Pending != len(m.pending) {
		t.Fatalf("verify %+v; model %s over %d cards, %d pending", res, sum, len(m.cards), len(m.pending))
	}
}

// Random sequences of operations, retries and reused request IDs: after each step the
// ledger verifies against its movements and agrees with the model; reopening the
// journal changes nothing.
func TestLedgerProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dir, err := os.MkdirTemp(fastTemp(), "prepaid-prop-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		c := newClock()
		path := filepath.Join(dir, "journal.db")
		j := openJournal(t, path, c)
		defer func() { j.Close() }()
		l, err := New(func() *journal.Journal { return j }, Options{Policy: testPolicy(), Now: c.Now, Rand: newSeeded(2), Log: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		m := newModel()
		steps := rapid.IntRange(1, 40).Draw(t, "steps")
		for i := range steps {
			opSeq(t, l, m, i)
			check(t, l, m)
			c.Add(time.Minute)
		}
		j.Close()
		j = openJournal(t, path, c)
		check(t, l, m)
	})
}
