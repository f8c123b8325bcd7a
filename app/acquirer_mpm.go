package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/iso8583/respcode"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// Merchant-presented UnionPay QR (银联二维码主扫) at the till: the till shows a dynamic
// EMVCo QR code for the sale and the customer's UnionPay app pays it. No published
// POS-to-acquirer layout exists (posmsg/qrorder.go says what was searched); Tilldesk
// uses its own over the card link:
//
//  1. The order's intent is journaled (card machinery: newIntent, with the STAN the
//     order takes) and the order registered with the host (posmsg.QROrder, QRCreate),
//     under a reference made of the terminal, batch and STAN, unique per terminal.
//  2. The till builds the EMVCo payload itself (wallet.UnionPayPayload: ID 15 the
//     acquirer's IIN and the merchant ID, 54 the amount, 62.05 the reference, 64 the
//     store's Chinese name) and reports it with WalletShowQR, as the wallets' dynamic
//     QR tender does, so the same dialog draws it.
//  3. It queries the order (QRQuery) every poll interval until paid, failed or the
//     configured wait passes. Paid: the intent becomes an approval (RRN, authorisation
//     code) and the payment is a UnionPay QR payment like a scanned code's: receipt,
//     batch, settlement, void and refund by RRN (QRRefunder), reversal of an
//     abandoned sale.
//  4. On timeout or the cashier's Cancel it closes the order (QRClose); a payment the
//     close finds (it reached the host late) is reversed. A close never confirmed, a
//     lost order answer, and an order left open by a stopped till (Resolve) are
//     reversed: the 0400 of the order closes it if open and gives it back if paid,
//     retried until acknowledged, and no sale is taken before (readyForSale).

// intentOrderOpen is a merchant-presented QR order registered and shown, not paid.
const intentOrderOpen = "qr_open"

// Journal record kinds of merchant-presented QR orders (the others are the card ones).
const (
	KindCardQROrderOpen   = "card.qr_order_open"   // the host registered the order: the code is shown
	KindCardQROrderClosed = "card.qr_order_closed" // closed or failed unpaid: nothing taken
)

// mpmCloseAttempts is how many times a close is asked before the order is reversed.
const mpmCloseAttempts = 3

// mpmGiveUpBudget bounds closing an order the till gave up on (the cashier waits on
// "Cancelling…"): what is not confirmed by then is reversed, and a reversal not yet
// acknowledged stays queued for the sender, which retries it until it is.
const mpmGiveUpBudget = 45 * time.Second

// ErrMerchantQROff: the till cannot show UnionPay QR codes (no acquirer, or its IIN,
// acquirer.qr_iin, is not configured).
var ErrMerchantQROff = errors.New("UnionPay QR codes cannot be shown at this till: no acquirer IIN configured")

// TakesMerchantQR reports whether the till can show UnionPay QR codes.
func (d *CardPayments) TakesMerchantQR() bool { return d.TakesUnionPayQR() && d.qrIIN() != "" }

// qrIIN is the acquirer's IIN for the payload's ID 15: the configured one, or the
// demo sandbox's.
func (d *CardPayments) qrIIN() string {
	iin := d.opt.Config.QRIIN
	if iin == "" && d.opt.Sandbox != nil {
		iin = d.opt.Sandbox.IIN()
	}
	return iin
}

// MerchantQRTender is the tender of a UnionPay QR code the customer scans: Pay
// registers the order, reports WalletShowQR with the EMVCo payload in CodeURL (draw
// it; Remaining counts down), and waits until it is paid (the payment), refused
// (CardDeclinedError with QR set), or given up on timeout (ErrWalletTimedOut) or ctx
// cancelled (ErrWalletCancelled), after closing the order; ErrCardInDoubt when the
// close was not confirmed and the order is being reversed.
func (d *CardPayments) MerchantQRTender(progress func(WalletProgress)) (Tender, error) {
	if !d.TakesMerchantQR() {
		return nil, ErrMerchantQROff
	}
	if progress == nil {
		progress = func(WalletProgress) {}
	}
	return &merchantQRTender{d: d, progress: progress}, nil
}

type merchantQRTender struct {
	d        *CardPayments
	progress func(WalletProgress)
}

// Method is sale.UnionPayQR.
func (*merchantQRTender) Method() sale.Method { return sale.UnionPayQR }

// mpmOrder is one order being shown.
type mpmOrder struct {
	d       *CardPayments
	in      *cardIntent
	ref     string
	payload string
	report  func(WalletProgress)
}

// Pay shows the code for req.Amount and waits for it (see MerchantQRTender).
func (t *merchantQRTender) Pay(ctx context.Context, req PayRequest) (sale.Payment, error) {
	d := t.d
	if err := d.readyForSale(ctx); err != nil {
		return sale.Payment{}, err
	}
	defer d.changed()
	o := &mpmOrder{d: d}
	o.report = func(p WalletProgress) {
		p.Method, p.Amount, p.OutTradeNo = sale.UnionPayQR, req.Amount, o.ref
		t.progress(p)
	}
	o.report(WalletProgress{Stage: WalletSending})
	wait := d.opt.QRWait
	a := &authAttempt{d: d, saleID: req.SaleID, amount: req.Amount, qr: true, onAnswer: d.orderAnswered}
	_, _ = a.sendSigningOn(ctx, cardInfo{Brand: qrBrand, Domestic: true}, func(meta linkMeta) (msg iso8583.Message, err error) {
		o.ref = d.terminal().ID + meta.Batch.String() + meta.STAN.String()
		if o.payload, err = d.qrPayload(o.ref, req.Amount); err != nil {
			return msg, err
		}
		return posmsg.QROrder{Op: posmsg.QRCreate, Terminal: d.terminal(), STAN: meta.STAN, Batch: meta.Batch, Amount: posmsg.Amount(req.Amount),
			Reference: o.ref, ValiditySeconds: int((wait + time.Minute) / time.Second)}.Message()
	})
	if a.failed != nil || a.intent == nil || a.intent.State != intentOrderOpen {
		if err := a.refusal(nil); err != nil {
			return sale.Payment{}, err
		}
		return sale.Payment{}, cmp.Or(a.linkErr, errors.New("QR order not registered"))
	}
	o.in = a.intent
	d.log.Info("UnionPay QR order shown", "sale", req.SaleID, "id", o.in.ID, "amount", req.Amount.Plain())
	return o.follow(ctx, d.opt.Now().Add(wait))
}

// qrPayload is the EMVCo payload of an order.
func (d *CardPayments) qrPayload(ref string, amount money.Amount) (string, error) {
	store, term := d.till.cfg.Store, d.terminal()
	return wallet.UnionPayPayload(wallet.UnionPayOrder{AcquirerIIN: d.qrIIN(), MerchantID: term.MerchantID, Reference: ref, TerminalID: term.ID,
		Amount: amount, MCC: cmp.Or(d.opt.Config.QRMCC, "5399"), Name: clip(cmp.Or(store.NameEN, "TILLDESK"), 25),
		City: clip(cmp.Or(d.opt.Config.QRCity, "BEIJING"), 15), NameZH: clip(store.NameZH, 25), CityZH: clip(d.opt.Config.QRCityZH, 15)})
}

// clip cuts s to n characters.
func clip(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// follow queries the order until it is paid, refused, or given up.
func (o *mpmOrder) follow(ctx context.Context, deadline time.Time) (sale.Payment, error) {
	d := o.d
	every := d.opt.QRPollEvery
	for attempt := 0; ; attempt++ {
		left := deadline.Sub(d.opt.Now())
		o.report(WalletProgress{Stage: WalletShowQR, CodeURL: o.payload, Remaining: max(left, 0), Attempt: attempt})
		if attempt == 0 {
			cardTestHook("qr.shown")
		}
		if left <= 0 {
			return sale.Payment{}, o.giveUp(ctx, "timeout")
		}
		if !waitOn(ctx, d.opt.After, min(every, left)) {
			return sale.Payment{}, o.giveUp(ctx, "cashier")
		}
		st, resp, err := o.ask(ctx, posmsg.QRQuery)
		switch {
		case err != nil:
			d.log.Warn("UnionPay QR order query without an answer: asking again", "id", o.in.ID, "err", err)
		case st.State == posmsg.QRStatePaid:
			return o.paid(resp, st)
		case st.State != posmsg.QRStateOpen:
			return sale.Payment{}, o.ended(st)
		}
	}
}

// ask sends a query or close of the order and reads the order's state.
func (o *mpmOrder) ask(ctx context.Context, op posmsg.QROp) (posmsg.QROrderStatus, posmsg.Response, error) {
	d := o.d
	meta, err := d.reserveSTANNow()
	if err != nil {
		return posmsg.QROrderStatus{}, posmsg.Response{}, err
	}
	msg, err := posmsg.QROrder{Op: op, Terminal: d.terminal(), STAN: meta.STAN, Batch: meta.Batch, Amount: posmsg.Amount(o.in.Amount),
		Reference: o.ref, Original: posmsg.Original{Batch: o.in.Batch, STAN: o.in.STAN}}.Message()
	if err != nil {
		return posmsg.QROrderStatus{}, posmsg.Response{}, fmt.Errorf("UnionPay QR %s: %w", op, err)
	}
	ans, err := d.exchange(ctx, msg)
	if err != nil {
		return posmsg.QROrderStatus{}, posmsg.Response{}, fmt.Errorf("UnionPay QR %s: %w", op, err)
	}
	r := ans.Response
	if code := r.Result(); !code.Approved() {
		if code.Action == respcode.SignOn {
			_ = d.signOnAgain(ctx)
		}
		return posmsg.QROrderStatus{}, r, fmt.Errorf("UnionPay QR %s answered %s (%s)", op, code.Code, code.Meaning)
	}
	st, err := posmsg.ParseQROrderStatus(r.WorkingKeys)
	if err == nil && st.Reference != o.ref {
		err = fmt.Errorf("answer names order %q", st.Reference)
	}
	if err != nil {
		return st, r, fmt.Errorf("UnionPay QR %s: %w", op, err)
	}
	return st, r, nil
}

// orderAnswered records the host's answer to the order: 00 opens it, anything else is
// a card answer (declined, or to be reversed).
func (d *CardPayments) orderAnswered(in *cardIntent, r posmsg.Response) error {
	if !r.Result().Approved() {
		return d.answered(in, r)
	}
	return d.saveIntent(in, KindCardQROrderOpen, "", func() { in.State, in.Code = intentOrderOpen, r.ResponseCode })
}

// recordPaid makes the order an approval with the payment's RRN and authorisation
// code, the payer's account (masked) as the card.
func (o *mpmOrder) recordPaid(r posmsg.Response, st posmsg.QROrderStatus) error {
	in := o.in
	return o.d.saveIntent(in, KindCardAuthorised, "UnionPay QR order paid", func() {
		in.State, in.RRN, in.AuthCode, in.Card.MaskedPAN = intentApproved, r.RRN, r.AuthCode, maskPayer(st.Payer)
	})
}

// maskPayer is the payer's account the host reported, as the till may keep it: its
// digits and masking stars only, masked first 6 / last 4 should the host have sent it
// in full; "-" when it sent none.
func maskPayer(payer string) string {
	kept := strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || r == '*' {
			return r
		}
		return -1
	}, payer)
	switch {
	case kept == "":
		return "-"
	case !strings.Contains(kept, "*"):
		return iso8583.MaskPAN(kept)
	}
	return kept
}

// paid hands the paid order to the sale.
func (o *mpmOrder) paid(r posmsg.Response, st posmsg.QROrderStatus) (sale.Payment, error) {
	if err := o.recordPaid(r, st); err != nil {
		_ = o.d.reverse(o.in, reasonTerminalFault, "the payment could not be recorded", nil)
		return sale.Payment{}, err
	}
	return o.d.approvedPayment(o.in, sale.UnionPayQR, qrReceipt, nil)
}

// ended settles an order the host reports closed or failed: nothing was taken.
func (o *mpmOrder) ended(st posmsg.QROrderStatus) error {
	d, in := o.d, o.in
	why := "closed"
	if st.State == posmsg.QRStateFailed {
		why = "refused " + st.Reason
	}
	d.stateMu.Lock()
	err := d.commit(KindCardQROrderClosed, in.event(why), remove(prefixIntent+in.ID))
	d.stateMu.Unlock()
	if err != nil {
		return err
	}
	d.log.Info("UnionPay QR order ended unpaid", "id", in.ID, "sale", in.SaleID, "why", why)
	if st.State == posmsg.QRStateFailed {
		return &CardDeclinedError{Code: respcode.Lookup(st.Reason), QR: true}
	}
	return fmt.Errorf("UnionPay QR order %s closed by the host: %w", in.ID, ErrWalletTimedOut)
}

// giveUp closes the order the till no longer waits for (why: "timeout" or "cashier");
// a payment the close finds is reversed, and so is the order when no close is
// confirmed.
func (o *mpmOrder) giveUp(ctx context.Context, why string) error {
	d := o.d
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mpmGiveUpBudget)
	defer cancel()
	every := d.opt.QRPollEvery
	gone := func(back string) error {
		if why == "timeout" {
			return fmt.Errorf("UnionPay QR order %s%s: %w", o.in.ID, back, ErrWalletTimedOut)
		}
		return fmt.Errorf("UnionPay QR order %s, %s%s: %w", o.in.ID, why, back, ErrWalletCancelled)
	}
	for attempt := 1; attempt <= mpmCloseAttempts; attempt++ {
		o.report(WalletProgress{Stage: WalletCancelling, Attempt: attempt})
		st, resp, err := o.ask(ctx, posmsg.QRClose)
		switch {
		case err != nil || st.State == posmsg.QRStateOpen:
			d.log.Warn("UnionPay QR order close not confirmed", "id", o.in.ID, "attempt", attempt, "err", err)
		case st.State == posmsg.QRStatePaid:
			if err := o.recordPaid(resp, st); err != nil {
				d.log.Error("late UnionPay QR payment not recorded: reversing the order", "id", o.in.ID, "err", err)
			}
			if err := d.reverse(o.in, reasonOther, "paid after the till closed the order ("+why+")", nil); err != nil {
				return err
			}
			if d.flushReversals(ctx, true) > 0 { // still queued: the sender keeps trying
				return gone(" (the money taken is being given back)")
			}
			return gone(" (the money taken was given back)")
		default:
			if err := o.ended(st); err != nil && !errors.Is(err, ErrWalletTimedOut) && !errors.Is(err, ErrCardDeclined) {
				return err
			}
			return gone("")
		}
		if attempt < mpmCloseAttempts && !waitOn(ctx, d.opt.After, every) {
			break
		}
	}
	if err := d.reverse(o.in, reasonNoResponse, "close of the QR order not confirmed", nil); err != nil {
		return err
	}
	d.flushReversals(ctx, true)
	return fmt.Errorf("%w: UnionPay QR order %s not closed: it is being reversed", ErrCardInDoubt, o.in.ID)
}

// waitOn sleeps t on the after clock; false means ctx ended first. The wallets' and
// the QR order's polling share it.
func waitOn(ctx context.Context, after func(time.Duration) <-chan time.Time, t time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-after(t):
		return true
	}
}
