package walletsim

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"tilldesk/core/money"
	"tilldesk/core/wallet"
)

// Behaviour is how the phone answers a payment request.
type Behaviour int

// Behaviours.
const (
	// PayAtOnce pays without asking (small amounts, password-free payment).
	PayAtOnce Behaviour = iota
	// AskConfirm asks the customer: the payment stays "user paying" until Confirm or
	// Refuse is called (or the till cancels it).
	AskConfirm
)

// Errors of the phone.
var (
	ErrNoWallet  = errors.New("wallet sandbox: no such wallet")
	ErrNoPending = errors.New("wallet sandbox: no payment waiting for confirmation")
	ErrNoQR      = errors.New("wallet sandbox: QR code unknown, expired or already paid")
)

// Phone is the customer's side of the sandbox, for the simulator panel and tests: a
// wallet with a balance shows payment codes, scans the till's QR codes, and confirms
// or refuses what it is asked to pay.
type Phone struct{ g *Gateway }

// Phone returns the sandbox's phone.
func (g *Gateway) Phone() *Phone { return &Phone{g: g} }

// OnChange sets a function called (on the sandbox's goroutines, without its locks)
// after anything the phone shows changes: a payment waiting, paid, refused, refunded.
func (p *Phone) OnChange(fn func()) {
	p.g.mu.Lock()
	defer p.g.mu.Unlock()
	p.g.onChange = fn
}

// NewWallet opens a customer wallet of provider with balance and returns its ID.
func (p *Phone) NewWallet(provider wallet.Provider, balance money.Amount) (string, error) {
	if provider != wallet.Alipay && provider != wallet.WeChat {
		return "", fmt.Errorf("wallet sandbox: no %q wallets (alipay or wechat)", provider)
	}
	g := p.g
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seq++
	id := fmt.Sprintf("%s-%d", provider, g.seq)
	g.accounts[id] = &walletAccount{id: id, provider: provider, balance: balance}
	return id, nil
}

// Balance is a wallet's balance.
func (p *Phone) Balance(walletID string) (money.Amount, error) {
	p.g.mu.Lock()
	defer p.g.mu.Unlock()
	a := p.g.accounts[walletID]
	if a == nil {
		return 0, ErrNoWallet
	}
	return a.balance, nil
}

// ShowCode shows a fresh payment code of the wallet, in its provider's documented
// format, to be scanned by the till. It may be used once, within the code lifetime.
func (p *Phone) ShowCode(walletID string, b Behaviour) (string, error) {
	g := p.g
	g.mu.Lock()
	defer g.mu.Unlock()
	a := g.accounts[walletID]
	if a == nil {
		return "", ErrNoWallet
	}
	prefix, length := "28", 18 // Alipay: 25-30, 16 to 24 digits
	if a.provider == wallet.WeChat {
		prefix, length = "13", 18 // WeChat Pay: 10-15, 18 digits
	}
	for {
		code, err := wallet.GenerateCode(nil, prefix, length)
		if err != nil {
			return "", err
		}
		if g.codes[code] == nil {
			g.codes[code] = &paymentCode{code: code, account: a, behaviour: b, shown: g.now()}
			return code, nil
		}
	}
}

// ScanQR is the customer scanning the till's QR code (a code_url) with the wallet: the
// trade is paid at once or, with AskConfirm, waits for Confirm. It returns the trade's
// out_trade_no.
func (p *Phone) ScanQR(walletID, codeURL string, b Behaviour) (string, error) {
	g := p.g
	g.mu.Lock()
	a := g.accounts[walletID]
	var t *trade
	for _, tr := range g.trades {
		if tr.codeURL != "" && tr.codeURL == codeURL {
			t = g.tradeOf(tr.provider, tr.outTradeNo) // expires it if due
		}
	}
	var err error
	switch {
	case a == nil:
		err = ErrNoWallet
	case t == nil || t.state != stateWaiting || t.scanned || t.provider != a.provider:
		err = ErrNoQR
	default:
		t.scanned, t.account, t.behaviour = true, a, b
		if b == AskConfirm {
			t.state = statePaying
		} else {
			g.settle(t)
		}
	}
	g.mu.Unlock()
	if err != nil {
		return "", err
	}
	g.changed()
	return t.outTradeNo, nil
}

// Pending is a payment waiting for the customer on the phone.
type Pending struct {
	Provider   wallet.Provider
	WalletID   string
	OutTradeNo string
	Amount     money.Amount
	Subject    string
	Since      time.Time
}

// Pending lists the payments waiting for confirmation, oldest first.
func (p *Phone) Pending() []Pending {
	g := p.g
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Pending
	for _, t := range g.trades {
		if t.state == statePaying {
			out = append(out, Pending{Provider: t.provider, WalletID: t.account.id, OutTradeNo: t.outTradeNo, Amount: t.amount, Subject: t.subject, Since: t.created})
		}
	}
	slices.SortFunc(out, func(a, b Pending) int { return a.Since.Compare(b.Since) })
	return out
}

// Confirm is the customer agreeing to pay the waiting trade (the balance is checked
// then: too little refuses it).
func (p *Phone) Confirm(outTradeNo string) error { return p.answer(outTradeNo, true) }

// Refuse is the customer declining the waiting trade.
func (p *Phone) Refuse(outTradeNo string) error { return p.answer(outTradeNo, false) }

func (p *Phone) answer(outTradeNo string, yes bool) error {
	g := p.g
	g.mu.Lock()
	var t *trade
	for _, tr := range g.trades {
		if tr.outTradeNo == outTradeNo && tr.state == statePaying {
			t = tr
		}
	}
	if t != nil {
		if yes {
			g.settle(t)
		} else {
			t.state = stateRefused
		}
	}
	g.mu.Unlock()
	if t == nil {
		return ErrNoPending
	}
	g.changed()
	return nil
}
