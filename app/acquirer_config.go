package app

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"tilldesk/app/acquirer"
	"tilldesk/core/iso8583/frame"
	"tilldesk/core/iso8583/mac"
)

// AcquirerConfig is the link to the card acquirer ([acquirer] in the config file). The
// merchant and terminal IDs come from the registration (or [terminal] before it).
type AcquirerConfig struct {
	// Host is the acquirer's ISO 8583 host, host:port. When empty the host given at
	// registration is used; in demo mode with neither, the sandbox acquirer on loopback.
	Host string `toml:"host"`
	// TPDU is the 5-byte TPDU in hexadecimal ("6000030000"), "" for none; Header the
	// 6-byte UnionPay application header ("603100000000"), "" for none.
	TPDU   string `toml:"tpdu"`
	Header string `toml:"header"`
	// Deadlines in seconds: connecting, and waiting for an answer.
	ConnectTimeoutSeconds  int `toml:"connect_timeout_seconds"`
	ResponseTimeoutSeconds int `toml:"response_timeout_seconds"`
	// MAC is the message MAC: "none", "x9.19" (ANSI X9.19 retail MAC, 16-byte key) or
	// "unionpay" (the UnionPay ECB MAC, 8, 16 or 24 bytes). MACKey is the key in
	// hexadecimal, sealed like every secret in the configuration ("sealed:v1:...").
	MAC    string `toml:"mac"`
	MACKey string `toml:"mac_key"`
	// OfflineLimitFen is the largest sale taken when the host cannot be reached and
	// the card approves it offline (stored, then sent as an advice); 0 takes none.
	OfflineLimitFen int64 `toml:"offline_limit_fen"`
	// PINRetries is how many times the cardholder may enter the PIN again after the
	// issuer says it is wrong (55), within one payment.
	PINRetries int `toml:"pin_retries"`
	// Retry backoff of reversals and advices: the first wait and the longest.
	RetrySeconds    int `toml:"retry_seconds"`
	RetryMaxSeconds int `toml:"retry_max_seconds"`
	// UnionPay QR codes the till shows (EMVCo merchant-presented): QRIIN is the
	// acquirer's IIN (8 digits) before the merchant ID in ID 15, as the acquirer gives
	// it (the demo sandbox's when empty in demo mode; without it no code is shown);
	// QRMCC the merchant category code (5399); QRCity and QRCityZH the city in Latin
	// letters (BEIJING) and in Chinese; QRTimeoutSeconds how long a code is shown
	// (120) and QRPollSeconds how often the order is queried (3).
	QRIIN            string `toml:"qr_iin"`
	QRMCC            string `toml:"qr_mcc"`
	QRCity           string `toml:"qr_city"`
	QRCityZH         string `toml:"qr_city_zh"`
	QRTimeoutSeconds int    `toml:"qr_timeout_seconds"`
	QRPollSeconds    int    `toml:"qr_poll_seconds"`
}

// MAC algorithms of AcquirerConfig.MAC.
const (
	MACNone     = "none"
	MACX919     = "x9.19"
	MACUnionPay = "unionpay"
)

// MACKeySetting is the name the MAC key is sealed under.
const MACKeySetting = "acquirer.mac_key"

// DefaultAcquirerConfig is the UnionPay terminal link with the usual TPDU and header,
// 5 s to connect, 30 s for an answer, no MAC, offline sales up to ¥300.
func DefaultAcquirerConfig() AcquirerConfig {
	return AcquirerConfig{TPDU: "6000030000", Header: "603100000000", ConnectTimeoutSeconds: 5, ResponseTimeoutSeconds: 30,
		MAC: MACNone, OfflineLimitFen: 30000, PINRetries: 2, RetrySeconds: 2, RetryMaxSeconds: 300}
}

// Validate checks the section, naming the settings.
func (c AcquirerConfig) Validate() error {
	var errs []error
	if c.Host != "" {
		if _, _, err := net.SplitHostPort(c.Host); err != nil {
			errs = append(errs, fmt.Errorf("acquirer.host %q must be host:port", c.Host))
		}
	}
	if _, err := c.tpdu(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.header(); err != nil {
		errs = append(errs, err)
	}
	if c.ConnectTimeoutSeconds < 1 || c.ConnectTimeoutSeconds > 120 || c.ResponseTimeoutSeconds < 1 || c.ResponseTimeoutSeconds > 300 {
		errs = append(errs, errors.New("acquirer.connect_timeout_seconds must be 1-120 and acquirer.response_timeout_seconds 1-300"))
	}
	switch c.MAC {
	case MACNone, "":
	case MACX919, MACUnionPay:
		if !strings.HasPrefix(c.MACKey, sealedPrefix) {
			errs = append(errs, fmt.Errorf("acquirer.mac_key must be set and sealed (a secret is never kept in clear: `tilldesk acquirer seal-mac-key`)"))
		}
	default:
		errs = append(errs, fmt.Errorf("acquirer.mac %q must be none, x9.19 or unionpay", c.MAC))
	}
	if c.OfflineLimitFen < 0 || c.PINRetries < 0 || c.PINRetries > 5 {
		errs = append(errs, errors.New("acquirer.offline_limit_fen must be 0 or more and acquirer.pin_retries 0-5"))
	}
	if c.QRIIN != "" && !allDigits(c.QRIIN, 8) || c.QRMCC != "" && !allDigits(c.QRMCC, 4) || c.QRTimeoutSeconds < 0 || c.QRPollSeconds < 0 {
		errs = append(errs, errors.New("acquirer.qr_iin must be 8 digits, acquirer.qr_mcc 4 digits, and the QR seconds 0 or more"))
	}
	if c.RetrySeconds < 1 || c.RetryMaxSeconds < c.RetrySeconds {
		errs = append(errs, errors.New("acquirer.retry_seconds must be 1 or more and acquirer.retry_max_seconds at least as long"))
	}
	return errors.Join(errs...)
}

// framing is the link's frame format from the TPDU and header settings.
func (c AcquirerConfig) framing() (frame.Format, frame.TPDU, frame.Header, error) {
	t, err := c.tpdu()
	if err != nil {
		return frame.Format{}, t, frame.Header{}, err
	}
	h, err := c.header()
	return frame.Format{TPDU: c.TPDU != "", Header: c.Header != ""}, t, h, err
}

func (c AcquirerConfig) tpdu() (frame.TPDU, error) {
	var t frame.TPDU
	if c.TPDU == "" {
		return t, nil
	}
	b, err := hexSetting("acquirer.tpdu", c.TPDU, frame.TPDUSize)
	if err != nil {
		return t, err
	}
	copy(t[:], b)
	if err := t.Check(); err != nil {
		return t, fmt.Errorf("acquirer.tpdu %q: %w", c.TPDU, err)
	}
	return t, nil
}

func (c AcquirerConfig) header() (frame.Header, error) {
	var h frame.Header
	if c.Header == "" {
		return h, nil
	}
	b, err := hexSetting("acquirer.header", c.Header, frame.HeaderSize)
	copy(h[:], b)
	return h, err
}

// hexSetting decodes a setting of n bytes written in hexadecimal.
func hexSetting(name, value string, n int) ([]byte, error) {
	b, err := hex.DecodeString(value)
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("%s %q must be %d hexadecimal digits", name, value, 2*n)
	}
	return b, nil
}

// macComputer builds the MAC from the algorithm and the opened key (nil for none).
func macComputer(algorithm string, key []byte) (mac.Computer, error) {
	switch algorithm {
	case MACNone, "":
		return nil, nil
	case MACX919:
		return mac.NewRetail(key)
	case MACUnionPay:
		return mac.NewUnionPayECB(key)
	}
	return nil, fmt.Errorf("acquirer.mac %q must be none, x9.19 or unionpay", algorithm)
}

// clientConfig is the acquirer client's configuration for address with the opened MAC.
func (c AcquirerConfig) clientConfig(address string, m mac.Computer) (acquirer.Config, error) {
	f, t, h, err := c.framing()
	if err != nil {
		return acquirer.Config{}, err
	}
	return acquirer.Config{Address: address, Format: f, TPDU: t, Header: h, MAC: m,
		ConnectTimeout: time.Duration(c.ConnectTimeoutSeconds) * time.Second, ResponseTimeout: time.Duration(c.ResponseTimeoutSeconds) * time.Second}, nil
}

// backoff is the wait before the attempt-th retry (1, 2, ...): doubling from
// RetrySeconds up to RetryMaxSeconds.
func (c AcquirerConfig) backoff(attempt int) time.Duration {
	d := time.Duration(max(c.RetrySeconds, 1)) * time.Second
	limit := time.Duration(max(c.RetryMaxSeconds, c.RetrySeconds)) * time.Second
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// allDigits reports whether s is n decimal digits.
func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
