package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"tilldesk/app/walletsim"
	"tilldesk/core/journal"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// The customer-presented code state machine, end to end over loopback HTTP against
// the sandbox, for both providers.

func TestWalletCodePaidAtOnce(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		r, err := f.payCode(context.Background(), f.code(w, walletsim.PayAtOnce), 0)
		if err != nil || r == nil {
			t.Fatalf("pay: %v, %v", r, err)
		}
		pay := r.Sale.Payments[0]
		if pay.Method != m || pay.Amount != 200 || pay.Ref != f.lastTrade() {
			t.Fatalf("payment %+v", pay)
		}
		if got := f.states(pay.Ref); !slices.Equal(got, []string{walletSent, walletPaid}) {
			t.Fatalf("states %v", got)
		}
		if f.balance(w) != 9800 {
			t.Fatalf("balance %d", f.balance(w))
		}
		// The intent left the bucket in the sale's own record.
		rec, err := f.j.Get(walletLastSeq(t, f.j))
		if err != nil || rec.Kind != journal.KindSaleCompleted || !strings.Contains(string(rec.Data), `"wallet":{"settled":["`+pay.Ref+`"]}`) {
			t.Fatalf("sale record %s %s, %v", rec.Kind, rec.Data, err)
		}
		f.settledAll()
	})
}

func walletLastSeq(t *testing.T, j *journal.Journal) uint64 {
	t.Helper()
	seq, err := j.LastSeq()
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestWalletCodeUserPayingThenPaid(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		go func() {
			pr := f.waitStage(WalletWaitingCustomer)
			f.phone.Confirm(pr.OutTradeNo)
		}()
		r, err := f.payCode(context.Background(), f.code(w, walletsim.AskConfirm), 0)
		if err != nil || r == nil {
			t.Fatalf("pay: %v, %v", r, err)
		}
		if got := f.states(f.lastTrade()); !slices.Equal(got, []string{walletSent, walletPaying, walletPaid}) {
			t.Fatalf("states %v", got)
		}
		f.settledAll()
	})
}

func TestWalletCodeCashierCancelsWhileUserPaying(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		_, err := f.payCode(f.cancelAt(WalletWaitingCustomer), f.code(w, walletsim.AskConfirm), 0)
		if !errors.Is(err, ErrWalletCancelled) {
			t.Fatalf("pay: %v, want ErrWalletCancelled", err)
		}
		if got := f.states(f.lastTrade()); !slices.Equal(got, []string{walletSent, walletPaying, walletUndoing, walletCancelled}) {
			t.Fatalf("states %v", got)
		}
		if len(f.phone.Pending()) != 0 || f.balance(w) != 10000 || len(f.till.Current().Payments) != 0 {
			t.Fatalf("pending %v, balance %d", f.phone.Pending(), f.balance(w))
		}
		f.settledAll()
	})
}

func TestWalletCodeTimeoutCancels(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		start := time.Now()
		_, err := f.payCode(context.Background(), f.code(w, walletsim.AskConfirm), 0)
		if !errors.Is(err, ErrWalletTimedOut) || time.Since(start) < fastWalletTiming.AlipayWait {
			t.Fatalf("pay: %v after %v, want ErrWalletTimedOut after the wait", err, time.Since(start))
		}
		if !f.sawStage(WalletCancelling) || f.waitStage(WalletWaitingCustomer).Remaining <= 0 {
			t.Fatal("no cancelling progress, or no time left reported while waiting")
		}
		f.wantLast(walletCancelled)
		f.settledAll()
	})
}

// A SYSTEMERROR / 20000 answer is never taken either way: the till queries, and the
// trade that went through is paid.
func TestWalletCodeSystemErrorThenQueriedPaid(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		f.sandbox.Inject(walletsim.Fault{Provider: p, Op: wallet.OpPay, Kind: walletsim.FaultSystemError, Done: true})
		r, err := f.payCode(context.Background(), f.code(w, walletsim.PayAtOnce), 0)
		if err != nil || r == nil {
			t.Fatalf("pay: %v, %v", r, err)
		}
		if got := f.states(f.lastTrade()); !slices.Equal(got, []string{walletSent, walletUnknown, walletPaid}) || !f.sawStage(WalletChecking) {
			t.Fatalf("states %v", got)
		}
		f.settledAll()
	})
}

// A SYSTEMERROR for a trade that never went through: the query finds nothing, and the
// till cancels it so it cannot go through later.
func TestWalletCodeSystemErrorNotFoundCancels(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		f.sandbox.Inject(walletsim.Fault{Provider: p, Op: wallet.OpPay, Kind: walletsim.FaultSystemError})
		_, err := f.payCode(context.Background(), f.code(w, walletsim.PayAtOnce), 0)
		if !errors.Is(err, ErrWalletCancelled) || !strings.Contains(err.Error(), "not_found") {
			t.Fatalf("pay: %v", err)
		}
		f.check(w, 10000)
	})
}

// Network errors: a dropped answer, and an answer slower than the call timeout, are
// both queried.
func TestWalletCodeNetworkErrorQueried(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		f.sandbox.Inject(walletsim.Fault{Provider: p, Op: wallet.OpPay, Kind: walletsim.FaultDrop})
		if r, err := f.payCode(context.Background(), f.code(w, walletsim.PayAtOnce), 0); err != nil || r == nil {
			t.Fatalf("dropped pay answer: %v, %v", r, err)
		}
		f.setCallTimeout(100 * time.Millisecond)
		f.sandbox.Inject(walletsim.Fault{Provider: p, Op: wallet.OpPay, Kind: walletsim.FaultSlow, Delay: 300 * time.Millisecond})
		if r, err := f.payCode(context.Background(), f.code(w, walletsim.PayAtOnce), 0); err != nil || r == nil {
			t.Fatalf("slow pay answer: %v, %v", r, err)
		}
		f.check(w, 9600, walletSent, walletUnknown, walletPaid)
	})
}

// The customer confirms just as the cashier's cancel reaches the provider: the cancel
// is answered "retry", the payment went through, and the retried cancel gives the
// money back.
func TestWalletCodeLateSuccessAfterCancelIsReversed(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		f.sandbox.Inject(walletsim.Fault{Provider: p, Op: wallet.OpCancel, Kind: walletsim.FaultPaidDuringCancel})
		_, err := f.payCode(f.cancelAt(WalletWaitingCustomer), f.code(w, walletsim.AskConfirm), 0)
		if !errors.Is(err, ErrWalletCancelled) {
			t.Fatalf("pay: %v", err)
		}
		if f.balance(w) != 10000 {
			t.Fatalf("balance %d: the late payment was not given back", f.balance(w))
		}
		if p == wallet.Alipay { // Alipay says the cancel refunded (action=refund)
			f.wantLast(walletReversed)
		} else {
			f.wantLast(walletCancelled)
		}
		f.settledAll()
	})
}

func TestWalletCodeDeclined(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 100) // ¥1.00 for ¥2.00 of water
		_, err := f.payCode(context.Background(), f.code(w, walletsim.PayAtOnce), 0)
		var d *WalletDeclinedError
		if !errors.As(err, &d) || !errors.Is(err, ErrWalletDeclined) || d.Method != m || (d.Reason != "ACQ.BUYER_BALANCE_NOT_ENOUGH" && d.Reason != "NOTENOUGH") {
			t.Fatalf("pay: %v", err)
		}
		// The customer refusing on the phone.
		w = f.wallet(p, 10000)
		go func() { f.phone.Refuse(f.waitStage(WalletWaitingCustomer).OutTradeNo) }()
		if _, err := f.payCode(context.Background(), f.code(w, walletsim.AskConfirm), 0); !errors.As(err, &d) {
			t.Fatalf("refused on the phone: %v", err)
		}
		f.settledAll()
	})
}

func TestWalletCodeRefusedBeforeSending(t *testing.T) {
	f := newWalletFixture(t)
	for code, want := range map[string]error{
		"12345": wallet.ErrUnknownCode, "28x": wallet.ErrMalformedCode, "6212345678901234567": ErrWalletUnionPay,
	} {
		if _, err := f.w.CodeTender(code, nil); !errors.Is(err, want) {
			t.Errorf("CodeTender(%q) = %v, want %v", code, err, want)
		}
	}
	f.w.apis = map[sale.Method]walletAPI{sale.Alipay: f.w.apis[sale.Alipay]}
	if _, err := f.w.CodeTender("134567890123456789", nil); !errors.Is(err, ErrWalletOff) {
		t.Fatalf("WeChat code at a till without WeChat Pay: %v", err)
	}
	if p, _ := f.w.Pending(); len(p) != 0 {
		t.Fatalf("intents journaled for refused codes: %v", p)
	}
}

// When the provider never confirms the cancel, the payment stays in doubt: the sales
// gate refuses sales until ResolvePending settles it.
func TestWalletCodeInDoubtBlocksSalesUntilResolved(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		f.sandbox.Inject(walletsim.Fault{Provider: p, Op: wallet.OpCancel, Kind: walletsim.FaultSystemError, Times: -1})
		_, err := f.payCode(context.Background(), f.code(w, walletsim.AskConfirm), 0)
		if !errors.Is(err, ErrWalletInDoubt) {
			t.Fatalf("pay: %v", err)
		}
		if err := f.till.SalesAllowed(); !errors.Is(err, ErrWalletUnresolved) {
			t.Fatalf("sales allowed with a payment in doubt: %v", err)
		}
		if _, err := f.till.Scan(water); !errors.Is(err, ErrWalletUnresolved) {
			t.Fatalf("scan: %v", err)
		}
		if err := f.w.ResolvePending(context.Background()); !errors.Is(err, ErrWalletInDoubt) {
			t.Fatalf("resolve while the provider still fails: %v", err)
		}
		f.sandbox.ClearFaults()
		if err := f.w.ResolvePending(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.check(w, 10000)
	})
}

// A journal that cannot record the intent stops the payment before anything is sent.
func TestWalletCodeIntentNotJournaledSendsNothing(t *testing.T) {
	f := newWalletFixture(t)
	w := f.wallet(wallet.Alipay, 10000)
	code := f.code(w, walletsim.PayAtOnce)
	if _, err := f.till.Scan(water); err != nil {
		t.Fatal(err)
	}
	tender, err := f.w.CodeTender(code, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.j.Close()
	if _, err := tender.Pay(context.Background(), PayRequest{SaleID: "S1", Amount: 200}); !errors.Is(err, ErrNotRecorded) {
		t.Fatalf("pay with a closed journal: %v", err)
	}
	if f.balance(w) != 10000 {
		t.Fatal("money taken without an intent")
	}
}

// Trade numbers drawn in the same second never repeat, and fit both providers (32
// characters of letters and digits): a repeated number would be answered with the
// earlier trade's state.
func TestTradeNumbersDoNotRepeat(t *testing.T) {
	f := newWalletFixture(t)
	frozen := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	f.w.now = func() time.Time { return frozen }
	seen := map[string]bool{}
	for range 20_000 {
		no := f.w.newTradeNo()
		if seen[no] || len(no) != 32 || strings.Trim(no, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("trade number %q (seen before: %v)", no, seen[no])
		}
		seen[no] = true
	}
}
