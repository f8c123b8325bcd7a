//go:build unix

package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"tilldesk/app/walletsim"
	"tilldesk/core/journal"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
	"tilldesk/internal/killtest"
)

// A till SIGKILLed while the customer is confirming a wallet payment on the phone: a
// child process (configured with sealed credentials for the parent's sandbox) scans
// the code and is killed once it reports "waiting for the customer"; the parent
// restarts the till on the same folder, finds the sales gate closed, resolves the
// intent (giving the money back if the customer confirmed after the crash, cancelling
// it if not) and sells again.

const (
	walletKillDirEnv  = "TILLDESK_WALLET_KILL_DIR"
	walletKillCodeEnv = "TILLDESK_WALLET_KILL_CODE"
)

// TestWalletKillChild is the child process: it does nothing unless the env is set.
func TestWalletKillChild(t *testing.T) {
	dir := os.Getenv(walletKillDirEnv)
	if dir == "" {
		t.Skip("helper process for TestWalletResolvesAfterSIGKILL")
	}
	till, w := openConfiguredTill(t, dir)
	if _, err := till.Scan(water); err != nil {
		t.Fatal(err)
	}
	tender, err := w.CodeTender(os.Getenv(walletKillCodeEnv), func(p WalletProgress) {
		if p.Stage == WalletWaitingCustomer {
			fmt.Fprintln(os.Stdout, "paying") // unbuffered: one write(2)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = till.Pay(context.Background(), tender, PayRequest{})
	fmt.Fprintln(os.Stdout, "finished without being killed:", err)
}

// writeKillConfig configures dir's till for the sandbox: real (not demo) credentials,
// the secrets sealed with dir's machine key.
func writeKillConfig(t *testing.T, dir string, sb *walletsim.Gateway) {
	t.Helper()
	paths := Paths{Config: filepath.Join(dir, "config.toml"), DataDir: dir}
	app, ali := walletTestKeys()
	appPEM, err := wallet.PrivateKeyPEM(app)
	if err != nil {
		t.Fatal(err)
	}
	aliPEM, _ := wallet.PublicKeyPEM(&ali.PublicKey)
	const apiKey = "192006250b4c09247ec02edce69f6a2d"
	cfg := DefaultConfig()
	cfg.Wallet.Alipay = AlipayWalletConfig{Enabled: true, Gateway: sb.AlipayGatewayURL(), AppID: "2021000000000099", AlipayPublicKey: aliPEM,
		AppPrivateKey: sealForTest(t, paths, "wallet.alipay.app_private_key", appPEM)}
	cfg.Wallet.WeChat.Gateway = sb.WeChatBaseURL()
	cfg.Wallet.WeChat.APIKey = sealForTest(t, paths, "wallet.wechat.api_key", apiKey)
	sb.RegisterAlipayApp(cfg.Wallet.Alipay.AppID, &app.PublicKey)
	sb.RegisterWeChatMerchant(cfg.Wallet.WeChat.AppID, cfg.Wallet.WeChat.MchID, apiKey)
	if err := writeConfig(paths.Config, cfg); err != nil {
		t.Fatal(err)
	}
}

func sealForTest(t *testing.T, p Paths, setting, secret string) string {
	t.Helper()
	s, err := SealSecret(p, setting, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWalletResolvesAfterSIGKILL(t *testing.T) {
	if os.Getenv(walletKillDirEnv) != "" {
		t.Skip("in the child")
	}
	if testing.Short() {
		t.Skip("spawns a process per case")
	}
	_, ali := walletTestKeys()
	sb, err := walletsim.Start(walletsim.Options{AlipayKey: ali, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	phone := sb.Phone()
	for _, p := range []wallet.Provider{wallet.Alipay, wallet.WeChat} {
		for _, confirmAfterCrash := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/confirmed=%v", p, confirmAfterCrash), func(t *testing.T) {
				dir := t.TempDir()
				writeKillConfig(t, dir, sb)
				wid, _ := phone.NewWallet(p, 10000)
				code, _ := phone.ShowCode(wid, walletsim.AskConfirm)
				killtest.Run(t, "TestWalletKillChild", []string{walletKillDirEnv + "=" + dir, walletKillCodeEnv + "=" + code},
					func(line string) bool { return line == "paying" })
				pending := phone.Pending()
				if len(pending) != 1 || pending[0].WalletID != wid {
					t.Fatalf("phone after the crash: %+v", pending)
				}
				if confirmAfterCrash {
					if err := phone.Confirm(pending[0].OutTradeNo); err != nil {
						t.Fatal(err)
					}
				}
				till, w := openConfiguredTill(t, dir)
				if err := till.SalesAllowed(); err == nil {
					t.Fatal("the restarted till sells before resolving the payment")
				}
				if err := w.ResolvePending(context.Background()); err != nil {
					t.Fatal(err)
				}
				if bal, _ := phone.Balance(wid); bal != 10000 || len(phone.Pending()) != 0 {
					t.Fatalf("balance %d, pending %+v", bal, phone.Pending())
				}
				if err := till.SalesAllowed(); err != nil {
					t.Fatalf("sales after resolution: %v", err)
				}
				want := walletCancelled
				if confirmAfterCrash {
					want = walletReversed
				}
				in, err := lastWalletState(till.Journal(), pending[0].OutTradeNo)
				if err != nil || in.State != want || in.Method != walletMethodOf(p) {
					t.Fatalf("final state %+v, %v; want %s", in, err, want)
				}
				// The till sells with the wallet again.
				code, _ = phone.ShowCode(wid, walletsim.PayAtOnce)
				if _, err := till.Scan(water); err != nil {
					t.Fatal(err)
				}
				tender, _ := w.CodeTender(code, nil)
				if r, err := till.Pay(context.Background(), tender, PayRequest{}); err != nil || r.Sale.Payments[0].Method != sale.Method(walletMethodOf(p)) {
					t.Fatalf("sale after the restart: %v", err)
				}
			})
		}
	}
}

// lastWalletState is the last journaled state of an intent.
func lastWalletState(j *journal.Journal, outTradeNo string) (walletIntent, error) {
	var last walletIntent
	err := j.Each(journal.Filter{Kind: KindWalletState}, func(r journal.Record) error {
		in, err := decodeIntent(r.Data)
		if err == nil && in.OutTradeNo == outTradeNo {
			last = in
		}
		return err
	})
	return last, err
}
