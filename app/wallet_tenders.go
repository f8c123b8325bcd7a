package app

import (
	"context"
	"time"

	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// CodeTender is the tender for a payment code the customer shows (付款码), scanned
// while the tender dialog waits for it. The code is classified first: an unknown or
// malformed code is refused here (wallet.ErrUnknownCode, wallet.ErrMalformedCode) and
// never sent; a UnionPay code goes to the card acquirer (RouteUnionPayQR, the UnionPay
// QR tender of acquirer_qr.go) or, with none, is refused with ErrWalletUnionPay; a
// wallet this till does not take is refused with ErrWalletOff. progress (may be nil)
// follows the payment. For Alipay and WeChat Pay, Pay then:
//   - journals the intent, then asks the provider to charge the code;
//   - while the customer confirms on the phone (Alipay 10003, WeChat USERPAYING), and
//     whenever the answer is unclear (network error, SYSTEMERROR, 20000), queries every
//     WalletTiming.PollEvery, reporting WalletWaitingCustomer or WalletChecking;
//   - returns the payment (Ref: the out_trade_no) once paid, or a WalletDeclinedError;
//   - when the customer takes too long (60 s Alipay, 30 s WeChat) or ctx is cancelled
//     (the cashier's Cancel), cancels the trade, retrying while the provider asks, and
//     returns ErrWalletTimedOut or ErrWalletCancelled; a payment that went through
//     meanwhile is given back by the cancel. If the provider never confirms, it returns
//     ErrWalletInDoubt and the sales gate holds the till until ResolvePending settles it.
func (w *Wallets) CodeTender(scan string, progress func(WalletProgress)) (Tender, error) {
	p, err := wallet.ClassifyCode(scan)
	if err != nil {
		w.log.Info("payment code refused", "code", wallet.MaskCode(scan), "err", err)
		return nil, err
	}
	if p == wallet.UnionPay { // refused with ErrWalletUnionPay without an acquirer
		return w.unionPayQR().QRTender(scan, progress)
	}
	api, err := w.apiFor(walletMethodOf(p))
	if err != nil {
		return nil, err
	}
	return &walletCodeTender{w: w, api: api, code: scan, progress: progress}, nil
}

// walletCodeTender takes one customer-presented code.
type walletCodeTender struct {
	w        *Wallets
	api      walletAPI
	code     string
	progress func(WalletProgress)
}

// Method is the code's wallet.
func (t *walletCodeTender) Method() sale.Method { return t.api.method() }

// Pay charges the code req.Amount (see CodeTender).
func (t *walletCodeTender) Pay(ctx context.Context, req PayRequest) (sale.Payment, error) {
	w := t.w
	p := w.newPayment(t.api, walletFlowCode, req, t.progress)
	p.in.Code = wallet.MaskCode(t.code)
	p.order.AuthCode = t.code
	w.claim(p.in.OutTradeNo)
	defer w.release(p.in.OutTradeNo)
	if err := w.record(KindWalletIntent, &p.in, walletSent, ""); err != nil {
		return sale.Payment{}, err // nothing was sent
	}
	deadline := w.now().Add(w.waitFor(p.in.Method))
	p.report(WalletProgress{Stage: WalletSending})
	res, err := t.api.call(ctx, wallet.OpPay, p.order)
	return p.follow(ctx, wallet.OpPay, res, err, deadline)
}

// QRTender is the tender for a dynamic order QR code the customer scans (Alipay
// precreate, WeChat NATIVE) for method sale.Alipay or sale.WeChat. Pay journals the
// intent, asks the provider for the order's code, reports it with WalletShowQR
// (WalletProgress.CodeURL: draw it as a QR code, on screen and on the receipt
// printer), then queries every PollEvery until it is paid, refused on the phone, or
// the configured QR timeout passes or ctx is cancelled; then it closes the order
// (giving back a payment that arrived meanwhile) and returns ErrWalletTimedOut or
// ErrWalletCancelled. Errors as for CodeTender.
func (w *Wallets) QRTender(method sale.Method, progress func(WalletProgress)) (Tender, error) {
	api, err := w.apiFor(method)
	if err != nil {
		return nil, err
	}
	return &walletQRTender{w: w, api: api, progress: progress}, nil
}

// walletQRTender shows one dynamic order QR code.
type walletQRTender struct {
	w        *Wallets
	api      walletAPI
	progress func(WalletProgress)
}

// Method is the QR code's wallet.
func (t *walletQRTender) Method() sale.Method { return t.api.method() }

// Pay shows a QR code for req.Amount and waits for it to be paid (see QRTender).
func (t *walletQRTender) Pay(ctx context.Context, req PayRequest) (sale.Payment, error) {
	w := t.w
	p := w.newPayment(t.api, walletFlowQR, req, t.progress)
	// The provider's own expiry comes later than the till's (which closes the order
	// itself): WeChat wants time_expire at least 5 minutes ahead.
	p.order.Timeout, p.order.NotifyURL = max(w.timing.QRWait+time.Minute, 5*time.Minute), w.cfg.WeChat.NotifyURL
	w.claim(p.in.OutTradeNo)
	defer w.release(p.in.OutTradeNo)
	if err := w.record(KindWalletIntent, &p.in, walletSent, ""); err != nil {
		return sale.Payment{}, err
	}
	p.report(WalletProgress{Stage: WalletSending})
	res, err := p.insist(ctx, wallet.OpPrecreate, p.order, WalletSending)
	switch {
	case ctx.Err() != nil:
		return sale.Payment{}, p.giveUp(ctx, "cashier")
	case err != nil: // maybe made, never shown: nobody can pay it, but close it to be sure
		return sale.Payment{}, p.giveUp(ctx, "no_answer")
	case res.Outcome == wallet.OutcomeFailed:
		if err := w.move(&p.in, walletFailed, res.Reason); err != nil {
			return sale.Payment{}, err
		}
		return sale.Payment{}, &WalletDeclinedError{Method: p.in.Method, Reason: res.Reason, Message: res.Message}
	}
	p.codeURL = res.CodeURL
	return p.follow(ctx, wallet.OpPrecreate, res, nil, w.now().Add(w.timing.QRWait))
}

// RouteUnionPayQR sends the UnionPay QR payment codes CodeTender is given to card
// payments, which charge them through the acquirer; their refunds go there too
// (RegisterRefunders). The session calls it once both are started.
func (w *Wallets) RouteUnionPayQR(cards *CardPayments) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.unionPay = cards
}

// unionPayQR is where UnionPay QR codes go, or nil.
func (w *Wallets) unionPayQR() *CardPayments {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.unionPay
}

// TakesUnionPayQR reports whether CodeTender takes UnionPay QR payment codes: they are
// routed to card payments, which reach an acquirer.
func (w *Wallets) TakesUnionPayQR() bool { return w != nil && w.unionPayQR().TakesUnionPayQR() }
