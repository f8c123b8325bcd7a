package wallet

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The example of WeChat Pay's signature algorithm (API rules, 安全规范, 签名算法,
// pay.weixin.qq.com/wiki/doc/api/wxa/wxa_api.php?chapter=4_3): these parameters and
// API key give stringA below, sign 9A0A8659F005D6984697E2CA0A9CF3B7 with MD5 and
// 6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6 with HMAC-SHA256.
func TestWeChatSignPublishedExample(t *testing.T) {
	params := map[string]string{
		"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "device_info": "1000",
		"body": "test", "nonce_str": "ibuaiVcKdpRxkhJA",
		"sign": "ignored", "attach": "", // sign and empty values take no part
	}
	const key = "192006250b4c09247ec02edce69f6a2d"
	if got, want := WeChatSigningString(params), "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA"; got != want {
		t.Fatalf("stringA = %s, want %s", got, want)
	}
	for signType, want := range map[string]string{
		SignMD5:        "9A0A8659F005D6984697E2CA0A9CF3B7",
		SignHMACSHA256: "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6",
	} {
		got, err := WeChatSign(params, key, signType)
		if err != nil || got != want {
			t.Errorf("%s sign = %s, %v; want %s", signType, got, err, want)
		}
		params["sign"] = want
		if err := VerifyWeChatSign(params, key, signType); err != nil {
			t.Errorf("%s verify: %v", signType, err)
		}
		params["sign"] = strings.ToLower(want) // WeChat compares case-insensitively
		if err := VerifyWeChatSign(params, key, signType); err != nil {
			t.Errorf("%s verify lower case: %v", signType, err)
		}
	}
	if _, err := WeChatSign(params, key, "RSA"); !errors.Is(err, ErrBadSignType) {
		t.Fatalf("sign type RSA: %v", err)
	}
}

var testWeChat = WeChatCredentials{AppID: "wx2421b1c4370ec43b", MchID: "10000100", APIKey: "192006250b4c09247ec02edce69f6a2d"}

func TestWeChatRequestRoundTrip(t *testing.T) {
	at := time.Date(2024, 3, 1, 4, 5, 6, 0, time.UTC)
	for _, c := range []struct {
		op    Op
		order Order
		want  map[string]string
	}{
		{OpPay, Order{OutTradeNo: "T1", AuthCode: "120061098828009406", Subject: "超市<&>", Amount: 1250, TerminalID: "DEMO0001"},
			map[string]string{"auth_code": "120061098828009406", "total_fee": "1250", "body": "超市<&>", "device_info": "DEMO0001", "sign_type": "HMAC-SHA256"}},
		{OpPrecreate, Order{OutTradeNo: "T2", Subject: "x", Amount: 1, Timeout: 5 * time.Minute, NotifyURL: "http://127.0.0.1/n"},
			map[string]string{"trade_type": "NATIVE", "product_id": "T2", "time_expire": "20240301121006", "notify_url": "http://127.0.0.1/n"}},
		{OpRefund, Order{OutTradeNo: "T3", Amount: 1000, RefundAmount: 300, OutRefundNo: "R1"},
			map[string]string{"total_fee": "1000", "refund_fee": "300", "out_refund_no": "R1"}},
		{OpCancel, Order{OutTradeNo: "T4"}, map[string]string{"out_trade_no": "T4"}},
	} {
		path, body, err := WeChatRequest(testWeChat, c.op, c.order, "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", at)
		if err != nil || path != WeChatPath[c.op] {
			t.Fatalf("%s: %s, %v", c.op, path, err)
		}
		p, err := DecodeWeChatXML(body)
		if err != nil {
			t.Fatalf("%s: %s: %v", c.op, body, err)
		}
		for k, v := range c.want {
			if p[k] != v {
				t.Errorf("%s: %s = %q, want %q", c.op, k, p[k], v)
			}
		}
		if err := VerifyWeChatSign(p, testWeChat.APIKey, SignHMACSHA256); err != nil || p["appid"] != testWeChat.AppID || p["mch_id"] != testWeChat.MchID {
			t.Errorf("%s: %v %v", c.op, p, err)
		}
	}
	if _, _, err := WeChatRequest(testWeChat, OpRefund, Order{OutTradeNo: "T3", RefundAmount: 300, OutRefundNo: "R1"}, "n", at); !errors.Is(err, ErrBadOrder) {
		t.Fatalf("refund without the total: %v", err)
	}
	if _, _, err := WeChatRequest(testWeChat, OpPay, Order{OutTradeNo: "T1", AuthCode: "120061098828009406", Subject: "]]>", Amount: 1}, "n", at); !errors.Is(err, ErrBadOrder) {
		t.Fatalf("CDATA end in a value: %v", err)
	}
}

// signedWeChatAnswer is an answer from testWeChat's merchant with fields, signed.
func signedWeChatAnswer(t testing.TB, c WeChatCredentials, fields map[string]string) []byte {
	t.Helper()
	p := map[string]string{"return_code": "SUCCESS", "appid": c.AppID, "mch_id": c.MchID, "nonce_str": "n0"}
	for k, v := range fields {
		p[k] = v
	}
	var err error
	if p["sign"], err = WeChatSign(p, c.APIKey, c.signType()); err != nil {
		t.Fatal(err)
	}
	b, err := EncodeWeChatXML(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseWeChatAnswerOutcomes(t *testing.T) {
	ok, fail := "SUCCESS", "FAIL"
	for _, c := range []struct {
		op      Op
		fields  map[string]string
		outcome Outcome
		trade   TradeState
	}{
		{OpPay, map[string]string{"result_code": ok, "transaction_id": "4200", "total_fee": "1250"}, OutcomeSuccess, TradePaid},
		{OpPay, map[string]string{"result_code": fail, "err_code": "USERPAYING"}, OutcomePaying, TradeWaiting},
		{OpPay, map[string]string{"result_code": fail, "err_code": "SYSTEMERROR"}, OutcomeUnknown, TradeUnknown},
		{OpPay, map[string]string{"result_code": fail, "err_code": "BANKERROR"}, OutcomeUnknown, TradeUnknown},
		{OpPay, map[string]string{"result_code": fail, "err_code": "AUTHCODEEXPIRE"}, OutcomeFailed, TradeUnknown},
		{OpPay, map[string]string{"result_code": fail, "err_code": "NOTENOUGH"}, OutcomeFailed, TradeUnknown},
		{OpQuery, map[string]string{"result_code": ok, "trade_state": "USERPAYING"}, OutcomeSuccess, TradeWaiting},
		{OpQuery, map[string]string{"result_code": ok, "trade_state": "NOTPAY"}, OutcomeSuccess, TradeWaiting},
		{OpQuery, map[string]string{"result_code": ok, "trade_state": "SUCCESS"}, OutcomeSuccess, TradePaid},
		{OpQuery, map[string]string{"result_code": ok, "trade_state": "REVOKED"}, OutcomeSuccess, TradeClosed},
		{OpQuery, map[string]string{"result_code": ok, "trade_state": "PAYERROR"}, OutcomeSuccess, TradeFailed},
		{OpQuery, map[string]string{"result_code": ok, "trade_state": "REFUND"}, OutcomeSuccess, TradeRefunded},
		{OpQuery, map[string]string{"result_code": fail, "err_code": "ORDERNOTEXIST"}, OutcomeSuccess, TradeNotFound},
		{OpCancel, map[string]string{"result_code": ok, "recall": "N"}, OutcomeSuccess, TradeClosed},
		{OpCancel, map[string]string{"result_code": fail, "err_code": "SYSTEMERROR", "recall": "Y"}, OutcomeRetry, TradeUnknown},
		{OpCancel, map[string]string{"result_code": fail, "err_code": "USERPAYING"}, OutcomeRetry, TradeUnknown},
		{OpCancel, map[string]string{"result_code": fail, "err_code": "REVERSE_EXPIRE", "recall": "N"}, OutcomeFailed, TradeUnknown},
		{OpPrecreate, map[string]string{"result_code": ok, "code_url": "weixin://wxpay/bizpayurl?pr=abc", "prepay_id": "wx1"}, OutcomeSuccess, TradeUnknown},
		{OpClose, map[string]string{"result_code": fail, "err_code": "ORDERPAID"}, OutcomeFailed, TradePaid},
		{OpClose, map[string]string{"result_code": ok}, OutcomeSuccess, TradeClosed},
		{OpRefund, map[string]string{"result_code": ok, "refund_id": "5000", "refund_fee": "300"}, OutcomeSuccess, TradeUnknown},
		{OpRefund, map[string]string{"result_code": fail, "err_code": "NOTENOUGH"}, OutcomeFailed, TradeUnknown},
	} {
		res, err := ParseWeChatAnswer(testWeChat, c.op, signedWeChatAnswer(t, testWeChat, c.fields))
		if err != nil || res.Outcome != c.outcome || res.Trade != c.trade {
			t.Errorf("%s %v: %v %v, %v; want %v %v", c.op, c.fields, res.Outcome, res.Trade, err, c.outcome, c.trade)
		}
		if c.outcome == OutcomeFailed && res.Reason != c.fields["err_code"] {
			t.Errorf("%s %v: reason %q", c.op, c.fields, res.Reason)
		}
	}
}

func TestParseWeChatAnswerUntrusted(t *testing.T) {
	good := map[string]string{"result_code": "SUCCESS", "transaction_id": "1"}
	other := testWeChat
	other.APIKey = strings.Repeat("0", 32)
	otherMerchant := testWeChat
	otherMerchant.MchID = "999"
	md5 := testWeChat
	md5.SignType = SignMD5
	for name, body := range map[string][]byte{
		"return FAIL":    []byte(`<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名错误]]></return_msg></xml>`),
		"other key":      signedWeChatAnswer(t, other, good),
		"other merchant": signedWeChatAnswer(t, otherMerchant, good),
		"md5 for hmac":   signedWeChatAnswer(t, md5, good),
		"unsigned":       []byte(`<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code></xml>`),
		"html":           []byte(`<html><body>502</body></html>`),
		"nested":         []byte(`<xml><a><b>1</b></a></xml>`),
		"twice":          []byte(`<xml><a>1</a><a>2</a></xml>`),
		"bad fee":        signedWeChatAnswer(t, testWeChat, map[string]string{"result_code": "SUCCESS", "total_fee": "1.5"}),
		"empty":          nil,
	} {
		res, err := ParseWeChatAnswer(testWeChat, OpPay, body)
		if err == nil || res.Outcome != OutcomeUnknown {
			t.Errorf("%s: %+v, %v; want OutcomeUnknown with an error", name, res, err)
		}
	}
}
