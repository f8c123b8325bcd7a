package sale

import (
	"errors"
	"fmt"
	"slices"

	"tilldesk/core/money"
)

// Price overrides and voids once payment has started: both are a manager's decision
// (the till asks for the permission on the spot); the sale keeps what was decided and
// by whom, so its journal record shows it.

// ErrPrice is returned for an override price that is not a sellable price.
var ErrPrice = errors.New("invalid price")

// ErrPaidOver is returned when a void would leave payments already taken larger than the
// sale's new total: the till cannot hand part of a tender back inside a sale.
var ErrPaidOver = errors.New("the payments already taken are more than the new total")

// PriceOverride says a line sells at a price other than the catalog's, and who allowed
// it.
type PriceOverride struct {
	CatalogPrice money.Amount `json:"catalog_price"` // the price before any override
	ApprovedBy   string       `json:"approved_by"`   // the operator whose permission it used
	Reason       string       `json:"reason,omitempty"`
}

// OverridePrice sells a line at price per unit (per kg for weighed lines). Setting the
// catalog price again removes the override. A line or order discount that no longer
// fits the new price makes the override fail and change nothing.
func (s *Sale) OverridePrice(lineID int, price money.Amount, o PriceOverride) error {
	if err := s.editable(); err != nil {
		return err
	}
	l, err := s.line(lineID)
	if err != nil {
		return err
	}
	if price <= 0 || price > money.MaxAmount {
		return fmt.Errorf("sale: price %s: %w", price, ErrPrice)
	}
	if o.ApprovedBy == "" {
		return fmt.Errorf("sale: price override with nobody approving: %w", ErrPrice)
	}
	oldPrice, oldOverride := l.UnitPrice, l.Override
	o.CatalogPrice = l.UnitPrice
	if l.Override != nil {
		o.CatalogPrice = l.Override.CatalogPrice
	}
	l.UnitPrice, l.Override = price, &o
	if price == o.CatalogPrice {
		l.Override = nil
	}
	if _, err := l.Discount.off(l.Gross()); err != nil {
		l.UnitPrice, l.Override = oldPrice, oldOverride
		return err
	}
	if err := s.checkOrderDiscount(); err != nil {
		l.UnitPrice, l.Override = oldPrice, oldOverride
		return err
	}
	return nil
}

// CheckOverridePrice reports whether OverridePrice(lineID, price, ...) would succeed,
// changing nothing: the till checks before it asks a manager to approve.
func (s *Sale) CheckOverridePrice(lineID int, price money.Amount) error {
	c := *s
	c.Lines = slices.Clone(s.Lines)
	return c.OverridePrice(lineID, price, PriceOverride{ApprovedBy: "check"})
}

// VoidLinePaid takes a line off a sale that has taken part payments. The payments
// must still fit the smaller total (ErrPaidOver otherwise: cancel the sale, which
// reverses its payments, instead). When they cover it exactly, the sale is then fully
// paid and the caller completes it.
func (s *Sale) VoidLinePaid(lineID int) error {
	if s.State != Open {
		return fmt.Errorf("sale %s: %w", s.ID, ErrClosed)
	}
	if len(s.Payments) == 0 {
		return s.VoidLine(lineID)
	}
	l, err := s.line(lineID)
	if err != nil {
		return err
	}
	discount := s.Discount
	l.Voided = true
	if err := s.checkOrderDiscount(); err != nil {
		s.Discount = Discount{}
	}
	t := s.Totals()
	if len(t.Lines) == 0 || t.Paid > t.Total {
		l.Voided, s.Discount = false, discount
		return fmt.Errorf("sale %s: voiding %s leaves %s paid against a total of %s: %w", s.ID, l.Code, t.Paid, t.Total, ErrPaidOver)
	}
	return nil
}

// CancelPaid abandons an open sale that has taken part payments; the caller reverses
// each payment through its tender and journals it.
func (s *Sale) CancelPaid() error {
	if s.State != Open {
		return fmt.Errorf("sale %s: %w", s.ID, ErrClosed)
	}
	s.State = Cancelled
	return nil
}
