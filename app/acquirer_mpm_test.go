package app

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// Merchant-presented UnionPay QR end to end: the till's card payments against the
// sandbox acquirer on loopback (MAC on, sign-on required), whose UnionPay app scans
// the payload the till reports and pays or refuses it.

// newMPMFixture is a card fixture whose till shows UnionPay codes quickly: the
// sandbox's IIN, polled every 10 ms, shown for wait.
func newMPMFixture(t *testing.T, wait time.Duration) *cardFixture {
	t.Helper()
	sb, err := acquirersim.Start(acquirersim.Options{MAC: mustRetail(demoMACKey), RequireSignOn: true, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return openMPMFixtureFor(t, t.TempDir(), sb.Addr(), sb, wait)
}

// openMPMFixtureFor opens the card fixture in dir for the host at addr with UnionPay
// codes shown for wait and polled every 10 ms (the sandbox's IIN).
func openMPMFixtureFor(t *testing.T, dir, addr string, sb *acquirersim.Server, wait time.Duration) *cardFixture {
	t.Helper()
	f := &cardFixture{t: t, dir: dir, sb: sb, addr: addr, reader: NewVirtualCardReader(), pad: newTestPINPad(t, "123456")}
	f.change = func(o *CardPaymentsOptions) {
		o.Config.QRIIN, o.QRWait, o.QRPollEvery = acquirersim.DefaultQRIIN, wait, 10*time.Millisecond
	}
	f.open()
	return f
}

// payMPM rings up items and pays all that is due with a UnionPay code the till shows;
// phone runs (once, on its own goroutine) with the payload when it is first shown.
func (f *cardFixture) payMPM(ctx context.Context, phone func(payload string), items ...string) (*Receipt, []WalletProgress, error) {
	f.t.Helper()
	for _, c := range items {
		if _, err := f.till.Scan(c); err != nil {
			f.t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var seen []WalletProgress
	var once sync.Once
	tender, err := f.d.MerchantQRTender(func(p WalletProgress) {
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
		if p.Stage == WalletShowQR && phone != nil {
			once.Do(func() { go phone(p.CodeURL) })
		}
	})
	if err != nil {
		return nil, nil, err
	}
	r, err := f.till.Pay(ctx, tender, PayRequest{})
	mu.Lock()
	defer mu.Unlock()
	return r, seen, err
}

func TestMerchantQRPaid(t *testing.T) {
	f := newMPMFixture(t, 5*time.Second)
	w := f.qrWallet(100_00)
	var payload string
	r, seen, err := f.payMPM(context.Background(), func(p string) {
		payload = p
		if code, err := f.sb.UnionPayApp().PayMerchantQR(w, p); err != nil || code != "00" {
			t.Errorf("phone: %s %v", code, err)
		}
	}, water, noodles)
	if err != nil || r == nil {
		t.Fatalf("pay: %v", err)
	}
	// The payload the till showed reads back (CRC checked) with the sale's amount, the
	// sandbox's IIN and the merchant, and the order reference.
	m, _, err := wallet.ParseMPM(payload)
	if err != nil {
		t.Fatal(err)
	}
	term := f.d.terminal()
	if m.Amount != "7.50" || m.Initiation != wallet.DynamicQR || m.Accounts[0].Value != acquirersim.DefaultQRIIN+term.MerchantID ||
		len(m.Additional) == 0 || !strings.HasPrefix(m.Additional[0].Value, term.ID+"000001") || m.Language == nil {
		t.Fatalf("payload %s reads %+v", payload, m)
	}
	if seen[0].Stage != WalletSending || seen[1].Stage != WalletShowQR || seen[1].Remaining <= 0 || seen[1].Method != sale.UnionPayQR {
		t.Fatalf("progress %+v", seen[:2])
	}
	p := r.Sale.Payments[0]
	if p.Method != sale.UnionPayQR || p.Amount != 750 || !strings.HasPrefix(p.Ref, "UnionPay QR 623000") || !strings.Contains(p.Ref, " rrn:") {
		t.Fatalf("payment %+v", p)
	}
	if got := f.qrBalance(w); got != 100_00-750 {
		t.Fatalf("wallet balance %d", got)
	}
	if k := f.kinds(); k[KindCardIntent] != 1 || k[KindCardQROrderOpen] != 1 || k[KindCardAuthorised] != 1 {
		t.Fatalf("records %v", k)
	}
	// A batch transaction like a scanned code's: settled balanced, then refunded by RRN
	// through the QR refunder.
	if sum, _ := f.d.OpenBatch(); sum.Count != 1 || sum.Net != 750 || sum.Totals.Domestic.DebitCount != 1 {
		t.Fatalf("batch %+v", sum)
	}
	if _, err := f.d.Settle(context.Background(), "mgr1"); err != nil {
		t.Fatalf("settle: %v", err)
	}
	if s := f.sb.Settlements(); len(s) != 1 || !s[0].Balanced {
		t.Fatalf("settlements %+v", s)
	}
	refunds := NewRefunds(f.till, RefundsOptions{Language: "en"})
	refunds.Register(f.d.QRRefunder())
	res, err := refunds.Refund(context.Background(), r.Number, refund.Request{ID: refunds.NewID(), Full: true}, "op1", "mgr1", "other")
	if err != nil || len(res.Refund.Tenders) != 1 {
		t.Fatalf("refund: %+v %v", res, err)
	}
	if got := f.qrBalance(w); got != 100_00 {
		t.Fatalf("wallet balance after the refund %d", got)
	}
}

// The customer refuses in the app, or the wallet cannot pay: declined, nothing taken,
// the intent ended.
func TestMerchantQRRefused(t *testing.T) {
	f := newMPMFixture(t, 5*time.Second)
	rich, poor := f.qrWallet(100_00), f.qrWallet(1_00)
	for _, tc := range []struct {
		name, code string
		phone      func(string)
	}{
		{"refused on the phone", "05", func(p string) { _ = f.sb.UnionPayApp().RefuseMerchantQR(rich, p) }},
		{"over the balance", "51", func(p string) { _, _ = f.sb.UnionPayApp().PayMerchantQR(poor, p) }},
	} {
		_, _, err := f.payMPM(context.Background(), tc.phone, water)
		var de *CardDeclinedError
		if !errors.As(err, &de) || de.Code.Code != tc.code || !de.QR {
			t.Fatalf("%s: %v", tc.name, err)
		}
		_ = f.till.Cancel()
	}
	if k := f.kinds(); k[KindCardQROrderClosed] != 2 || k[KindCardAuthorised] != 0 {
		t.Fatalf("records %v", k)
	}
	if f.qrBalance(rich) != 100_00 || f.qrBalance(poor) != 1_00 {
		t.Fatal("money taken")
	}
	assertNoIntents(t, f)
}

// Nobody pays in time, or the cashier cancels: the till closes the order, nothing is
// taken and nothing is reversed.
func TestMerchantQRTimeoutAndCancelClose(t *testing.T) {
	f := newMPMFixture(t, 200*time.Millisecond)
	_, seen, err := f.payMPM(context.Background(), nil, water)
	if !errors.Is(err, ErrWalletTimedOut) {
		t.Fatalf("timeout: %v", err)
	}
	if last := seen[len(seen)-1]; last.Stage != WalletCancelling {
		t.Fatalf("last progress %+v", last)
	}
	_ = f.till.Cancel()
	ctx, cancel := context.WithCancel(context.Background())
	_, _, err = f.payMPM(ctx, func(string) { time.Sleep(30 * time.Millisecond); cancel() }, water)
	if !errors.Is(err, ErrWalletCancelled) {
		t.Fatalf("cancel: %v", err)
	}
	txns := f.sb.Transactions("")
	if len(txns) != 2 || txns[0].Status != acquirersim.Closed || txns[1].Status != acquirersim.Closed {
		t.Fatalf("sandbox %+v", txns)
	}
	if f.sb.Count(posmsg.KindReversal) != 0 {
		t.Fatal("a closed order was reversed")
	}
	assertNoIntents(t, f)
}

// The customer's payment reaches the host just as the till closes the order: the
// close finds it paid, and the till reverses it; the customer gets the money back.
func TestMerchantQRPaidAfterCloseReversed(t *testing.T) {
	f := newMPMFixture(t, 200*time.Millisecond)
	w := f.qrWallet(100_00)
	_, _, err := f.payMPM(context.Background(), func(p string) {
		if err := f.sb.UnionPayApp().PayMerchantQROnClose(w, p); err != nil {
			t.Error(err)
		}
	}, water)
	if !errors.Is(err, ErrWalletTimedOut) || !strings.Contains(err.Error(), "given back") {
		t.Fatalf("pay: %v", err)
	}
	f.eventually("the late payment reversed", func() bool {
		txns := f.sb.Transactions("")
		return len(txns) == 1 && txns[0].Status == acquirersim.Reversed
	})
	if got := f.qrBalance(w); got != 100_00 {
		t.Fatalf("wallet balance %d", got)
	}
	f.eventually("the reversal journaled", func() bool { return f.kinds()[KindCardReversed] == 1 })
}

// A host that never answers the close: the order is reversed instead, and the till
// says the payment is in doubt until the reversal is acknowledged.
func TestMerchantQRCloseUnansweredReversed(t *testing.T) {
	f := newMPMFixture(t, 100*time.Millisecond)
	w := f.qrWallet(100_00)
	_, _, err := f.payMPM(context.Background(), func(p string) {
		_ = f.sb.UnionPayApp().PayMerchantQROnClose(w, p)
		f.sb.Inject(acquirersim.Fault{Kind: posmsg.KindQROrder, Times: -1, Code: "96"})
	}, water)
	if !errors.Is(err, ErrCardInDoubt) {
		t.Fatalf("pay: %v", err)
	}
	f.sb.ClearFaults()
	f.eventually("the order reversed", func() bool {
		txns := f.sb.Transactions("")
		return len(txns) == 1 && (txns[0].Status == acquirersim.Closed || txns[0].Status == acquirersim.Reversed)
	})
	if got := f.qrBalance(w); got != 100_00 {
		t.Fatalf("wallet balance %d", got)
	}
}

// A till stopped while its code was shown: on restart the open order is reversed
// before any new sale (closed at the host if unpaid, given back if the customer paid
// meanwhile).
func TestMerchantQRRestartResolvesOpenOrder(t *testing.T) {
	for _, paid := range []bool{false, true} {
		f := newMPMFixture(t, 5*time.Second)
		w := f.qrWallet(100_00)
		shown, release := make(chan struct{}), make(chan struct{})
		old := cardTestHook
		cardTestHook = func(point string) {
			if point == "qr.shown" {
				close(shown)
				<-release // the till is frozen here: the next run must resolve it
			}
		}
		payloads := make(chan string, 1)
		go func() {
			_, _, _ = f.payMPM(context.Background(), func(p string) { payloads <- p }, water)
		}()
		<-shown
		cardTestHook = old
		if paid {
			payload := <-payloads
			if code, err := f.sb.UnionPayApp().PayMerchantQR(w, payload); err != nil || code != "00" {
				t.Fatal(code, err)
			}
		}
		f.reopen()
		want := acquirersim.Closed
		if paid {
			want = acquirersim.Reversed
		}
		f.eventually("the order resolved", func() bool {
			txns := f.sb.Transactions("")
			return len(txns) == 1 && txns[0].Status == want
		})
		if got := f.qrBalance(w); got != 100_00 {
			t.Fatalf("paid %v: wallet balance %d", paid, got)
		}
		if err := f.d.readyForSale(context.Background()); err != nil {
			t.Fatalf("paid %v: till not ready after the resolution: %v", paid, err)
		}
		close(release)
	}
}

// assertNoIntents checks that no card intent is left open.
func assertNoIntents(t *testing.T, f *cardFixture) {
	t.Helper()
	n := 0
	if err := eachEntry(f.j, prefixIntent, func(string, cardIntent) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("%d intents left (%v)", n, err)
	}
}

// The payer's account a host reports is kept masked whatever it sends.
func TestMaskPayer(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "-",
		"621234*********5678":    "621234*********5678",
		"6212345678901235678":    "621234*********5678",
		"6212 3456 7890 1235678": "621234*********5678",
		"n/a":                    "-",
	} {
		if got := maskPayer(in); got != want {
			t.Errorf("maskPayer(%q) = %q, want %q", in, got, want)
		}
	}
}
