package sale

import (
	"fmt"
	"time"

	"tilldesk/core/money"
)

// Method names a kind of tender. Card, wallet and prepaid tenders add their own.
type Method string

// Tender methods known to the till.
const (
	Cash    Method = "cash"
	Card    Method = "card"
	Alipay  Method = "alipay"
	WeChat  Method = "wechat"
	Prepaid Method = "prepaid"
	// UnionPayQR is the customer's UnionPay QR payment code (银联二维码), charged
	// through the card acquirer.
	UnionPayQR Method = "unionpay_qr"
)

// Payment is one settled tender on a sale. A sale may carry several (split tender).
// Only approved payments are added to a sale; attempts, declines and reversals are
// journal records of their tender's own state machine.
type Payment struct {
	Method   Method       `json:"method"`
	Amount   money.Amount `json:"amount"`             // applied to the sale
	Tendered money.Amount `json:"tendered,omitempty"` // cash handed over
	Change   money.Amount `json:"change,omitempty"`   // cash handed back
	Ref      string       `json:"ref,omitempty"`      // authorisation code, trade number, card (masked)
	At       time.Time    `json:"at"`
}

// CashPayment builds the payment for cash handed over against the amount due: it
// applies at most due and gives the rest back as change.
func CashPayment(tendered, due money.Amount, at time.Time) (Payment, error) {
	if tendered <= 0 {
		return Payment{}, fmt.Errorf("sale: cash tendered %s must be more than zero: %w", tendered, ErrBadPayment)
	}
	applied := min(tendered, due)
	return Payment{Method: Cash, Amount: applied, Tendered: tendered, Change: tendered - applied, At: at.UTC()}, nil
}

// AddPayment records an approved payment. It must not exceed the amount due, except
// that cash may be over-tendered (the excess is Change).
func (s *Sale) AddPayment(p Payment) error {
	if s.State != Open {
		return fmt.Errorf("sale %s: %w", s.ID, ErrClosed)
	}
	if len(s.ActiveLines()) == 0 {
		return fmt.Errorf("sale %s: %w", s.ID, ErrEmpty)
	}
	if p.Amount <= 0 || p.Change < 0 {
		return fmt.Errorf("sale: payment of %s: %w", p.Amount, ErrBadPayment)
	}
	if p.Change > 0 && (p.Method != Cash || p.Tendered != p.Amount+p.Change) {
		return fmt.Errorf("sale: only cash gives change: %w", ErrBadPayment)
	}
	if due := s.Totals().Due; p.Amount > due {
		return fmt.Errorf("sale: payment %s with %s due: %w", p.Amount, due, ErrOverpaid)
	}
	s.Payments = append(s.Payments, p)
	return nil
}

// Complete closes a fully paid sale.
func (s *Sale) Complete() error {
	if s.State != Open {
		return fmt.Errorf("sale %s: %w", s.ID, ErrClosed)
	}
	t := s.Totals()
	if len(t.Lines) == 0 {
		return fmt.Errorf("sale %s: %w", s.ID, ErrEmpty)
	}
	if t.Due > 0 {
		return fmt.Errorf("sale %s: %s still due: %w", s.ID, t.Due, ErrUnderpaid)
	}
	s.State = Completed
	return nil
}
