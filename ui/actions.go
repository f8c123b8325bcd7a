package ui

import (
	"errors"
	"fmt"

	"tilldesk/app"
	"tilldesk/core/catalog"
	"tilldesk/core/sale"
	"tilldesk/core/users"
)

// errNoLine is shown when a line action is asked for on an empty cart.
var errNoLine = errors.New("no line selected")

// askQuantity (F2) changes the selected line's quantity.
func (c *Cashier) askQuantity() {
	l, ok := c.selectedLine()
	if !ok {
		c.fail(errNoLine)
		return
	}
	if err := refusePrepaidLineChange(l); err != nil {
		c.fail(err)
		return
	}
	c.prompt(trf("prompt.qty", map[string]any{"Name": l.Name(c.language)}), sale.FormatQty(l.QtyMilli, l.Weighed), true, func(text string) error {
		qty, err := sale.ParseQty(text, l.Weighed)
		if err != nil {
			return err
		}
		if err := c.till.Current().SetQty(l.ID, qty); err != nil {
			return err
		}
		c.selectByID(l.ID)
		return nil
	})
}

// askWeight asks the weight of a product sold by weight.
func (c *Cashier) askWeight(p catalog.Product) {
	c.prompt(trf("prompt.weight", map[string]any{"Name": p.Name(c.language), "Price": p.Price.Format()}), "0.000", true, func(text string) error {
		grams, err := sale.ParseQty(text, true)
		if err != nil {
			return err
		}
		id, err := c.till.Current().Add(p, grams)
		if err != nil {
			return err
		}
		c.selectByID(id)
		c.say(fmt.Sprintf("%s  %s kg", p.Name(c.language), sale.FormatQty(grams, true)))
		return nil
	})
}

// voidLine (F3) takes the selected line off the sale.
func (c *Cashier) voidLine() {
	l, ok := c.selectedLine()
	if !ok {
		c.fail(errNoLine)
		return
	}
	if len(c.till.Current().Payments) > 0 {
		c.voidPaidLine(l)
		return
	}
	if err := c.till.Current().VoidLine(l.ID); err != nil {
		c.fail(err)
		return
	}
	c.refresh()
	c.say(trf("msg.voided", map[string]any{"Name": l.Name(c.language)}))
}

// askLineDiscount (F4) discounts the selected line.
func (c *Cashier) askLineDiscount() {
	l, ok := c.selectedLine()
	if !ok {
		c.fail(errNoLine)
		return
	}
	c.prompt(trf("prompt.line_discount", map[string]any{"Name": l.Name(c.language)}), "10% / 5.00", true, func(text string) error {
		d, err := sale.ParseDiscount(text)
		if err != nil {
			return err
		}
		return c.withDiscountApproval(d, func() error {
			if err := c.till.Current().SetLineDiscount(l.ID, d); err != nil {
				return err
			}
			c.selectByID(l.ID)
			return nil
		})
	})
}

// askOrderDiscount (F5) discounts the whole sale.
func (c *Cashier) askOrderDiscount() {
	if len(c.lines) == 0 {
		c.fail(sale.ErrEmpty)
		return
	}
	c.prompt(tr("prompt.order_discount"), "10% / 5.00", true, func(text string) error {
		d, err := sale.ParseDiscount(text)
		if err != nil {
			return err
		}
		return c.withDiscountApproval(d, func() error {
			if err := c.till.Current().SetOrderDiscount(d); err != nil {
				return err
			}
			c.refresh()
			return nil
		})
	})
}

// hold (F6) parks the sale.
func (c *Cashier) hold() {
	if err := c.till.Hold(); err != nil {
		c.fail(err)
		return
	}
	c.selected = -1
	c.refresh()
	c.say(tr("msg.held"))
}

// recall (F7) lists parked sales and brings one back.
func (c *Cashier) recall() {
	if len(c.till.Current().Lines) > 0 {
		c.fail(app.ErrSaleInProgress)
		return
	}
	held, err := c.till.Held()
	if err != nil {
		c.fail(err)
		return
	}
	if len(held) == 0 {
		c.say(tr("msg.none_held"))
		return
	}
	labels := make([]string, len(held))
	for i, h := range held {
		labels[i] = fmt.Sprintf("%s   %s   %s", h.Opened.Local().Format("15:04"), trf("recall.items", map[string]any{"Count": h.Items}), h.Total.Format())
	}
	c.pickFrom(tr("recall.title"), labels, func(i int) {
		if err := c.till.Recall(held[i].ID); err != nil {
			c.fail(err)
			return
		}
		c.selected = -1
		c.refresh()
		c.say(tr("msg.recalled"))
	})
}

// askCancel (F8) abandons the sale after a confirmation.
func (c *Cashier) askCancel() {
	if len(c.till.Current().Lines) == 0 {
		return
	}
	if len(c.till.Current().Payments) > 0 {
		c.cancelPaid()
		return
	}
	c.prompt(tr("prompt.cancel"), "", false, func(string) error {
		if err := c.till.Cancel(); err != nil {
			return err
		}
		c.dropAbandonedPrepaidOrders()
		c.selected = -1
		c.refresh()
		c.say(tr("msg.cancelled"))
		return nil
	})
}

// askSearch (F9) searches the catalog by name or code.
func (c *Cashier) askSearch() {
	c.prompt(tr("prompt.search"), tr("prompt.search_hint"), true, func(text string) error {
		hits := c.till.Catalog().Search(text, 30)
		if len(hits) == 0 {
			return fmt.Errorf("%q: %w", text, catalog.ErrNotFound)
		}
		c.pick(hits, "1")
		return nil
	})
}

// pick lets the cashier choose one of several products, to add qtyText of it.
func (c *Cashier) pick(hits []catalog.Product, qtyText string) {
	labels := make([]string, len(hits))
	for i, p := range hits {
		labels[i] = fmt.Sprintf("%s   %s   %s", p.Name(c.language), p.Price.Format(), p.Code)
	}
	c.pickFrom(tr("search.title"), labels, func(i int) { c.addProduct(hits[i], qtyText) })
}

// withDiscountApproval applies a discount at once when it is within the cashier's
// limit (app.DiscountNeedsManager) or the operator may give larger ones; otherwise a
// manager approves it on the spot with a PIN and a reason (journaled by Auth), then it
// is applied.
func (c *Cashier) withDiscountApproval(d sale.Discount, apply func() error) error {
	if !app.DiscountNeedsManager(d) || c.console == nil {
		return apply()
	}
	dialog := Authorize(c.win, c.console.Auth, users.DiscountOverLimit, func(*app.Approval) {
		if err := apply(); err != nil {
			c.fail(err)
		}
	})
	if dialog != nil {
		c.track(dialog)
	}
	return nil
}
