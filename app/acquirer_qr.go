package app

import (
	"context"
	"errors"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// UnionPay QR payments (银联二维码) at the till: the customer's C2B payment code (19
// digits from 62, core/wallet classifies it), scanned like an Alipay or WeChat Pay
// code, is charged through the card acquirer with a QR sale (posmsg.QRSale, as the
// published UnionPay QR capture) rather than a wallet's HTTP API. Everything after the
// request is card payments' own machinery (authAttempt): the intent is journaled
// before the request leaves, an answer in doubt is reversed, the approval waits for
// its sale and joins the open batch (settlement totals, as a domestic "内卡"
// transaction), a start-up resolution reverses what a stopped till left, an abandoned
// sale's payment is reversed (cardReverser), and refunds void or refund it through
// the acquirer (refundPayment) with no card to present: the QR payment names its
// original by RRN, batch and trace.
//
// The payment is sale.UnionPayQR; its Ref reads
//
//	UnionPay QR 621234*********5678 auth:123456 rrn:000000100002 ref:000001/000013/1126
//
// (the code masked, first 6 and last 4) and the receipt shows the same fields.

// qrBrand is the brand word(s) of a UnionPay QR payment's Ref and receipt.
const qrBrand = "UnionPay QR"

// qrEntryMode is CardReceipt.EntryMode of a UnionPay QR payment.
const qrEntryMode = "QR"

// viaAcquirer reports whether payments of method m go through card payments.
func viaAcquirer(m sale.Method) bool { return m == sale.Card || m == sale.UnionPayQR }

// TakesUnionPayQR reports whether the till reaches an acquirer for UnionPay QR codes:
// a host configured, registered, or the demo sandbox.
func (d *CardPayments) TakesUnionPayQR() bool { return d != nil && d.address() != "" }

// QRTender is the tender of the customer's UnionPay QR payment code, scanned at the
// till; progress (may be nil) hears WalletSending while the acquirer is asked. A code
// that is not a UnionPay one is refused (wallet.ErrUnknownCode, ErrMalformedCode) and
// never sent; without an acquirer (d may be nil) it refuses with ErrWalletUnionPay.
func (d *CardPayments) QRTender(code string, progress func(WalletProgress)) (Tender, error) {
	p, err := wallet.ClassifyCode(code)
	switch {
	case err != nil:
		return nil, err
	case p != wallet.UnionPay:
		return nil, wallet.ErrUnknownCode
	case !d.TakesUnionPayQR():
		return nil, ErrWalletUnionPay
	}
	if progress == nil {
		progress = func(WalletProgress) {}
	}
	return &unionPayQRTender{d: d, code: code, progress: progress}, nil
}

// unionPayQRTender takes one UnionPay QR payment code.
type unionPayQRTender struct {
	d        *CardPayments
	code     string
	progress func(WalletProgress)
}

// Method is sale.UnionPayQR.
func (*unionPayQRTender) Method() sale.Method { return sale.UnionPayQR }

// Pay charges the code req.Amount: approved, declined (CardDeclinedError with QR
// set), or, when the answer is in doubt, reversed and refused with ErrCardInDoubt.
// Once the request is on its way, cancelling ctx no longer stops it: a customer
// whose phone already paid is not charged and refunded because the cashier pressed
// Cancel. The exchange is bounded by the link's own timeouts.
func (t *unionPayQRTender) Pay(ctx context.Context, req PayRequest) (sale.Payment, error) {
	d := t.d
	if err := d.readyForSale(ctx); err != nil {
		return sale.Payment{}, err
	}
	defer d.changed()
	masked := iso8583.MaskPAN(t.code)
	t.progress(WalletProgress{Stage: WalletSending, Method: sale.UnionPayQR, Amount: req.Amount})
	a := &authAttempt{d: d, saleID: req.SaleID, amount: req.Amount, qr: true}
	_, _ = a.sendSigningOn(context.WithoutCancel(ctx), cardInfo{MaskedPAN: masked, Brand: qrBrand, Domestic: true}, func(meta linkMeta) (iso8583.Message, error) {
		now := d.opt.Now()
		return posmsg.QRSale{Terminal: d.terminal(), STAN: meta.STAN, Batch: meta.Batch, Amount: posmsg.Amount(req.Amount),
			QR: posmsg.QRData{Code: t.code, Time: now.Format("150405"), Date: now.Format("060102"), Marker: posmsg.QRMarker}}.Message()
	})
	if err := a.refusal(nil); err != nil {
		var de *CardDeclinedError
		if errors.As(err, &de) {
			d.log.Info("UnionPay QR payment declined", "sale", req.SaleID, "code", masked, "response", de.Code.Code)
		}
		return sale.Payment{}, err
	}
	if a.intent == nil { // never reached the host: nothing was taken
		return sale.Payment{}, a.linkErr
	}
	return d.approvedPayment(a.intent, sale.UnionPayQR, qrReceipt, nil)
}

// qrReceipt is a UnionPay QR payment's receipt data.
func qrReceipt(ref cardRef) CardReceipt {
	return CardReceipt{Ref: ref.String(), Brand: ref.Brand, MaskedPAN: ref.MaskedPAN, EntryMode: qrEntryMode, AuthCode: ref.AuthCode,
		RRN: string(ref.RRN), ResponseCode: "00", Batch: ref.Batch.String(), Trace: ref.STAN.String()}
}

// QRRefunder is the TenderRefunder of UnionPay QR payments (register it with
// Refunds.Register): a whole payment of the open batch is voided, anything else
// refunded, through the acquirer; nothing is asked of the customer.
func (d *CardPayments) QRRefunder() TenderRefunder { return qrRefunder{d} }

type qrRefunder struct{ d *CardPayments }

// Method is sale.UnionPayQR.
func (qrRefunder) Method() sale.Method { return sale.UnionPayQR }

// Refund voids or refunds req.Amount of the QR payment req.OriginalRef.
func (r qrRefunder) Refund(ctx context.Context, req TenderRefundRequest) (string, error) {
	return r.d.refundPayment(ctx, req, func(orig cardRef) (refundCard, error) {
		if orig.Brand != qrBrand {
			return refundCard{}, ErrNotCardRef
		}
		return refundCard{entry: posmsg.EntryQR, info: cardInfo{MaskedPAN: orig.MaskedPAN, Brand: qrBrand, Domestic: true}}, nil
	})
}
