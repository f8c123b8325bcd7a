// Package sale is the cart: lines, quantities, discounts, tax, totals and the payments
// (tenders) that settle it. It is pure data and arithmetic; the journal records it and
// the tenders' own state machines produce its payments.
package sale

import (
	"errors"
	"fmt"
	"time"

	"tilldesk/core/catalog"
	"tilldesk/core/money"
)

// State is where a sale is in its life.
type State string

// Sale states.
const (
	Open      State = "open"
	Completed State = "completed"
	Cancelled State = "cancelled"
)

// Errors a cashier can cause.
var (
	ErrNoLine     = errors.New("no such line")
	ErrDiscount   = errors.New("invalid discount")
	ErrEmpty      = errors.New("sale has no items")
	ErrClosed     = errors.New("sale is no longer open")
	ErrPaying     = errors.New("sale has payments; it can no longer be changed")
	ErrUnderpaid  = errors.New("payments do not cover the total")
	ErrOverpaid   = errors.New("payment is more than the amount due")
	ErrTooMany    = errors.New("too many lines on one sale")
	ErrBadPayment = errors.New("invalid payment")
)

// MaxLines bounds a sale's lines, voided ones included.
const MaxLines = 500

// Discount is either a percentage (basis points, 1000 = 10%) or a fixed amount off.
// The zero Discount is no discount.
type Discount struct {
	PercentBP int64        `json:"percent_bp,omitempty"`
	Amount    money.Amount `json:"amount,omitempty"`
}

// IsZero reports whether d takes nothing off.
func (d Discount) IsZero() bool { return d.PercentBP == 0 && d.Amount == 0 }

// off returns how much d takes off base, or an error if it cannot apply.
func (d Discount) off(base money.Amount) (money.Amount, error) {
	switch {
	case d.PercentBP != 0 && d.Amount != 0:
		return 0, fmt.Errorf("sale: a discount is a percentage or an amount, not both: %w", ErrDiscount)
	case d.PercentBP < 0 || d.PercentBP > 10000:
		return 0, fmt.Errorf("sale: discount %d.%02d%% is not between 0 and 100%%: %w", d.PercentBP/100, d.PercentBP%100, ErrDiscount)
	case d.Amount < 0:
		return 0, fmt.Errorf("sale: discount amount %s is negative: %w", d.Amount, ErrDiscount)
	case d.Amount > base:
		return 0, fmt.Errorf("sale: discount %s is more than %s: %w", d.Amount, base, ErrDiscount)
	case d.PercentBP != 0:
		return money.MulRatio(base, d.PercentBP, 10000), nil
	}
	return d.Amount, nil
}

// Line is one product on the sale. Voided lines stay on the sale (and in the journal)
// but count for nothing.
type Line struct {
	ID        int          `json:"id"`
	Code      string       `json:"code"`
	NameZH    string       `json:"name_zh"`
	NameEN    string       `json:"name_en"`
	Unit      string       `json:"unit,omitempty"`
	UnitPrice money.Amount `json:"unit_price"`
	QtyMilli  int64        `json:"qty_milli"`
	Weighed   bool         `json:"weighed,omitempty"`
	TaxBP     int64        `json:"tax_bp"`
	Discount  Discount     `json:"discount,omitzero"`
	Voided    bool         `json:"voided,omitempty"`
	// Override is set when the line sells at a price other than the catalog's.
	Override *PriceOverride `json:"price_override,omitempty"`
}

// Name returns the line's product name in language "zh" or "en".
func (l Line) Name(language string) string {
	return catalog.Product{NameZH: l.NameZH, NameEN: l.NameEN}.Name(language)
}

// Gross is unit price times quantity, rounded half away from zero to the fen.
func (l Line) Gross() money.Amount { return money.MulRatio(l.UnitPrice, l.QtyMilli, QtyOne) }

// Sale is one customer's purchase.
type Sale struct {
	ID       string    `json:"id"`
	Opened   time.Time `json:"opened"`
	State    State     `json:"state"`
	Lines    []Line    `json:"lines"`
	Discount Discount  `json:"order_discount,omitzero"`
	Payments []Payment `json:"payments,omitempty"`
	nextLine int
}

// New starts an empty open sale.
func New(id string, opened time.Time) *Sale {
	return &Sale{ID: id, Opened: opened.UTC(), State: Open}
}

func (s *Sale) editable() error {
	if s.State != Open {
		return fmt.Errorf("sale %s: %w", s.ID, ErrClosed)
	}
	if len(s.Payments) > 0 {
		return fmt.Errorf("sale %s: %w", s.ID, ErrPaying)
	}
	return nil
}

func (s *Sale) line(id int) (*Line, error) {
	for i := range s.Lines {
		if s.Lines[i].ID == id && !s.Lines[i].Voided {
			return &s.Lines[i], nil
		}
	}
	return nil, fmt.Errorf("sale: line %d: %w", id, ErrNoLine)
}

// Add puts qtyMilli of p on the sale and returns the line's ID. Scanning the same
// counted item as the last line again raises that line's quantity instead of adding one.
func (s *Sale) Add(p catalog.Product, qtyMilli int64) (int, error) {
	if err := s.editable(); err != nil {
		return 0, err
	}
	if err := CheckQty(qtyMilli, p.Weighed); err != nil {
		return 0, err
	}
	if n := len(s.Lines); n > 0 {
		last := &s.Lines[n-1]
		if !p.Weighed && !last.Voided && last.Code == p.Code && last.Discount.IsZero() && last.UnitPrice == p.Price {
			if err := CheckQty(last.QtyMilli+qtyMilli, false); err != nil {
				return 0, err
			}
			last.QtyMilli += qtyMilli
			return last.ID, nil
		}
	}
	if len(s.Lines) >= MaxLines {
		return 0, fmt.Errorf("sale: %d lines: %w", MaxLines, ErrTooMany)
	}
	s.syncNext()
	s.nextLine++
	s.Lines = append(s.Lines, Line{
		ID: s.nextLine, Code: p.Code, NameZH: p.NameZH, NameEN: p.NameEN, Unit: p.Unit,
		UnitPrice: p.Price, QtyMilli: qtyMilli, Weighed: p.Weighed, TaxBP: p.TaxBP,
	})
	return s.nextLine, nil
}

// syncNext keeps line IDs unique after a sale was decoded from JSON (held sales).
func (s *Sale) syncNext() {
	for _, l := range s.Lines {
		s.nextLine = max(s.nextLine, l.ID)
	}
}

// SetQty changes a line's quantity. A line discount given as an amount must still fit.
func (s *Sale) SetQty(lineID int, qtyMilli int64) error {
	if err := s.editable(); err != nil {
		return err
	}
	l, err := s.line(lineID)
	if err != nil {
		return err
	}
	if err := CheckQty(qtyMilli, l.Weighed); err != nil {
		return err
	}
	old := l.QtyMilli
	l.QtyMilli = qtyMilli
	if _, err := l.Discount.off(l.Gross()); err != nil {
		l.QtyMilli = old
		return err
	}
	if err := s.checkOrderDiscount(); err != nil {
		l.QtyMilli = old
		return err
	}
	return nil
}

// VoidLine takes a line off the sale; it stays visible as voided.
func (s *Sale) VoidLine(lineID int) error {
	if err := s.editable(); err != nil {
		return err
	}
	l, err := s.line(lineID)
	if err != nil {
		return err
	}
	l.Voided = true
	if err := s.checkOrderDiscount(); err != nil {
		s.Discount = Discount{} // an amount that no longer fits is dropped, not kept wrong
	}
	return nil
}

// SetLineDiscount sets (or with the zero Discount clears) a line's discount.
func (s *Sale) SetLineDiscount(lineID int, d Discount) error {
	if err := s.editable(); err != nil {
		return err
	}
	l, err := s.line(lineID)
	if err != nil {
		return err
	}
	if _, err := d.off(l.Gross()); err != nil {
		return err
	}
	old := l.Discount
	l.Discount = d
	if err := s.checkOrderDiscount(); err != nil {
		l.Discount = old
		return err
	}
	return nil
}

// SetOrderDiscount sets (or clears) the discount on the whole sale, applied after line
// discounts and spread over the lines in proportion to their amounts.
func (s *Sale) SetOrderDiscount(d Discount) error {
	if err := s.editable(); err != nil {
		return err
	}
	old := s.Discount
	s.Discount = d
	if err := s.checkOrderDiscount(); err != nil {
		s.Discount = old
		return err
	}
	return nil
}

func (s *Sale) checkOrderDiscount() error {
	var base money.Amount
	for _, l := range s.Lines {
		if !l.Voided {
			off, _ := l.Discount.off(l.Gross())
			base += l.Gross() - off
		}
	}
	_, err := s.Discount.off(base)
	return err
}

// ActiveLines returns the lines that count (not voided).
func (s *Sale) ActiveLines() []Line {
	var out []Line
	for _, l := range s.Lines {
		if !l.Voided {
			out = append(out, l)
		}
	}
	return out
}

// Cancel abandons an open sale that has no payments.
func (s *Sale) Cancel() error {
	if err := s.editable(); err != nil {
		return err
	}
	s.State = Cancelled
	return nil
}
