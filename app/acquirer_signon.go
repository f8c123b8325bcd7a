package app

import (
	"context"
	"errors"
	"fmt"

	"tilldesk/app/acquirer"
	"tilldesk/core/dereg"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
)

// SignOnDone is TerminalIdentity.SignOn once the acquirer has answered a sign-on
// (SignOnPending until then).
const SignOnDone = "signed_on"

// Errors of the deregistration preconditions.
var (
	ErrCardPending    = errors.New("card reversals or offline sales are still waiting for the bank")
	ErrBatchUnsettled = errors.New("the card batch is not settled")
)

// SignOn signs the terminal on with the acquirer (0800). The first answer after
// registration turns the registration's sign-on from pending to done, journaled.
func (d *CardPayments) SignOn(ctx context.Context, operator string) error {
	term := d.terminal()
	meta, resp, err := d.request(ctx, "sign-on", false, func(meta linkMeta) (iso8583.Message, error) {
		return posmsg.SignOn{Terminal: term, STAN: meta.STAN, Batch: meta.Batch, Operator: operatorCode(operator)}.Message()
	})
	if err != nil {
		return err
	}
	d.signedOn.Store(true)
	ev := cardEvent{ID: transactionID(meta.Batch, meta.STAN), STAN: meta.STAN, Batch: meta.Batch, Code: resp.ResponseCode, Reason: "signed on as " + term.ID}
	if d.reg == nil {
		return d.commit(KindCardSignedOn, ev)
	}
	d.reg.mu.Lock()
	defer d.reg.mu.Unlock()
	id, err := d.reg.Identity()
	if err != nil || id.Status != StatusRegistered || id.SignOn == SignOnDone {
		return errors.Join(err, d.commit(KindCardSignedOn, ev))
	}
	id.SignOn = SignOnDone
	change, err := id.change()
	if err != nil {
		return err
	}
	if err := d.commit(KindCardSignedOn, ev, change); err != nil {
		return err
	}
	d.log.Info("terminal signed on with the acquirer", "terminal", id.Terminal, "merchant", id.Merchant)
	return nil
}

// request sends a message the till originates outside a sale (sign-on, sign-off,
// settlement, batch upload), built by build for the next STAN, and checks that the
// host approves it; with resign a host asking for a sign-on gets one first.
func (d *CardPayments) request(ctx context.Context, what string, resign bool, build func(linkMeta) (iso8583.Message, error)) (linkMeta, posmsg.Response, error) {
	meta, err := d.reserveSTANNow()
	if err != nil {
		return meta, posmsg.Response{}, err
	}
	msg, err := build(meta)
	if err != nil {
		return meta, posmsg.Response{}, fmt.Errorf("%s: %w", what, err)
	}
	var a answer
	if resign {
		a, err = d.ask(ctx, msg)
	} else {
		var ans acquirer.Answer
		ans, err = d.exchange(ctx, msg)
		a = answer{resp: ans.Response, code: ans.Response.Result()}
	}
	if err != nil {
		return meta, posmsg.Response{}, fmt.Errorf("%s: %w", what, err)
	}
	if !a.code.Approved() {
		return meta, a.resp, fmt.Errorf("%s: %w", what, &CardDeclinedError{Code: a.code, Reason: what + " refused"})
	}
	return meta, a.resp, nil
}

// signOnIfPending signs on when the registration's sign-on is still pending.
func (d *CardPayments) signOnIfPending(ctx context.Context) {
	if d.reg == nil || d.address() == "" {
		return
	}
	if id, err := d.reg.Identity(); err != nil || id.Status != StatusRegistered || id.SignOn != SignOnPending {
		return
	}
	if err := d.SignOn(ctx, ""); err != nil {
		d.log.Warn("sign-on after registration failed: retried with the next card payment", "err", err)
	}
}

// SignOff signs the terminal off with the acquirer (0820): the deregistration
// wizard's sign-off step (DeregOptions.SignOff). An error leaves the wizard to record
// the sign-off as due at the acquirer.
func (d *CardPayments) SignOff(ctx context.Context, id TerminalIdentity) error {
	term := posmsg.Terminal{ID: id.Terminal, MerchantID: id.Merchant, Currency: posmsg.CurrencyCNY}
	meta, resp, err := d.request(ctx, "sign-off", false, func(meta linkMeta) (iso8583.Message, error) {
		return posmsg.SignOff{Terminal: term, STAN: meta.STAN, Batch: meta.Batch}.Message()
	})
	if err != nil {
		return err
	}
	d.signedOn.Store(false)
	return d.commit(KindCardSignedOff, cardEvent{ID: transactionID(meta.Batch, meta.STAN), STAN: meta.STAN, Batch: meta.Batch,
		Code: resp.ResponseCode, Reason: "signed off " + id.Terminal})
}

// AddDeregPreconditions registers the card preconditions of deregistration:
// "card_nothing_pending" (no reversal, offline sale or authorisation waiting for the
// bank; action: wait for the till to send them, or fix the link) and
// "card_batch_settled" (action: settle the card batch).
func (d *CardPayments) AddDeregPreconditions(r *dereg.Registry) {
	r.Register(dereg.Func("card_nothing_pending", "dereg.action.card_pending", func() error {
		n, err := d.waiting()
		if err != nil {
			return fmt.Errorf("card payment state unreadable: %w", err)
		}
		if n > 0 {
			d.Kick()
			return fmt.Errorf("%w: %d", ErrCardPending, n)
		}
		return nil
	}))
	r.Register(dereg.Func("card_batch_settled", "dereg.action.card_settle", func() error {
		meta, err := d.meta()
		if err != nil {
			return fmt.Errorf("card batch unreadable: %w", err)
		}
		txns, err := d.batchTxns(meta.Batch)
		if err != nil {
			return fmt.Errorf("card batch unreadable: %w", err)
		}
		if len(txns) > 0 {
			return fmt.Errorf("%w: batch %s holds %d card transactions", ErrBatchUnsettled, meta.Batch, len(txns))
		}
		return nil
	}))
}

// CardStatus is the card link's state for the status bar and the manager screen.
type CardStatus struct {
	Host             string // "" when none is configured or registered
	SignedOn         bool
	Batch            string
	BatchCount       int // transactions in the open batch
	PendingReversals int
	PendingAdvices   int // offline sales not yet acknowledged (held ones included)
	Problem          error
}

// Status reads the link's state.
func (d *CardPayments) Status() (CardStatus, error) {
	st := CardStatus{Host: d.address(), SignedOn: d.signedOn.Load(), Problem: d.salesGate()}
	meta, err := d.meta()
	if err != nil {
		return st, err
	}
	st.Batch = meta.Batch.String()
	txns, err := d.batchTxns(meta.Batch)
	st.BatchCount = len(txns)
	if err == nil {
		err = eachEntry(d.journal(), prefixIntent, func(_ string, in cardIntent) error {
			if in.State == intentReversalDue {
				st.PendingReversals++
			}
			return nil
		})
	}
	if err == nil {
		err = eachEntry(d.journal(), prefixAdvice, func(string, pendingAdvice) error { st.PendingAdvices++; return nil })
	}
	return st, err
}
