package wallet

import (
	"errors"
	"fmt"
	"time"

	"tilldesk/core/money"
)

// Order is what the till asks of a provider in one operation; each operation reads
// the fields it needs (see Op).
type Order struct {
	OutTradeNo string // the till's trade number (every operation)
	AuthCode   string // pay: the customer's payment code
	Subject    string // pay, precreate: what is bought (Alipay subject, WeChat body)
	// Amount is the trade's total: pay and precreate charge it; a WeChat refund names
	// it (total_fee) beside the amount refunded.
	Amount       money.Amount
	RefundAmount money.Amount  // refund: how much to give back
	OutRefundNo  string        // refund: the till's refund number, the idempotency key
	Timeout      time.Duration // precreate: how long the QR code may be paid
	TerminalID   string        // the till (Alipay terminal_id, WeChat device_info)
	ClientIP     string        // WeChat spbill_create_ip
	NotifyURL    string        // WeChat unifiedorder notify_url (required by the API)
}

// ErrBadOrder is returned for an order that cannot be sent as it is.
var ErrBadOrder = errors.New("wallet: order incomplete or invalid")

// check refuses an order missing what op needs.
func (o Order) check(op Op) error {
	if o.OutTradeNo == "" || len(o.OutTradeNo) > 32 {
		return fmt.Errorf("%w: out_trade_no %q (1 to 32 characters)", ErrBadOrder, o.OutTradeNo)
	}
	switch op {
	case OpPay, OpPrecreate:
		if o.Amount <= 0 || o.Subject == "" {
			return fmt.Errorf("%w: %s needs an amount above zero and a subject", ErrBadOrder, op)
		}
		if op == OpPay {
			if _, err := ClassifyCode(o.AuthCode); err != nil {
				return fmt.Errorf("%w: %w", ErrBadOrder, err)
			}
		}
	case OpRefund:
		if o.RefundAmount <= 0 || o.OutRefundNo == "" || len(o.OutRefundNo) > 64 {
			return fmt.Errorf("%w: refund needs an amount above zero and a refund number", ErrBadOrder)
		}
	case OpQuery, OpCancel, OpClose:
	default:
		return fmt.Errorf("%w: unknown operation %q", ErrBadOrder, op)
	}
	return nil
}

// beijing is China Standard Time, in which both providers read request times. A fixed
// zone: the till may run without a time zone database.
var beijing = time.FixedZone("CST", 8*3600)
