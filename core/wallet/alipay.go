package wallet

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Alipay OpenAPI (Alipay open platform documentation, 当面付): one gateway URL, the
// operation in the "method" parameter, the business fields as JSON in "biz_content",
// every request signed RSA2 (SHA256withRSA over the sorted parameters), every answer
// signed by Alipay over the raw JSON of its "<method>_response" node.

// AlipayMethod is the OpenAPI method name of each operation.
var AlipayMethod = map[Op]string{
	OpPay:       "alipay.trade.pay",
	OpQuery:     "alipay.trade.query",
	OpCancel:    "alipay.trade.cancel",
	OpPrecreate: "alipay.trade.precreate",
	OpClose:     "alipay.trade.close",
	OpRefund:    "alipay.trade.refund",
}

// AlipayOp is the operation of an OpenAPI method name, for the sandbox.
func AlipayOp(method string) (Op, bool) {
	for op, m := range AlipayMethod {
		if m == method {
			return op, true
		}
	}
	return "", false
}

// AlipayCredentials are an app's identity and keys.
type AlipayCredentials struct {
	AppID           string
	PrivateKey      *rsa.PrivateKey // the app's private key: signs requests
	AlipayPublicKey *rsa.PublicKey  // Alipay's public key: verifies answers
}

// alipayBiz is biz_content; each operation fills its own fields.
type alipayBiz struct {
	OutTradeNo     string `json:"out_trade_no"`
	Scene          string `json:"scene,omitempty"`
	AuthCode       string `json:"auth_code,omitempty"`
	ProductCode    string `json:"product_code,omitempty"`
	Subject        string `json:"subject,omitempty"`
	TotalAmount    string `json:"total_amount,omitempty"`
	TimeoutExpress string `json:"timeout_express,omitempty"`
	RefundAmount   string `json:"refund_amount,omitempty"`
	OutRequestNo   string `json:"out_request_no,omitempty"`
	TerminalID     string `json:"terminal_id,omitempty"`
}

// AlipayRequest builds the signed parameters of one OpenAPI call at time now; POST
// them form-encoded to the gateway.
func AlipayRequest(c AlipayCredentials, op Op, o Order, now time.Time) (url.Values, error) {
	if err := o.check(op); err != nil {
		return nil, err
	}
	if c.AppID == "" || c.PrivateKey == nil {
		return nil, fmt.Errorf("%w: Alipay app_id and private key are needed", ErrBadOrder)
	}
	biz := alipayBiz{OutTradeNo: o.OutTradeNo}
	switch op {
	case OpPay:
		biz.Scene, biz.AuthCode, biz.ProductCode = "bar_code", o.AuthCode, "FACE_TO_FACE_PAYMENT"
		biz.Subject, biz.TotalAmount, biz.TerminalID = o.Subject, o.Amount.Plain(), o.TerminalID
	case OpPrecreate:
		biz.Subject, biz.TotalAmount, biz.TerminalID = o.Subject, o.Amount.Plain(), o.TerminalID
		if o.Timeout > 0 {
			biz.TimeoutExpress = fmt.Sprintf("%dm", max(1, int(o.Timeout/time.Minute)))
		}
	case OpRefund:
		biz.RefundAmount, biz.OutRequestNo, biz.TerminalID = o.RefundAmount.Plain(), o.OutRefundNo, o.TerminalID
	}
	content, err := json.Marshal(biz)
	if err != nil {
		return nil, fmt.Errorf("wallet: biz_content: %w", err)
	}
	v := url.Values{}
	v.Set("app_id", c.AppID)
	v.Set("method", AlipayMethod[op])
	v.Set("format", "JSON")
	v.Set("charset", "utf-8")
	v.Set("sign_type", "RSA2")
	v.Set("timestamp", now.In(beijing).Format("2006-01-02 15:04:05"))
	v.Set("version", "1.0")
	v.Set("biz_content", string(content))
	sig, err := SignRSA2(c.PrivateKey, AlipaySigningString(v))
	if err != nil {
		return nil, err
	}
	v.Set("sign", sig)
	return v, nil
}

// AlipaySigningString is the string an OpenAPI request is signed over ("待签名字符串"):
// every parameter but sign, empty values skipped, sorted by name in ASCII order, as
// name=value joined with '&', values not URL-encoded.
func AlipaySigningString(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k, vs := range params {
		if k != "sign" && len(vs) > 0 && vs[0] != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + params.Get(k))
	}
	return b.String()
}

// SignRSA2 signs content with SHA256withRSA (PKCS #1 v1.5) and encodes it in base64.
func SignRSA2(key *rsa.PrivateKey, content string) (string, error) {
	if key == nil {
		return "", fmt.Errorf("wallet: RSA2 sign: no key")
	}
	sum := sha256.Sum256([]byte(content))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("wallet: RSA2 sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifyRSA2 checks a base64 SHA256withRSA signature of content.
func VerifyRSA2(key *rsa.PublicKey, content []byte, signature string) error {
	if key == nil || signature == "" {
		return ErrBadSignature
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	sum := sha256.Sum256(content)
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return nil
}
