package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"tilldesk/app/walletsim"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// The merchant-presented QR state machine against the sandbox, for both providers.

// payQR rings up water (¥2.00) and pays it with a dynamic QR; scan, when set, runs
// when the QR code is shown, with its content.
func (f *walletFixture) payQR(ctx context.Context, m sale.Method, scan func(codeURL string)) (*Receipt, error) {
	f.t.Helper()
	if _, err := f.till.Scan(water); err != nil {
		f.t.Fatal(err)
	}
	tender, err := f.w.QRTender(m, f.onProgress)
	if err != nil {
		f.t.Fatal(err)
	}
	if scan != nil {
		go func() { scan(f.waitStage(WalletShowQR).CodeURL) }()
	}
	return f.till.Pay(ctx, tender, PayRequest{})
}

func TestWalletQRPaid(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		r, err := f.payQR(context.Background(), m, func(url string) {
			if _, err := f.phone.ScanQR(w, url, walletsim.PayAtOnce); err != nil {
				t.Error(err)
			}
		})
		if err != nil || r == nil || r.Sale.Payments[0].Method != m {
			t.Fatalf("pay: %v, %v", r, err)
		}
		url := f.waitStage(WalletShowQR).CodeURL
		if !strings.HasPrefix(url, "https://qr.alipay.com/") && !strings.HasPrefix(url, "weixin://wxpay/bizpayurl?pr=") {
			t.Fatalf("code URL %q", url)
		}
		f.check(w, 9800, walletSent, walletShown, walletPaid)
	})
}

func TestWalletQRClosedOnCancelAndTimeout(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		ctx, cancel := context.WithCancel(context.Background())
		_, err := f.payQR(ctx, m, func(string) { cancel() })
		if !errors.Is(err, ErrWalletCancelled) {
			t.Fatalf("cashier cancel: %v", err)
		}
		url := f.waitStage(WalletShowQR).CodeURL
		if _, err := f.phone.ScanQR(w, url, walletsim.PayAtOnce); !errors.Is(err, walletsim.ErrNoQR) {
			t.Fatalf("the closed QR could still be paid: %v", err)
		}
		f.wantLast(walletCancelled)
		if err := f.till.Cancel(); err != nil {
			t.Fatal(err)
		}
		if _, err := f.payQR(context.Background(), m, nil); !errors.Is(err, ErrWalletTimedOut) {
			t.Fatalf("nobody scans: %v", err)
		}
		f.settledAll()
	})
}

// The customer confirms just as the till closes the QR order: the close is answered
// "retry", the retried close is refused because the order is paid, and the till gives
// the money back.
func TestWalletQRPaidDuringCloseIsGivenBack(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		f.sandbox.Inject(walletsim.Fault{Provider: p, Op: wallet.OpClose, Kind: walletsim.FaultPaidDuringCancel})
		ctx, cancel := context.WithCancel(context.Background())
		_, err := f.payQR(ctx, m, func(url string) {
			if _, err := f.phone.ScanQR(w, url, walletsim.AskConfirm); err != nil {
				t.Error(err)
			}
			cancel()
		})
		if !errors.Is(err, ErrWalletCancelled) || !strings.Contains(err.Error(), "given back") {
			t.Fatalf("pay: %v", err)
		}
		if f.balance(w) != 10000 {
			t.Fatalf("balance %d", f.balance(w))
		}
		f.wantLast(walletReversed)
		f.settledAll()
	})
}

// The customer refuses on the phone after scanning: declined, nothing taken.
func TestWalletQRRefusedOnPhone(t *testing.T) {
	eachWalletProvider(t, func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method) {
		w := f.wallet(p, 10000)
		_, err := f.payQR(context.Background(), m, func(url string) {
			no, err := f.phone.ScanQR(w, url, walletsim.AskConfirm)
			if err == nil {
				err = f.phone.Refuse(no)
			}
			if err != nil {
				t.Error(err)
			}
		})
		if !errors.Is(err, ErrWalletDeclined) {
			t.Fatalf("pay: %v", err)
		}
		f.settledAll()
	})
}
