package wallet

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// The signing string example of Alipay's open platform documentation, page "自行实现
// 签名" (signing without the SDK; as quoted at juejin.cn/post/6844903816484110349):
// the request parameters of alipay.mobile.public.menu.add and the 待签名字符串 the
// page derives from them. (The page's sign value was made with a key it does not
// publish, so only the string is checked.)
func TestAlipaySigningStringPublishedExample(t *testing.T) {
	biz := `{"button":[{"actionParam":"ZFB_HFCZ","actionType":"out","name":"话费充值"},{"name":"查询","subButton":[{"actionParam":"ZFB_YECX","actionType":"out","name":"余额查询"},{"actionParam":"ZFB_LLCX","actionType":"out","name":"流量查询"},{"actionParam":"ZFB_HFCX","actionType":"out","name":"话费查询"}]},{"actionParam":"http://m.alipay.com","actionType":"link","name":"最新优惠"}]}`
	params := url.Values{
		"app_id": {"2014072300007148"}, "method": {"alipay.mobile.public.menu.add"}, "charset": {"GBK"},
		"sign_type": {"RSA2"}, "timestamp": {"2014-07-24 03:07:50"}, "biz_content": {biz},
		"sign":    {"e9zEAe4TTQ4LPLQvETPoLGXTiURcxiAKfMVQ6Hrrsx2hmyIEGvSfAQzbLxHrhyZ48wOJXTsD4FPnt+YGdK57+fP1BCbf9rIVycfjhYCqlFhbTu9pFnZgT55W+xbAFb9y7vL0MyAxwXUXvZtQVqEwW7pURtKilbcBTEW7TAxzgro="},
		"version": {"1.0"}, "notify_url": {""},
	}
	want := "app_id=2014072300007148&biz_content=" + biz + "&charset=GBK&method=alipay.mobile.public.menu.add&sign_type=RSA2&timestamp=2014-07-24 03:07:50&version=1.0"
	if got := AlipaySigningString(params); got != want {
		t.Fatalf("signing string\n got %s\nwant %s", got, want)
	}
}

// Two answers signed by Alipay's production gateway (alipay.trade.pay and
// alipay.trade.query of the same 0.01 yuan trade, 2018-05-08), as an SDK logged them,
// with the Alipay public key they verify under: published in the comments of a public
// repository's AlipayUtils.java (package com.mixiusi.utils). They check the raw-node
// extraction and SHA256withRSA verification against Alipay's own signatures.
const (
	alipayPublishedPublicKey   = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqUnBQDVeBdV47W2BGzpy0kiMXb1ahYEXWSLUs+r/XmCLc9mEXVUfA8/3Ob/NfdopW/BDCqvNiSnIWx2wj9+7gqXnzAtn3C77govHv5vHU5EU1pUB67VVJk2mMx2SngVmezryNg8OOa4E1mVLT+AfJkO2q93mL5YU2RtldTq5iblvOb+yq+sGLSh0Qbi2a+nD2U+NFpeROAcH2p5mMY/rYWQPyyxIWX+xEF2Ap8gzvvxCYUP3QCs0sIiUyNfcNlSk7w+n2ViO3ZgHkXfOZnSNvV/L2fLHOzjbFasl7IChl+DA5Q2oYi237iOhVi2siKPvjsblyzjzaYar8D98kFRniQIDAQAB"
	alipayPublishedPayAnswer   = `{"alipay_trade_pay_response":{"code":"10000","msg":"Success","buyer_logon_id":"130****9787","buyer_pay_amount":"0.01","buyer_user_id":"2088802784422153","fund_bill_list":[{"amount":"0.01","fund_channel":"ALIPAYACCOUNT"}],"gmt_payment":"2018-05-08 13:39:35","invoice_amount":"0.01","out_trade_no":"20180508133938","point_amount":"0.00","receipt_amount":"0.01","total_amount":"0.01","trade_no":"2018050821001004150540519241"},"sign":"N/swLSNmUijVrx9reWli8UHM1fHsYb4T8gVThtetP1K84n36nyaosFvtQshOH/swiH3QHZL/Cqi0IRdibFOsnOUnEN+JLEq9FIBR6L29eQ84hTqNdNVzZgdaLLJ9VEo3NztHn8dgiqx9lm8+P82vv3C2qXD6a8I/UAI8TSO3v3AwdT5XOTGIkPUVr2r3UW2PQDYWligA3zbU86sSD1ohOPGIICdwdCLNoNOJ0JDWoZK/G5Ecqcwn9Wl2Fh4UGjOEHaAcmWlaE71IK656GqpYBL65WjdUZAY8lXhMTe4W6YqbgX6HWHSdMdjtrv4KN59Xk+0p8nAt3h5AS5kS/y4wuQ=="}`
	alipayPublishedQueryAnswer = `{"alipay_trade_query_response":{"code":"10000","msg":"Success","buyer_logon_id":"130****9787","buyer_pay_amount":"0.01","buyer_user_id":"2088802784422153","fund_bill_list":[{"amount":"0.01","fund_channel":"ALIPAYACCOUNT"}],"invoice_amount":"0.01","out_trade_no":"20180508133938","point_amount":"0.00","receipt_amount":"0.01","send_pay_date":"2018-05-08 13:39:35","total_amount":"0.01","trade_no":"2018050821001004150540519241","trade_status":"TRADE_SUCCESS"},"sign":"K+UqOErl4DDMYtaoHCOB4gu0tYNSutSKDgh4ph8ytUNkyQ0K0ezRuHzTMKBu0lxsd+JU2PQ/HjjpxgGKNDnkhNFDRRH68atxmx1R6KTE9wgfl1kaGL9T8ghJBs1clUp+x4wxkxH/uVwSCLj5hg68v273t7l+qNTct+fOGC9TosJb3LvTEAQO92Y5vN1bXiBItDxQCNPOG7X0gJC62VlA5Kv+xbprbhQDMQ8Ff1E17KEsiUXQkn+FfWEZBznsfWpV2av0wvsG+m5Fu9zzZyqmC27PsLn/ngb9x1oFQjkG6+emFezQSUYZTQiufLtHIoLwA9PQXqBhcXXQ8EAxQYnNpA=="}`
)

func TestAlipayPublishedAnswersVerify(t *testing.T) {
	key, err := ParseRSAPublicKey(alipayPublishedPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pay, err := ParseAlipayAnswer(OpPay, []byte(alipayPublishedPayAnswer), key)
	if err != nil || pay.Outcome != OutcomeSuccess || pay.Trade != TradePaid || pay.TradeNo != "2018050821001004150540519241" || pay.OutTradeNo != "20180508133938" || pay.Amount != 1 {
		t.Fatalf("pay answer: %+v, %v", pay, err)
	}
	q, err := ParseAlipayAnswer(OpQuery, []byte(alipayPublishedQueryAnswer), key)
	if err != nil || q.Outcome != OutcomeSuccess || q.Trade != TradePaid {
		t.Fatalf("query answer: %+v, %v", q, err)
	}
	// One character changed in the node, or the answer read as another method's:
	// not trusted.
	tampered := strings.Replace(alipayPublishedPayAnswer, `"total_amount":"0.01"`, `"total_amount":"0.02"`, 1)
	if _, err := ParseAlipayAnswer(OpPay, []byte(tampered), key); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered answer: %v, want ErrBadSignature", err)
	}
	if _, err := ParseAlipayAnswer(OpQuery, []byte(alipayPublishedPayAnswer), key); !errors.Is(err, ErrBadAnswer) {
		t.Fatalf("pay answer read as a query: %v, want ErrBadAnswer", err)
	}
}

var testKeys struct {
	once     sync.Once
	app, ali *rsa.PrivateKey
	genErr   error
}

// keys returns an app key pair and an "Alipay" key pair, made once per test run.
func keys(t testing.TB) (app, ali *rsa.PrivateKey) {
	t.Helper()
	testKeys.once.Do(func() {
		if testKeys.app, testKeys.genErr = rsa.GenerateKey(rand.Reader, 2048); testKeys.genErr == nil {
			testKeys.ali, testKeys.genErr = rsa.GenerateKey(rand.Reader, 2048)
		}
	})
	if testKeys.genErr != nil {
		t.Fatal(testKeys.genErr)
	}
	return testKeys.app, testKeys.ali
}

func TestAlipayRequestIsSignedAndComplete(t *testing.T) {
	app, ali := keys(t)
	c := AlipayCredentials{AppID: "2021000000000001", PrivateKey: app, AlipayPublicKey: &ali.PublicKey}
	at := time.Date(2024, 3, 1, 4, 5, 6, 0, time.UTC)
	v, err := AlipayRequest(c, OpPay, Order{OutTradeNo: "T1", AuthCode: "28763443825664394", Subject: "超市", Amount: 1250, TerminalID: "DEMO0001"}, at)
	if err != nil {
		t.Fatal(err)
	}
	if v.Get("method") != "alipay.trade.pay" || v.Get("timestamp") != "2024-03-01 12:05:06" || v.Get("sign_type") != "RSA2" || v.Get("charset") != "utf-8" {
		t.Fatalf("common parameters: %v", v)
	}
	var biz map[string]string
	if err := json.Unmarshal([]byte(v.Get("biz_content")), &biz); err != nil {
		t.Fatal(err)
	}
	if biz["scene"] != "bar_code" || biz["auth_code"] != "28763443825664394" || biz["total_amount"] != "12.50" || biz["out_trade_no"] != "T1" {
		t.Fatalf("biz_content %v", biz)
	}
	if err := VerifyRSA2(&app.PublicKey, []byte(AlipaySigningString(v)), v.Get("sign")); err != nil {
		t.Fatalf("request signature: %v", err)
	}
	if _, err := AlipayRequest(c, OpPay, Order{OutTradeNo: "T1", AuthCode: "9990001", Subject: "x", Amount: 1}, at); !errors.Is(err, ErrBadOrder) {
		t.Fatalf("pay with an unknown code: %v, want ErrBadOrder", err)
	}
	if _, err := AlipayRequest(c, OpRefund, Order{OutTradeNo: "T1", RefundAmount: 100}, at); !errors.Is(err, ErrBadOrder) {
		t.Fatalf("refund without a refund number: %v, want ErrBadOrder", err)
	}
}

// signedAlipayAnswer is an answer to method with node, signed with key.
func signedAlipayAnswer(t testing.TB, key *rsa.PrivateKey, method, node string) []byte {
	t.Helper()
	sig, err := SignRSA2(key, node)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(`{"` + AlipayResponseNode(method) + `":` + node + `,"sign":"` + sig + `"}`)
}

func TestParseAlipayAnswerOutcomes(t *testing.T) {
	_, ali := keys(t)
	for _, c := range []struct {
		op      Op
		node    string
		outcome Outcome
		trade   TradeState
		reason  string
	}{
		{OpPay, `{"code":"10000","msg":"Success","trade_no":"2024","out_trade_no":"T1","total_amount":"12.50"}`, OutcomeSuccess, TradePaid, ""},
		{OpPay, `{"code":"10003","msg":" order success pay inprocess","out_trade_no":"T1"}`, OutcomePaying, TradeWaiting, ""},
		{OpPay, `{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error","sub_msg":"系统繁忙"}`, OutcomeUnknown, TradeUnknown, "isp.unknow-error"},
		{OpPay, `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.SYSTEM_ERROR"}`, OutcomeUnknown, TradeUnknown, "ACQ.SYSTEM_ERROR"},
		{OpPay, `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.BUYER_BALANCE_NOT_ENOUGH","sub_msg":"买家余额不足"}`, OutcomeFailed, TradeUnknown, "ACQ.BUYER_BALANCE_NOT_ENOUGH"},
		{OpPay, `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_HAS_SUCCESS"}`, OutcomeUnknown, TradePaid, "ACQ.TRADE_HAS_SUCCESS"},
		{OpPay, `{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature"}`, OutcomeFailed, TradeUnknown, "isv.invalid-signature"},
		{OpQuery, `{"code":"10000","msg":"Success","trade_status":"WAIT_BUYER_PAY"}`, OutcomeSuccess, TradeWaiting, ""},
		{OpQuery, `{"code":"10000","msg":"Success","trade_status":"TRADE_CLOSED"}`, OutcomeSuccess, TradeClosed, ""},
		{OpQuery, `{"code":"10000","msg":"Success","trade_status":"TRADE_FINISHED"}`, OutcomeSuccess, TradePaid, ""},
		{OpQuery, `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST"}`, OutcomeSuccess, TradeNotFound, ""},
		{OpCancel, `{"code":"10000","msg":"Success","retry_flag":"N","action":"refund"}`, OutcomeSuccess, TradeClosed, ""},
		{OpCancel, `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_STATUS_ERROR","retry_flag":"Y"}`, OutcomeRetry, TradeUnknown, "ACQ.TRADE_STATUS_ERROR"},
		{OpCancel, `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.SYSTEM_ERROR"}`, OutcomeRetry, TradeUnknown, "ACQ.SYSTEM_ERROR"},
		{OpCancel, `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_CANCEL_TIME_OUT","retry_flag":"N"}`, OutcomeFailed, TradeUnknown, "ACQ.TRADE_CANCEL_TIME_OUT"},
		{OpClose, `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST"}`, OutcomeSuccess, TradeNotFound, ""},
		{OpRefund, `{"code":"10000","msg":"Success","fund_change":"Y","refund_fee":"3.00"}`, OutcomeSuccess, TradeUnknown, ""},
		{OpRefund, `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"}`, OutcomeFailed, TradeUnknown, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"},
		{OpQuery, `{"code":"99999","msg":"new"}`, OutcomeUnknown, TradeUnknown, ""},
	} {
		res, err := ParseAlipayAnswer(c.op, signedAlipayAnswer(t, ali, AlipayMethod[c.op], c.node), &ali.PublicKey)
		if err != nil || res.Outcome != c.outcome || res.Trade != c.trade || res.Reason != c.reason {
			t.Errorf("%s %s: %v %v %q, %v; want %v %v %q", c.op, c.node, res.Outcome, res.Trade, res.Reason, err, c.outcome, c.trade, c.reason)
		}
	}
	cancel, _ := ParseAlipayAnswer(OpCancel, signedAlipayAnswer(t, ali, AlipayMethod[OpCancel], `{"code":"10000","msg":"Success","action":"refund"}`), &ali.PublicKey)
	refund, _ := ParseAlipayAnswer(OpRefund, signedAlipayAnswer(t, ali, AlipayMethod[OpRefund], `{"code":"10000","msg":"Success","refund_fee":"3.00"}`), &ali.PublicKey)
	if !cancel.MoneyBack || refund.Refunded != 300 {
		t.Fatalf("cancel money back %v, refund_fee %d", cancel.MoneyBack, refund.Refunded)
	}
}

// Unsigned, wrongly signed and unreadable answers are never trusted, either way.
func TestParseAlipayAnswerUntrusted(t *testing.T) {
	app, ali := keys(t)
	ok := `{"code":"10000","msg":"Success","trade_no":"1"}`
	for name, body := range map[string][]byte{
		"unsigned":       []byte(`{"alipay_trade_pay_response":` + ok + `}`),
		"other key":      signedAlipayAnswer(t, app, "alipay.trade.pay", ok),
		"not json":       []byte(`<html>502</html>`),
		"no node":        []byte(`{"sign":"x"}`),
		"node not obj":   []byte(`{"alipay_trade_pay_response":"10000","sign":"x"}`),
		"garbage sign":   []byte(`{"alipay_trade_pay_response":` + ok + `,"sign":"!!"}`),
		"number as sign": []byte(`{"alipay_trade_pay_response":` + ok + `,"sign":1}`),
	} {
		res, err := ParseAlipayAnswer(OpPay, body, &ali.PublicKey)
		if err == nil || res.Outcome != OutcomeUnknown {
			t.Errorf("%s: %+v, %v; want OutcomeUnknown with an error", name, res, err)
		}
	}
}
