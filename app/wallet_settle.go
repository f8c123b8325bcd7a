package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"tilldesk/core/dereg"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// PrepareCompletion settles the sale's wallet payments with it: their intents leave
// the bucket in the completed sale's own record (Till's completion hook).
func (w *Wallets) PrepareCompletion(s *sale.Sale) (CompletionPart, error) {
	var nos []string
	var changes []journal.StateChange
	for _, p := range s.Payments {
		if p.Method == sale.Alipay || p.Method == sale.WeChat {
			nos = append(nos, p.Ref)
			changes = append(changes, journal.StateChange{Bucket: walletBucket, Key: p.Ref})
		}
	}
	if len(nos) == 0 {
		return CompletionPart{}, nil
	}
	return CompletionPart{Name: "wallet", Extra: map[string][]string{"settled": nos}, Changes: changes, Done: func(committed bool) {
		if committed {
			w.unhand(nos...)
		}
	}}, nil
}

// unhand forgets paid intents the open sale no longer holds.
func (w *Wallets) unhand(nos ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, no := range nos {
		delete(w.handed, no)
	}
}

// findIntent returns a payment's intent: from the bucket while unsettled, else its
// first journal record (settled payments, for refunds).
func (w *Wallets) findIntent(outTradeNo string) (walletIntent, error) {
	var in walletIntent
	if v, err := w.journal().GetState(walletBucket, outTradeNo); err != nil || v != nil {
		if err == nil {
			err = json.Unmarshal(v, &in)
		}
		return in, err
	}
	found := false
	err := w.journal().Each(journal.Filter{Kind: KindWalletIntent}, func(r journal.Record) error {
		if json.Unmarshal(r.Data, &in) == nil && in.OutTradeNo == outTradeNo {
			found = true
			return journal.ErrStop
		}
		return nil
	})
	if err == nil && !found {
		err = fmt.Errorf("%q is not a wallet payment of this till: %w", outTradeNo, ErrNotASale)
	}
	return in, err
}

// walletRefundNo is the refund number of an idempotency key: "RF" and 30 hex digits
// of its SHA-256, within both providers' alphabets and lengths, the same for every
// retry of one refund.
func walletRefundNo(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "RF" + hex.EncodeToString(sum[:15])
}

// walletReverser gives a wallet payment of an abandoned sale back (Till.CancelPaid).
type walletReverser struct {
	w *Wallets
	m sale.Method
}

// Reverse refunds the payment in full and settles its intent as reversed.
func (r walletReverser) Reverse(ctx context.Context, saleID string, p sale.Payment) error {
	in, err := r.w.findIntent(p.Ref)
	if err != nil {
		return err
	}
	wp, err := r.w.paymentFor(in)
	if err != nil {
		return err
	}
	if err := wp.giveBack(ctx, "sale "+saleID+" abandoned"); err != nil {
		return err
	}
	r.w.unhand(p.Ref)
	return nil
}

// walletRefunder pays refunds back through a wallet (the journal browser's refund).
type walletRefunder struct {
	w *Wallets
	m sale.Method
}

// Method is the wallet.
func (r walletRefunder) Method() sale.Method { return r.m }

// walletRefundRecord is the journal data of a refund paid back through a wallet.
type walletRefundRecord struct {
	OutTradeNo  string       `json:"out_trade_no"`
	OutRefundNo string       `json:"out_refund_no"`
	RefundID    string       `json:"refund_id"`
	Key         string       `json:"key"`
	Amount      money.Amount `json:"amount"`
	Method      sale.Method  `json:"method"`
}

// Refund asks the provider to refund req.Amount of the original payment under a
// refund number derived from req.Key, so a retry of the same refund never pays twice
// (the providers refund once per number); unclear answers are retried. The refund
// number is returned as the reference.
func (r walletRefunder) Refund(ctx context.Context, req TenderRefundRequest) (string, error) {
	in, err := r.w.findIntent(req.OriginalRef)
	if err != nil {
		return "", err
	}
	wp, err := r.w.paymentFor(in)
	if err != nil {
		return "", err
	}
	o := wp.order
	o.RefundAmount, o.OutRefundNo = req.Amount, walletRefundNo(req.Key)
	res, err := wp.insist(ctx, wallet.OpRefund, o, WalletCancelling)
	if err != nil {
		return "", err
	}
	if res.Outcome == wallet.OutcomeFailed {
		return "", &WalletDeclinedError{Method: r.m, Reason: res.Reason, Message: res.Message}
	}
	rec := walletRefundRecord{OutTradeNo: in.OutTradeNo, OutRefundNo: o.OutRefundNo, RefundID: res.RefundNo, Key: req.Key, Amount: req.Amount, Method: r.m}
	if _, err := r.w.journal().Append(KindWalletRefund, rec); err != nil {
		// The refund is done; the refund use case's own record follows (or its retry,
		// which the provider answers without paying again).
		r.w.log.Error("wallet refund done but its wallet record not journaled", "out_trade_no", in.OutTradeNo, "out_refund_no", o.OutRefundNo, "err", err)
	}
	r.w.log.Info("wallet refund", "out_trade_no", in.OutTradeNo, "out_refund_no", o.OutRefundNo, "amount", req.Amount.Plain())
	return o.OutRefundNo, nil
}

// RegisterRefunders registers a refunder for each wallet this till takes, and for
// UnionPay QR payments when they are routed to the acquirer.
func (w *Wallets) RegisterRefunders(r *Refunds) {
	for m := range w.apis {
		r.Register(walletRefunder{w: w, m: m})
	}
	if q := w.unionPayQR(); q != nil {
		r.Register(q.QRRefunder())
	}
}

// ResolvePending settles every intent no live payment owns: it runs at start-up
// (StartWallets), before the till takes a sale, and again whenever the screen asks
// (the sales gate refuses sales meanwhile). For each, the provider is asked:
//   - paid (or left "paid" by a till that stopped with the sale open): the money is
//     given back in full, as its sale never completed;
//   - closed or refused: settled as such;
//   - waiting, unknown to the provider, or still paying: cancelled (code) or closed
//     (QR), so it cannot be paid later.
//
// Intents the provider does not answer for stay, and the error says how many.
func (w *Wallets) ResolvePending(ctx context.Context) error {
	all, err := w.intents()
	if err != nil {
		return err
	}
	var errs []error
	for _, in := range all {
		if w.owned(in.OutTradeNo) {
			continue
		}
		if err := w.resolve(ctx, in); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", in.Method, in.OutTradeNo, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		w.log.Error("wallet payments unresolved: sales refused", "count", len(errs), "err", err)
		return err
	}
	return nil
}

func (w *Wallets) resolve(ctx context.Context, in walletIntent) error {
	w.claim(in.OutTradeNo)
	defer w.release(in.OutTradeNo)
	p, err := w.paymentFor(in)
	if err != nil {
		return err
	}
	w.log.Warn("resolving a wallet payment left by a stopped till", "out_trade_no", in.OutTradeNo, "state", in.State, "sale", in.SaleID)
	if in.State == walletPaid {
		return p.giveBack(ctx, "sale not completed before the till stopped")
	}
	q, err := p.api.call(ctx, wallet.OpQuery, p.order)
	if err != nil || q.Outcome != wallet.OutcomeSuccess {
		return fmt.Errorf("%w: query: %v", ErrWalletInDoubt, firstNonNil(err, errors.New(q.Reason)))
	}
	switch q.Trade {
	case wallet.TradePaid, wallet.TradeRefunded:
		return p.giveBack(ctx, "paid for a sale the till did not complete")
	case wallet.TradeClosed, wallet.TradeFailed:
		return w.move(&p.in, walletFailed, "resolved: trade "+q.Trade.String())
	}
	_, err = p.undo(ctx, "till stopped while paying")
	return err
}

func firstNonNil(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// PendingWallet is an unsettled wallet payment, for the screens.
type PendingWallet struct {
	OutTradeNo string
	SaleID     string
	Method     sale.Method
	Amount     money.Amount
	State      string // sent, paying, shown, unknown, cancelling, paid
	Since      time.Time
	InProgress bool // owned by a payment of this process (not in doubt)
}

// Pending lists the unsettled wallet payments.
func (w *Wallets) Pending() ([]PendingWallet, error) {
	all, err := w.intents()
	out := make([]PendingWallet, 0, len(all))
	for _, in := range all {
		out = append(out, PendingWallet{OutTradeNo: in.OutTradeNo, SaleID: in.SaleID, Method: in.Method, Amount: in.Amount, State: in.State, Since: in.At, InProgress: w.owned(in.OutTradeNo)})
	}
	return out, err
}

// ErrWalletPending is the deregistration precondition's failure.
var ErrWalletPending = errors.New("wallet payments are not settled")

// AddDeregPreconditions registers "wallet_no_intents": no wallet payment may be
// unsettled (in progress, in doubt, or on an open sale) when a terminal is
// deregistered. Its action, "dereg.action.wallet_resolve", is ResolvePending.
func (w *Wallets) AddDeregPreconditions(r *dereg.Registry) {
	r.Register(dereg.Func("wallet_no_intents", "dereg.action.wallet_resolve", func() error {
		all, err := w.intents()
		if err != nil {
			return fmt.Errorf("wallet intents unreadable: %w", err)
		}
		if len(all) > 0 {
			return fmt.Errorf("%w: %d", ErrWalletPending, len(all))
		}
		return nil
	}))
}
