package prepaid

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/pan"
)

func TestIssueNumbersAndExpiry(t *testing.T) {
	f := newFixture(t)
	card := f.issue(t, "i1", money.Yuan(100), "")
	if card != "9900010000000000018" || !pan.Valid(card) {
		t.Fatalf("first card %s", card)
	}
	a, err := f.l.Account(card)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != Active || a.Balance != money.Yuan(100) || !a.Expires.Equal(f.clock.Now().AddDate(3, 0, 0)) {
		t.Fatalf("account %+v", a)
	}
	if second := f.issue(t, "i2", 0, ""); second == card {
		t.Fatal("serial not advanced")
	}
	if res := f.verify(t); res.Cards != 2 || res.Liability != money.Yuan(100) {
		t.Fatalf("verify %+v", res)
	}
}

// Every operation's refusals, each leaving the ledger as it was.
func TestRefusals(t *testing.T) {
	f := newFixture(t)
	card := f.issue(t, "i1", money.Yuan(50), "2580")
	frozen := f.issue(t, "i2", money.Yuan(50), "")
	if _, err := f.l.Freeze(StatusRequest{ID: "f1", Card: frozen, Reason: "lost"}); err != nil {
		t.Fatal(err)
	}
	expiring := f.issue(t, "i3", money.Yuan(50), "")
	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"issue over limit", func() error { _, err := f.l.Issue(IssueRequest{ID: "x1", Amount: money.Yuan(1001)}); return err }, ErrOverLimit},
		{"issue existing number", func() error { _, err := f.l.Issue(IssueRequest{ID: "x2", Number: card}); return err }, ErrCardExists},
		{"issue bad number", func() error { _, err := f.l.Issue(IssueRequest{ID: "x3", Number: "9900010000000000017"}); return err }, ErrBadNumber},
		{"issue bad PIN hash", func() error { _, err := f.l.Issue(IssueRequest{ID: "x4", PINHash: "plain"}); return err }, nil},
		{"top-up frozen", func() error { _, err := f.l.TopUp(TopUpRequest{ID: "x5", Card: frozen, Amount: 100}); return err }, ErrFrozen},
		{"top-up over limit", func() error {
			_, err := f.l.TopUp(TopUpRequest{ID: "x6", Card: card, Amount: money.Yuan(951)})
			return err
		}, ErrOverLimit},
		{"top-up zero", func() error { _, err := f.l.TopUp(TopUpRequest{ID: "x7", Card: card}); return err }, ErrBadAmount},
		{"top-up unknown card", func() error {
			_, err := f.l.TopUp(TopUpRequest{ID: "x8", Card: "9900010000000099990", Amount: 1})
			return err
		}, ErrUnknownCard},
		{"pay frozen", func() error {
			_, err := f.l.Pay(PayRequest{ID: "x9", Card: frozen, Amount: 100, Sale: "S"})
			return err
		}, ErrFrozen},
		{"pay insufficient", func() error {
			_, err := f.l.Pay(PayRequest{ID: "x10", Card: card, Amount: money.Yuan(51), Sale: "S"})
			return err
		}, ErrInsufficient},
		{"pay without sale", func() error { _, err := f.l.Pay(PayRequest{ID: "x11", Card: card, Amount: 1}); return err }, ErrBadRequest},
		{"pay negative", func() error { _, err := f.l.Pay(PayRequest{ID: "x12", Card: card, Amount: -1, Sale: "S"}); return err }, ErrBadAmount},
		{"bad request ID", func() error { _, err := f.l.Pay(PayRequest{ID: "a b", Card: card, Amount: 1, Sale: "S"}); return err }, ErrBadRequest},
		{"settle unknown", func() error { _, err := f.l.Settle("nope", "S"); return err }, ErrNotPending},
		{"reverse unknown", func() error { _, err := f.l.Reverse("nope", ""); return err }, ErrNotPending},
		{"refund unknown", func() error { _, err := f.l.Refund(RefundRequest{ID: "x13", Payment: "nope", Amount: 1}); return err }, ErrNotPending},
		{"adjust below zero", func() error {
			_, err := f.l.Adjust(AdjustRequest{ID: "x14", Card: card, Amount: -money.Yuan(51), Reason: "fix"})
			return err
		}, ErrInsufficient},
		{"adjust without reason", func() error { _, err := f.l.Adjust(AdjustRequest{ID: "x15", Card: card, Amount: 1}); return err }, ErrBadRequest},
		{"adjust zero", func() error { _, err := f.l.Adjust(AdjustRequest{ID: "x16", Card: card, Reason: "fix"}); return err }, ErrBadAmount},
		{"freeze frozen", func() error { _, err := f.l.Freeze(StatusRequest{ID: "x17", Card: frozen, Reason: "lost"}); return err }, ErrWrongStatus},
		{"freeze without reason", func() error { _, err := f.l.Freeze(StatusRequest{ID: "x18", Card: card}); return err }, ErrBadRequest},
		{"unfreeze active", func() error { _, err := f.l.Unfreeze(StatusRequest{ID: "x19", Card: card}); return err }, ErrWrongStatus},
		{"link bad UID", func() error { _, err := f.l.LinkUID(StatusRequest{ID: "x20", Card: card}, "xyz"); return err }, ErrBadUID},
		{"request ID reused", func() error { _, err := f.l.TopUp(TopUpRequest{ID: "i1", Card: card, Amount: 1}); return err }, ErrRequestReused},
	}
	before := f.verify(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), card) {
				t.Errorf("error shows the full card number: %v", err)
			}
		})
	}
	if after := f.verify(t); after != before {
		t.Fatalf("refusals changed the ledger: %+v -> %+v", before, after)
	}
	f.clock.Add(3*365*24*time.Hour + 24*time.Hour)
	if _, err := f.l.Pay(PayRequest{ID: "x21", Card: expiring, Amount: 1, Sale: "S"}); !errors.Is(err, ErrExpired) {
		t.Fatalf("pay from a card past its date: %v", err)
	}
}

func TestPaymentSettleReverseRefund(t *testing.T) {
	f := newFixture(t)
	card := f.issue(t, "i1", money.Yuan(100), "")
	p1, err := f.l.Pay(PayRequest{ID: "p1", Card: card, Amount: money.Yuan(30), Sale: "S1"})
	if err != nil || p1.Amount != -money.Yuan(30) || p1.Balance != money.Yuan(70) {
		t.Fatalf("pay: %+v %v", p1, err)
	}
	if _, err := f.l.Refund(RefundRequest{ID: "r0", Payment: "p1", Amount: 1}); !errors.Is(err, ErrPending) {
		t.Fatalf("refund of a pending payment: %v", err)
	}
	if _, err := f.l.Settle("p1", "S2"); !errors.Is(err, ErrNotPending) {
		t.Fatalf("settle for another sale: %v", err)
	}
	if _, err := f.l.Settle("p1", "S1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.l.Reverse("p1", "late"); !errors.Is(err, ErrSettled) {
		t.Fatalf("reverse a settled payment: %v", err)
	}
	if _, err := f.l.Refund(RefundRequest{ID: "r1", Payment: "p1", Amount: money.Yuan(20)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.l.Refund(RefundRequest{ID: "r2", Payment: "p1", Amount: money.Yuan(11)}); !errors.Is(err, ErrOverRefund) {
		t.Fatalf("over-refund: %v", err)
	}
	if m, err := f.l.Refund(RefundRequest{ID: "r1", Payment: "p1", Amount: money.Yuan(20)}); err != nil || m.Balance != money.Yuan(90) {
		t.Fatalf("retried refund: %+v %v", m, err)
	}
	p2, err := f.l.Pay(PayRequest{ID: "p2", Card: card, Amount: money.Yuan(500), Sale: "S3", Partial: true})
	if err != nil || p2.Amount != -money.Yuan(90) || p2.Balance != 0 {
		t.Fatalf("partial pay: %+v %v", p2, err)
	}
	if _, err := f.l.Pay(PayRequest{ID: "p3", Card: card, Amount: 1, Sale: "S3", Partial: true}); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("partial pay from an empty card: %v", err)
	}
	if res := f.verify(t); res.Pending != 1 {
		t.Fatalf("pending %d", res.Pending)
	}
	revs, err := f.l.ReversePending(func(Pending) bool { return true }, "restart")
	if err != nil || len(revs) != 1 || revs[0].Balance != money.Yuan(90) {
		t.Fatalf("reverse pending: %+v %v", revs, err)
	}
	if _, err := f.l.Refund(RefundRequest{ID: "r3", Payment: "p2", Amount: 1}); !errors.Is(err, ErrOverRefund) {
		t.Fatalf("refund of a reversed payment: %v", err)
	}
	if res := f.verify(t); res.Pending != 0 || res.Liability != money.Yuan(90) {
		t.Fatalf("verify %+v", res)
	}
}

func TestIdempotentRetries(t *testing.T) {
	f := newFixture(t)
	card := f.issue(t, "i1", money.Yuan(100), "")
	again, err := f.l.Issue(IssueRequest{ID: "i1", Amount: money.Yuan(100), Operator: "m1"})
	if err != nil || again.Card != card {
		t.Fatalf("retried issue: %+v %v", again, err)
	}
	last, _ := f.j.LastSeq()
	for range 3 {
		m, err := f.l.Pay(PayRequest{ID: "p1", Card: card, Amount: 500, Sale: "S1"})
		if err != nil || m.Balance != money.Yuan(95) {
			t.Fatalf("pay: %+v %v", m, err)
		}
		if _, err := f.l.Reverse("p1", "x"); err != nil {
			t.Fatal(err)
		}
	}
	if now, _ := f.j.LastSeq(); now != last+2 {
		t.Fatalf("retries wrote %d records, want 2", now-last)
	}
	if f.balance(t, card) != money.Yuan(100) {
		t.Fatal("balance moved by retries")
	}
}

func TestFreezeExpireRenew(t *testing.T) {
	f := newFixture(t)
	card := f.issue(t, "i1", money.Yuan(10), "")
	if _, err := f.l.Freeze(StatusRequest{ID: "f1", Card: card, Reason: "lost"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(4 * 365 * 24 * time.Hour)
	if m, err := f.l.Unfreeze(StatusRequest{ID: "u1", Card: card}); err != nil || m.Status != Expired {
		t.Fatalf("unfreeze after expiry: %+v %v", m, err)
	}
	other := f.issue(t, "i2", money.Yuan(5), "")
	f.clock.Add(4 * 365 * 24 * time.Hour)
	due, err := f.l.ExpireDue()
	if err != nil || len(due) != 1 || due[0].Card != other || due[0].Balance != money.Yuan(5) {
		t.Fatalf("expire due: %+v %v", due, err)
	}
	if m, err := f.l.Renew(StatusRequest{ID: "n1", Card: other}); err != nil || m.Status != Active {
		t.Fatalf("renew: %+v %v", m, err)
	}
	if _, err := f.l.Pay(PayRequest{ID: "p1", Card: other, Amount: 100, Sale: "S"}); err != nil {
		t.Fatal(err)
	}
	if res := f.verify(t); res.Liability != money.Yuan(15)-100 {
		t.Fatalf("verify %+v", res)
	}
}

func TestPINLockout(t *testing.T) {
	f := newFixture(t)
	card := f.issue(t, "i1", money.Yuan(10), "2580")
	nopin := f.issue(t, "i2", money.Yuan(10), "")
	if _, err := f.l.CheckPIN(nopin, "2580"); !errors.Is(err, ErrNoPIN) {
		t.Fatalf("card without PIN: %v", err)
	}
	if a, err := f.l.CheckPIN(card, "2580"); err != nil || a.PINHash != "" {
		t.Fatalf("right PIN: %+v %v", a, err)
	}
	for i := range 2 {
		if _, err := f.l.CheckPIN(card, "0000"); !errors.Is(err, ErrWrongPIN) {
			t.Fatalf("wrong PIN %d: %v", i, err)
		}
	}
	if _, err := f.l.CheckPIN(card, "0000"); !errors.Is(err, ErrPINLocked) {
		t.Fatalf("third wrong PIN: %v", err)
	}
	if _, err := f.l.CheckPIN(card, "2580"); !errors.Is(err, ErrPINLocked) {
		t.Fatalf("right PIN while locked: %v", err)
	}
	f.clock.Add(11 * time.Minute)
	if _, err := f.l.CheckPIN(card, "2580"); err != nil {
		t.Fatalf("right PIN after the lock: %v", err)
	}
	n := 0
	_ = f.j.Each(journal.Filter{Kind: RecordPrefix + string(PINLocked)}, func(r journal.Record) error {
		n++
		if strings.Contains(string(r.Data), "argon2") {
			t.Errorf("PIN hash in a record: %s", r.Data)
		}
		return nil
	})
	if n != 1 {
		t.Fatalf("%d pin_locked records", n)
	}
	f.verify(t)
}

func TestOrdersFulfilledInOneTx(t *testing.T) {
	f := newFixture(t)
	o, err := f.l.PlaceOrder(Order{Kind: Issue, Amount: money.Yuan(200), Sale: "S1", UID: "04A1B2C3D4E5F6"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.l.Issue(IssueRequest{ID: "x", Number: o.Card}); !errors.Is(err, ErrCardExists) {
		t.Fatalf("issue of a reserved number: %v", err)
	}
	if _, err := f.l.PlaceOrder(Order{Kind: TopUp, Card: o.Card, Amount: 100, Sale: "S1"}); !errors.Is(err, ErrUnknownCard) {
		t.Fatalf("top-up order of a card not yet issued: %v", err)
	}
	tx := f.l.Begin()
	m, err := tx.Fulfil(o.ID, money.Yuan(180), "S1")
	if err != nil {
		t.Fatal(err)
	}
	b, changes, err := tx.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.j.AppendWith(journal.KindSaleCompleted, map[string]any{"sale": map[string]any{"id": "S1"}, "extras": map[string]any{SaleExtra: b}}, changes...)
	tx.Finish(err == nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Balance != money.Yuan(180) || f.balance(t, o.Card) != money.Yuan(180) {
		t.Fatalf("issued %+v", m)
	}
	if a, err := f.l.ByUID("04:a1:b2:c3:d4:e5:f6"); err != nil || a.Number != o.Card {
		t.Fatalf("by UID: %+v %v", a, err)
	}
	if orders, _ := f.l.Orders(); len(orders) != 0 {
		t.Fatalf("orders left: %+v", orders)
	}
	f.verify(t)
}
