package app

import (
	"context"
	"time"

	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// Tender takes one payment toward a sale. Cash is the first; card, wallet and prepaid
// tenders implement the same interface, each with its own durable state machine behind
// Pay (intent journaled before any request leaves the till, reversal on doubt).
type Tender interface {
	// Method names the tender.
	Method() sale.Method
	// Pay collects amount (at most the sale's due amount; cash may be over-tendered via
	// PayRequest.Tendered) and returns the approved payment, or an error when nothing
	// was collected.
	Pay(ctx context.Context, req PayRequest) (sale.Payment, error)
}

// PayRequest is what a tender is asked to collect.
type PayRequest struct {
	SaleID   string
	Due      money.Amount // the sale's amount still due
	Amount   money.Amount // how much of Due this tender should cover
	Tendered money.Amount // cash handed over (cash only)
}

// CashTender takes cash. The drawer opens through the receipt printer once devices exist.
type CashTender struct {
	Now func() time.Time
}

// Method is sale.Cash.
func (CashTender) Method() sale.Method { return sale.Cash }

// Pay applies the cash handed over to the amount requested and returns the change.
func (c CashTender) Pay(_ context.Context, req PayRequest) (sale.Payment, error) {
	return sale.CashPayment(req.Tendered, req.Amount, c.Now())
}
