package ui

import (
	"strings"

	"tilldesk/core/sale"
)

// Ways to pay besides cash. Each tender's dialog lives in its own file and registers
// itself with AddTender; F12 then asks how the customer pays (Enter alone takes cash,
// the most common answer), and with only cash configured F12 opens the cash dialog
// straight away.

// TenderOption is one way to pay that F12 offers.
type TenderOption struct {
	// Label is the translation key of its name ("tender.prepaid").
	Label string
	// Open starts paying the amount due with it; it runs on the UI goroutine.
	Open func()
}

// AddTender offers o on F12, after cash, in the order added.
func (c *Cashier) AddTender(o TenderOption) { c.tenders = append(c.tenders, o) }

// openPay (F12) asks how the customer pays, or opens the cash dialog when cash is the
// only way.
func (c *Cashier) openPay() {
	if len(c.tenders) == 0 {
		c.openCash()
		return
	}
	if len(c.till.Current().Totals().Lines) == 0 {
		c.fail(sale.ErrEmpty)
		return
	}
	labels := []string{tr("tender.cash")}
	for _, o := range c.tenders {
		labels = append(labels, tr(o.Label))
	}
	p := c.pickFrom(trf("tender.title", map[string]any{"Due": c.till.Current().Totals().Due.Format()}), labels, func(i int) {
		if i == 0 {
			c.openCash()
			return
		}
		c.tenders[i-1].Open()
	})
	choose := p.Number.OnSubmitted
	p.Number.OnSubmitted = func(text string) {
		if strings.TrimSpace(text) == "" {
			p.List.Select(0) // Enter alone: cash
			return
		}
		choose(text)
	}
}
