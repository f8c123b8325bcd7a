// Package refund works out what may still be refunded of a completed sale and how a
// refund is paid back: per line (quantity and amount, after the line's and the order's
// discounts) and per original tender ("refund to the original tender"). It is pure
// arithmetic over core/sale: the app layer journals the result and drives the tenders.
//
// # Journal record
//
// A refund is journaled as ONE record of kind Kind ("refund") whose data is a Refund:
//
//	{
//	  "id": "DEMO0001-R20261126T020000-1a2b3c4d",  // idempotency key, unique per refund
//	  "original_receipt": "DEMO0001-00000002",     // receipt number of the sale refunded
//	  "original_seq": 2,                            // its journal sequence number
//	  "original_sale_id": "DEMO0001-20261126T020000-001",
//	  "full": true,                                 // nothing of the sale is left to pay back
//	  "lines": [{"line_id": 1, "code": "6936352322870", "qty_milli": 2000, "amount": 400}],
//	  "amount": 400,                                // total refunded, fen, POSITIVE
//	  "method": "cash",                             // the only tender method, or "mixed"
//	  "tenders": [{"method": "cash", "amount": 400}],  // per tender, fen, POSITIVE
//	  "operator": "cashier-01", "approved_by": "manager-01", "reason": "damaged"
//	}
//
// Amounts are positive numbers of fen paid back to the customer; a report subtracts
// them. "amount" always equals the sum of the lines' amounts and the sum of the
// tenders' amounts. A report that splits refunds by method must read "tenders"
// ("method" is "mixed" when the refund went back to several tenders). The refund's own
// receipt number is "<terminal>-<8-digit seq>" of its record, like a sale's.
package refund

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// Kind is the journal record kind of a refund.
const Kind = "refund"

// MixedMethod is Refund.Method when a refund goes back to several tender methods.
const MixedMethod sale.Method = "mixed"

// Errors a refund request is refused with.
var (
	ErrNotCompleted = errors.New("only a completed sale can be refunded")
	ErrCancelled    = errors.New("a cancelled sale cannot be refunded")
	ErrOverRefund   = errors.New("more than remains refundable")
	ErrNothing      = errors.New("nothing to refund")
	ErrNoLine       = errors.New("no such line on the sale")
	ErrQuantity     = errors.New("invalid refund quantity")
	ErrInconsistent = errors.New("earlier refunds do not match the sale")
	ErrTenders      = errors.New("refund does not fit the sale's tenders")
)

// RefundLine is what one refund gives back for one line of the original sale.
type RefundLine struct {
	LineID   int          `json:"line_id"`
	Code     string       `json:"code"`
	QtyMilli int64        `json:"qty_milli"` // thousandths, as sale.Line
	Amount   money.Amount `json:"amount"`    // fen, positive
}

// TenderRefund is the part of a refund paid back through one original tender.
type TenderRefund struct {
	Method      sale.Method  `json:"method"`
	Amount      money.Amount `json:"amount"`                 // fen, positive
	OriginalRef string       `json:"original_ref,omitempty"` // the original payment's Ref
	Ref         string       `json:"ref,omitempty"`          // the tender's reference for the refund
}

// Refund is one refund against a completed sale, as journaled (see the package doc).
type Refund struct {
	ID              string         `json:"id"`
	OriginalReceipt string         `json:"original_receipt"`
	OriginalSeq     uint64         `json:"original_seq"`
	OriginalSaleID  string         `json:"original_sale_id"`
	Full            bool           `json:"full"`
	Lines           []RefundLine   `json:"lines"`
	Total           money.Amount   `json:"amount"`
	Method          sale.Method    `json:"method"`
	Tenders         []TenderRefund `json:"tenders"`
	Operator        string         `json:"operator"`
	ApprovedBy      string         `json:"approved_by"`
	Reason          string         `json:"reason"`
}

// LineRequest asks to refund QtyMilli (thousandths) of a line.
type LineRequest struct {
	LineID   int   `json:"line_id"`
	QtyMilli int64 `json:"qty_milli"`
}

// Request is what the cashier asks to refund: everything still refundable (Full), or
// some quantity of some lines. ID is the caller's idempotency key: a retry of the same
// refund carries the same ID.
type Request struct {
	ID    string
	Full  bool
	Lines []LineRequest
}

// LineState is one line of the original sale with what has been refunded of it.
type LineState struct {
	Line           sale.Line
	Net            money.Amount // what the customer paid for the line, after all discounts
	RefundedQty    int64
	RefundedAmount money.Amount
}

// RemainingQty is the quantity still refundable.
func (l LineState) RemainingQty() int64 { return l.Line.QtyMilli - l.RefundedQty }

// RemainingAmount is the amount still refundable.
func (l LineState) RemainingAmount() money.Amount { return l.Net - l.RefundedAmount }

// AmountFor is what refunding qty more of the line gives back: the net in proportion
// to the quantity, rounded half away from zero (money.MulRatio), counted cumulatively,
// so that however the quantity is split over refunds, the refunds of the whole line add
// up to its net exactly (the last unit takes the remainder). qty must be within
// RemainingQty.
func (l LineState) AmountFor(qty int64) money.Amount {
	if qty >= l.RemainingQty() {
		return l.RemainingAmount()
	}
	after := money.MulRatio(l.Net, l.RefundedQty+qty, l.Line.QtyMilli)
	return min(max(after-l.RefundedAmount, 0), l.RemainingAmount())
}

// TenderState is one original tender (the payments of one method and reference) with
// what has been refunded to it.
type TenderState struct {
	Method   sale.Method
	Ref      string
	Paid     money.Amount // applied to the sale (cash change excluded)
	Refunded money.Amount
}

// Remaining is what may still be refunded to the tender.
func (t TenderState) Remaining() money.Amount { return t.Paid - t.Refunded }

// Position is a completed sale's refundable state after its earlier refunds.
type Position struct {
	SaleID   string
	Total    money.Amount // the sale's total
	Refunded money.Amount // refunded so far
	Lines    []LineState  // active lines, in sale order
	Tenders  []TenderState
}

// Remaining is the amount still refundable.
func (p *Position) Remaining() money.Amount { return p.Total - p.Refunded }

// Line returns the state of the line with id.
func (p *Position) Line(id int) (*LineState, bool) {
	for i := range p.Lines {
		if p.Lines[i].Line.ID == id {
			return &p.Lines[i], true
		}
	}
	return nil, false
}

// Compute works out the refundable position of sale s after the prior refunds made
// against it. Only a completed sale has one.
func Compute(s *sale.Sale, prior []Refund) (*Position, error) {
	switch s.State {
	case sale.Completed:
	case sale.Cancelled:
		return nil, fmt.Errorf("refund: sale %s: %w", s.ID, ErrCancelled)
	default:
		return nil, fmt.Errorf("refund: sale %s is %s: %w", s.ID, s.State, ErrNotCompleted)
	}
	tot := s.Totals()
	p := &Position{SaleID: s.ID, Total: tot.Total}
	for i, l := range s.ActiveLines() {
		p.Lines = append(p.Lines, LineState{Line: l, Net: tot.Lines[i].Net})
	}
	for _, pay := range s.Payments {
		i := slices.IndexFunc(p.Tenders, func(t TenderState) bool { return t.Method == pay.Method && t.Ref == pay.Ref })
		if i < 0 {
			p.Tenders = append(p.Tenders, TenderState{Method: pay.Method, Ref: pay.Ref})
			i = len(p.Tenders) - 1
		}
		p.Tenders[i].Paid += pay.Amount
	}
	for _, r := range prior {
		if err := p.apply(r); err != nil {
			return nil, fmt.Errorf("refund: sale %s, earlier refund %s: %w", s.ID, r.ID, err)
		}
	}
	return p, nil
}

// apply books an earlier refund against the position, checking it fits.
func (p *Position) apply(r Refund) error {
	for _, rl := range r.Lines {
		l, ok := p.Line(rl.LineID)
		if !ok {
			return fmt.Errorf("line %d: %w", rl.LineID, ErrInconsistent)
		}
		l.RefundedQty += rl.QtyMilli
		l.RefundedAmount += rl.Amount
		if l.RemainingQty() < 0 || l.RemainingAmount() < 0 {
			return fmt.Errorf("line %d refunded beyond its sale: %w", rl.LineID, ErrInconsistent)
		}
	}
	for _, tr := range r.Tenders {
		i := slices.IndexFunc(p.Tenders, func(t TenderState) bool { return t.Method == tr.Method && t.Ref == tr.OriginalRef })
		if i < 0 {
			return fmt.Errorf("tender %s %q: %w", tr.Method, tr.OriginalRef, ErrInconsistent)
		}
		p.Tenders[i].Refunded += tr.Amount
		if p.Tenders[i].Remaining() < 0 {
			return fmt.Errorf("tender %s refunded beyond its payment: %w", tr.Method, ErrInconsistent)
		}
	}
	p.Refunded += r.Total
	return nil
}

// Plan checks a request against the position and returns the refund it makes: its
// lines, total and tender allocation, with Full set when it leaves nothing to pay back.
// A full request takes every line's remaining quantity (lines whose share is nothing,
// such as free items, ride along); a request that comes to nothing is refused.
// ID is copied from the request; receipt, operator, approver and reason are the
// caller's to fill in. Over-refunds, zero refunds and unknown lines are refused.
func (p *Position) Plan(req Request) (Refund, error) {
	asked := req.Lines
	if req.Full {
		if p.Remaining() <= 0 {
			return Refund{}, fmt.Errorf("refund: sale %s is already fully refunded: %w", p.SaleID, ErrOverRefund)
		}
		asked = nil
		for _, l := range p.Lines {
			if l.RemainingQty() > 0 {
				asked = append(asked, LineRequest{LineID: l.Line.ID, QtyMilli: l.RemainingQty()})
			}
		}
	}
	if len(asked) == 0 {
		return Refund{}, fmt.Errorf("refund: no lines asked for: %w", ErrNothing)
	}
	r := Refund{ID: req.ID, OriginalSaleID: p.SaleID}
	seen := map[int]bool{}
	for _, a := range asked {
		l, ok := p.Line(a.LineID)
		if !ok {
			return Refund{}, fmt.Errorf("refund: line %d: %w", a.LineID, ErrNoLine)
		}
		if seen[a.LineID] {
			return Refund{}, fmt.Errorf("refund: line %d asked for twice: %w", a.LineID, ErrQuantity)
		}
		seen[a.LineID] = true
		if err := checkQty(l, a.QtyMilli); err != nil {
			return Refund{}, err
		}
		amount := l.AmountFor(a.QtyMilli)
		r.Lines = append(r.Lines, RefundLine{LineID: a.LineID, Code: l.Line.Code, QtyMilli: a.QtyMilli, Amount: amount})
		r.Total += amount
	}
	if r.Total <= 0 {
		return Refund{}, fmt.Errorf("refund: the lines asked for come to %s: %w", r.Total, ErrNothing)
	}
	tenders, err := Allocate(p.Tenders, r.Total)
	if err != nil {
		return Refund{}, err
	}
	r.Tenders = tenders
	r.Method = tenders[0].Method
	for _, t := range tenders[1:] {
		if t.Method != r.Method {
			r.Method = MixedMethod
		}
	}
	r.Full = r.Total == p.Remaining()
	return r, nil
}

// checkQty refuses a quantity that is not positive, not whole for a counted item, or
// more than remains of the line.
func checkQty(l *LineState, qty int64) error {
	name := l.Line.Name("en")
	switch {
	case qty <= 0:
		return fmt.Errorf("refund: %s: quantity must be more than zero: %w", name, ErrQuantity)
	case !l.Line.Weighed && qty%sale.QtyOne != 0:
		return fmt.Errorf("refund: %s: counted items are refunded in whole units, not %s: %w", name, sale.FormatQty(qty, true), ErrQuantity)
	case qty > l.RemainingQty():
		return fmt.Errorf("refund: %s: %s asked, %s of %s left to refund: %w", name,
			sale.FormatQty(qty, l.Line.Weighed), sale.FormatQty(l.RemainingQty(), l.Line.Weighed),
			sale.FormatQty(l.Line.QtyMilli, l.Line.Weighed), ErrOverRefund)
	}
	return nil
}

// Allocate spreads amount over the original tenders: back to the tender it came from,
// the tender with the most left to refund first (ties in payment order), never more
// than a tender's payment net of its earlier refunds. It fails when the tenders cannot
// take the whole amount.
func Allocate(tenders []TenderState, amount money.Amount) ([]TenderRefund, error) {
	if amount <= 0 {
		return nil, fmt.Errorf("refund: allocate %s: %w", amount, ErrNothing)
	}
	order := slices.Clone(tenders)
	slices.SortStableFunc(order, func(a, b TenderState) int { return cmp.Compare(b.Remaining(), a.Remaining()) })
	var out []TenderRefund
	left := amount
	for _, t := range order {
		if left == 0 {
			break
		}
		take := min(left, t.Remaining())
		if take <= 0 {
			continue
		}
		out = append(out, TenderRefund{Method: t.Method, Amount: take, OriginalRef: t.Ref})
		left -= take
	}
	if left > 0 {
		return nil, fmt.Errorf("refund: %s of %s has no tender left to go back to: %w", left, amount, ErrTenders)
	}
	return out, nil
}
