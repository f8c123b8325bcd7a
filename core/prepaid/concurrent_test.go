package prepaid

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"tilldesk/core/money"
)

// Two tills' worth of requests against one ledger: both pay from the same cards, top
// them up, settle, reverse and refund, and retry each other's request IDs. No card
// goes below zero, nothing is paid twice, and the ledger verifies.
func TestTwoTillsConcurrently(t *testing.T) {
	f := newFixture(t)
	const cards, rounds = 3, 40
	var numbers []string
	for i := range cards {
		numbers = append(numbers, f.issue(t, fmt.Sprintf("issue-%d", i), money.Yuan(10), "2580"))
	}
	type tally struct{ paid, reversed, refunded, topped money.Amount }
	results := make([]tally, 2)
	var wg sync.WaitGroup
	for till := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl := &results[till]
			for i := range rounds {
				card := numbers[i%cards]
				id := fmt.Sprintf("T%d-%d", till, i)
				m, err := f.l.Pay(PayRequest{ID: id, Card: card, Amount: 300, Sale: "S" + id, Partial: true})
				switch {
				case errors.Is(err, ErrInsufficient):
					if _, err := f.l.TopUp(TopUpRequest{ID: id + "-top", Card: card, Amount: 500}); err == nil {
						tl.topped += 500
					}
					continue
				case err != nil:
					t.Errorf("till %d pay: %v", till, err)
					return
				}
				tl.paid -= m.Amount
				// The other till retries the same request: it must get the same payment.
				if again, err := f.l.Pay(PayRequest{ID: id, Card: card, Amount: 300, Sale: "S" + id, Partial: true}); err != nil || again != m {
					t.Errorf("retry of %s: %+v %v", id, again, err)
				}
				if i%3 == 0 {
					if _, err := f.l.Reverse(id, "abandoned"); err != nil {
						t.Errorf("reverse %s: %v", id, err)
					}
					tl.reversed -= m.Amount
					continue
				}
				if _, err := f.l.Settle(id, "S"+id); err != nil {
					t.Errorf("settle %s: %v", id, err)
				}
				if i%4 == 0 {
					if _, err := f.l.Refund(RefundRequest{ID: id + "-ref", Payment: id, Amount: 100}); err != nil {
						t.Errorf("refund %s: %v", id, err)
					}
					tl.refunded += 100
				}
				if i%5 == 0 {
					_, _ = f.l.CheckPIN(card, "0000") // wrong PINs from both tills count on one card
				}
			}
		}()
	}
	wg.Wait()
	v := f.verify(t)
	want := money.Yuan(10) * cards
	for _, tl := range results {
		want += tl.topped - tl.paid + tl.reversed + tl.refunded
	}
	if v.Liability != want || v.Pending != 0 {
		t.Fatalf("ledger %+v, the tills' figures give %s", v, want)
	}
	for _, n := range numbers {
		if f.balance(t, n) < 0 {
			t.Fatalf("card %s below zero", Mask(n))
		}
	}
}
