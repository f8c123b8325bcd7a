package prepaid

import "errors"

// Single operations, each in its own Tx and its own "prepaid.<kind>" record. A retry
// with the same request ID returns the first outcome and writes nothing.

// Issue issues a card (see Tx.Issue). The till sells cards through orders (PlaceOrder,
// Tx.Fulfil); this is for imports, tests and tools.
func (l *Ledger) Issue(r IssueRequest) (Movement, error) {
	return l.run(Issue, func(tx *Tx) (Movement, error) { return tx.Issue(r) })
}

// TopUp credits a card (see Tx.TopUp). The till sells top-ups through orders.
func (l *Ledger) TopUp(r TopUpRequest) (Movement, error) {
	return l.run(TopUp, func(tx *Tx) (Movement, error) { return tx.TopUp(r) })
}

// Pay takes a pending payment from a card for a sale (see Tx.Pay).
func (l *Ledger) Pay(r PayRequest) (Movement, error) {
	return l.run(Payment, func(tx *Tx) (Movement, error) { return tx.Pay(r) })
}

// Settle marks a pending payment final (see Tx.Settle). The till settles payments in
// the completed sale's own record instead.
func (l *Ledger) Settle(payment, sale string) (Movement, error) {
	return l.run(Settle, func(tx *Tx) (Movement, error) { return tx.Settle(payment, sale) })
}

// Reverse gives a pending payment back to its card (see Tx.Reverse).
func (l *Ledger) Reverse(payment, reason string) (Movement, error) {
	return l.run(Reversal, func(tx *Tx) (Movement, error) { return tx.Reverse(payment, reason) })
}

// Refund refunds a settled payment to its card (see Tx.Refund).
func (l *Ledger) Refund(r RefundRequest) (Movement, error) {
	return l.run(Refund, func(tx *Tx) (Movement, error) { return tx.Refund(r) })
}

// Adjust corrects a card's balance with a reason (see Tx.Adjust).
func (l *Ledger) Adjust(r AdjustRequest) (Movement, error) {
	return l.run(Adjust, func(tx *Tx) (Movement, error) { return tx.Adjust(r) })
}

// Freeze stops a card (see Tx.Freeze).
func (l *Ledger) Freeze(r StatusRequest) (Movement, error) {
	return l.run(Freeze, func(tx *Tx) (Movement, error) { return tx.Freeze(r) })
}

// Unfreeze restarts a frozen card (see Tx.Unfreeze).
func (l *Ledger) Unfreeze(r StatusRequest) (Movement, error) {
	return l.run(Unfreeze, func(tx *Tx) (Movement, error) { return tx.Unfreeze(r) })
}

// Renew gives a card a new expiry date (see Tx.Renew).
func (l *Ledger) Renew(r StatusRequest) (Movement, error) {
	return l.run(Renew, func(tx *Tx) (Movement, error) { return tx.Renew(r) })
}

// LinkUID makes a contactless UID name a card (see Tx.LinkUID).
func (l *Ledger) LinkUID(r StatusRequest, uid string) (Movement, error) {
	return l.run(LinkUID, func(tx *Tx) (Movement, error) { return tx.LinkUID(r, uid) })
}

// ResetPIN sets a card's PIN hash (see Tx.ResetPIN).
func (l *Ledger) ResetPIN(r StatusRequest, pinHash string) (Movement, error) {
	return l.run(PINReset, func(tx *Tx) (Movement, error) { return tx.ResetPIN(r, pinHash) })
}

// ExpireDue writes an expiry movement for every active card past its expiry date and
// returns them. Run it at start-up and daily; a card past its date pays nothing even
// before (Account.CanPay).
func (l *Ledger) ExpireDue() ([]Movement, error) {
	now := l.opt.Now()
	var due []string
	err := l.EachAccount(func(a Account) error {
		if a.Status == Active && a.ExpiredAt(now) {
			due = append(due, a.Number)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Movement
	var errs []error
	for _, card := range due {
		m, err := l.run(Expire, func(tx *Tx) (Movement, error) { return tx.Expire(card) })
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, m)
	}
	return out, errors.Join(errs...)
}

// ReversePending gives back every pending payment for which abandoned returns true, and
// returns the reversals. At start-up every pending payment is abandoned: the sales in
// progress died with the process.
func (l *Ledger) ReversePending(abandoned func(Pending) bool, reason string) ([]Movement, error) {
	pending, err := l.PendingPayments()
	if err != nil {
		return nil, err
	}
	var out []Movement
	var errs []error
	for _, p := range pending {
		if !abandoned(p) {
			continue
		}
		m, err := l.Reverse(p.Payment, reason)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, m)
	}
	return out, errors.Join(errs...)
}
