package walletsim

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"tilldesk/core/money"
	"tilldesk/core/wallet"
)

// The WeChat side: POST XML to the v2 paths (wallet.WeChatPath), the request verified
// with the merchant's API key in its sign_type (MD5 when absent), the answer signed the
// same way; protocol failures answer return_code FAIL, unsigned, as WeChat does.

// wechatErrCodes say the ledger's refusals in WeChat's words.
var wechatErrCodes = map[string]string{
	reasonCodeInvalid: "AUTH_CODE_INVALID", reasonNoBalance: "NOTENOUGH", reasonNotFound: "ORDERNOTEXIST",
	reasonStatus: "TRADE_STATE_ERROR", reasonInconsistent: "OUT_TRADE_NO_USED", reasonRefundTooMuch: "INVALID_REQUEST",
	reasonBadRequest: "PARAM_ERROR",
}

type wechatFields map[string]string

func wechatFailure(reason string) wechatFields {
	return wechatFields{"result_code": "FAIL", "err_code": wechatErrCodes[reason], "err_code_des": reason}
}

func (g *Gateway) serveWeChat(w http.ResponseWriter, r *http.Request) {
	var op wallet.Op
	for o, path := range wallet.WeChatPath {
		if path == r.URL.Path {
			op = o
		}
	}
	if op == "" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, requestLimit))
	p, perr := wallet.DecodeWeChatXML(body)
	if err != nil || perr != nil {
		writeWeChatFail(w, "XML格式错误")
		return
	}
	signType := p["sign_type"]
	if signType == "" {
		signType = wallet.SignMD5
	}
	g.mu.Lock()
	m, ok := g.merchants[p["mch_id"]]
	g.mu.Unlock()
	switch {
	case !ok || m.appID != p["appid"]:
		writeWeChatFail(w, "appid和mch_id不匹配")
		return
	case wallet.VerifyWeChatSign(p, m.apiKey, signType) != nil:
		writeWeChatFail(w, "签名错误")
		return
	}
	g.mu.Lock()
	f := g.drawFault(wallet.WeChat, op)
	fields := g.wechatDo(op, p, f)
	if f.answersError() {
		fields = wechatSystemError(op)
	}
	g.mu.Unlock()
	g.changed()
	fields["return_code"], fields["return_msg"], fields["appid"], fields["mch_id"] = "SUCCESS", "OK", m.appID, p["mch_id"]
	fields["nonce_str"], _ = wallet.GenerateCode(nil, "", 16) // crypto/rand does not fail
	if fields["sign"], err = wallet.WeChatSign(fields, m.apiKey, signType); err == nil {
		var out []byte
		if out, err = wallet.EncodeWeChatXML(fields); err == nil {
			g.deliver(w, r, f, "text/xml; charset=utf-8", out)
			return
		}
	}
	g.log.Error("sandbox answer not made", "err", err)
	writeWeChatFail(w, "系统错误")
}

func writeWeChatFail(w http.ResponseWriter, msg string) {
	out, _ := wallet.EncodeWeChatXML(map[string]string{"return_code": "FAIL", "return_msg": msg})
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(out)
}

// wechatDo does the operation. Callers hold g.mu.
func (g *Gateway) wechatDo(op wallet.Op, p map[string]string, f *Fault) wechatFields {
	no := p["out_trade_no"]
	if no == "" {
		return wechatFailure(reasonBadRequest)
	}
	if f.failsOutright() {
		g.payDuringCancel(f, wallet.WeChat, no)
		return wechatSystemError(op)
	}
	total := fen(p["total_fee"])
	switch op {
	case wallet.OpPay:
		if total <= 0 {
			return wechatFailure(reasonBadRequest)
		}
		v := g.pay(wallet.WeChat, no, p["auth_code"], total, p["body"])
		switch {
		case v.paying:
			return wechatFields{"result_code": "FAIL", "err_code": "USERPAYING", "err_code_des": "需要用户输入支付密码"}
		case !v.ok:
			return wechatFailure(v.reason)
		}
		return wechatTrade(wechatFields{"result_code": "SUCCESS", "trade_type": "MICROPAY"}, v.trade)
	case wallet.OpQuery:
		t := g.tradeOf(wallet.WeChat, no)
		if t == nil {
			return wechatFailure(reasonNotFound)
		}
		return wechatTrade(wechatFields{"result_code": "SUCCESS", "trade_state": wechatState(t)}, t)
	case wallet.OpCancel:
		v := g.cancel(wallet.WeChat, no)
		if !v.ok {
			out := wechatFailure(v.reason)
			out["recall"] = "N"
			return out
		}
		return wechatFields{"result_code": "SUCCESS", "recall": "N"}
	case wallet.OpPrecreate:
		if total <= 0 || p["trade_type"] != "NATIVE" {
			return wechatFailure(reasonBadRequest)
		}
		var timeout time.Duration
		if exp, err := time.ParseInLocation("20060102150405", p["time_expire"], time.FixedZone("CST", 8*3600)); err == nil {
			timeout = exp.Sub(g.now())
		}
		v := g.precreate(wallet.WeChat, no, total, p["body"], timeout)
		if !v.ok {
			return wechatFailure(v.reason)
		}
		return wechatFields{"result_code": "SUCCESS", "trade_type": "NATIVE", "prepay_id": "wx" + v.trade.tradeNo, "code_url": v.trade.codeURL}
	case wallet.OpClose:
		v := g.closeTrade(wallet.WeChat, no)
		switch {
		case v.ok:
			return wechatFields{"result_code": "SUCCESS"}
		case v.reason == reasonStatus:
			return wechatFields{"result_code": "FAIL", "err_code": "ORDERPAID", "err_code_des": "订单已支付"}
		}
		return wechatFailure(v.reason)
	}
	if t := g.tradeOf(wallet.WeChat, no); t != nil && t.amount != total {
		return wechatFailure(reasonInconsistent)
	}
	v := g.refund(wallet.WeChat, no, p["out_refund_no"], fen(p["refund_fee"]))
	if !v.ok {
		return wechatFailure(v.reason)
	}
	out := wechatTrade(wechatFields{"result_code": "SUCCESS", "out_refund_no": p["out_refund_no"], "refund_id": "50" + p["out_refund_no"]}, v.trade)
	out["refund_fee"] = p["refund_fee"]
	return out
}

// wechatSystemError is WeChat's "try again": SYSTEMERROR (with recall Y for a reverse).
func wechatSystemError(op wallet.Op) wechatFields {
	out := wechatFields{"result_code": "FAIL", "err_code": "SYSTEMERROR", "err_code_des": "系统超时"}
	if op == wallet.OpCancel {
		out["recall"] = "Y"
	}
	return out
}

// wechatTrade adds a trade's numbers and total to an answer.
func wechatTrade(f wechatFields, t *trade) wechatFields {
	f["out_trade_no"], f["total_fee"] = t.outTradeNo, strconv.FormatInt(int64(t.amount), 10)
	if t.state == statePaid || t.state == stateReversed {
		f["transaction_id"] = t.tradeNo
	}
	return f
}

func wechatState(t *trade) string {
	switch t.state {
	case stateWaiting:
		return "NOTPAY"
	case statePaying:
		return "USERPAYING"
	case statePaid:
		if t.refunded > 0 {
			return "REFUND"
		}
		return "SUCCESS"
	case stateReversed:
		return "REVOKED"
	case stateRefused:
		return "PAYERROR"
	}
	if t.codeURL == "" {
		return "REVOKED" // a code payment is cancelled by reverse
	}
	return "CLOSED"
}

func fen(s string) money.Amount {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return money.Amount(n)
}
