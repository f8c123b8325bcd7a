package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// walletPayment is one wallet payment being taken or settled: its provider, its
// journaled intent and the order sent for it.
type walletPayment struct {
	w        *Wallets
	api      walletAPI
	in       walletIntent
	order    wallet.Order
	codeURL  string // merchant-presented: the QR code's content, once made
	progress func(WalletProgress)
}

// newPayment starts the payment of req through api (not journaled yet).
func (w *Wallets) newPayment(api walletAPI, flow string, req PayRequest, progress func(WalletProgress)) *walletPayment {
	no := w.newTradeNo()
	return &walletPayment{w: w, api: api, progress: progress,
		in:    walletIntent{OutTradeNo: no, SaleID: req.SaleID, Method: api.method(), Flow: flow, Amount: req.Amount},
		order: wallet.Order{OutTradeNo: no, Subject: w.subject(), Amount: req.Amount, TerminalID: w.till.cfg.Terminal.ID}}
}

// paymentFor is the payment of an intent read back from the journal.
func (w *Wallets) paymentFor(in walletIntent) (*walletPayment, error) {
	api, err := w.apiFor(in.Method)
	if err != nil {
		return nil, err
	}
	return &walletPayment{w: w, api: api, in: in, order: wallet.Order{OutTradeNo: in.OutTradeNo, Amount: in.Amount, TerminalID: w.till.cfg.Terminal.ID}}, nil
}

func (p *walletPayment) report(pr WalletProgress) {
	if p.progress == nil {
		return
	}
	pr.Method, pr.OutTradeNo, pr.Amount = p.in.Method, p.in.OutTradeNo, p.in.Amount
	p.progress(pr)
}

// payStep is what one provider answer means for a payment being taken.
type payStep int

const (
	payWait    payStep = iota // not paid yet: keep asking until the deadline
	payAsk                    // no definite answer: ask again
	payDone                   // paid
	payRefused                // definitely not paid
	payGone                   // the provider knows no such trade: undo it to be sure
)

// judge reads an answer to the first request (pay, precreate) or to a query.
func (p *walletPayment) judge(op wallet.Op, res wallet.Result, err error) (payStep, string) {
	if op != wallet.OpQuery {
		switch {
		case res.Outcome == wallet.OutcomeFailed:
			return payRefused, res.Reason
		case err != nil || res.Outcome == wallet.OutcomeUnknown:
			return payAsk, firstNonEmpty(res.Reason, "no_answer")
		case res.Outcome == wallet.OutcomeSuccess && op == wallet.OpPay:
			return payDone, ""
		}
		return payWait, "" // paying, or a QR code to show
	}
	if err != nil || res.Outcome != wallet.OutcomeSuccess {
		return payAsk, firstNonEmpty(res.Reason, "no_answer")
	}
	switch res.Trade {
	case wallet.TradePaid:
		return payDone, ""
	case wallet.TradeWaiting:
		return payWait, ""
	case wallet.TradeClosed, wallet.TradeFailed, wallet.TradeRefunded:
		return payRefused, "trade_" + res.Trade.String()
	case wallet.TradeNotFound:
		if p.in.Flow == walletFlowQR { // an Alipay QR trade exists once scanned
			return payWait, ""
		}
		return payGone, "not_found"
	}
	return payAsk, "trade_state_unknown"
}

// follow takes the payment from the answer to its first request (op) until it is
// paid, refused, or given up (deadline passed, or ctx cancelled by the cashier) and
// undone. The intent is journaled at every change of state.
func (p *walletPayment) follow(ctx context.Context, op wallet.Op, res wallet.Result, err error, deadline time.Time) (sale.Payment, error) {
	w := p.w
	for asked := 0; ; asked++ {
		s, reason := p.judge(op, res, err)
		switch {
		case ctx.Err() != nil:
			return sale.Payment{}, p.giveUp(ctx, "cashier")
		case s == payDone:
			return p.paid(ctx, res)
		case s == payRefused:
			if err := w.move(&p.in, walletFailed, reason); err != nil {
				return sale.Payment{}, err
			}
			return sale.Payment{}, &WalletDeclinedError{Method: p.in.Method, Reason: reason, Message: res.Message}
		case s == payGone:
			return sale.Payment{}, p.giveUp(ctx, reason)
		}
		state, stage := walletPaying, WalletWaitingCustomer
		if p.in.Flow == walletFlowQR {
			state, stage = walletShown, WalletShowQR
		}
		if s == payAsk {
			state, stage = walletUnknown, WalletChecking
		} else {
			reason = ""
		}
		if err := w.move(&p.in, state, reason); err != nil {
			return sale.Payment{}, err
		}
		left := deadline.Sub(w.now())
		p.report(WalletProgress{Stage: stage, Remaining: max(left, 0), Attempt: asked, CodeURL: p.codeURL})
		if left <= 0 {
			return sale.Payment{}, p.giveUp(ctx, "timeout")
		}
		if !w.wait(ctx, min(w.timing.PollEvery, left)) {
			return sale.Payment{}, p.giveUp(ctx, "cashier")
		}
		op = wallet.OpQuery
		res, err = p.api.call(ctx, wallet.OpQuery, p.order)
	}
}

// paid records the payment as paid and hands it to the sale.
func (p *walletPayment) paid(ctx context.Context, res wallet.Result) (sale.Payment, error) {
	if res.Amount != 0 && res.Amount != p.in.Amount {
		p.w.log.Error("wallet paid another amount than asked: giving it back", "out_trade_no", p.in.OutTradeNo, "asked", p.in.Amount.Plain(), "paid", res.Amount.Plain())
		return sale.Payment{}, p.giveUp(ctx, "amount_mismatch")
	}
	if res.TradeNo != "" {
		p.in.TradeNo = res.TradeNo
	}
	if err := p.w.move(&p.in, walletPaid, ""); err != nil {
		return sale.Payment{}, fmt.Errorf("%w: %w", ErrWalletInDoubt, err)
	}
	p.w.mu.Lock()
	p.w.handed[p.in.OutTradeNo] = true
	p.w.mu.Unlock()
	return sale.Payment{Method: p.in.Method, Amount: p.in.Amount, Ref: p.in.OutTradeNo, At: p.w.now().UTC()}, nil
}

// giveUp undoes a payment the till no longer waits for and says why to the cashier:
// ErrWalletCancelled (the cashier), ErrWalletTimedOut, or ErrWalletInDoubt when the
// provider could not confirm the undoing.
func (p *walletPayment) giveUp(ctx context.Context, why string) error {
	final, err := p.undo(context.WithoutCancel(ctx), why)
	if err != nil {
		return err
	}
	back := ""
	if final == walletReversed {
		back = " (the money taken was given back)"
	}
	if why == "timeout" {
		return fmt.Errorf("%s %s%s: %w", p.in.Method, p.in.OutTradeNo, back, ErrWalletTimedOut)
	}
	return fmt.Errorf("%s %s, %s%s: %w", p.in.Method, p.in.OutTradeNo, why, back, ErrWalletCancelled)
}

// undo makes sure the payment takes no money: a code payment is cancelled (which
// gives back a payment that went through meanwhile), a QR order closed (and given back
// if it was paid). It retries while the provider has no definite answer, and returns
// the intent's final state, or ErrWalletInDoubt with the intent left "cancelling".
func (p *walletPayment) undo(ctx context.Context, why string) (string, error) {
	w := p.w
	if err := w.move(&p.in, walletUndoing, why); err != nil {
		return "", fmt.Errorf("%w: %w", ErrWalletInDoubt, err)
	}
	op := wallet.OpCancel
	if p.in.Flow == walletFlowQR {
		op = wallet.OpClose
	}
	res, err := p.insist(ctx, op, p.order, WalletCancelling)
	if err != nil {
		return "", err
	}
	if res.Outcome == wallet.OutcomeFailed { // refused: the trade's state decides
		q, qerr := p.api.call(ctx, wallet.OpQuery, p.order)
		switch {
		case qerr == nil && q.Outcome == wallet.OutcomeSuccess && q.Trade == wallet.TradePaid:
			return walletReversed, p.giveBack(ctx, why)
		case qerr != nil || q.Outcome != wallet.OutcomeSuccess || q.Trade == wallet.TradeWaiting || q.Trade == wallet.TradeUnknown:
			w.log.Error("wallet payment left in doubt: undo refused", "out_trade_no", p.in.OutTradeNo, "op", op, "reason", res.Reason)
			return "", fmt.Errorf("%w: %s %s refused (%s)", ErrWalletInDoubt, op, p.in.OutTradeNo, res.Reason)
		}
	}
	final := walletCancelled
	if res.MoneyBack {
		final = walletReversed
	}
	if err := w.move(&p.in, final, why); err != nil {
		return "", fmt.Errorf("%w: %w", ErrWalletInDoubt, err)
	}
	return final, nil
}

// giveBack refunds a paid payment in full, under a refund number made from its trade
// number (so retries never refund twice), and settles the intent as reversed.
func (p *walletPayment) giveBack(ctx context.Context, why string) error {
	if err := p.w.move(&p.in, walletUndoing, why); err != nil {
		return fmt.Errorf("%w: %w", ErrWalletInDoubt, err)
	}
	o := p.order
	o.RefundAmount, o.OutRefundNo = p.in.Amount, walletRefundNo("reverse/"+p.in.OutTradeNo)
	res, err := p.insist(ctx, wallet.OpRefund, o, WalletCancelling)
	if err == nil && res.Outcome == wallet.OutcomeFailed {
		err = fmt.Errorf("%w: refund refused: %w", ErrWalletInDoubt, &WalletDeclinedError{Method: p.in.Method, Reason: res.Reason, Message: res.Message})
	}
	if err != nil {
		p.w.log.Error("wallet payment not given back: left in doubt", "out_trade_no", p.in.OutTradeNo, "err", err)
		return err
	}
	if err := p.w.move(&p.in, walletReversed, why); err != nil {
		return fmt.Errorf("%w: %w", ErrWalletInDoubt, err)
	}
	return nil
}

// insist calls op until the provider answers definitely (success or refusal),
// CancelAttempts times at most, CancelEvery apart, reporting each attempt at stage;
// the last answer is returned, with ErrWalletInDoubt when none was definite.
func (p *walletPayment) insist(ctx context.Context, op wallet.Op, o wallet.Order, stage WalletStage) (wallet.Result, error) {
	w := p.w
	for attempt := 1; ; attempt++ {
		p.report(WalletProgress{Stage: stage, Attempt: attempt})
		res, err := p.api.call(ctx, op, o)
		if res.Outcome == wallet.OutcomeFailed || err == nil && res.Outcome == wallet.OutcomeSuccess {
			return res, nil
		}
		if attempt >= w.timing.CancelAttempts || !w.wait(ctx, w.timing.CancelEvery) {
			last := err
			if last == nil { // answered, but "still processing" every time
				last = fmt.Errorf("last answer: %s", res.Outcome)
			}
			return res, fmt.Errorf("%w: %s %s: no definite answer after %d attempts (%v)", ErrWalletInDoubt, op, o.OutTradeNo, attempt, last)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// errIsSettled reports whether a giveUp error still means nothing was kept.
func errIsSettled(err error) bool {
	return errors.Is(err, ErrWalletCancelled) || errors.Is(err, ErrWalletTimedOut)
}
