package wallet

import (
	"reflect"
	"strings"
	"testing"
)

// The fuzz targets' seeds are in testdata/fuzz/<target>/ as well as added here.

// FuzzClassifyCode checks that a code is accepted only in a documented format and that
// a refusal never shows the code in full.
func FuzzClassifyCode(f *testing.F) {
	for _, s := range []string{"28763443825664394", "120061098828009406", "6212345678901234567", "", "1", "99x", "１２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, scan string) {
		p, err := ClassifyCode(scan)
		code := strings.TrimSpace(scan)
		if err != nil {
			if p != "" {
				t.Fatalf("refused with provider %q", p)
			}
			if len(code) > 8 && !strings.Contains(code, "*") && strings.Contains(err.Error(), code) {
				t.Fatalf("error %q shows the code", err)
			}
			return
		}
		if strings.Trim(code, "0123456789") != "" {
			t.Fatalf("accepted non-digits %q as %s", code, p)
		}
		prefix := code[:2]
		switch {
		case p == Alipay && prefix >= "25" && prefix <= "30" && len(code) >= 16 && len(code) <= 24:
		case p == WeChat && prefix >= "10" && prefix <= "15" && len(code) == 18:
		case p == UnionPay && prefix == "62" && len(code) == 19:
		default:
			t.Fatalf("accepted %q as %s", code, p)
		}
	})
}

// FuzzParseMPM checks that an accepted payload is exactly its objects, and that its
// meaning encodes to a payload that reads back the same.
func FuzzParseMPM(f *testing.F) {
	f.Add(emvcoExample)
	f.Add(AppendCRC("00020101021115031235204541153031565802CN5901N6001C"))
	f.Fuzz(func(t *testing.T, payload string) {
		m, objs, err := ParseMPM(payload)
		if err != nil {
			return
		}
		if EncodeObjects(objs) != payload {
			t.Fatalf("objects do not encode back to %q", payload)
		}
		again, err := m.Encode()
		if err != nil {
			t.Fatalf("accepted %q but cannot encode its meaning: %v", payload, err)
		}
		m2, _, err := ParseMPM(again)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("%q re-encoded as %q reads %+v, %v", payload, again, m2, err)
		}
	})
}

// fuzzOp picks an operation from a fuzzed byte.
func fuzzOp(b byte) Op { return Ops[int(b)%len(Ops)] }

// FuzzParseAlipayAnswer feeds a response node, signed with the test key (so the
// mapping is reached) or sent as the whole body (raw).
func FuzzParseAlipayAnswer(f *testing.F) {
	f.Add(byte(0), `{"code":"10003","msg":"x","out_trade_no":"T1"}`, false)
	f.Add(byte(1), `{"code":"10000","trade_status":"TRADE_SUCCESS","total_amount":"0.01"}`, false)
	f.Add(byte(2), `{"code":"40004","sub_code":"ACQ.SYSTEM_ERROR","retry_flag":"Y"}`, false)
	f.Add(byte(0), alipayPublishedPayAnswer, true)
	f.Fuzz(func(t *testing.T, opByte byte, node string, raw bool) {
		_, ali := keys(t)
		op := fuzzOp(opByte)
		body := []byte(node)
		if !raw {
			body = signedAlipayAnswer(t, ali, AlipayMethod[op], node)
		}
		res, err := ParseAlipayAnswer(op, body, &ali.PublicKey)
		checkResult(t, op, res, err)
	})
}

// FuzzParseWeChatAnswer feeds an XML body, signed with the test key when it decodes
// (so the mapping is reached), else as is.
func FuzzParseWeChatAnswer(f *testing.F) {
	f.Add(byte(0), []byte(`<xml><return_code>SUCCESS</return_code><result_code>FAIL</result_code><err_code>USERPAYING</err_code></xml>`))
	f.Add(byte(1), []byte(`<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code><trade_state>SUCCESS</trade_state><total_fee>1</total_fee></xml>`))
	f.Add(byte(2), []byte(`<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>`))
	f.Fuzz(func(t *testing.T, opByte byte, body []byte) {
		op := fuzzOp(opByte)
		if p, err := DecodeWeChatXML(body); err == nil {
			p["appid"], p["mch_id"] = testWeChat.AppID, testWeChat.MchID
			if p["sign"], err = WeChatSign(p, testWeChat.APIKey, SignHMACSHA256); err == nil {
				if signed, err := EncodeWeChatXML(p); err == nil {
					body = signed
				}
			}
		}
		res, err := ParseWeChatAnswer(testWeChat, op, body)
		checkResult(t, op, res, err)
	})
}

// checkResult holds for every parsed answer: an error is never a decision, and each
// outcome belongs to an operation that can have it.
func checkResult(t *testing.T, op Op, res Result, err error) {
	t.Helper()
	if err != nil && res.Outcome != OutcomeUnknown {
		t.Fatalf("%s: error %v with outcome %v", op, err, res.Outcome)
	}
	switch {
	case res.Outcome == OutcomePaying && op != OpPay,
		res.Outcome == OutcomeRetry && op != OpCancel,
		res.Outcome == OutcomeFailed && res.Reason == "",
		res.Outcome == OutcomeSuccess && op == OpPrecreate && res.CodeURL == "",
		res.Outcome == OutcomeSuccess && op == OpPay && res.Trade != TradePaid,
		res.Amount < 0 || res.Refunded < 0:
		t.Fatalf("%s: %+v", op, res)
	}
}
