package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"tilldesk/app/walletsim"
	"tilldesk/core/money"
	"tilldesk/core/wallet"
)

// walletSecretSettings are the settings `tilldesk wallet seal` seals.
var walletSecretSettings = []string{"wallet.alipay.app_private_key", "wallet.wechat.api_key", "wallet.wechat.client_key"}

// WalletCommand runs `tilldesk wallet ...`:
//
//	tilldesk wallet seal SETTING   read a secret on stdin, print the sealed setting line
//	tilldesk wallet sim            the wallet sandbox on loopback for a till on this machine
func WalletCommand(paths Paths, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 2 && args[0] == "seal":
		return walletSeal(paths, args[1], stdin, stdout, stderr)
	case len(args) == 1 && args[0] == "sim":
		return walletSim(paths, stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "usage: tilldesk wallet seal SETTING (one of %s) < secret\n       tilldesk wallet sim\n", strings.Join(walletSecretSettings, ", "))
	return 2
}

// walletSeal seals one secret for this machine's configuration. The secret is checked
// for its form first and never printed.
func walletSeal(paths Paths, setting string, stdin io.Reader, stdout, stderr io.Writer) int {
	if !slices.Contains(walletSecretSettings, setting) {
		fmt.Fprintf(stderr, "tilldesk wallet seal: %q is not a wallet secret (%s)\n", setting, strings.Join(walletSecretSettings, ", "))
		return 2
	}
	secret, err := readSecretInput(stdin)
	if err == nil {
		err = checkWalletSecret(setting, secret)
	}
	var sealed string
	if err == nil {
		sealed, err = SealSecret(paths, setting, secret)
	}
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk wallet seal:", err)
		return 1
	}
	key := setting[strings.LastIndex(setting, ".")+1:]
	fmt.Fprintf(stdout, "# in [%s] of %s:\n%s = %q\n", setting[:strings.LastIndex(setting, ".")], paths.Config, key, sealed)
	return 0
}

// checkWalletSecret refuses a secret that is not of its setting's form.
func checkWalletSecret(setting string, secret []byte) error {
	switch setting {
	case "wallet.alipay.app_private_key":
		_, err := wallet.ParseRSAPrivateKey(string(secret))
		return err
	case "wallet.wechat.api_key":
		if len(secret) != 32 {
			return fmt.Errorf("a WeChat Pay API key has 32 characters, this has %d", len(secret))
		}
	}
	if len(secret) == 0 {
		return fmt.Errorf("no secret on standard input")
	}
	return nil
}

// walletSim runs the sandbox for a till on this machine: it prints the [wallet]
// configuration to use (secrets sealed with this data folder's key) and reads phone
// commands from stdin until it ends or Ctrl-C.
func walletSim(paths Paths, stdin io.Reader, stdout, stderr io.Writer) int {
	sb, err := walletsim.Start(walletsim.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk wallet sim:", err)
		return 1
	}
	defer sb.Close()
	cfg, err := walletSimConfig(paths, sb)
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk wallet sim:", err)
		return 1
	}
	fmt.Fprintf(stdout, "Wallet sandbox running. Put this in %s and restart the till:\n\n%s\n", paths.Config, cfg)
	fmt.Fprintln(stdout, "Phone: 'wallet alipay|wechat 100.00', 'code WALLET [ask]', 'scan WALLET CODE_URL [ask]', 'pending', 'confirm|refuse OUT_TRADE_NO', 'balance WALLET'; Ctrl-D or Ctrl-C quits.")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return runConsole(ctx, stdin, func(line string) { fmt.Fprintln(stdout, phoneCommand(sb.Phone(), strings.Fields(line))) })
}

// walletSimConfig registers a new Alipay app and WeChat merchant with the sandbox and
// returns the [wallet] section a till on this machine uses to reach it.
func walletSimConfig(paths Paths, sb *walletsim.Gateway) (string, error) {
	appKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	var k [16]byte
	_, _ = rand.Read(k[:])
	apiKey := hex.EncodeToString(k[:])
	c := DefaultWalletConfig()
	sb.RegisterAlipayApp(c.Alipay.AppID, &appKey.PublicKey)
	sb.RegisterWeChatMerchant(c.WeChat.AppID, c.WeChat.MchID, apiKey)
	appPEM, err := wallet.PrivateKeyPEM(appKey)
	if err != nil {
		return "", err
	}
	sealedApp, err := SealSecret(paths, "wallet.alipay.app_private_key", []byte(appPEM))
	if err != nil {
		return "", err
	}
	sealedAPI, err := SealSecret(paths, "wallet.wechat.api_key", []byte(apiKey))
	if err != nil {
		return "", err
	}
	aliPEM, err := wallet.PublicKeyPEM(sb.AlipayPublicKey())
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("[wallet.alipay]\nenabled = true\ngateway = %q\napp_id = %q\napp_private_key = %q\nalipay_public_key = %q\n\n[wallet.wechat]\nenabled = true\ngateway = %q\napp_id = %q\nmch_id = %q\napi_key = %q\nsign_type = %q\n",
		sb.AlipayGatewayURL(), c.Alipay.AppID, sealedApp, aliPEM, sb.WeChatBaseURL(), c.WeChat.AppID, c.WeChat.MchID, sealedAPI, c.WeChat.SignType), nil
}

// phoneCommand does one line of the sandbox's phone commands and says what happened.
func phoneCommand(ph *walletsim.Phone, f []string) string {
	behaviour := func(i int) walletsim.Behaviour {
		if len(f) > i && f[i] == "ask" {
			return walletsim.AskConfirm
		}
		return walletsim.PayAtOnce
	}
	var out string
	var err error
	switch {
	case len(f) == 3 && f[0] == "wallet":
		var bal money.Amount
		if bal, err = money.Parse(f[2]); err == nil {
			out, err = ph.NewWallet(wallet.Provider(f[1]), bal)
		}
	case len(f) >= 2 && f[0] == "code":
		out, err = ph.ShowCode(f[1], behaviour(2))
	case len(f) >= 3 && f[0] == "scan":
		out, err = ph.ScanQR(f[1], f[2], behaviour(3))
	case len(f) == 1 && f[0] == "pending":
		for _, p := range ph.Pending() {
			out += fmt.Sprintf("%s %s %s %s\n", p.OutTradeNo, p.Provider, p.Amount.Plain(), p.WalletID)
		}
		out = strings.TrimSuffix(out, "\n")
	case len(f) == 2 && f[0] == "confirm":
		err = ph.Confirm(f[1])
	case len(f) == 2 && f[0] == "refuse":
		err = ph.Refuse(f[1])
	case len(f) == 2 && f[0] == "balance":
		var bal money.Amount
		bal, err = ph.Balance(f[1])
		out = bal.Plain()
	default:
		return "?"
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return firstNonEmpty(out, "ok")
}
