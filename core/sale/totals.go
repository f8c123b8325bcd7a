package sale

import "tilldesk/core/money"

// LineTotal is one line's share of the sale after all discounts.
type LineTotal struct {
	LineID        int
	Gross         money.Amount // unit price x quantity
	LineDiscount  money.Amount // the line's own discount
	OrderDiscount money.Amount // the line's share of the order discount
	Net           money.Amount // what the customer pays for the line
	Tax           money.Amount // VAT included in Net
}

// Totals sums a sale. Prices are tax-inclusive (as in Chinese retail), so Tax is the
// part of Total that is VAT, not an addition to it.
type Totals struct {
	Items         int64        // counted units plus one per weighed line
	Subtotal      money.Amount // sum of gross line amounts
	LineDiscounts money.Amount
	OrderDiscount money.Amount
	Total         money.Amount // what the customer owes
	Tax           money.Amount
	Paid          money.Amount // sum of payments
	Due           money.Amount // Total - Paid, never negative
	Change        money.Amount // cash handed back
	Lines         []LineTotal  // active lines only, in order
}

// Totals computes the sale's totals.
func (s *Sale) Totals() Totals {
	var t Totals
	active := s.ActiveLines()
	nets := make([]money.Amount, len(active))
	for i, l := range active {
		g := l.Gross()
		off, _ := l.Discount.off(g)
		t.Lines = append(t.Lines, LineTotal{LineID: l.ID, Gross: g, LineDiscount: off})
		nets[i] = g - off
		t.Subtotal += g
		t.LineDiscounts += off
		if l.Weighed {
			t.Items++
		} else {
			t.Items += l.QtyMilli / QtyOne
		}
	}
	var base money.Amount
	for _, n := range nets {
		base += n
	}
	orderOff, _ := s.Discount.off(base)
	shares := money.Allocate(orderOff, nets)
	for i, l := range active {
		lt := &t.Lines[i]
		lt.OrderDiscount = shares[i]
		lt.Net = nets[i] - shares[i]
		lt.Tax = money.MulRatio(lt.Net, l.TaxBP, 10000+l.TaxBP)
		t.Tax += lt.Tax
	}
	t.OrderDiscount = orderOff
	t.Total = base - orderOff
	for _, p := range s.Payments {
		t.Paid += p.Amount
		t.Change += p.Change
	}
	if t.Total > t.Paid {
		t.Due = t.Total - t.Paid
	}
	return t
}
