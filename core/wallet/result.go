package wallet

import (
	"errors"

	"tilldesk/core/money"
)

// Op names one provider operation, the same for both providers.
type Op string

// The operations the till uses.
const (
	OpPay       Op = "pay"       // customer-presented code: alipay.trade.pay / micropay
	OpQuery     Op = "query"     // alipay.trade.query / orderquery
	OpCancel    Op = "cancel"    // alipay.trade.cancel / reverse (undoes paid trades too)
	OpPrecreate Op = "precreate" // merchant-presented QR: alipay.trade.precreate / unifiedorder NATIVE
	OpClose     Op = "close"     // alipay.trade.close / closeorder (unpaid trades only)
	OpRefund    Op = "refund"    // alipay.trade.refund / refund
)

// Ops lists every operation, in the order above.
var Ops = []Op{OpPay, OpQuery, OpCancel, OpPrecreate, OpClose, OpRefund}

// Outcome is what a provider's answer to one operation means for the till.
type Outcome int

// Outcomes. The zero value is OutcomeUnknown, so an answer that was not understood is
// never taken for a success.
const (
	// OutcomeUnknown: no definite answer (network error, SYSTEMERROR, 20000
	// ISP.UNKNOW_ERROR, an unverifiable answer). Ask again with a query; never assume.
	OutcomeUnknown Outcome = iota
	// OutcomeSuccess: the operation was done. For a query, Trade says the trade's state.
	OutcomeSuccess
	// OutcomePaying: pay only; the customer is confirming on the phone (Alipay 10003
	// WAIT_BUYER_PAY, WeChat USERPAYING). Poll with queries.
	OutcomePaying
	// OutcomeRetry: cancel only; the provider asks for the cancel to be called again
	// (Alipay retry_flag=Y, WeChat recall=Y).
	OutcomeRetry
	// OutcomeFailed: a definite refusal; Reason holds the provider's key for it.
	OutcomeFailed
)

var outcomeNames = [...]string{"unknown", "success", "paying", "retry", "failed"}

// String names the outcome for logs.
func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return "invalid"
	}
	return outcomeNames[o]
}

// TradeState is a trade's state as a query (or a pay answer) reports it.
type TradeState int

// Trade states, mapped from Alipay trade_status and WeChat trade_state.
const (
	TradeUnknown  TradeState = iota // not reported
	TradeWaiting                    // created, not paid yet (WAIT_BUYER_PAY, NOTPAY, USERPAYING)
	TradePaid                       // TRADE_SUCCESS, TRADE_FINISHED, SUCCESS
	TradeClosed                     // TRADE_CLOSED, CLOSED, REVOKED: no money taken, or all given back
	TradeRefunded                   // WeChat REFUND: paid, then (partly) refunded
	TradeFailed                     // WeChat PAYERROR
	TradeNotFound                   // no such trade (ACQ.TRADE_NOT_EXIST, ORDERNOTEXIST)
)

var tradeStateNames = [...]string{"unknown", "waiting", "paid", "closed", "refunded", "failed", "not_found"}

// String names the state for logs and the journal.
func (s TradeState) String() string {
	if s < 0 || int(s) >= len(tradeStateNames) {
		return "invalid"
	}
	return tradeStateNames[s]
}

// Result is one provider answer, parsed and (where the provider signs answers)
// verified. Fields a given operation does not return stay zero.
type Result struct {
	Outcome    Outcome
	Trade      TradeState
	OutTradeNo string       // the till's trade number
	TradeNo    string       // the provider's (Alipay trade_no, WeChat transaction_id)
	Amount     money.Amount // the trade's total (total_amount, total_fee)
	CodeURL    string       // precreate: the QR code's content (qr_code, code_url)
	// Refunded is, for a refund, the amount the provider reports refunded on the trade
	// so far (Alipay refund_fee) or by this refund (WeChat refund_fee).
	Refunded money.Amount
	RefundNo string // refund: the provider's refund number (WeChat refund_id), if any
	// MoneyBack says a cancel undid a trade that had been paid (Alipay action=refund;
	// WeChat reverse of a paid order): the customer's money was given back.
	MoneyBack bool
	Reason    string // failure key (Alipay sub_code, WeChat err_code); "" on success
	Message   string // the provider's text for it (sub_msg, err_code_des)
}

// ErrBadSignature is returned (with OutcomeUnknown) for an answer whose signature does
// not verify or is missing: it is not trusted either way.
var ErrBadSignature = errors.New("wallet: answer signature missing or invalid")

// ErrBadAnswer is returned (with OutcomeUnknown) for an answer that cannot be read.
var ErrBadAnswer = errors.New("wallet: answer not understood")
