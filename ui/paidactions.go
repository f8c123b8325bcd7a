package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tilldesk/app"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/users"
)

// Manager-gated changes to a sale: a price other than the catalog's, and voids once
// payment has started (a line, or the whole sale with its payments given back). Each
// asks for the permission on the spot (Authorize: at once for an operator who holds
// it, else a manager's ID, PIN and reason, journaled as an override).

// reversalTimeout bounds giving every payment of an abandoned sale back.
const reversalTimeout = 60 * time.Second

// approver is who a decision is recorded against: the approving manager, or the
// signed-on operator who holds the permission.
func (c *Cashier) approver(a *app.Approval) (id, reason string) {
	if a != nil {
		return a.Manager, string(a.Reason.Code)
	}
	return c.currentOperator(), ""
}

// withPermission runs action once perm is granted; without a console (no operators)
// nobody can grant it.
func (c *Cashier) withPermission(perm users.Permission, action func(*app.Approval)) {
	if c.console == nil {
		c.fail(errNotSignedOn)
		return
	}
	if d := Authorize(c.win, c.console.Auth, perm, action); d != nil {
		c.track(d)
	}
}

// isPriceEntry reports whether the scan field holds "@price": the selected line's new
// price.
func isPriceEntry(text string) (string, bool) {
	rest, ok := strings.CutPrefix(text, "@")
	return strings.TrimSpace(rest), ok
}

// overridePrice sells the selected line at the price typed after "@".
func (c *Cashier) overridePrice(priceText string) {
	l, ok := c.selectedLine()
	if !ok {
		c.fail(errNoLine)
		return
	}
	price, err := money.Parse(priceText)
	if err == nil && price <= 0 {
		err = fmt.Errorf("price %s: %w", priceText, sale.ErrPrice)
	}
	if err == nil {
		err = refusePrepaidLineChange(l)
	}
	if err != nil {
		c.fail(err)
		return
	}
	if err := c.till.Current().CheckOverridePrice(l.ID, price); err != nil {
		c.fail(err) // refused before a manager is asked to approve it
		return
	}
	c.withPermission(users.PriceOverride, func(a *app.Approval) {
		by, reason := c.approver(a)
		if err := c.till.Current().OverridePrice(l.ID, price, sale.PriceOverride{ApprovedBy: by, Reason: reason}); err != nil {
			c.fail(err)
			return
		}
		c.log.Info("price overridden", "code", l.Code, "catalog", l.UnitPrice.Plain(), "price", price.Plain(), "approved_by", by)
		c.selectByID(l.ID)
		c.say(trf("msg.price_overridden", map[string]any{"Name": l.Name(c.language), "Price": price.Format()}))
	})
}

// voidPaidLine takes the selected line off a sale that has taken part payments.
func (c *Cashier) voidPaidLine(l sale.Line) {
	c.withPermission(users.VoidAfterPayment, func(a *app.Approval) {
		by, _ := c.approver(a)
		r, err := c.till.VoidPaidLine(l.ID, by)
		if err != nil {
			c.fail(err)
			return
		}
		if r != nil { // the payments taken now cover the sale
			c.saleDone(r)
			return
		}
		c.refresh()
		c.say(trf("msg.voided", map[string]any{"Name": l.Name(c.language)}))
	})
}

// cancelPaid abandons a sale that has taken part payments: after the confirmation and
// the permission, every payment is given back through its tender, and the cashier is
// told how much cash to hand back (the drawer opens for it).
func (c *Cashier) cancelPaid() {
	s := c.till.Current()
	var cash money.Amount
	for _, p := range s.Payments {
		if p.Method == sale.Cash {
			cash += p.Amount
		}
	}
	paid := s.Totals().Paid
	c.prompt(trf("prompt.cancel_paid", map[string]any{"Paid": paid.Format()}), "", false, func(string) error {
		c.withPermission(users.VoidAfterPayment, func(a *app.Approval) {
			by, _ := c.approver(a)
			ctx, cancel := context.WithTimeout(context.Background(), reversalTimeout)
			defer cancel()
			if err := c.till.CancelPaid(ctx, by); err != nil {
				c.fail(err)
				return
			}
			c.dropAbandonedPrepaidOrders()
			c.selected = -1
			c.refresh()
			c.say(trf("msg.cancelled_paid", map[string]any{"Cash": cash.Format()}))
			if cash > 0 && c.devices != nil {
				c.printInBackground(c.devices.OpenDrawer)
			}
		})
		return nil
	})
}
