package walletsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tilldesk/core/money"
	"tilldesk/core/wallet"
)

// The Alipay side: POST /gateway.do with the OpenAPI's form parameters, the request
// verified with the app's registered public key, the answer node signed with the
// sandbox's "Alipay" key.

// alipayBizIn is the biz_content fields the sandbox reads.
type alipayBizIn struct {
	OutTradeNo     string `json:"out_trade_no"`
	AuthCode       string `json:"auth_code"`
	Subject        string `json:"subject"`
	TotalAmount    string `json:"total_amount"`
	TimeoutExpress string `json:"timeout_express"`
	RefundAmount   string `json:"refund_amount"`
	OutRequestNo   string `json:"out_request_no"`
}

// alipaySubCodes say the ledger's refusals in Alipay's words.
var alipaySubCodes = map[string]string{
	reasonCodeInvalid: "ACQ.PAYMENT_AUTH_CODE_INVALID", reasonNoBalance: "ACQ.BUYER_BALANCE_NOT_ENOUGH",
	reasonNotFound: "ACQ.TRADE_NOT_EXIST", reasonStatus: "ACQ.TRADE_STATUS_ERROR",
	reasonInconsistent: "ACQ.CONTEXT_INCONSISTENT", reasonRefundTooMuch: "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
	reasonBadRequest: "isv.invalid-parameter",
}

type alipayAnswer map[string]any

func alipayFailure(reason string) alipayAnswer {
	return alipayAnswer{"code": "40004", "msg": "Business Failed", "sub_code": alipaySubCodes[reason], "sub_msg": reason}
}

func (g *Gateway) serveAlipay(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, requestLimit)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	method := r.Form.Get("method")
	op, known := wallet.AlipayOp(method)
	node := "error_response"
	if known {
		node = wallet.AlipayResponseNode(method)
	}
	g.mu.Lock()
	f := g.drawFault(wallet.Alipay, op)
	answer := g.alipayDo(op, known, r.Form, f)
	if f.answersError() && answer["sub_code"] != "isv.invalid-signature" && answer["sub_code"] != "isv.invalid-app-id" {
		answer = alipaySystemError(op)
	}
	g.mu.Unlock()
	g.changed()
	raw, err := json.Marshal(answer)
	if err == nil {
		var sig string
		if sig, err = wallet.SignRSA2(g.opt.AlipayKey, string(raw)); err == nil {
			sigJSON, _ := json.Marshal(sig)
			g.deliver(w, r, f, "application/json;charset=utf-8", []byte(`{"`+node+`":`+string(raw)+`,"sign":`+string(sigJSON)+`}`))
			return
		}
	}
	g.log.Error("sandbox answer not made", "err", err)
	http.Error(w, "sandbox error", http.StatusInternalServerError)
}

// alipayDo checks the request and does the operation. Callers hold g.mu.
func (g *Gateway) alipayDo(op wallet.Op, known bool, form url.Values, f *Fault) alipayAnswer {
	key := g.apps[form.Get("app_id")]
	switch {
	case key == nil:
		return alipayAnswer{"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-app-id", "sub_msg": "无效的AppID参数"}
	case form.Get("sign_type") != "RSA2" || wallet.VerifyRSA2(key, []byte(wallet.AlipaySigningString(form)), form.Get("sign")) != nil:
		return alipayAnswer{"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"}
	case !known:
		return alipayAnswer{"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-method", "sub_msg": "不存在的方法名"}
	}
	var biz alipayBizIn
	if err := json.Unmarshal([]byte(form.Get("biz_content")), &biz); err != nil || biz.OutTradeNo == "" {
		return alipayAnswer{"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter", "sub_msg": "biz_content"}
	}
	if f.failsOutright() {
		g.payDuringCancel(f, wallet.Alipay, biz.OutTradeNo)
		return alipaySystemError(op)
	}
	total, _ := money.Parse(biz.TotalAmount)
	switch op {
	case wallet.OpPay:
		if total <= 0 {
			return alipayFailure(reasonBadRequest)
		}
		v := g.pay(wallet.Alipay, biz.OutTradeNo, biz.AuthCode, total, biz.Subject)
		switch {
		case v.paying:
			return alipayTrade(alipayAnswer{"code": "10003", "msg": " order success pay inprocess"}, v.trade)
		case !v.ok:
			return alipayFailure(v.reason)
		}
		return alipayTrade(alipayAnswer{"code": "10000", "msg": "Success"}, v.trade)
	case wallet.OpQuery:
		t := g.tradeOf(wallet.Alipay, biz.OutTradeNo)
		if t == nil || (t.codeURL != "" && !t.scanned) { // a QR trade exists once scanned
			return alipayFailure(reasonNotFound)
		}
		return alipayTrade(alipayAnswer{"code": "10000", "msg": "Success", "trade_status": alipayStatus(t)}, t)
	case wallet.OpCancel:
		v := g.cancel(wallet.Alipay, biz.OutTradeNo)
		if !v.ok {
			return alipayAnswer{"code": "40004", "msg": "Business Failed", "sub_code": alipaySubCodes[v.reason], "retry_flag": "N"}
		}
		action := "close"
		if v.moneyBack {
			action = "refund"
		}
		return alipayTrade(alipayAnswer{"code": "10000", "msg": "Success", "retry_flag": "N", "action": action}, v.trade)
	case wallet.OpPrecreate:
		if total <= 0 {
			return alipayFailure(reasonBadRequest)
		}
		v := g.precreate(wallet.Alipay, biz.OutTradeNo, total, biz.Subject, parseTimeoutExpress(biz.TimeoutExpress))
		if !v.ok {
			return alipayFailure(v.reason)
		}
		return alipayAnswer{"code": "10000", "msg": "Success", "out_trade_no": biz.OutTradeNo, "qr_code": v.trade.codeURL}
	case wallet.OpClose:
		v := g.closeTrade(wallet.Alipay, biz.OutTradeNo)
		if !v.ok || !v.trade.scanned && v.trade.codeURL != "" {
			return alipayFailure(firstNonEmpty(v.reason, reasonNotFound)) // closed, but it never existed for Alipay
		}
		return alipayTrade(alipayAnswer{"code": "10000", "msg": "Success"}, v.trade)
	}
	refund, _ := money.Parse(biz.RefundAmount)
	v := g.refund(wallet.Alipay, biz.OutTradeNo, biz.OutRequestNo, refund)
	if !v.ok {
		return alipayFailure(v.reason)
	}
	fundChange := "N"
	if v.moneyBack {
		fundChange = "Y"
	}
	return alipayTrade(alipayAnswer{"code": "10000", "msg": "Success", "fund_change": fundChange, "refund_fee": v.trade.refunded.Plain()}, v.trade)
}

// alipaySystemError is Alipay's "try again": ACQ.SYSTEM_ERROR with retry_flag Y for a
// cancel, 20000 isp.unknow-error otherwise.
func alipaySystemError(op wallet.Op) alipayAnswer {
	if op == wallet.OpCancel {
		return alipayAnswer{"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.SYSTEM_ERROR", "sub_msg": "系统错误", "retry_flag": "Y"}
	}
	return alipayAnswer{"code": "20000", "msg": "Service Currently Unavailable", "sub_code": "isp.unknow-error", "sub_msg": "系统繁忙"}
}

// alipayTrade adds a trade's numbers and total to an answer.
func alipayTrade(a alipayAnswer, t *trade) alipayAnswer {
	a["out_trade_no"], a["trade_no"], a["total_amount"] = t.outTradeNo, t.tradeNo, t.amount.Plain()
	return a
}

func alipayStatus(t *trade) string {
	switch {
	case t.state == stateWaiting || t.state == statePaying:
		return "WAIT_BUYER_PAY"
	case t.state == statePaid && t.refunded < t.amount:
		return "TRADE_SUCCESS"
	}
	return "TRADE_CLOSED"
}

// parseTimeoutExpress reads "5m", "2h", "1d" ("1c" and anything else: no limit).
func parseTimeoutExpress(s string) time.Duration {
	if len(s) < 2 {
		return 0
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0
	}
	unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[strings.ToLower(s[len(s)-1:])]
	return time.Duration(n) * unit
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
