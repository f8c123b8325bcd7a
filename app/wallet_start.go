package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"tilldesk/app/walletsim"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// defaults fills the zero fields of t.
func (t WalletTiming) defaults(cfg WalletConfig) WalletTiming {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.PollEvery, 5*time.Second)
	def(&t.AlipayWait, 60*time.Second)
	def(&t.WeChatWait, 30*time.Second)
	def(&t.QRWait, time.Duration(cfg.QRTimeoutSeconds)*time.Second)
	def(&t.QRWait, 120*time.Second)
	def(&t.CancelEvery, 5*time.Second)
	def(&t.CallTimeout, time.Duration(cfg.CallTimeoutSeconds)*time.Second)
	def(&t.CallTimeout, 10*time.Second)
	if t.CancelAttempts <= 0 {
		t.CancelAttempts = 10
	}
	return t
}

// NewWallets builds the wallet tenders of the till from the configuration. A provider
// with no gateway in demo mode talks to the embedded sandbox (opt.Sandbox, or one
// started here) with credentials made now and registered with it; otherwise its
// sealed secrets are opened with the data folder's key (paths). It registers the
// sales gate, the reversers and the completion hook with the till; the refunders are
// registered with RegisterRefunders. The Wallets returned is usable even with an
// error: the wallets that could not start are left out.
func NewWallets(t *Till, cfg WalletConfig, paths Paths, opt WalletOptions) (*Wallets, error) {
	if opt.Now == nil {
		opt.Now = t.now
	}
	if opt.After == nil {
		opt.After = time.After
	}
	if opt.Log == nil {
		opt.Log = t.log
	}
	w := &Wallets{till: t, cfg: cfg, apis: map[sale.Method]walletAPI{}, timing: opt.Timing.defaults(cfg), now: opt.Now, after: opt.After,
		log: opt.Log.With("use", "wallet"), inFlight: map[string]bool{}, handed: map[string]bool{}, sandbox: opt.Sandbox}
	var errs []error
	demo := t.cfg.Terminal.Demo
	// A wallet is taken when enabled with a gateway, or in demo mode without one (the
	// sandbox); outside demo mode one without a gateway is not set up.
	taken := func(enabled bool, gateway string) bool { return enabled && (gateway != "" || demo) }
	needSandbox := demo && (cfg.Alipay.Enabled && cfg.Alipay.Gateway == "" || cfg.WeChat.Enabled && cfg.WeChat.Gateway == "")
	if needSandbox && w.sandbox == nil {
		sb, err := walletsim.Start(walletsim.Options{Log: opt.Log})
		w.sandbox = sb
		errs = append(errs, err)
	}
	if taken(cfg.Alipay.Enabled, cfg.Alipay.Gateway) {
		api, err := w.alipayFrom(cfg.Alipay, paths)
		if err == nil {
			w.apis[sale.Alipay] = api
		}
		errs = append(errs, err)
	}
	if taken(cfg.WeChat.Enabled, cfg.WeChat.Gateway) {
		api, err := w.wechatFrom(cfg.WeChat, paths)
		if err == nil {
			w.apis[sale.WeChat] = api
		}
		errs = append(errs, err)
	}
	t.AddSalesGate(w.SalesGate)
	t.AddCompletion(w)
	for m := range w.apis {
		t.RegisterReverser(m, walletReverser{w: w, m: m})
	}
	return w, errors.Join(errs...)
}

// httpFor is the HTTP side of a provider's client; cert is the client certificate
// (WeChat reverse and refund), if any.
func (w *Wallets) httpFor(cert *tls.Certificate) walletHTTP {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cert != nil {
		tr.TLSClientConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	}
	return walletHTTP{client: &http.Client{Transport: tr, Timeout: 2 * w.timing.CallTimeout}, timeout: w.timing.CallTimeout, log: w.log}
}

func (w *Wallets) alipayFrom(c AlipayWalletConfig, paths Paths) (*alipayAPI, error) {
	api := &alipayAPI{walletHTTP: w.httpFor(nil), gateway: c.Gateway, now: w.now, creds: wallet.AlipayCredentials{AppID: c.AppID}}
	if c.Gateway == "" { // demo mode: the sandbox, with an app key made now
		if w.sandbox == nil {
			return nil, errWalletNoSandbox
		}
		key, err := newDemoAppKey()
		if err != nil {
			return nil, fmt.Errorf("wallet.alipay demo key: %w", err)
		}
		api.gateway, api.creds.PrivateKey, api.creds.AlipayPublicKey = w.sandbox.AlipayGatewayURL(), key, w.sandbox.AlipayPublicKey()
		w.sandbox.RegisterAlipayApp(c.AppID, &key.PublicKey)
		return api, nil
	}
	pem, err := OpenSecret(paths, "wallet.alipay.app_private_key", c.AppPrivateKey)
	if err != nil {
		return nil, err
	}
	if api.creds.PrivateKey, err = wallet.ParseRSAPrivateKey(string(pem)); err != nil {
		return nil, fmt.Errorf("wallet.alipay.app_private_key: %w", err)
	}
	if api.creds.AlipayPublicKey, err = wallet.ParseRSAPublicKey(c.AlipayPublicKey); err != nil {
		return nil, fmt.Errorf("wallet.alipay.alipay_public_key: %w", err)
	}
	return api, nil
}

func (w *Wallets) wechatFrom(c WeChatWalletConfig, paths Paths) (*wechatAPI, error) {
	creds := wallet.WeChatCredentials{AppID: c.AppID, MchID: c.MchID, SignType: c.SignType}
	if c.Gateway == "" { // demo mode: the sandbox, with an API key made now
		if w.sandbox == nil {
			return nil, errWalletNoSandbox
		}
		var k [16]byte
		_, _ = rand.Read(k[:])
		creds.APIKey = hex.EncodeToString(k[:])
		w.sandbox.RegisterWeChatMerchant(c.AppID, c.MchID, creds.APIKey)
		return &wechatAPI{walletHTTP: w.httpFor(nil), base: w.sandbox.WeChatBaseURL(), creds: creds, now: w.now}, nil
	}
	key, err := OpenSecret(paths, "wallet.wechat.api_key", c.APIKey)
	if err != nil {
		return nil, err
	}
	creds.APIKey = string(key)
	var cert *tls.Certificate
	if c.ClientCertFile != "" {
		keyPEM, err := OpenSecret(paths, "wallet.wechat.client_key", c.ClientKey)
		if err != nil {
			return nil, err
		}
		pair, err := loadWalletClientCert(c.ClientCertFile, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("wallet.wechat.client_cert_file: %w", err)
		}
		cert = &pair
	}
	return &wechatAPI{walletHTTP: w.httpFor(cert), base: c.Gateway, creds: creds, now: w.now}, nil
}

// newDemoAppKey makes the demo Alipay app's key (tests reuse one).
var newDemoAppKey = func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }

// errWalletNoSandbox: a wallet wants the demo sandbox, which did not start.
var errWalletNoSandbox = errors.New("wallet sandbox not running")

// loadWalletClientCert reads a client certificate file and its (opened) private key.
func loadWalletClientCert(certFile string, keyPEM []byte) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// StartWallets is the session's start-up wiring: the wallet tenders over the till
// (NewWallets; in demo mode with the embedded sandbox), then ResolvePending, so that
// intents a stopped till left are settled before the first sale. Failures are logged;
// a wallet that cannot start is left out, and the sales gate refuses sales while
// intents stay in doubt. The session calls it once, after the till is built:
//
//	s.Wallets = StartWallets(s)
//
// and closes it with the session (s.Wallets.Close()). The screens register its
// refunders with the refund use case (RegisterRefunders) and its deregistration
// precondition (AddDeregPreconditions).
func StartWallets(s *Session) *Wallets {
	w, err := NewWallets(s.Till, s.Config.Wallet, s.Paths, WalletOptions{Log: s.Log})
	if err != nil {
		s.Log.Error("wallet payments partly unavailable", "err", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = w.ResolvePending(ctx) // logged; the gate shows what is left
	return w
}
