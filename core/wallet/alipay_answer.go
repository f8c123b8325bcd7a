package wallet

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"strings"

	"tilldesk/core/money"
)

// alipayNode is the fields the till reads from a "<method>_response" node.
type alipayNode struct {
	Code        string `json:"code"`
	Msg         string `json:"msg"`
	SubCode     string `json:"sub_code"`
	SubMsg      string `json:"sub_msg"`
	TradeNo     string `json:"trade_no"`
	OutTradeNo  string `json:"out_trade_no"`
	TotalAmount string `json:"total_amount"`
	TradeStatus string `json:"trade_status"`
	QRCode      string `json:"qr_code"`
	RetryFlag   string `json:"retry_flag"`
	Action      string `json:"action"`
	RefundFee   string `json:"refund_fee"`
}

// AlipayResponseNode is the name of the node holding a method's answer:
// "alipay.trade.pay" answers in "alipay_trade_pay_response".
func AlipayResponseNode(method string) string {
	return strings.ReplaceAll(method, ".", "_") + "_response"
}

// SplitAlipayAnswer returns the raw JSON of an answer's response node (or of
// "error_response") exactly as sent, which is what Alipay signs, and the signature.
func SplitAlipayAnswer(method string, body []byte) (node []byte, sign string, err error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrBadAnswer, err)
	}
	raw, ok := top[AlipayResponseNode(method)]
	if !ok {
		raw, ok = top["error_response"]
	}
	if !ok || len(raw) == 0 || raw[0] != '{' {
		return nil, "", fmt.Errorf("%w: no %s node", ErrBadAnswer, AlipayResponseNode(method))
	}
	if s, ok := top["sign"]; ok {
		if err := json.Unmarshal(s, &sign); err != nil {
			return nil, "", fmt.Errorf("%w: sign: %v", ErrBadAnswer, err)
		}
	}
	return raw, sign, nil
}

// ParseAlipayAnswer reads the answer to op, verifying Alipay's signature with key. An
// unsigned or badly signed answer, or one not understood, is OutcomeUnknown with an
// error: the caller queries, and never takes it for a success or a refusal.
func ParseAlipayAnswer(op Op, body []byte, key *rsa.PublicKey) (Result, error) {
	method, ok := AlipayMethod[op]
	if !ok {
		return Result{}, fmt.Errorf("%w: unknown operation %q", ErrBadAnswer, op)
	}
	raw, sign, err := SplitAlipayAnswer(method, body)
	if err != nil {
		return Result{}, err
	}
	if err := VerifyRSA2(key, raw, sign); err != nil {
		return Result{}, fmt.Errorf("%s answer: %w", method, err)
	}
	var n alipayNode
	if err := json.Unmarshal(raw, &n); err != nil {
		return Result{}, fmt.Errorf("%w: %s: %v", ErrBadAnswer, method, err)
	}
	res := Result{OutTradeNo: n.OutTradeNo, TradeNo: n.TradeNo, Reason: n.SubCode, Message: firstNonEmpty(n.SubMsg, n.Msg)}
	if n.TotalAmount != "" {
		if res.Amount, err = money.Parse(n.TotalAmount); err != nil || res.Amount < 0 {
			return Result{}, fmt.Errorf("%w: total_amount %q", ErrBadAnswer, n.TotalAmount)
		}
	}
	if n.RefundFee != "" {
		if res.Refunded, err = money.Parse(n.RefundFee); err != nil || res.Refunded < 0 {
			return Result{}, fmt.Errorf("%w: refund_fee %q", ErrBadAnswer, n.RefundFee)
		}
	}
	res.Outcome, res.Trade = alipayOutcome(op, n)
	if res.Outcome == OutcomeSuccess {
		res.Reason = ""
		res.MoneyBack = op == OpCancel && n.Action == "refund"
		if op == OpPrecreate && n.QRCode == "" {
			return Result{}, fmt.Errorf("%w: precreate answered without qr_code", ErrBadAnswer)
		}
		res.CodeURL = n.QRCode
	}
	if res.Outcome == OutcomeFailed && res.Reason == "" {
		res.Reason = "code_" + n.Code
	}
	return res, nil
}

// alipayOutcome maps the public code (10000 success, 10003 waiting for the buyer,
// 20000 service unavailable, 40004 business failure, 4000x invalid request) and the
// sub_code to what the till does next.
func alipayOutcome(op Op, n alipayNode) (Outcome, TradeState) {
	switch n.Code {
	case "10000":
		switch op {
		case OpPay:
			return OutcomeSuccess, TradePaid
		case OpQuery:
			return OutcomeSuccess, alipayTradeState(n.TradeStatus)
		case OpCancel, OpClose:
			return OutcomeSuccess, TradeClosed
		}
		return OutcomeSuccess, TradeUnknown
	case "10003":
		if op == OpPay {
			return OutcomePaying, TradeWaiting
		}
		return OutcomeUnknown, TradeUnknown
	case "40004":
		return alipayBusinessFailure(op, n)
	case "40001", "40002", "40006", "20001":
		// The request was refused as invalid before anything was done.
		return OutcomeFailed, TradeUnknown
	}
	return OutcomeUnknown, TradeUnknown // 20000 ISP.UNKNOW_ERROR and anything new
}

func alipayBusinessFailure(op Op, n alipayNode) (Outcome, TradeState) {
	if n.SubCode == "ACQ.SYSTEM_ERROR" || n.SubCode == "ACQ.SYSTEM_BUSY" {
		if op == OpCancel {
			return OutcomeRetry, TradeUnknown
		}
		return OutcomeUnknown, TradeUnknown
	}
	if op == OpCancel && n.RetryFlag == "Y" {
		return OutcomeRetry, TradeUnknown
	}
	if n.SubCode == "ACQ.TRADE_NOT_EXIST" && op != OpRefund && op != OpPay {
		// Nothing to query, cancel or close. A precreated QR's trade exists only once
		// the customer has scanned it.
		return OutcomeSuccess, TradeNotFound
	}
	if op == OpPay && n.SubCode == "ACQ.TRADE_HAS_SUCCESS" {
		return OutcomeUnknown, TradePaid // ask: the query will say paid
	}
	return OutcomeFailed, TradeUnknown
}

// alipayTradeState maps trade_status.
func alipayTradeState(s string) TradeState {
	switch s {
	case "WAIT_BUYER_PAY":
		return TradeWaiting
	case "TRADE_SUCCESS", "TRADE_FINISHED":
		return TradePaid
	case "TRADE_CLOSED":
		return TradeClosed
	}
	return TradeUnknown
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
