package app

import (
	"errors"
	"fmt"
	"strings"

	"tilldesk/core/wallet"
)

// WalletConfig is the [wallet] section: the merchant's Alipay app and WeChat Pay
// merchant account. Secrets (the Alipay app private key, the WeChat API key and client
// certificate key) are stored sealed ("sealed:v1:...", see SealSecret and
// `tilldesk wallet seal`); the configuration refuses them in clear. In demo mode a
// provider with no gateway uses the embedded sandbox with keys made at start-up.
type WalletConfig struct {
	Alipay AlipayWalletConfig `toml:"alipay"`
	WeChat WeChatWalletConfig `toml:"wechat"`
	// Subject is what the customer's wallet shows as bought; the store's Chinese name
	// when empty.
	Subject string `toml:"subject"`
	// CallTimeoutSeconds bounds each request to a provider (10 s).
	CallTimeoutSeconds int `toml:"call_timeout_seconds"`
	// QRTimeoutSeconds is how long the till shows a dynamic QR code before closing it
	// (120 s).
	QRTimeoutSeconds int `toml:"qr_timeout_seconds"`
}

// AlipayWalletConfig is the Alipay OpenAPI app (当面付: bar code and QR payments).
type AlipayWalletConfig struct {
	Enabled bool   `toml:"enabled"`
	Gateway string `toml:"gateway"` // https://openapi.alipay.com/gateway.do; "" in demo mode: the sandbox
	AppID   string `toml:"app_id"`
	// AppPrivateKey is the app's RSA private key (PKCS #8 or #1, PEM or base64), sealed.
	AppPrivateKey string `toml:"app_private_key"`
	// AlipayPublicKey is Alipay's public key for the app (PEM or base64; not secret).
	AlipayPublicKey string `toml:"alipay_public_key"`
}

// WeChatWalletConfig is the WeChat Pay merchant (API v2: micropay and NATIVE).
type WeChatWalletConfig struct {
	Enabled  bool   `toml:"enabled"`
	Gateway  string `toml:"gateway"` // https://api.mch.weixin.qq.com; "" in demo mode: the sandbox
	AppID    string `toml:"app_id"`
	MchID    string `toml:"mch_id"`
	APIKey   string `toml:"api_key"`   // the merchant's API key, sealed
	SignType string `toml:"sign_type"` // HMAC-SHA256 (default) or MD5
	// ClientCertFile and ClientKey are the merchant's API certificate (PEM file) and its
	// private key (PEM, sealed): WeChat asks for them on reverse and refund.
	ClientCertFile string `toml:"client_cert_file"`
	ClientKey      string `toml:"client_key"`
	// NotifyURL is sent with NATIVE orders, which require one; the till polls and does
	// not listen there.
	NotifyURL string `toml:"notify_url"`
}

// DefaultWalletConfig is demo mode's: both wallets on the embedded sandbox.
func DefaultWalletConfig() WalletConfig {
	return WalletConfig{
		Alipay:             AlipayWalletConfig{Enabled: true, AppID: "2021000000000000"},
		WeChat:             WeChatWalletConfig{Enabled: true, AppID: "wx0000000000000000", MchID: "1900000109", SignType: wallet.SignHMACSHA256, NotifyURL: "https://localhost/notify"},
		CallTimeoutSeconds: 10, QRTimeoutSeconds: 120,
	}
}

// Validate checks the section, naming the settings. A wallet with a gateway needs its
// credentials; outside demo mode a wallet without one is not set up (and not taken).
func (c WalletConfig) Validate() error {
	var errs []error
	if c.CallTimeoutSeconds < 1 || c.CallTimeoutSeconds > 120 {
		errs = append(errs, fmt.Errorf("wallet.call_timeout_seconds %d must be 1 to 120", c.CallTimeoutSeconds))
	}
	if c.QRTimeoutSeconds < 10 || c.QRTimeoutSeconds > 3600 {
		errs = append(errs, fmt.Errorf("wallet.qr_timeout_seconds %d must be 10 to 3600", c.QRTimeoutSeconds))
	}
	for _, s := range []struct{ name, value string }{
		{"wallet.alipay.app_private_key", c.Alipay.AppPrivateKey}, {"wallet.wechat.api_key", c.WeChat.APIKey}, {"wallet.wechat.client_key", c.WeChat.ClientKey},
	} {
		if s.value != "" && !strings.HasPrefix(s.value, sealedPrefix) {
			errs = append(errs, fmt.Errorf("%s is not sealed: a secret is never kept in clear (seal it with `tilldesk wallet seal %s`)", s.name, s.name))
		}
	}
	if a := c.Alipay; a.Enabled && a.Gateway != "" && (a.AppID == "" || a.AppPrivateKey == "" || a.AlipayPublicKey == "") {
		errs = append(errs, errors.New("wallet.alipay: app_id, app_private_key and alipay_public_key are needed with a gateway"))
	}
	if w := c.WeChat; w.Enabled {
		if w.SignType != wallet.SignHMACSHA256 && w.SignType != wallet.SignMD5 {
			errs = append(errs, fmt.Errorf("wallet.wechat.sign_type %q must be HMAC-SHA256 or MD5", w.SignType))
		}
		if w.Gateway != "" && (w.AppID == "" || w.MchID == "" || w.APIKey == "") {
			errs = append(errs, errors.New("wallet.wechat: app_id, mch_id and api_key are needed with a gateway"))
		}
	}
	return errors.Join(errs...)
}
