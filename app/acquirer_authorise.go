package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tilldesk/app/acquirer"
	"tilldesk/core/emv/kernel"
	"tilldesk/core/emv/tlv"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/iso8583/respcode"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// Reversal reasons (DE39 of a 0400), posmsg's.
const (
	reasonNoResponse    = posmsg.ReasonNoResponse    // no (usable) answer in time
	reasonTerminalFault = posmsg.ReasonTerminalFault // the till could not complete
	reasonMAC           = posmsg.ReasonResponseMAC   // the answer's MAC failed
	reasonOther         = posmsg.ReasonOther         // the card declined, or the sale was abandoned
)

// field60Chip is DE60 after the batch for chip transactions, as the published
// UnionPay chip sale sends it.
const field60Chip = "000600"

// authAttempt is one payment's authorisation with the acquirer, whatever read the
// card (the EMV kernel, or the scanner for a UnionPay QR code): each request is
// journaled as an intent, then sent; an exchange in doubt is reversed, a request that
// never left ends its intent.
type authAttempt struct {
	d      *CardPayments
	saleID string
	amount money.Amount

	intent  *cardIntent   // the last authorisation sent; nil when none went out
	code    respcode.Code // the host's answer to it
	linkErr error         // the exchange failed
	failed  error         // the till could not record a step: the payment fails
	qr      bool          // a UnionPay QR payment: its refusals say so
	// onAnswer records the host's answer; CardPayments.answered when nil (a QR order
	// records its own, acquirer_mpm.go).
	onAnswer func(*cardIntent, posmsg.Response) error
}

// cardAuthorisation is the acquirer link of one card payment as the EMV kernel sees
// it (kernel.Host).
type cardAuthorisation struct {
	authAttempt
	iface kernel.Interface
	stage func(CardStage)
}

// Authorise sends the kernel's authorisation request as a 0200 and returns the
// issuer's answer. An error means the kernel completes as unable to go online; the
// tender then decides (an exchange in doubt is reversed, never approved offline).
func (a *cardAuthorisation) Authorise(ctx context.Context, req *kernel.OnlineRequest) (kernel.OnlineResponse, error) {
	a.stage(CardProcessing)
	pan, track2 := req.AuthorisationCardData()
	clear(track2) // chip data go in DE55; track 2 is not sent
	pin := posmsg.PIN{}
	if p := req.PIN; p != nil {
		// A format 0 block (TDES DUKPT) goes in DE52, a format 4 block (AES DUKPT) in
		// DE62 with its KSN; posmsg refuses any other size, failing the payment.
		pin.Block, pin.KSN = p.Block, p.KSN
		if pin.Format() != p.Format {
			return kernel.OnlineResponse{}, fmt.Errorf("card authorisation: the PIN pad says format %d but sent a block of %d bytes: %w",
				p.Format, len(p.Block), posmsg.ErrValue)
		}
	}
	resp, err := a.sendSigningOn(ctx, cardInfoOf(req.MaskedPAN, req.ICCData), func(meta linkMeta) (iso8583.Message, error) {
		return posmsg.Sale{CardTransaction: posmsg.CardTransaction{Terminal: a.d.terminal(), STAN: meta.STAN, Batch: meta.Batch,
			Amount: posmsg.Amount(a.amount), PIN: pin, ICC: req.ICCData, Field60Rest: field60Chip,
			Card: posmsg.Card{PAN: pan, Expiry: req.Expiry, SequenceNumber: sequence3(req.PANSequence), EntryMode: entryMode(a.iface, req.PIN != nil)}}}.Message()
	})
	if err != nil {
		return kernel.OnlineResponse{}, err
	}
	return onlineResponse(resp), nil
}

// sendSigningOn sends the request build makes and, when the host asks the till to
// sign on again, signs on and sends a new one (once): the first was declined.
func (a *authAttempt) sendSigningOn(ctx context.Context, card cardInfo, build func(linkMeta) (iso8583.Message, error)) (posmsg.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := a.send(ctx, card, build)
		if err != nil {
			return posmsg.Response{}, err
		}
		if a.code.Action == respcode.SignOn && attempt == 0 && a.d.signOnAgain(ctx) == nil {
			continue
		}
		return resp, nil
	}
}

// send journals the intent of the request build makes (for the STAN it is given) and
// exchanges it.
func (a *authAttempt) send(ctx context.Context, card cardInfo, build func(linkMeta) (iso8583.Message, error)) (posmsg.Response, error) {
	d := a.d
	in, msg, err := d.newIntent(a.saleID, a.amount, card, build)
	if err != nil {
		a.failed = err
		return posmsg.Response{}, err
	}
	a.intent = in
	cardTestHook("sale.sending")
	ans, err := d.exchange(ctx, msg)
	clear(msg.Fields[2])  // the card number
	clear(msg.Fields[62]) // a QR payment code
	if err != nil {
		a.linkErr = err
		if acquirer.InDoubt(err) {
			if rerr := d.reverse(in, reversalReason(err), "no usable answer: "+err.Error(), nil); rerr != nil {
				a.failed = rerr
			}
		} else if nerr := d.notSent(in, err); nerr != nil {
			a.failed = nerr
		} else {
			a.intent = nil
		}
		return posmsg.Response{}, err
	}
	cardTestHook("sale.answered")
	a.code = ans.Response.Result()
	record := a.onAnswer
	if record == nil {
		record = d.answered
	}
	if err := record(in, ans.Response); err != nil {
		a.failed = err
		return posmsg.Response{}, err
	}
	cardTestHook("sale.recorded")
	return ans.Response, nil
}

// refusal is the outcome of an attempt that took nothing whatever the card says: the
// till could not record a step (an approval is then reversed, with icc for the
// 0400), the authorisation is being reversed, or the host declined it. It is nil when
// the last authorisation is approved (intent set) or none reached the host.
func (a *authAttempt) refusal(icc []byte) error {
	d, in := a.d, a.intent
	if a.failed != nil {
		if in != nil && in.State == intentApproved {
			_ = d.reverse(in, reasonTerminalFault, "the approval could not be recorded", icc)
		}
		return a.failed
	}
	switch {
	case in != nil && in.State == intentReversalDue:
		if a.linkErr != nil {
			return fmt.Errorf("%w: %w", ErrCardInDoubt, a.linkErr)
		}
		return &CardDeclinedError{Code: a.code, Reason: "the host's answer asks for a reversal", QR: a.qr}
	case in != nil && in.State != intentApproved:
		return &CardDeclinedError{Code: a.code, QR: a.qr}
	}
	return nil
}

// reversalReason is the 0400's DE39 for a failed exchange.
func reversalReason(err error) string {
	if errors.Is(err, acquirer.ErrMAC) {
		return reasonMAC
	}
	return reasonNoResponse
}

// onlineResponse is the host's answer as the kernel takes it: the ARPC (91) and the
// issuer script templates (71, 72) from DE55.
func onlineResponse(r posmsg.Response) kernel.OnlineResponse {
	out := kernel.OnlineResponse{Approved: r.Result().Approved(), ResponseCode: r.ResponseCode, AuthorisationCode: r.AuthCode}
	objs, err := tlv.Decode(r.ICC)
	if err != nil {
		return out // no issuer data: the kernel's issuer authentication fails, as it should
	}
	for _, o := range objs {
		switch o.Tag {
		case 0x91:
			out.IssuerAuthenticationData = o.Value
		case 0x71, 0x72:
			out.IssuerScripts, _ = o.AppendTo(out.IssuerScripts)
		}
	}
	return out
}

// newIntent builds the request (build makes it for the STAN reserved) and journals
// its intent, with the STAN it takes, before anything is sent.
func (d *CardPayments) newIntent(saleID string, amount money.Amount, card cardInfo, build func(linkMeta) (iso8583.Message, error)) (*cardIntent, iso8583.Message, error) {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	meta, stanChange, err := d.reserveSTAN()
	if err != nil {
		return nil, iso8583.Message{}, err
	}
	msg, err := build(meta)
	if err != nil {
		return nil, iso8583.Message{}, fmt.Errorf("card payment: build the authorisation: %w", err)
	}
	in := &cardIntent{cardTxnHead: d.head(saleID, amount, meta, card), Kind: txnSale, State: intentSent, Original: reversalFields(msg)}
	change, err := put(prefixIntent+in.ID, in)
	if err != nil {
		return nil, iso8583.Message{}, err
	}
	if err := d.commit(KindCardIntent, in.event(""), stanChange, change); err != nil {
		return nil, iso8583.Message{}, err
	}
	cardTestHook("intent.committed")
	return in, msg, nil
}

// head starts the record of a transaction taking meta's STAN.
func (d *CardPayments) head(saleID string, amount money.Amount, meta linkMeta, card cardInfo) cardTxnHead {
	return cardTxnHead{ID: transactionID(meta.Batch, meta.STAN), SaleID: saleID, Amount: amount, STAN: meta.STAN, Batch: meta.Batch,
		Card: card, Created: d.opt.Now().UTC()}
}

// reversedFields are the request fields a reversal repeats that the till may keep:
// posmsg's list without the card number (DE2) and expiry (DE14).
var reversedFields = []int{3, 4, 11, 22, 23, 25, 41, 42, 49, 60, 61}

func reversalFields(m iso8583.Message) map[int][]byte {
	out := map[int][]byte{}
	for _, n := range reversedFields {
		if v, ok := m.Fields[n]; ok {
			out[n] = append([]byte(nil), v...)
		}
	}
	return out
}

// answered records the host's answer to an intent: an approval waits for the sale, a
// code that asks for it is reversed, a decline ends the intent.
func (d *CardPayments) answered(in *cardIntent, r posmsg.Response) error {
	code := r.Result()
	in.Code = r.ResponseCode
	switch {
	case code.Reverse:
		return d.reverse(in, reasonOther, "the host answered "+code.Code+" ("+code.Meaning+")", nil)
	case code.Approved():
		return d.saveIntent(in, KindCardAuthorised, "", func() { in.State, in.RRN, in.AuthCode = intentApproved, r.RRN, r.AuthCode })
	}
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	in.State = "declined"
	d.log.Info("card authorisation declined", "sale", in.SaleID, "card", in.Card.MaskedPAN, "code", code.Code, "meaning", code.Meaning)
	return d.commit(KindCardDeclined, in.event(code.Meaning), remove(prefixIntent+in.ID))
}

// saveIntent changes an intent (set runs under the state lock) and records it with
// its journal record of kind (why in its event) in one write.
func (d *CardPayments) saveIntent(in *cardIntent, kind, why string, set func()) error {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	set()
	change, err := put(prefixIntent+in.ID, in)
	if err != nil {
		return err
	}
	return d.commit(kind, in.event(why), change)
}

// signOnAgain signs on again because the host asked for it (a response code whose
// action is sign-on).
func (d *CardPayments) signOnAgain(ctx context.Context) error {
	d.signedOn.Store(false)
	return d.SignOn(ctx, "")
}

// notSent ends an intent whose request never left the till.
func (d *CardPayments) notSent(in *cardIntent, cause error) error {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	return d.commit(KindCardNotSent, in.event(cause.Error()), remove(prefixIntent+in.ID))
}

// reverse makes an intent due for reversal (retried until the host acknowledges).
func (d *CardPayments) reverse(in *cardIntent, reason, why string, icc []byte) error {
	err := d.saveIntent(in, KindCardReversalDue, why, func() {
		in.State, in.Reason, in.Why, in.ICC, in.NextTry = intentReversalDue, reason, why, icc, d.opt.Now().UTC()
	})
	d.log.Warn("card payment to be reversed", "id", in.ID, "sale", in.SaleID, "card", in.Card.MaskedPAN, "amount", in.Amount.Plain(), "reason", reason, "why", why)
	d.Kick()
	return err
}

// approvedPayment is the payment (of method) of an approved intent; the receipt's
// data (receiptOf the payment's reference) are kept with the intent until the sale
// completes.
func (d *CardPayments) approvedPayment(in *cardIntent, method sale.Method, receiptOf func(cardRef) CardReceipt, icc []byte) (sale.Payment, error) {
	ref := cardRef{Brand: in.Card.Brand, MaskedPAN: in.Card.MaskedPAN, AuthCode: in.AuthCode, RRN: in.RRN, Batch: in.Batch, STAN: in.STAN, Date: in.Created.Format("0102")}
	r := receiptOf(ref)
	d.stateMu.Lock()
	in.Receipt = &r
	change, err := put(prefixIntent+in.ID, in)
	if err == nil {
		err = d.journal().PutState(change)
	}
	d.stateMu.Unlock()
	if err != nil {
		_ = d.reverse(in, reasonTerminalFault, "the approval could not be recorded", icc)
		return sale.Payment{}, fmt.Errorf("card payment %w: %v", ErrNotRecorded, err)
	}
	d.log.Info("card payment approved", "method", method, "sale", in.SaleID, "card", in.Card.MaskedPAN, "amount", in.Amount.Plain(), "rrn", string(in.RRN), "id", in.ID)
	return sale.Payment{Method: method, Amount: in.Amount, Ref: ref.String(), At: d.opt.Now().UTC()}, nil
}

// storeAdvice keeps an offline approval, held until its sale completes.
func (d *CardPayments) storeAdvice(a *cardAuthorisation, res *kernel.Result) (*pendingAdvice, error) {
	pan, _ := res.AuthorisationCardData()
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	meta, stanChange, err := d.reserveSTAN()
	if err != nil {
		return nil, err
	}
	id := transactionID(meta.Batch, meta.STAN)
	sealed, err := d.opt.Seal(adviceSecretName(id), []byte(pan))
	if err != nil {
		return nil, fmt.Errorf("card payment: seal the offline sale's card number: %w", err)
	}
	adv := &pendingAdvice{cardTxnHead: d.head(a.saleID, a.amount, meta, cardInfoOf(res.MaskedPAN, res.AuthorisationData)), State: adviceHeld,
		SealedPAN: sealed, Expiry: res.Expiry, Sequence: res.PANSequence, EntryMode: entryMode(res.Interface, false),
		ICC: res.ClearingData, AuthCode: res.AuthorisationCode}
	if len(adv.Card.Brand) == 0 || adv.Card.Brand == "Card" {
		adv.Card.Brand = brandOfAID(res.AID)
	}
	ref := cardRef{Brand: adv.Card.Brand, MaskedPAN: adv.Card.MaskedPAN, AuthCode: adv.AuthCode, Batch: adv.Batch, STAN: adv.STAN, Date: adv.Created.Format("0102")}
	r := cardReceiptOf(res, ref, true)
	adv.Receipt = &r
	change, err := put(prefixAdvice+id, adv)
	if err != nil {
		return nil, err
	}
	if err := d.commit(KindCardAdviceStored, adv.event("approved offline by the card"), stanChange, change); err != nil {
		return nil, err
	}
	return adv, nil
}

// adviceSecretName is what an advice's card number is sealed under.
func adviceSecretName(id string) string { return "acquirer.advice/" + id }

// entryMode is DE22 for a chip read through iface, with or without an online PIN.
func entryMode(iface kernel.Interface, pin bool) string {
	switch {
	case iface == kernel.Contactless && pin:
		return posmsg.EntryContactlessPIN
	case iface == kernel.Contactless:
		return posmsg.EntryContactlessNoPIN
	case pin:
		return posmsg.EntryChipPIN
	}
	return posmsg.EntryChipNoPIN
}

// sequence3 is DE23 (three digits) from the card's two-digit PAN sequence number.
func sequence3(seq string) string {
	if len(seq) != 2 {
		return ""
	}
	return "0" + seq
}

// cardInfoOf describes a card from its masked number and its chip data (the AID in
// tag 84 names the brand).
func cardInfoOf(masked string, icc []byte) cardInfo {
	var aid []byte
	if objs, err := tlv.Decode(icc); err == nil {
		if o, ok := tlv.Find(objs, 0x84); ok {
			aid = o.Value
		}
	}
	return cardInfo{MaskedPAN: masked, Brand: brandOfAID(aid), Domestic: strings.HasPrefix(masked, "62")}
}

// brandOfAID names the scheme of an application by its RID.
func brandOfAID(aid []byte) string {
	rid := fmt.Sprintf("%X", aid)
	for prefix, brand := range map[string]string{"A000000333": "UnionPay", "A000000003": "Visa", "A000000004": "Mastercard",
		"A000000025": "Amex", "A000000065": "JCB", "A000000152": "Discover"} {
		if strings.HasPrefix(rid, prefix) {
			return brand
		}
	}
	return "Card"
}
