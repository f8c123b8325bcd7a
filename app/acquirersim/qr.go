package acquirersim

import (
	"errors"
	"fmt"
	"time"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/wallet"
)

// The sandbox's UnionPay app (云闪付): customer wallets, each bound to an account
// at the sandbox's issuer, that show C2B payment codes (19 digits from 62, the format
// core/wallet classifies). A QR sale (posmsg.QRSale) charges the code's account: a
// code the app never showed, or one already paid with, is declined 14 (invalid card
// number: the code stands for the card), one older than QRCodeLifetime 54 (expired),
// then the account's limit (61) and balance (51) apply as for cards. Approved QR
// sales are ledger entries like card sales, marked QR: voided, refunded (by RRN, no
// card number), reversed and settled the same way.

// QRCodeLifetime is how long a payment code pays. The UnionPay app refreshes its code
// every minute; the sandbox accepts one a little longer, as hosts do.
const QRCodeLifetime = 2 * time.Minute

// Errors of the UnionPay app.
var ErrNoQRWallet = errors.New("acquirer sandbox: no such UnionPay app wallet")

// qrState is the app's wallets and the codes they showed, under the Server's mutex.
type qrState struct {
	wallets map[string]string   // wallet ID -> the bound account's card number
	codes   map[string]*qrCode  // by code
	orders  map[string]*qrOrder // merchant-presented orders by reference (qrorder.go)
	seq     int
}

// qrCode is one payment code shown.
type qrCode struct {
	pan   string
	shown time.Time
	used  bool
}

// QRApp is the customer's UnionPay app, for the simulator panel's phone and tests.
type QRApp struct{ s *Server }

// UnionPayApp returns the sandbox's UnionPay app.
func (s *Server) UnionPayApp() *QRApp { return &QRApp{s: s} }

// state is the app's state, made on first use. Callers hold s.mu.
func (a *QRApp) state() *qrState {
	q := &a.s.qr
	if q.wallets == nil {
		q.wallets, q.codes = map[string]string{}, map[string]*qrCode{}
	}
	return q
}

// NewWallet opens a wallet in the app bound to a new account holding balance (fen)
// and returns its ID.
func (a *QRApp) NewWallet(balance int64) (string, error) {
	if balance < 0 {
		return "", fmt.Errorf("acquirer sandbox: negative balance %d", balance)
	}
	s := a.s
	s.mu.Lock()
	defer s.mu.Unlock()
	q := a.state()
	q.seq++
	id := fmt.Sprintf("unionpay-%d", q.seq)
	pan := fmt.Sprintf("6230%015d", q.seq) // the bound debit card, never shown to the till
	acct := &Account{Balance: balance, Limit: DefaultLimit}
	acct.PAN = pan
	s.accounts[pan] = acct
	q.wallets[id] = pan
	return id, nil
}

// Balance is a wallet's balance in fen.
func (a *QRApp) Balance(walletID string) (int64, error) {
	s := a.s
	s.mu.Lock()
	defer s.mu.Unlock()
	pan, ok := a.state().wallets[walletID]
	if !ok {
		return 0, ErrNoQRWallet
	}
	return s.accounts[pan].Balance, nil
}

// ShowCode shows a fresh payment code of the wallet, for the till to scan: it pays
// once, within QRCodeLifetime.
func (a *QRApp) ShowCode(walletID string) (string, error) {
	s := a.s
	s.mu.Lock()
	defer s.mu.Unlock()
	q := a.state()
	pan, ok := q.wallets[walletID]
	if !ok {
		return "", ErrNoQRWallet
	}
	for {
		code, err := wallet.GenerateCode(nil, "62", 19)
		if err != nil {
			return "", err
		}
		if q.codes[code] == nil {
			q.codes[code] = &qrCode{pan: pan, shown: s.opt.Now()}
			return code, nil
		}
	}
}

// qrSale charges a payment code (under s.mu).
func (s *Server) qrSale(req iso8583.Message) (posmsg.Response, error) {
	sl, err := posmsg.ParseQRSale(req)
	if err != nil {
		return posmsg.Response{}, err
	}
	c := posmsg.CardTransaction{Terminal: sl.Terminal, STAN: sl.STAN, Batch: sl.Batch, Amount: sl.Amount, Card: posmsg.Card{EntryMode: sl.EntryMode}}
	if code, ok := s.gate(req, c); !ok {
		return s.echo(req, code), nil
	}
	qc := s.UnionPayApp().state().codes[sl.QR.Code]
	code := "00"
	switch {
	case qc == nil || qc.used:
		code = "14"
	case s.opt.Now().Sub(qc.shown) > QRCodeLifetime:
		code = "54"
	default:
		code = fundsCode(s.accounts[qc.pan], int64(c.Amount))
		c.Card.PAN = qc.pan
	}
	t := s.record(c, Sale, code)
	t.MaskedPAN, t.Domestic, t.QR = iso8583.MaskPAN(sl.QR.Code), true, true
	if t.Status == Approved {
		qc.used = true
		s.debit(t.pan, t.Amount)
	}
	s.log.Info("acquirer sandbox: QR sale", "terminal", t.Terminal, "stan", t.STAN.String(), "code", t.MaskedPAN,
		"amount", t.Amount, "response", t.ResponseCode)
	return s.answerFor(req, t, nil), nil
}

// sameCard reports whether a void or refund names the card of its original: the same
// card number, or, for a QR transaction (no card number), a QR original.
func sameCard(orig *Txn, card posmsg.Card) bool {
	if posmsg.IsQREntry(card.EntryMode) {
		return orig.QR
	}
	return !orig.QR && orig.pan == card.PAN
}
