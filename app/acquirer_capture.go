package app

import (
	"context"
	"fmt"

	"tilldesk/core/journal"
	"tilldesk/core/sale"
)

// ErrCardPaymentGone stops a sale's completion when one of its card payments is no
// longer approved (it was reversed meanwhile): take that payment again.
var ErrCardPaymentGone = fmt.Errorf("a card payment of the sale is no longer approved: %w", ErrCardDeclined)

// cardCompletion is what a completed sale's record keeps of its card payments
// ("extras" -> "card").
type cardCompletion struct {
	Receipts []CardReceipt `json:"receipts,omitempty"`
	// Reversed are approvals of the sale that are not among its payments (taken, then
	// not kept): reversed with the completion. Dropped are such offline approvals.
	Reversed []string `json:"reversed,omitempty"`
	Dropped  []string `json:"dropped,omitempty"`
}

// PrepareCompletion is the till's completion hook: in the completed sale's own record,
// each approved card payment of the sale becomes a transaction of the open batch
// (its intent ends), each offline approval becomes due to be sent, and approvals of
// the sale that are not among its payments are reversed.
func (d *CardPayments) PrepareCompletion(s *sale.Sale) (CompletionPart, error) {
	cardTestHook("sale.completing")
	d.stateMu.Lock()
	part, err := d.capture(s)
	if err != nil {
		d.stateMu.Unlock()
		return CompletionPart{}, err
	}
	part.Done = func(committed bool) {
		d.stateMu.Unlock()
		if committed {
			d.Kick()
		}
	}
	return part, nil
}

// capture builds the completion part; callers hold stateMu.
func (d *CardPayments) capture(s *sale.Sale) (CompletionPart, error) {
	j := d.journal()
	var out cardCompletion
	var changes []journal.StateChange
	add := func(key string, v any) error {
		c, err := put(key, v)
		changes = append(changes, c)
		return err
	}
	now := d.opt.Now().UTC()
	paid := map[string]bool{}
	for _, p := range s.Payments {
		if !viaAcquirer(p.Method) {
			continue
		}
		ref, err := parseCardRef(p.Ref)
		if err != nil {
			return CompletionPart{}, fmt.Errorf("sale %s: card payment %q: %w", s.ID, p.Ref, err)
		}
		id := ref.id()
		paid[id] = true
		txn := batchTxn{Kind: txnSale, STAN: ref.STAN, Batch: ref.Batch, Amount: p.Amount, RRN: ref.RRN, AuthCode: ref.AuthCode,
			SaleID: s.ID, Date: ref.Date, At: now}
		in, isIntent, err := getEntry[cardIntent](j, prefixIntent+id)
		if err != nil {
			return CompletionPart{}, err
		}
		adv, isAdvice, err := getEntry[pendingAdvice](j, prefixAdvice+id)
		if err != nil {
			return CompletionPart{}, err
		}
		switch {
		case isIntent && in.State == intentApproved && in.Amount == p.Amount:
			txn.Card, txn.Receipt = in.Card, in.Receipt
			changes = append(changes, remove(prefixIntent+id))
		case isAdvice && adv.State == adviceHeld && adv.Amount == p.Amount:
			txn.Kind, txn.Card, txn.Receipt = txnAdvice, adv.Card, adv.Receipt
			adv.State, adv.NextTry = adviceDue, now
			if err := add(prefixAdvice+id, adv); err != nil {
				return CompletionPart{}, err
			}
		default:
			return CompletionPart{}, fmt.Errorf("sale %s: %s: %w", s.ID, p.Ref, ErrCardPaymentGone)
		}
		if txn.Receipt != nil {
			out.Receipts = append(out.Receipts, *txn.Receipt)
		}
		if err := add(txnKey(ref.Batch, ref.STAN), txn); err != nil {
			return CompletionPart{}, err
		}
	}
	orphans, err := d.orphans(s.ID, paid)
	if err != nil {
		return CompletionPart{}, err
	}
	for _, o := range orphans {
		changes = append(changes, o.change)
		if o.dropped {
			out.Dropped = append(out.Dropped, o.id)
		} else {
			out.Reversed = append(out.Reversed, o.id)
		}
	}
	part := CompletionPart{Name: "card", Changes: changes}
	if len(out.Receipts)+len(out.Reversed)+len(out.Dropped) > 0 {
		part.Extra = out
	}
	return part, nil
}

// orphan is an approval of a sale that is not among its payments.
type orphan struct {
	id      string
	dropped bool // an offline approval, dropped (nothing was taken)
	change  journal.StateChange
}

// orphans finds the sale's approvals that are not in paid and the changes that end
// them: a reversal for an online approval, a drop for an offline one.
func (d *CardPayments) orphans(saleID string, paid map[string]bool) ([]orphan, error) {
	j := d.journal()
	var out []orphan
	now := d.opt.Now().UTC()
	err := eachEntry(j, prefixIntent, func(key string, in cardIntent) error {
		if in.SaleID != saleID || paid[in.ID] || in.State != intentApproved {
			return nil
		}
		in.State, in.Reason, in.Why, in.NextTry = intentReversalDue, reasonOther, "approved but not kept on the completed sale", now
		c, err := put(key, in)
		out = append(out, orphan{id: in.ID, change: c})
		return err
	})
	if err != nil {
		return nil, err
	}
	err = eachEntry(j, prefixAdvice, func(key string, a pendingAdvice) error {
		if a.SaleID == saleID && !paid[a.ID] && a.State == adviceHeld {
			out = append(out, orphan{id: a.ID, dropped: true, change: remove(key)})
		}
		return nil
	})
	return out, err
}

// cardReverser gives back a card payment of a sale abandoned before completion
// (Till.CancelPaid): an online approval is reversed (durably queued and sent now if
// the host answers), an offline approval is dropped unsent.
type cardReverser struct{ d *CardPayments }

func (r cardReverser) Reverse(ctx context.Context, saleID string, p sale.Payment) error {
	d := r.d
	ref, err := parseCardRef(p.Ref)
	if err != nil {
		return err
	}
	j := d.journal()
	id := ref.id()
	if in, ok, err := getEntry[cardIntent](j, prefixIntent+id); err != nil {
		return err
	} else if ok {
		if in.State == intentApproved {
			if err := d.reverse(&in, reasonOther, "sale "+saleID+" abandoned", nil); err != nil {
				return err
			}
		}
		d.flushReversals(ctx, true) // best effort: it stays queued otherwise
		return nil
	}
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	adv, ok, err := getEntry[pendingAdvice](j, prefixAdvice+id)
	if err != nil {
		return err
	}
	if !ok || adv.State != adviceHeld {
		return fmt.Errorf("card payment %s of sale %s: not found among the open payments: %w", p.Ref, saleID, ErrNoReversal)
	}
	return d.commit(KindCardAdviceDropped, adv.event("sale "+saleID+" abandoned"), remove(prefixAdvice+id))
}
