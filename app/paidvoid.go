package app

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"tilldesk/core/journal"
	"tilldesk/core/sale"
)

// Once a sale has taken part of its payment (split tender), it can no longer be edited
// freely: taking a line off it, or abandoning it, is a manager's decision
// (users.VoidAfterPayment, asked for on the spot by the cashier screen), and abandoning
// it gives every payment back through its own tender.

// KindPaymentReversed is the journal record of a payment given back because its sale
// was abandoned: one per payment, each written once its tender has given it back.
const KindPaymentReversed = "payment.reversed"

// ErrNoReversal is returned when a sale's payment was taken by a tender that cannot
// give it back here.
var ErrNoReversal = errors.New("this tender cannot give a payment back from the till")

// Reverser gives one payment back through the tender that took it. Cash needs none
// (the cashier hands the cash back from the drawer); card, wallet and prepaid tenders
// register theirs with Till.RegisterReverser.
type Reverser interface {
	Reverse(ctx context.Context, saleID string, p sale.Payment) error
}

// reversers is the registry of Reverser by tender method.
type reversers struct {
	mu sync.Mutex
	by map[sale.Method]Reverser
}

// RegisterReverser makes r give back payments of method m.
func (t *Till) RegisterReverser(m sale.Method, r Reverser) {
	t.reversers.mu.Lock()
	defer t.reversers.mu.Unlock()
	if t.reversers.by == nil {
		t.reversers.by = map[sale.Method]Reverser{}
	}
	t.reversers.by[m] = r
}

func (t *Till) reverserFor(m sale.Method) (Reverser, bool) {
	t.reversers.mu.Lock()
	defer t.reversers.mu.Unlock()
	r, ok := t.reversers.by[m]
	return r, ok || m == sale.Cash
}

// reversalRecord is the journal data of a payment given back.
type reversalRecord struct {
	SaleID     string       `json:"sale_id"`
	Payment    sale.Payment `json:"payment"`
	ApprovedBy string       `json:"approved_by"`
}

// VoidPaidLine takes a line off the current sale after payment has started (approvedBy
// holds the void-after-payment permission). When the payments then cover the sale, it
// is completed and its receipt returned.
func (t *Till) VoidPaidLine(lineID int, approvedBy string) (*Receipt, error) {
	s := t.Current()
	if err := s.VoidLinePaid(lineID); err != nil {
		return nil, err
	}
	t.log.Info("line voided after payment", "sale", s.ID, "line", lineID, "approved_by", approvedBy)
	if len(s.Payments) == 0 || s.Totals().Due > 0 {
		return nil, nil
	}
	return t.complete(s)
}

// CancelPaid abandons the current sale although it has taken payments: each payment is
// given back through its tender and journaled ("payment.reversed"), then the sale is
// journaled as cancelled. A tender that cannot give its payment back stops it before
// anything is given back.
func (t *Till) CancelPaid(ctx context.Context, approvedBy string) error {
	s := t.Current()
	if len(s.Payments) == 0 {
		return t.Cancel()
	}
	for _, p := range s.Payments {
		if _, ok := t.reverserFor(p.Method); !ok {
			return fmt.Errorf("cancel sale %s: %s payment of %s: %w", s.ID, p.Method, p.Amount.Plain(), ErrNoReversal)
		}
	}
	for len(s.Payments) > 0 {
		p := s.Payments[len(s.Payments)-1]
		if r, _ := t.reverserFor(p.Method); r != nil {
			if err := r.Reverse(ctx, s.ID, p); err != nil {
				return fmt.Errorf("cancel sale %s: give back the %s payment: %w", s.ID, p.Method, err)
			}
		}
		if _, err := t.journal.Append(KindPaymentReversed, reversalRecord{SaleID: s.ID, Payment: p, ApprovedBy: approvedBy}); err != nil {
			return t.notRecorded("payment reversal", err)
		}
		s.Payments = s.Payments[:len(s.Payments)-1]
	}
	if err := s.CancelPaid(); err != nil {
		return err
	}
	if _, err := t.journal.Append(journal.KindSaleCancelled, saleRecord{Sale: s, Totals: summarize(s.Totals())}); err != nil {
		s.State = sale.Open
		return t.notRecorded("cancellation", err)
	}
	t.log.Info("sale cancelled after payment", "sale", s.ID, "approved_by", approvedBy)
	t.current = nil
	return nil
}
