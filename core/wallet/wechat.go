package wallet

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WeChat Pay API v2 (pay.weixin.qq.com/wiki/doc/api/micropay.php): one URL per
// operation, XML bodies of flat <xml><name>value</name>...</xml>, every request and
// every answer signed with the merchant's API key, MD5 or HMAC-SHA256, over the sorted
// non-empty parameters (安全规范, 签名算法: pay.weixin.qq.com/wiki/doc/api/wxa/
// wxa_api.php?chapter=4_3).

// WeChat sign types (sign_type).
const (
	SignMD5        = "MD5"
	SignHMACSHA256 = "HMAC-SHA256"
)

// WeChatPath is the URL path of each operation on the API host
// (https://api.mch.weixin.qq.com). Reverse and refund need the merchant's client
// certificate.
var WeChatPath = map[Op]string{
	OpPay:       "/pay/micropay",
	OpQuery:     "/pay/orderquery",
	OpCancel:    "/secapi/pay/reverse",
	OpPrecreate: "/pay/unifiedorder",
	OpClose:     "/pay/closeorder",
	OpRefund:    "/secapi/pay/refund",
}

// WeChatCredentials are a merchant's identity and API key.
type WeChatCredentials struct {
	AppID    string
	MchID    string
	APIKey   string // the merchant's 32-character API key (商户平台 API 密钥)
	SignType string // SignHMACSHA256 (default) or SignMD5
}

func (c WeChatCredentials) signType() string {
	if c.SignType == "" {
		return SignHMACSHA256
	}
	return c.SignType
}

// WeChatSigningString is stringA of the signature algorithm: the parameters with
// non-empty values, but not sign, sorted by name in ASCII order, as name=value joined
// with '&'.
func WeChatSigningString(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if k != "sign" && v != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + params[k])
	}
	return b.String()
}

// ErrBadSignType is returned for a sign_type other than MD5 and HMAC-SHA256.
var ErrBadSignType = errors.New("wallet: sign_type must be MD5 or HMAC-SHA256")

// WeChatSign signs params: stringSignTemp = stringA + "&key=" + API key, then MD5 of
// it, or HMAC-SHA256 of it keyed with the API key, in upper-case hex.
func WeChatSign(params map[string]string, apiKey, signType string) (string, error) {
	temp := WeChatSigningString(params) + "&key=" + apiKey
	switch signType {
	case SignMD5:
		sum := md5.Sum([]byte(temp))
		return strings.ToUpper(hex.EncodeToString(sum[:])), nil
	case SignHMACSHA256:
		m := hmac.New(sha256.New, []byte(apiKey))
		m.Write([]byte(temp))
		return strings.ToUpper(hex.EncodeToString(m.Sum(nil))), nil
	}
	return "", fmt.Errorf("%w: %q", ErrBadSignType, signType)
}

// VerifyWeChatSign checks params["sign"] in constant time.
func VerifyWeChatSign(params map[string]string, apiKey, signType string) error {
	want, err := WeChatSign(params, apiKey, signType)
	if err != nil {
		return err
	}
	if got := params["sign"]; got == "" || !hmac.Equal([]byte(strings.ToUpper(got)), []byte(want)) {
		return ErrBadSignature
	}
	return nil
}

// WeChatRequest builds the signed XML body of one call at time now with the random
// nonce (nonce_str, at most 32 characters), and returns it with its URL path.
func WeChatRequest(c WeChatCredentials, op Op, o Order, nonce string, now time.Time) (path string, body []byte, err error) {
	if err := o.check(op); err != nil {
		return "", nil, err
	}
	if c.AppID == "" || c.MchID == "" || c.APIKey == "" || nonce == "" || len(nonce) > 32 {
		return "", nil, fmt.Errorf("%w: WeChat appid, mch_id, API key and a nonce of at most 32 characters are needed", ErrBadOrder)
	}
	p := map[string]string{"appid": c.AppID, "mch_id": c.MchID, "nonce_str": nonce, "sign_type": c.signType(), "out_trade_no": o.OutTradeNo}
	switch op {
	case OpPay:
		p["body"], p["total_fee"], p["auth_code"] = o.Subject, strconv.FormatInt(int64(o.Amount), 10), o.AuthCode
		p["spbill_create_ip"], p["device_info"] = clientIP(o.ClientIP), o.TerminalID
	case OpPrecreate:
		p["body"], p["total_fee"], p["trade_type"], p["product_id"] = o.Subject, strconv.FormatInt(int64(o.Amount), 10), "NATIVE", o.OutTradeNo
		p["spbill_create_ip"], p["device_info"], p["notify_url"] = clientIP(o.ClientIP), o.TerminalID, o.NotifyURL
		if o.Timeout > 0 {
			p["time_expire"] = now.Add(o.Timeout).In(beijing).Format("20060102150405")
		}
	case OpRefund:
		if o.Amount <= 0 {
			return "", nil, fmt.Errorf("%w: a WeChat refund names the trade's total", ErrBadOrder)
		}
		p["out_refund_no"], p["total_fee"], p["refund_fee"] = o.OutRefundNo, strconv.FormatInt(int64(o.Amount), 10), strconv.FormatInt(int64(o.RefundAmount), 10)
	}
	if p["sign"], err = WeChatSign(p, c.APIKey, c.signType()); err != nil {
		return "", nil, err
	}
	body, err = EncodeWeChatXML(p)
	return WeChatPath[op], body, err
}

func clientIP(ip string) string {
	if ip == "" {
		return "127.0.0.1"
	}
	return ip
}

// EncodeWeChatXML writes params as <xml> with one element per parameter, sorted by
// name, values in CDATA. A value holding "]]>" cannot be written and is refused.
func EncodeWeChatXML(params map[string]string) ([]byte, error) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b bytes.Buffer
	b.WriteString("<xml>")
	for _, k := range keys {
		v := params[k]
		if !xmlName(k) || strings.Contains(v, "]]>") {
			return nil, fmt.Errorf("%w: parameter %q cannot be written as XML", ErrBadOrder, k)
		}
		fmt.Fprintf(&b, "<%s><![CDATA[%s]]></%s>", k, v, k)
	}
	b.WriteString("</xml>")
	return b.Bytes(), nil
}

func xmlName(k string) bool {
	return k != "" && strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == "" && (k[0] < '0' || k[0] > '9')
}

// maxWeChatFields bounds what DecodeWeChatXML reads.
const maxWeChatFields = 128

// DecodeWeChatXML reads a flat <xml> document into its parameters. Nested elements,
// repeated names and more than 128 fields are refused.
func DecodeWeChatXML(body []byte) (map[string]string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	out := map[string]string{}
	depth, field := 0, ""
	var text strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadAnswer, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && t.Name.Local != "xml":
				return nil, fmt.Errorf("%w: root <%s>, want <xml>", ErrBadAnswer, t.Name.Local)
			case depth == 2:
				field = t.Name.Local
				text.Reset()
			case depth > 2:
				return nil, fmt.Errorf("%w: nested element <%s>", ErrBadAnswer, t.Name.Local)
			}
		case xml.CharData:
			if depth == 2 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 {
				if _, dup := out[field]; dup {
					return nil, fmt.Errorf("%w: <%s> twice", ErrBadAnswer, field)
				}
				if out[field] = text.String(); len(out) > maxWeChatFields {
					return nil, fmt.Errorf("%w: more than %d fields", ErrBadAnswer, maxWeChatFields)
				}
			}
			depth--
			if depth == 0 {
				return out, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: no <xml> document", ErrBadAnswer)
}
