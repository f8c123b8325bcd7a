package acquirersim

import (
	"errors"
	"fmt"
	"time"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/wallet"
)

// Merchant-presented UnionPay QR (主扫) at the sandbox: the till registers an order
// (posmsg.QROrder, Tilldesk's own messages) and shows its EMVCo payload; the app's
// wallet scans the payload (PayMerchantQR: CRC, this acquirer's IIN and the order's
// merchant in ID 15, the reference label 62.05, currency and amount checked) and pays
// it from the wallet's account, or refuses it. The order is a ledger entry under its
// own STAN, open until paid (then a QR sale like any other: voided, refunded by RRN,
// reversed, settled), closed by the till, failed, or expired. A reversal of the order
// closes it when open and gives the money back when paid.
//
// PayMerchantQROnClose is the late-payment fault: the customer's payment reaches the
// host just as the till closes the order, so the close finds it paid and says so.

// DefaultQRIIN is the sandbox acquirer's institution number in UnionPay merchant
// account information (EMVCo ID 15: acquirer IIN, 8 digits, then the merchant ID). A
// made-up value, as the sandbox's cards are.
const DefaultQRIIN = "39990156"

// DefaultOrderValidity is how long an order may be paid when the till does not say.
const DefaultOrderValidity = 5 * time.Minute

// Order statuses of ledger entries (with Approved, Declined and Reversed).
const (
	Open   TxnStatus = "open"   // a QR order not paid yet
	Closed TxnStatus = "closed" // a QR order closed unpaid (by the till, a reversal or its expiry)
)

// Errors of the UnionPay app scanning a merchant's code.
var (
	ErrNotPayable = errors.New("acquirer sandbox: this QR code cannot be paid")
)

// qrOrder is one registered order, by reference.
type qrOrder struct {
	txn      *Txn
	merchant string
	expires  time.Time
	late     string // a wallet whose payment lands when the till closes the order
}

// qrOrder handles an order, query or close (under s.mu).
func (s *Server) qrOrder(req iso8583.Message) (posmsg.Response, error) {
	o, err := posmsg.ParseQROrder(req)
	if err != nil {
		return posmsg.Response{}, err
	}
	orders := s.orders()
	c := posmsg.CardTransaction{Terminal: o.Terminal, STAN: o.STAN, Batch: o.Batch, Amount: o.Amount, Card: posmsg.Card{EntryMode: posmsg.EntryQR}}
	if o.Op == posmsg.QRCreate {
		if code, ok := s.gate(req, c); !ok {
			return s.echo(req, code), nil
		}
		if orders[o.Reference] != nil {
			return s.echo(req, "94"), nil // a reference used before: duplicate
		}
		validity := DefaultOrderValidity
		if o.ValiditySeconds > 0 {
			validity = time.Duration(o.ValiditySeconds) * time.Second
		}
		t := s.record(c, Sale, "")
		t.Status, t.QR, t.Domestic = Open, true, true
		orders[o.Reference] = &qrOrder{txn: t, merchant: o.Terminal.MerchantID, expires: s.opt.Now().Add(validity)}
		s.log.Info("acquirer sandbox: QR order", "terminal", t.Terminal, "stan", t.STAN.String(), "reference", o.Reference, "amount", t.Amount)
		return s.echo(req, "00"), nil
	}
	if s.opt.RequireSignOn && !s.ledger.signedOn[o.Terminal.ID] {
		return s.echo(req, "77"), nil
	}
	ord := orders[o.Reference]
	switch {
	case ord == nil || ord.txn.Terminal != o.Terminal.ID || ord.txn.Batch != o.Original.Batch || ord.txn.STAN != o.Original.STAN:
		return s.echo(req, "25"), nil
	case ord.txn.Amount != int64(o.Amount):
		return s.echo(req, "64"), nil
	}
	s.expire(ord)
	if o.Op == posmsg.QRClose {
		if ord.late != "" && ord.txn.Status == Open {
			s.payOrder(ord, ord.late)
			s.log.Info("acquirer sandbox fault: the customer's payment arrived as the till closed the order", "reference", o.Reference)
		}
		if ord.txn.Status == Open {
			ord.txn.Status = Closed
		}
	}
	st := posmsg.QROrderStatus{Reference: o.Reference, State: orderState(ord.txn)}
	r := s.echo(req, "00")
	switch st.State {
	case posmsg.QRStatePaid, posmsg.QRStateReversed:
		st.Payer, r.RRN, r.AuthCode = ord.txn.MaskedPAN, ord.txn.RRN, ord.txn.AuthCode
	case posmsg.QRStateFailed:
		st.Reason = ord.txn.ResponseCode
	}
	if r.WorkingKeys, err = st.Encode(); err != nil {
		return posmsg.Response{}, err
	}
	s.log.Info("acquirer sandbox: QR order "+o.Op.String(), "terminal", o.Terminal.ID, "reference", o.Reference, "state", st.State)
	return r, nil
}

// orders is the registered orders, made on first use. Callers hold s.mu.
func (s *Server) orders() map[string]*qrOrder {
	if s.qr.orders == nil {
		s.qr.orders = map[string]*qrOrder{}
	}
	return s.qr.orders
}

// expire closes an open order past its validity. Callers hold s.mu.
func (s *Server) expire(ord *qrOrder) {
	if ord.txn.Status == Open && s.opt.Now().After(ord.expires) {
		ord.txn.Status = Closed
	}
}

// orderState is the QR order state of its ledger entry.
func orderState(t *Txn) string {
	switch t.Status {
	case Open:
		return posmsg.QRStateOpen
	case Approved, Voided:
		return posmsg.QRStatePaid
	case Declined:
		return posmsg.QRStateFailed
	case Reversed:
		return posmsg.QRStateReversed
	}
	return posmsg.QRStateClosed
}

// payOrder charges the order to the wallet's account: the limit (61) and the balance
// (51) apply; a refusal fails the order. It returns the response code. Callers hold
// s.mu.
func (s *Server) payOrder(ord *qrOrder, walletID string) string {
	t := ord.txn
	pan := s.qr.wallets[walletID]
	acct := s.accounts[pan]
	code := "14"
	if acct != nil {
		code = fundsCode(acct, t.Amount)
	}
	t.ResponseCode, t.pan, t.MaskedPAN = code, pan, iso8583.MaskPAN(pan)
	if code != "00" {
		t.Status = Declined
		return code
	}
	s.approve(t)
	s.debit(pan, t.Amount)
	return code
}

// scanned finds the open order a merchant-presented payload stands for, checking it
// as the UnionPay app and host would. Callers hold s.mu.
func (s *Server) scanned(walletID, payload string) (*qrOrder, error) {
	if _, ok := s.UnionPayApp().state().wallets[walletID]; !ok {
		return nil, ErrNoQRWallet
	}
	m, _, err := wallet.ParseMPM(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotPayable, err)
	}
	account, ref := "", ""
	for _, a := range m.Accounts {
		if a.ID == "15" {
			account = a.Value
		}
	}
	for _, a := range m.Additional {
		if a.ID == "05" {
			ref = a.Value
		}
	}
	iin := s.opt.QRIIN
	ord := s.orders()[ref]
	switch {
	case len(account) <= len(iin) || account[:len(iin)] != iin:
		return nil, fmt.Errorf("%w: not a merchant of this acquirer (ID 15)", ErrNotPayable)
	case ord == nil:
		return nil, fmt.Errorf("%w: no such order (reference label)", ErrNotPayable)
	case account[len(iin):] != ord.merchant:
		return nil, fmt.Errorf("%w: the order is another merchant's", ErrNotPayable)
	case m.Currency != posmsg.CurrencyCNY:
		return nil, fmt.Errorf("%w: currency %s", ErrNotPayable, m.Currency)
	}
	if fen, err := wallet.ParseAmount(m.Amount); err != nil || fen != ord.txn.Amount {
		return nil, fmt.Errorf("%w: the amount is not the order's", ErrNotPayable)
	}
	s.expire(ord)
	if ord.txn.Status != Open || ord.late != "" {
		return nil, fmt.Errorf("%w: the order is %s", ErrNotPayable, ord.txn.Status)
	}
	return ord, nil
}

// PayMerchantQR is the customer scanning a till's merchant-presented UnionPay code
// with the wallet and confirming: the order is paid from the wallet's account, or
// fails (the response code says why: 51 balance, 61 limit). A code that is not an
// open order of this acquirer is refused with ErrNotPayable, the order unchanged.
func (a *QRApp) PayMerchantQR(walletID, payload string) (string, error) {
	code := ""
	err := a.onScanned(walletID, payload, func(s *Server, ord *qrOrder) {
		code = s.payOrder(ord, walletID)
		s.log.Info("acquirer sandbox: QR order paid by the app", "terminal", ord.txn.Terminal, "stan", ord.txn.STAN.String(), "code", code)
	})
	return code, err
}

// onScanned runs fn on the open order payload stands for, under the sandbox's lock.
func (a *QRApp) onScanned(walletID, payload string, fn func(*Server, *qrOrder)) error {
	s := a.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ord, err := s.scanned(walletID, payload)
	if err == nil {
		fn(s, ord)
	}
	return err
}

// RefuseMerchantQR is the customer scanning the code and refusing to pay in the app:
// the order fails with 05 (the customer did not honour it); nothing is taken.
func (a *QRApp) RefuseMerchantQR(walletID, payload string) error {
	return a.onScanned(walletID, payload, func(_ *Server, ord *qrOrder) { ord.txn.Status, ord.txn.ResponseCode = Declined, "05" })
}

// PayMerchantQROnClose is the late-payment fault: the customer confirms now, but the
// payment reaches the host only when the till closes the order (the close then finds
// it paid, and the till must give it back).
func (a *QRApp) PayMerchantQROnClose(walletID, payload string) error {
	return a.onScanned(walletID, payload, func(_ *Server, ord *qrOrder) { ord.late = walletID })
}

// IIN is the acquirer's IIN a till puts in its merchant account information (ID 15).
func (s *Server) IIN() string { return s.opt.QRIIN }
