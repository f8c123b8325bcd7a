package app

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"tilldesk/core/catalog"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
)

// Cards and top-ups are sold like goods: each is one line on the current sale, paid
// by any tender but a prepaid card, and the card is issued or credited in the same
// journal record as the completed sale (PrepareCompletion). The line's code is
// PrepaidLinePrefix and the order's ID; the card gets what the customer paid for the
// line (its value, less any discount the line took).

// PrepaidLinePrefix starts the code of a sale line that sells a prepaid card or value.
const PrepaidLinePrefix = "PREPAID:"

// IsPrepaidLine reports whether a sale line sells a card or a top-up. Screens must not
// change its quantity or price: the completion refuses a line worth more than its order.
func IsPrepaidLine(l sale.Line) bool { return strings.HasPrefix(l.Code, PrepaidLinePrefix) }

// SellCardRequest is a new card sold with its first value.
type SellCardRequest struct {
	Number   string       // a pre-printed card's number (typed or scanned); "" takes the next serial
	Amount   money.Amount // first value: the line's price
	PIN      string       // optional (required with require_pin); never stored as such
	UID      string       // the card's contactless UID, optional
	Operator string
}

// SellCard puts a new card on the current sale. Its number is reserved until the sale
// completes (the card is issued then) or is abandoned. It returns the order: Card is
// the number to print on the card or receipt.
func (d *PrepaidDesk) SellCard(r SellCardRequest) (prepaid.Order, error) {
	if err := d.canSell(); err != nil {
		return prepaid.Order{}, err
	}
	num := d.ledger.Policy().Numbering
	o := prepaid.Order{Kind: prepaid.Issue, Amount: r.Amount, Operator: r.Operator}
	if r.Number != "" {
		n, err := num.ParseScan(strings.TrimSpace(r.Number))
		if err != nil {
			if n, err = num.Parse(strings.TrimSpace(r.Number)); err != nil {
				return o, err
			}
		}
		o.Card = n
	}
	if r.UID != "" {
		uid, err := prepaid.NormalizeUID(r.UID)
		if err != nil {
			return o, err
		}
		o.UID = uid
	}
	if r.PIN == "" && d.cfg.RequirePIN {
		return o, ErrPINNeeded
	}
	if r.PIN != "" {
		hash, err := d.ledger.HashPIN(o.Card, r.PIN)
		if err != nil {
			return o, err
		}
		o.PINHash = hash
	}
	return d.sell(o, "储值卡发卡", "Prepaid card")
}

// SellTopUp puts value for an active card on the current sale.
func (d *PrepaidDesk) SellTopUp(card CardView, amount money.Amount, operator string) (prepaid.Order, error) {
	if err := d.canSell(); err != nil {
		return prepaid.Order{}, err
	}
	return d.sell(prepaid.Order{Kind: prepaid.TopUp, Card: card.Number, Amount: amount, Operator: operator}, "储值卡充值", "Prepaid top-up")
}

func (d *PrepaidDesk) canSell() error {
	if !d.cfg.Enabled {
		return ErrPrepaidOff
	}
	if err := d.till.SalesAllowed(); err != nil {
		return err
	}
	if s := d.till.Current(); len(s.Payments) > 0 {
		return fmt.Errorf("sale %s: %w", s.ID, sale.ErrPaying)
	}
	return nil
}

// sell places the order for the current sale and adds its line.
func (d *PrepaidDesk) sell(o prepaid.Order, nameZH, nameEN string) (prepaid.Order, error) {
	s := d.till.Current()
	o.Sale = s.ID
	o, err := d.ledger.PlaceOrder(o)
	if err != nil {
		return o, err
	}
	masked := " " + prepaid.Mask(o.Card)
	p := catalog.Product{Code: PrepaidLinePrefix + o.ID, NameZH: nameZH + masked, NameEN: nameEN + masked, Price: o.Amount, Unit: "张"}
	if _, err := s.Add(p, sale.QtyOne); err != nil {
		_, _ = d.ledger.DropOrders(func(x prepaid.Order) bool { return x.ID == o.ID })
		return o, err
	}
	d.log.Info("prepaid card sold on a sale", "kind", o.Kind, "card", prepaid.Mask(o.Card), "amount", o.Amount.Plain(), "sale", s.ID)
	return o, nil
}

// PrepareCompletion is the till's completion hook: in the completed sale's own record
// it issues or credits the cards sold on the sale, settles the sale's card payments,
// and gives back any card payment of the sale that is not on it (taken, then lost to
// a journal failure).
func (d *PrepaidDesk) PrepareCompletion(s *sale.Sale) (CompletionPart, error) {
	pending, err := d.ledger.PendingPayments()
	if err != nil {
		return CompletionPart{}, err
	}
	onSale := map[string]bool{}
	for _, p := range s.Payments {
		if p.Method == sale.Prepaid {
			if id, err := ParsePaymentRef(p.Ref); err == nil {
				onSale[id] = true
			}
		}
	}
	tx := d.ledger.Begin()
	fail := func(err error) (CompletionPart, error) {
		tx.Abort()
		return CompletionPart{}, err
	}
	tot := s.Totals()
	for i, l := range s.ActiveLines() {
		if id, ok := strings.CutPrefix(l.Code, PrepaidLinePrefix); ok {
			if tot.Lines[i].LineID != l.ID {
				return fail(fmt.Errorf("prepaid line %d: totals out of step with the lines", l.ID))
			}
			if _, err := tx.Fulfil(id, tot.Lines[i].Net, s.ID); err != nil {
				return fail(fmt.Errorf("prepaid line %d: %w", l.ID, err))
			}
		}
	}
	for _, p := range pending {
		if p.Sale != s.ID {
			continue
		}
		if onSale[p.Payment] {
			_, err = tx.Settle(p.Payment, s.ID)
		} else {
			_, err = tx.Reverse(p.Payment, "not on the completed sale")
		}
		if err != nil {
			return fail(err)
		}
	}
	if len(tx.Movements()) == 0 {
		tx.Abort()
		return CompletionPart{}, nil
	}
	b, changes, err := tx.Prepare()
	if err != nil {
		return fail(err)
	}
	return CompletionPart{Name: prepaid.SaleExtra, Extra: b, Changes: changes, Done: tx.Finish}, nil
}

// dropAbandonedOrders forgets orders of sales that are neither keep (the sale in
// progress) nor held: their cards were never paid for.
func (d *PrepaidDesk) dropAbandonedOrders(keep string) error {
	held, err := d.journal().Held()
	if err != nil {
		return err
	}
	n, err := d.ledger.DropOrders(func(o prepaid.Order) bool { _, parked := held[o.Sale]; return o.Sale != keep && !parked })
	if n > 0 {
		d.log.Info("prepaid orders of abandoned sales dropped", "orders", n)
	}
	return err
}

// DropAbandonedOrders forgets the cards and top-ups put on sales that were cancelled
// or voided, releasing reserved card numbers; the current sale's and held sales' stay.
// Call it after a sale is cancelled (Resolve does it at start-up).
func (d *PrepaidDesk) DropAbandonedOrders() error { return d.dropAbandonedOrders(d.openSale()) }

// ErrPrepaidLineRefund refuses a refund of a line that sold a prepaid card or value:
// the money is on the card (a manager's adjustment takes it off, then cash goes back).
var ErrPrepaidLineRefund = errors.New("a prepaid card or top-up is not refunded like goods: adjust the card instead")

// CheckRefund refuses a refund request that would pay back a prepaid card line of s
// (a full refund, or one naming such a line). The refund screen calls it before
// Refunds.Refund.
func CheckRefund(s *sale.Sale, req refund.Request) error {
	for _, l := range s.Lines {
		if !IsPrepaidLine(l) || l.Voided {
			continue
		}
		if req.Full || slices.ContainsFunc(req.Lines, func(r refund.LineRequest) bool { return r.LineID == l.ID }) {
			return fmt.Errorf("line %d: %w", l.ID, ErrPrepaidLineRefund)
		}
	}
	return nil
}
