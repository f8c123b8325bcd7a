package walletsim

import (
	"fmt"
	"time"

	"tilldesk/core/money"
	"tilldesk/core/wallet"
)

// The ledger is the sandbox's bank: customers' wallets and the trades paid from
// them. Both providers' endpoints work on it through the operations below, which
// answer in provider-neutral terms (a verdict and a reason key); alipay.go and
// wechat.go say them in each provider's words. Callers hold Gateway.mu.

// tradeState is a sandbox trade's state.
type tradeState int

const (
	stateWaiting  tradeState = iota // created (QR shown, or code payment asked), nobody paying
	statePaying                     // the customer's phone asks for confirmation
	statePaid                       // money taken
	stateClosed                     // closed or cancelled before payment: no money taken
	stateReversed                   // paid, then cancelled: all money given back
	stateRefused                    // the customer refused on the phone
)

// reason keys of refusals; each provider adapter maps them to its own codes.
const (
	reasonCodeInvalid   = "code_invalid"   // unknown, used or expired payment code
	reasonNoBalance     = "no_balance"     // the wallet cannot cover the amount
	reasonNotFound      = "not_found"      // no such trade
	reasonStatus        = "status"         // the trade's state does not allow it
	reasonInconsistent  = "inconsistent"   // the trade number was used with other details
	reasonRefundTooMuch = "refund_too_big" // more than is left to refund
	reasonBadRequest    = "bad_request"    // signature, merchant or parameters wrong
)

// walletAccount is one customer's wallet on the sandbox phone.
type walletAccount struct {
	id       string
	provider wallet.Provider
	balance  money.Amount
}

// paymentCode is a code the phone showed.
type paymentCode struct {
	code      string
	account   *walletAccount
	behaviour Behaviour
	shown     time.Time
	used      bool
}

// tradeKey names a trade: the sandbox keeps one merchant per provider.
type tradeKey struct {
	provider   wallet.Provider
	outTradeNo string
}

// trade is one out_trade_no of one merchant.
type trade struct {
	provider   wallet.Provider
	outTradeNo string
	tradeNo    string
	amount     money.Amount
	subject    string
	state      tradeState
	account    *walletAccount // who pays (once known)
	behaviour  Behaviour
	codeURL    string    // merchant-presented QR trades
	expires    time.Time // QR trades: closed when not paid by then
	scanned    bool      // QR trades: the customer has scanned the code
	refunds    map[string]money.Amount
	refunded   money.Amount
	created    time.Time
}

// verdict is a ledger operation's answer.
type verdict struct {
	ok        bool
	paying    bool   // pay: waiting for the customer's confirmation
	reason    string // when !ok
	trade     *trade
	moneyBack bool // cancel: a paid trade's money went back
}

func refuse(reason string, t *trade) verdict { return verdict{reason: reason, trade: t} }

func (g *Gateway) tradeOf(p wallet.Provider, outTradeNo string) *trade {
	t := g.trades[tradeKey{p, outTradeNo}]
	if t != nil && t.state == stateWaiting && !t.expires.IsZero() && g.now().After(t.expires) {
		t.state = stateClosed
	}
	return t
}

func (g *Gateway) newTrade(p wallet.Provider, outTradeNo string, amount money.Amount, subject string) *trade {
	g.seq++
	now := g.now()
	prefix := now.Format("20060102") + "2200"
	if p == wallet.WeChat {
		prefix = "4200" + now.Format("20060102")
	}
	t := &trade{provider: p, outTradeNo: outTradeNo, tradeNo: fmt.Sprintf("%s%010d", prefix, g.seq), amount: amount,
		subject: subject, refunds: map[string]money.Amount{}, created: now}
	g.trades[tradeKey{p, outTradeNo}] = t
	return t
}

// pay charges a customer-presented code.
func (g *Gateway) pay(p wallet.Provider, outTradeNo, code string, amount money.Amount, subject string) verdict {
	if t := g.tradeOf(p, outTradeNo); t != nil {
		if t.amount != amount {
			return refuse(reasonInconsistent, t)
		}
		return verdict{ok: t.state == statePaid, paying: t.state == statePaying, reason: reasonStatus, trade: t}
	}
	pc := g.codes[code]
	if pc == nil || pc.used || pc.account.provider != p || g.now().Sub(pc.shown) > g.opt.CodeLifetime {
		return refuse(reasonCodeInvalid, nil)
	}
	pc.used = true
	t := g.newTrade(p, outTradeNo, amount, subject)
	t.account, t.behaviour = pc.account, pc.behaviour
	if pc.behaviour == AskConfirm {
		t.state = statePaying
		return verdict{paying: true, trade: t}
	}
	return g.settle(t)
}

// settle takes the money of a trade whose customer has agreed.
func (g *Gateway) settle(t *trade) verdict {
	if t.account.balance < t.amount {
		t.state = stateRefused
		return refuse(reasonNoBalance, t)
	}
	t.account.balance -= t.amount
	t.state = statePaid
	return verdict{ok: true, trade: t}
}

// cancel undoes a trade whatever its state (Alipay cancel, WeChat reverse): an unpaid
// trade closes, a paid one is reversed with its money given back.
func (g *Gateway) cancel(p wallet.Provider, outTradeNo string) verdict {
	t := g.tradeOf(p, outTradeNo)
	switch {
	case t == nil:
		return refuse(reasonNotFound, nil)
	case t.state == statePaid:
		t.account.balance += t.amount - t.refunded
		t.state = stateReversed
		return verdict{ok: true, trade: t, moneyBack: true}
	case t.state == stateWaiting || t.state == statePaying || t.state == stateRefused:
		t.state = stateClosed
	}
	return verdict{ok: true, trade: t}
}

// precreate makes a merchant-presented QR trade.
func (g *Gateway) precreate(p wallet.Provider, outTradeNo string, amount money.Amount, subject string, timeout time.Duration) verdict {
	if t := g.tradeOf(p, outTradeNo); t != nil {
		if t.amount != amount || t.codeURL == "" {
			return refuse(reasonInconsistent, t)
		}
		return verdict{ok: true, trade: t}
	}
	t := g.newTrade(p, outTradeNo, amount, subject)
	if timeout <= 0 {
		timeout = 2 * time.Hour
	}
	t.expires = t.created.Add(timeout)
	t.codeURL = fmt.Sprintf("https://qr.alipay.com/sandbox%06d", g.seq)
	if p == wallet.WeChat {
		t.codeURL = fmt.Sprintf("weixin://wxpay/bizpayurl?pr=sandbox%06d", g.seq)
	}
	return verdict{ok: true, trade: t}
}

// closeTrade closes an unpaid trade (Alipay close, WeChat closeorder).
func (g *Gateway) closeTrade(p wallet.Provider, outTradeNo string) verdict {
	t := g.tradeOf(p, outTradeNo)
	switch {
	case t == nil:
		return refuse(reasonNotFound, nil)
	case t.state == statePaid || t.state == stateReversed:
		return refuse(reasonStatus, t)
	}
	t.state = stateClosed
	return verdict{ok: true, trade: t}
}

// refund gives part of a paid trade back, once per refund number.
func (g *Gateway) refund(p wallet.Provider, outTradeNo, refundNo string, amount money.Amount) verdict {
	t := g.tradeOf(p, outTradeNo)
	switch {
	case t == nil:
		return refuse(reasonNotFound, nil)
	case t.state != statePaid:
		return refuse(reasonStatus, t)
	}
	if done, ok := t.refunds[refundNo]; ok {
		if done != amount {
			return refuse(reasonInconsistent, t)
		}
		return verdict{ok: true, trade: t} // a retry: nothing moves again
	}
	if amount <= 0 || t.refunded+amount > t.amount {
		return refuse(reasonRefundTooMuch, t)
	}
	t.refunds[refundNo] = amount
	t.refunded += amount
	t.account.balance += amount
	return verdict{ok: true, trade: t, moneyBack: true}
}
