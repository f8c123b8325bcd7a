// Package wallet holds the pure parts of the wallet tenders (Alipay, WeChat Pay,
// UnionPay QR): payment-code classification, the providers' request formats and
// signatures, their answers mapped to typed outcomes, and the EMVCo merchant-presented
// QR payload. Nothing here does network I/O; app/ sends what this package builds.
package wallet

import (
	"errors"
	"fmt"
	"strings"
)

// Provider names a wallet network.
type Provider string

// The wallet networks whose payment codes the till recognises.
const (
	Alipay   Provider = "alipay"
	WeChat   Provider = "wechat"
	UnionPay Provider = "unionpay"
)

// Errors of ClassifyCode: the code is never sent to anyone.
var (
	// ErrMalformedCode: the scan is not a payment code at all (letters, spaces, empty).
	ErrMalformedCode = errors.New("wallet: not a payment code (a payment code is all digits)")
	// ErrUnknownCode: digits, but no wallet issues codes of this prefix and length.
	ErrUnknownCode = errors.New("wallet: unknown payment code (not Alipay, WeChat Pay or UnionPay)")
)

// codeFormat is one network's documented customer-presented code format.
type codeFormat struct {
	provider       Provider
	lowPrefix      int // first two digits, inclusive range
	highPrefix     int
	minLen, maxLen int
}

// codeFormats are the documented formats:
//   - Alipay auth_code (alipay.trade.pay): "25~30开头的长度为16~24位的数字";
//   - WeChat Pay auth_code (micropay): 18 digits starting 10 to 15 ("18位纯数字，以10、
//     11、12、13、14、15开头");
//   - UnionPay QR customer-presented code (C2B code): 19 digits starting 62.
var codeFormats = []codeFormat{
	{Alipay, 25, 30, 16, 24},
	{WeChat, 10, 15, 18, 18},
	{UnionPay, 62, 62, 19, 19},
}

// ClassifyCode says which wallet issued a scanned customer payment code. Surrounding
// white space (a scanner's suffix) is ignored; anything else that is not a documented
// format is refused with ErrMalformedCode or ErrUnknownCode.
func ClassifyCode(scan string) (Provider, error) {
	code := strings.TrimSpace(scan)
	if code == "" || strings.Trim(code, "0123456789") != "" {
		return "", fmt.Errorf("%w: %s", ErrMalformedCode, MaskCode(code))
	}
	for _, f := range codeFormats {
		if len(code) < 2 {
			break
		}
		if prefix := int(code[0]-'0')*10 + int(code[1]-'0'); prefix >= f.lowPrefix && prefix <= f.highPrefix && len(code) >= f.minLen && len(code) <= f.maxLen {
			return f.provider, nil
		}
	}
	return "", fmt.Errorf("%w: %s (%d digits)", ErrUnknownCode, MaskCode(code), len(code))
}

// MaskCode hides a payment code (or any secret-bearing number) for logs and the
// journal: the first 4 and last 4 characters stay, the rest become '*'. Codes of 8
// characters or fewer are masked entirely but for their length.
func MaskCode(code string) string {
	r := []rune(code)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}
