package acquirersim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tilldesk/app/acquirer"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/money"
	"tilldesk/core/wallet"
)

// mpmOrder registers an order of amount under stan and returns its payload.
func mpmOrder(t *testing.T, c *acquirer.Client, stan posmsg.STAN, amount posmsg.Amount) (posmsg.QROrder, string) {
	t.Helper()
	o := posmsg.QROrder{Op: posmsg.QRCreate, Terminal: term, STAN: stan, Batch: 1, Amount: amount, Reference: "R" + stan.String(), ValiditySeconds: 60}
	m, err := o.Message()
	if got := ask(t, c, m, err); got != "00" {
		t.Fatalf("order answered %s", got)
	}
	payload, err := wallet.UnionPayPayload(wallet.UnionPayOrder{AcquirerIIN: DefaultQRIIN, MerchantID: term.MerchantID, Reference: o.Reference,
		Amount: money.Amount(amount), MCC: "5399", Name: "TILLDESK", City: "BEIJING"})
	if err != nil {
		t.Fatal(err)
	}
	return o, payload
}

// status asks the order's state with a query (or close) under stan.
func status(t *testing.T, c *acquirer.Client, o posmsg.QROrder, op posmsg.QROp, stan posmsg.STAN) (posmsg.Response, posmsg.QROrderStatus) {
	t.Helper()
	q := o
	q.Op, q.STAN, q.ValiditySeconds, q.Original = op, stan, 0, posmsg.Original{Batch: o.Batch, STAN: o.STAN}
	m, err := q.Message()
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Exchange(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if a.Response.ResponseCode != "00" {
		return a.Response, posmsg.QROrderStatus{}
	}
	st, err := posmsg.ParseQROrderStatus(a.Response.WorkingKeys)
	if err != nil {
		t.Fatal(err)
	}
	return a.Response, st
}

// The app pays an open order once; the query reports it paid with its RRN and the
// payer masked; the payment is a QR sale of the batch; a reversal gives it back.
func TestMerchantQRPaidQueriedReversed(t *testing.T) {
	s, c := start(t, Options{})
	app := s.UnionPayApp()
	id, _ := app.NewWallet(10_000)
	o, payload := mpmOrder(t, c, 1, 2372)
	if _, st := status(t, c, o, posmsg.QRQuery, 2); st.State != posmsg.QRStateOpen {
		t.Fatalf("state before paying %q", st.State)
	}
	if code, err := app.PayMerchantQR(id, payload); err != nil || code != "00" {
		t.Fatalf("pay: %s, %v", code, err)
	}
	if _, err := app.PayMerchantQR(id, payload); !errors.Is(err, ErrNotPayable) {
		t.Fatalf("paid twice: %v", err)
	}
	r, st := status(t, c, o, posmsg.QRQuery, 3)
	if st.State != posmsg.QRStatePaid || r.RRN == "" || r.AuthCode == "" || !strings.HasPrefix(st.Payer, "623000") || strings.Contains(st.Payer, "0000000001") {
		t.Fatalf("paid answer %+v %+v", r, st)
	}
	if b, _ := app.Balance(id); b != 10_000-2372 {
		t.Fatalf("balance %d", b)
	}
	if tot := s.hostTotals(batchKey{term.ID, 1}); tot.Domestic.DebitCount != 1 || tot.Domestic.DebitAmount != 2372 {
		t.Fatalf("totals %+v", tot)
	}
	orig, _ := o.Message()
	m, err := posmsg.Reversal{Original: orig, Reason: posmsg.ReasonOther}.Message()
	if got := ask(t, c, m, err); got != "00" {
		t.Fatalf("reversal answered %s", got)
	}
	if b, _ := app.Balance(id); b != 10_000 {
		t.Fatalf("balance after the reversal %d", b)
	}
	if _, st := status(t, c, o, posmsg.QRQuery, 4); st.State != posmsg.QRStateReversed {
		t.Fatalf("state after the reversal %q", st.State)
	}
}

// What the app refuses to pay (another amount, a broken CRC, another acquirer, no
// such order) leaves the order open; a refusal or a poor wallet fails it; a closed
// order cannot be paid; a late payment lands as the till closes, and the close says
// paid.
func TestMerchantQRRefusalsCloseAndLatePayment(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	s, c := start(t, Options{Now: func() time.Time { return now }})
	app := s.UnionPayApp()
	rich, _ := app.NewWallet(100_000)
	poor, _ := app.NewWallet(100)
	o, payload := mpmOrder(t, c, 1, 2372)
	other, _ := wallet.UnionPayPayload(wallet.UnionPayOrder{AcquirerIIN: DefaultQRIIN, MerchantID: term.MerchantID, Reference: o.Reference,
		Amount: 1, MCC: "5399", Name: "TILLDESK", City: "BEIJING"})
	foreign := strings.Replace(payload, DefaultQRIIN, "12345678", 1)
	for name, p := range map[string]string{"other amount": other, "bad CRC": payload[:len(payload)-1] + "0", "foreign IIN": foreign, "empty": ""} {
		if _, err := app.PayMerchantQR(rich, p); !errors.Is(err, ErrNotPayable) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if code, err := app.PayMerchantQR(poor, payload); err != nil || code != "51" {
		t.Fatalf("poor wallet: %s, %v", code, err)
	}
	if _, st := status(t, c, o, posmsg.QRQuery, 2); st.State != posmsg.QRStateFailed || st.Reason != "51" {
		t.Fatalf("failed order %+v", st)
	}

	o2, payload2 := mpmOrder(t, c, 3, 500)
	if err := app.RefuseMerchantQR(rich, payload2); err != nil {
		t.Fatal(err)
	}
	if _, st := status(t, c, o2, posmsg.QRQuery, 4); st.State != posmsg.QRStateFailed || st.Reason != "05" {
		t.Fatalf("refused order %+v", st)
	}

	o3, payload3 := mpmOrder(t, c, 5, 600)
	if _, st := status(t, c, o3, posmsg.QRClose, 6); st.State != posmsg.QRStateClosed {
		t.Fatalf("closed order %+v", st)
	}
	if _, err := app.PayMerchantQR(rich, payload3); !errors.Is(err, ErrNotPayable) {
		t.Fatalf("paid a closed order: %v", err)
	}

	o4, payload4 := mpmOrder(t, c, 7, 700)
	if err := app.PayMerchantQROnClose(rich, payload4); err != nil {
		t.Fatal(err)
	}
	if _, st := status(t, c, o4, posmsg.QRQuery, 8); st.State != posmsg.QRStateOpen {
		t.Fatalf("late payment seen before the close: %+v", st)
	}
	if r, st := status(t, c, o4, posmsg.QRClose, 9); st.State != posmsg.QRStatePaid || r.RRN == "" {
		t.Fatalf("close of a late-paid order %+v", st)
	}

	o5, payload5 := mpmOrder(t, c, 10, 800)
	now = now.Add(61 * time.Second)
	if _, err := app.PayMerchantQR(rich, payload5); !errors.Is(err, ErrNotPayable) {
		t.Fatalf("paid an expired order: %v", err)
	}
	if _, st := status(t, c, o5, posmsg.QRQuery, 11); st.State != posmsg.QRStateClosed {
		t.Fatalf("expired order %+v", st)
	}
	// A query naming another order's trace, or another amount, is refused.
	bad := o5
	bad.STAN = 1
	if r, _ := status(t, c, bad, posmsg.QRQuery, 12); r.ResponseCode != "25" {
		t.Fatalf("wrong trace answered %s", r.ResponseCode)
	}
	bad = o5
	bad.Amount = 1
	if r, _ := status(t, c, bad, posmsg.QRQuery, 13); r.ResponseCode != "64" {
		t.Fatalf("wrong amount answered %s", r.ResponseCode)
	}
}

// A reversal of an open order closes it.
func TestMerchantQRReversalClosesOpenOrder(t *testing.T) {
	s, c := start(t, Options{})
	o, payload := mpmOrder(t, c, 1, 100)
	orig, _ := o.Message()
	m, err := posmsg.Reversal{Original: orig, Reason: posmsg.ReasonNoResponse}.Message()
	if got := ask(t, c, m, err); got != "00" {
		t.Fatal(got)
	}
	id, _ := s.UnionPayApp().NewWallet(1000)
	if _, err := s.UnionPayApp().PayMerchantQR(id, payload); !errors.Is(err, ErrNotPayable) {
		t.Fatalf("paid a reversed order: %v", err)
	}
	if txns := s.Transactions(term.ID); len(txns) != 1 || txns[0].Status != Closed {
		t.Fatalf("ledger %+v", txns)
	}
}
