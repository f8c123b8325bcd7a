package wallet

import (
	"fmt"
	"strconv"

	"tilldesk/core/money"
)

// ParseWeChatAnswer reads the answer to op. It must come from the merchant c (appid
// and mch_id) and be signed with c's API key and sign type. A communication failure
// (return_code FAIL, which WeChat does not sign), a bad signature or an answer not
// understood is OutcomeUnknown with an error: the caller queries.
func ParseWeChatAnswer(c WeChatCredentials, op Op, body []byte) (Result, error) {
	if _, ok := WeChatPath[op]; !ok {
		return Result{}, fmt.Errorf("%w: unknown operation %q", ErrBadAnswer, op)
	}
	p, err := DecodeWeChatXML(body)
	if err != nil {
		return Result{}, err
	}
	if p["return_code"] != "SUCCESS" {
		return Result{Reason: p["return_code"], Message: p["return_msg"]},
			fmt.Errorf("%w: %s return_code %q: %s", ErrBadAnswer, op, p["return_code"], p["return_msg"])
	}
	if err := VerifyWeChatSign(p, c.APIKey, c.signType()); err != nil {
		return Result{}, fmt.Errorf("WeChat %s answer: %w", op, err)
	}
	if p["appid"] != c.AppID || p["mch_id"] != c.MchID {
		return Result{}, fmt.Errorf("%w: answer for another merchant", ErrBadAnswer)
	}
	res := Result{OutTradeNo: p["out_trade_no"], TradeNo: p["transaction_id"], RefundNo: p["refund_id"], CodeURL: p["code_url"]}
	if res.Amount, err = fenField(p, "total_fee"); err == nil {
		res.Refunded, err = fenField(p, "refund_fee")
	}
	if err != nil {
		return Result{}, err
	}
	if p["result_code"] == "SUCCESS" && p["recall"] != "Y" {
		res.Outcome, res.Trade = OutcomeSuccess, wechatSuccessState(op, p["trade_state"])
		if op == OpPrecreate && res.CodeURL == "" {
			return Result{}, fmt.Errorf("%w: unifiedorder answered without code_url", ErrBadAnswer)
		}
		return res, nil
	}
	res.CodeURL = ""
	res.Reason, res.Message = p["err_code"], p["err_code_des"]
	res.Outcome, res.Trade = wechatFailure(op, p["err_code"], p["recall"] == "Y")
	if res.Outcome == OutcomeFailed && res.Reason == "" {
		res.Reason = "FAIL"
	}
	return res, nil
}

// fenField reads an amount in fen; an absent field is zero.
func fenField(p map[string]string, name string) (money.Amount, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s %q", ErrBadAnswer, name, v)
	}
	return money.Amount(n), nil
}

func wechatSuccessState(op Op, tradeState string) TradeState {
	switch op {
	case OpPay:
		return TradePaid
	case OpQuery:
		return wechatTradeState(tradeState)
	case OpCancel, OpClose:
		return TradeClosed
	}
	return TradeUnknown
}

// wechatTradeState maps trade_state.
func wechatTradeState(s string) TradeState {
	switch s {
	case "SUCCESS":
		return TradePaid
	case "NOTPAY", "USERPAYING":
		return TradeWaiting
	case "CLOSED", "REVOKED":
		return TradeClosed
	case "REFUND":
		return TradeRefunded
	case "PAYERROR":
		return TradeFailed
	}
	return TradeUnknown
}

// wechatFailure maps result_code FAIL's err_code to what the till does next.
func wechatFailure(op Op, errCode string, recall bool) (Outcome, TradeState) {
	if errCode == "SYSTEMERROR" || errCode == "BANKERROR" || errCode == "BIZERR_NEED_RETRY" {
		if op == OpCancel {
			return OutcomeRetry, TradeUnknown
		}
		return OutcomeUnknown, TradeUnknown
	}
	switch op {
	case OpPay:
		switch errCode {
		case "USERPAYING":
			return OutcomePaying, TradeWaiting
		case "ORDERPAID":
			return OutcomeUnknown, TradePaid // ask: the query will say paid
		}
	case OpQuery:
		if errCode == "ORDERNOTEXIST" {
			return OutcomeSuccess, TradeNotFound
		}
	case OpCancel:
		if recall || errCode == "USERPAYING" {
			return OutcomeRetry, TradeUnknown
		}
		if errCode == "ORDERNOTEXIST" {
			return OutcomeSuccess, TradeNotFound
		}
	case OpClose:
		switch errCode {
		case "ORDERNOTEXIST":
			return OutcomeSuccess, TradeNotFound
		case "ORDERCLOSED":
			return OutcomeSuccess, TradeClosed
		case "ORDERPAID":
			return OutcomeFailed, TradePaid
		}
	}
	return OutcomeFailed, TradeUnknown
}
