package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/money"
	"tilldesk/core/receipt"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
)

// UnionPay QR payments end to end: the till's card payments against the sandbox
// acquirer on loopback (MAC on, sign-on required), whose UnionPay app shows the codes.

// qrWallet opens a UnionPay app wallet at the fixture's sandbox.
func (f *cardFixture) qrWallet(balance int64) string {
	f.t.Helper()
	id, err := f.sb.UnionPayApp().NewWallet(balance)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// qrCode shows a fresh payment code of the wallet.
func (f *cardFixture) qrCode(wallet string) string {
	f.t.Helper()
	code, err := f.sb.UnionPayApp().ShowCode(wallet)
	if err != nil {
		f.t.Fatal(err)
	}
	return code
}

// qrBalance is a UnionPay app wallet's balance.
func (f *cardFixture) qrBalance(wallet string) int64 {
	f.t.Helper()
	b, err := f.sb.UnionPayApp().Balance(wallet)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// payQR rings up codes (if any) and pays amount (0: all that is due) with the code.
func (f *cardFixture) payQR(code string, amount int64, items ...string) (*Receipt, error) {
	f.t.Helper()
	for _, c := range items {
		if _, err := f.till.Scan(c); err != nil {
			f.t.Fatal(err)
		}
	}
	tender, err := f.d.QRTender(code, nil)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return f.till.Pay(ctx, tender, PayRequest{Amount: money.Amount(amount)})
}

func TestUnionPayQRSaleApproved(t *testing.T) {
	f := newCardFixture(t)
	w := f.qrWallet(100_00)
	code := f.qrCode(w)
	r, err := f.payQR(code, 0, water, noodles)
	if err != nil || r == nil {
		t.Fatalf("pay: %v %v", r, err)
	}
	p := r.Sale.Payments[0]
	masked := iso8583.MaskPAN(code)
	if p.Method != sale.UnionPayQR || p.Amount != 750 || !strings.HasPrefix(p.Ref, "UnionPay QR "+masked+" auth:") || !strings.Contains(p.Ref, " rrn:") {
		t.Fatalf("payment %+v", p)
	}
	if got := f.qrBalance(w); got != 100_00-750 {
		t.Fatalf("wallet balance %d", got)
	}
	txns := f.sb.Transactions("")
	if len(txns) != 1 || !txns[0].QR || txns[0].Status != acquirersim.Approved || txns[0].MaskedPAN != masked {
		t.Fatalf("sandbox %+v", txns)
	}
	if k := f.kinds(); k[KindCardIntent] != 1 || k[KindCardAuthorised] != 1 {
		t.Fatalf("records %v", k)
	}
	rows := receipt.Text(f.till.Rows(r, "en", func(k string) string { return k }), 48)
	for _, want := range []string{"tender.unionpay_qr", "card.qr_code", masked, "card.entry.qr", "card.auth_code", "card.rrn", "card.batch_trace"} {
		if !strings.Contains(rows, want) {
			t.Errorf("receipt lacks %q:\n%s", want, rows)
		}
	}
	// The QR sale is a domestic sale of the open batch, and the batch settles balanced.
	if sum, _ := f.d.OpenBatch(); sum.Count != 1 || sum.Net != 750 || sum.Totals.Domestic.DebitCount != 1 {
		t.Fatalf("batch %+v", sum)
	}
	if _, err := f.d.Settle(context.Background(), "mgr1"); err != nil {
		t.Fatalf("settle: %v", err)
	}
	if s := f.sb.Settlements(); len(s) != 1 || !s[0].Balanced {
		t.Fatalf("sandbox settlements %+v", s)
	}
	assertNotJournaled(t, f, code, "the whole payment code")
}

func TestUnionPayQRSaleDeclined(t *testing.T) {
	f := newCardFixture(t)
	w := f.qrWallet(1_00)
	for _, tc := range []struct {
		name, code, response, key string
	}{
		{"a code the app never showed", "6212345678901234567", "14", "unionpay.decline.code"},
		{"over the balance", f.qrCode(w), "51", "resp.insufficient_funds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.payQR(tc.code, 0, water)
			var de *CardDeclinedError
			if !errors.As(err, &de) || de.Code.Code != tc.response || !de.QR || CardErrorKey(err) != tc.key {
				t.Fatalf("pay: %v (key %s), want %s", err, CardErrorKey(err), tc.response)
			}
			if s := f.till.Current(); len(s.Payments) != 0 {
				t.Fatalf("payments %+v", s.Payments)
			}
			if st := f.status(); st.PendingReversals != 0 {
				t.Fatalf("status %+v", st)
			}
			f.till.Cancel()
		})
	}
	if got := f.qrBalance(w); got != 1_00 {
		t.Fatalf("wallet balance %d", got)
	}
	if k := f.kinds(); k[KindCardDeclined] != 2 || k[KindCardAuthorised] != 0 {
		t.Fatalf("records %v", k)
	}
}

// No answer in time: the QR sale is reversed (the sandbox had charged it) and the
// customer keeps the money; the next sale waits for the reversal.
func TestUnionPayQRHostTimeoutIsReversed(t *testing.T) {
	f := newCardFixture(t)
	w := f.qrWallet(100_00)
	f.sb.Inject(acquirersim.Fault{Kind: posmsg.KindQRSale, Drop: true})
	_, err := f.payQR(f.qrCode(w), 0, water)
	if !errors.Is(err, ErrCardInDoubt) {
		t.Fatalf("pay: %v, want ErrCardInDoubt", err)
	}
	f.eventually("the reversal acknowledged", func() bool { return f.status().PendingReversals == 0 })
	if got := f.qrBalance(w); got != 100_00 {
		t.Fatalf("wallet balance %d after the reversal", got)
	}
	txns := f.sb.Transactions("")
	if len(txns) != 1 || txns[0].Status != acquirersim.Reversed || txns[0].ReversalReason != posmsg.ReasonNoResponse {
		t.Fatalf("sandbox %+v", txns)
	}
	if k := f.kinds(); k[KindCardReversalDue] != 1 || k[KindCardReversed] != 1 {
		t.Fatalf("records %v", k)
	}
	// The same sale, paid with a fresh code, goes through.
	if r, err := f.payQR(f.qrCode(w), 0); err != nil || r == nil {
		t.Fatalf("second code: %v %v", r, err)
	}
}

// A QR payment is refunded from the journal (Refunds, as the journal browser does):
// a whole sale of the open batch is voided, after settlement a part is refunded; the
// refunder asks nothing of the customer and is idempotent.
func TestUnionPayQRRefund(t *testing.T) {
	f := newCardFixture(t)
	w := f.qrWallet(100_00)
	refunds := NewRefunds(f.till, RefundsOptions{Language: "en"})
	refunds.Register(f.d.QRRefunder())
	sold, err := f.payQR(f.qrCode(w), 0, water, noodles)
	if err != nil {
		t.Fatal(err)
	}
	id := refunds.NewID()
	res, err := refunds.Refund(context.Background(), sold.Number, refund.Request{ID: id, Full: true}, "op1", "mgr1", "other")
	if err != nil || len(res.Refund.Tenders) != 1 || !strings.HasPrefix(res.Refund.Tenders[0].Ref, "void UnionPay QR ") {
		t.Fatalf("refund: %+v %v", res, err)
	}
	if got := f.qrBalance(w); got != 100_00 {
		t.Fatalf("balance after the void %d", got)
	}
	again, err := refunds.Refund(context.Background(), sold.Number, refund.Request{ID: id, Full: true}, "op1", "mgr1", "other")
	if err != nil || !again.Replayed || f.sb.Count(posmsg.KindVoid) != 1 {
		t.Fatalf("retry: %+v %v, voids %d", again, err, f.sb.Count(posmsg.KindVoid))
	}

	sold, err = f.payQR(f.qrCode(w), 0, water, noodles)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.Settle(context.Background(), "mgr1"); err != nil {
		t.Fatal(err)
	}
	res, err = refunds.Refund(context.Background(), sold.Number, refund.Request{ID: refunds.NewID(),
		Lines: []refund.LineRequest{{LineID: sold.Sale.Lines[1].ID, QtyMilli: sale.QtyOne}}}, "op1", "mgr1", "other")
	if err != nil || res.Refund.Total != 550 || !strings.HasPrefix(res.Refund.Tenders[0].Ref, "refund UnionPay QR ") {
		t.Fatalf("partial refund: %+v %v", res, err)
	}
	if got := f.qrBalance(w); got != 100_00-200 {
		t.Fatalf("balance after the refund %d", got)
	}
	if sum, _ := f.d.OpenBatch(); sum.Count != 1 || sum.Net != -550 || sum.Totals.Domestic.CreditCount != 1 {
		t.Fatalf("batch %+v", sum)
	}
	// A card refund of a QR payment is refused: there is no card to present.
	if _, err := (qrRefunder{f.d}).Refund(context.Background(), TenderRefundRequest{Key: "x", Amount: 1,
		OriginalRef: "Visa 499999******0015 auth:1 rrn:000000100001 ref:000001/000001/0101"}); !errors.Is(err, ErrNotCardRef) {
		t.Fatalf("QR refund of a card payment: %v", err)
	}
}

// A split-tender sale abandoned after its QR payment (Till.CancelPaid): the payment
// is reversed through the card Reverser.
func TestUnionPayQRPaymentOfAbandonedSaleIsReversed(t *testing.T) {
	f := newCardFixture(t)
	w := f.qrWallet(100_00)
	r, err := f.payQR(f.qrCode(w), 300, water, noodles)
	if err != nil || r != nil {
		t.Fatalf("part payment: %v %v", r, err)
	}
	if got := f.qrBalance(w); got != 100_00-300 {
		t.Fatalf("part payment not charged: %d", got)
	}
	if err := f.till.CancelPaid(context.Background(), "mgr1"); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	f.eventually("the reversal acknowledged", func() bool { return f.status().PendingReversals == 0 })
	if got := f.qrBalance(w); got != 100_00 {
		t.Fatalf("balance after the reversal %d", got)
	}
	if k := f.kinds(); k[KindPaymentReversed] != 1 || k[KindCardReversed] != 1 {
		t.Fatalf("records %v", k)
	}
}

// A QR payment approved for a sale that dies with the till is reversed at start-up,
// as a card's is (the same intents).
func TestUnionPayQRRestartReversesApprovalOfUnfinishedSale(t *testing.T) {
	f := newCardFixture(t)
	w := f.qrWallet(100_00)
	if r, err := f.payQR(f.qrCode(w), 300, water, noodles); err != nil || r != nil {
		t.Fatalf("part payment: %v %v", r, err)
	}
	f.reopen()
	f.eventually("the reversal acknowledged", func() bool { return f.status().PendingReversals == 0 })
	if got := f.qrBalance(w); got != 100_00 {
		t.Fatalf("balance after the restart %d", got)
	}
}

// Codes reach the QR tender only when they are UnionPay ones and a host is known.
func TestUnionPayQRTenderRefusals(t *testing.T) {
	f := newCardFixture(t)
	if _, err := f.d.QRTender("284412345678901234", nil); err == nil {
		t.Error("an Alipay code was taken")
	}
	if _, err := f.d.QRTender("62ABC", nil); err == nil {
		t.Error("a malformed code was taken")
	}
	hostless := NewCardPayments(f.till, nil, CardPaymentsOptions{Config: DefaultAcquirerConfig(), Log: quietLog()})
	if hostless.TakesUnionPayQR() {
		t.Fatal("takes QR codes without a host")
	}
	if _, err := hostless.QRTender("6212345678901234567", nil); !errors.Is(err, ErrWalletUnionPay) {
		t.Errorf("no host: %v", err)
	}
}

// Wallets hand UnionPay codes to card payments once routed (the session does it),
// and register their refunder; before that they refuse them.
func TestWalletsRouteUnionPayCodesToTheAcquirer(t *testing.T) {
	f := newCardFixture(t)
	w, err := NewWallets(f.till, DefaultWalletConfig(), Paths{DataDir: f.dir}, WalletOptions{Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	wallet := f.qrWallet(100_00)
	code := f.qrCode(wallet)
	if _, err := w.CodeTender(code, nil); !errors.Is(err, ErrWalletUnionPay) || w.TakesUnionPayQR() {
		t.Fatalf("unrouted: %v", err)
	}
	w.RouteUnionPayQR(f.d)
	var stages []WalletStage
	tender, err := w.CodeTender(code, func(p WalletProgress) { stages = append(stages, p.Stage) })
	if err != nil || tender.Method() != sale.UnionPayQR {
		t.Fatalf("routed: %v", err)
	}
	ringUp(t, f.till, water)
	if r, err := f.till.Pay(context.Background(), tender, PayRequest{}); err != nil || r == nil {
		t.Fatalf("pay: %v", err)
	}
	if len(stages) != 1 || stages[0] != WalletSending {
		t.Errorf("progress %v", stages)
	}
	refunds := NewRefunds(f.till, RefundsOptions{})
	w.RegisterRefunders(refunds)
	if refunds.refunder(sale.UnionPayQR) == nil {
		t.Error("no UnionPay QR refunder registered")
	}
}

// In demo mode the session routes UnionPay codes to its sandbox acquirer (MAC on,
// sign-on required), whose UnionPay app's codes then pay through the wallet tender,
// and registers their refunder with the wallets'.
func TestDemoSessionTakesUnionPayQR(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(Paths{Config: filepath.Join(dir, "config.toml"), DataDir: filepath.Join(dir, "data")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Wallets.TakesUnionPayQR() || s.Cards.Sandbox() == nil {
		t.Fatal("the demo session does not take UnionPay QR codes")
	}
	app := s.Cards.Sandbox().UnionPayApp()
	id, err := app.NewWallet(100_00)
	if err != nil {
		t.Fatal(err)
	}
	code, err := app.ShowCode(id)
	if err != nil {
		t.Fatal(err)
	}
	tender, err := s.Wallets.CodeTender(code, nil)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); s.Till.SalesAllowed() != nil && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	ringUp(t, s.Till, water)
	if r, err := s.Till.Pay(context.Background(), tender, PayRequest{}); err != nil || r == nil || r.Sale.Payments[0].Method != sale.UnionPayQR {
		t.Fatalf("demo QR sale: %v", err)
	}
	refunds := NewRefunds(s.Till, RefundsOptions{})
	s.Wallets.RegisterRefunders(refunds)
	if refunds.refunder(sale.UnionPayQR) == nil {
		t.Error("no UnionPay QR refunder")
	}
}

// The cashier cancelling while the QR sale is with the host does not turn the
// customer's payment into a charge and a reversal: the sale's answer is awaited and
// the payment kept.
func TestUnionPayQRCancelAfterSendingKeepsThePayment(t *testing.T) {
	f := newCardFixture(t)
	w := f.qrWallet(100_00)
	code := f.qrCode(w)
	f.sb.Inject(acquirersim.Fault{Kind: posmsg.KindQRSale, Delay: 300 * time.Millisecond})
	if _, err := f.till.Scan(water); err != nil {
		t.Fatal(err)
	}
	tender, err := f.d.QRTender(code, func(p WalletProgress) {})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel) // while the host takes its time
	r, err := f.till.Pay(ctx, tender, PayRequest{})
	if err != nil || r == nil {
		t.Fatalf("pay cancelled after sending: %v %v", r, err)
	}
	if got := f.qrBalance(w); got != 100_00-200 {
		t.Fatalf("wallet balance %d", got)
	}
	if txns := f.sb.Transactions(""); len(txns) != 1 || txns[0].Status != acquirersim.Approved {
		t.Fatalf("sandbox %+v", txns)
	}
	if n := f.sb.Count(posmsg.KindReversal); n != 0 {
		t.Fatalf("%d reversals", n)
	}
}
