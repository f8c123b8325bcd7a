package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"tilldesk/app/acquirer"
	"tilldesk/core/emv/kernel"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// Card refunds go back to the card the sale was paid with, which the customer
// presents again (its number is read for DE2 and checked against the sale's masked
// number): a whole sale of the open batch is voided (0200, reversed like a sale when
// in doubt), anything else is refunded (0220, resent with the same STAN when in doubt,
// which the host answers once). Each refund is idempotent by its key.

// cardRefund is a card refund by its idempotency key.
type cardRefund struct {
	Key    string             `json:"key"`
	Kind   string             `json:"kind"` // txnVoid or txnRefund
	State  string             `json:"state"`
	STAN   posmsg.STAN        `json:"stan"`
	Batch  posmsg.BatchNumber `json:"batch"`
	Amount money.Amount       `json:"amount"`
	Ref    string             `json:"ref,omitempty"`
}

const (
	refundSent = "sent"
	refundDone = "done"
)

// Refunder is the card TenderRefunder (register it with Refunds.Register); stage
// shows the cashier when to present the card (nil ignores it).
func (d *CardPayments) Refunder(stage func(CardStage)) TenderRefunder {
	if stage == nil {
		stage = func(CardStage) {}
	}
	return cardRefunder{d: d, stage: stage}
}

type cardRefunder struct {
	d     *CardPayments
	stage func(CardStage)
}

// Method is sale.Card.
func (cardRefunder) Method() sale.Method { return sale.Card }

// Refund voids or refunds req.Amount of the payment req.OriginalRef, with the card
// the customer presents again.
func (r cardRefunder) Refund(ctx context.Context, req TenderRefundRequest) (string, error) {
	return r.d.refundPayment(ctx, req, func(orig cardRef) (refundCard, error) {
		term, err := r.d.terminalFor()
		if err != nil {
			return refundCard{}, err
		}
		pan, card, err := term.readCardNumber(ctx, req.Amount, r.stage)
		term.release(r.d.log)
		if err != nil {
			return refundCard{}, err
		}
		if iso8583.MaskPAN(pan) != orig.MaskedPAN {
			return refundCard{}, fmt.Errorf("%w (%s, the sale was paid with %s)", ErrWrongCard, iso8583.MaskPAN(pan), orig.MaskedPAN)
		}
		r.stage(CardProcessing)
		return refundCard{pan: pan, entry: posmsg.EntryChipNoPIN, info: card}, nil
	})
}

// refundCard is how a refund names the card paid back: its number read again, or
// none for a UnionPay QR payment (DE22 030).
type refundCard struct {
	pan   string
	entry string // DE22
	info  cardInfo
}

// refundPayment voids or refunds req.Amount of the payment req.OriginalRef: the card
// comes from present once the refund is known to be due.
func (d *CardPayments) refundPayment(ctx context.Context, req TenderRefundRequest, present func(orig cardRef) (refundCard, error)) (string, error) {
	sum := sha256.Sum256([]byte(req.Key))
	key := prefixRefund + hex.EncodeToString(sum[:16])
	prev, found, err := getEntry[cardRefund](d.journal(), key)
	if err != nil {
		return "", err
	}
	if found && prev.State == refundDone {
		return prev.Ref, nil
	}
	orig, err := parseCardRef(req.OriginalRef)
	if err != nil {
		return "", err
	}
	if err := d.readyForSale(ctx); err != nil {
		return "", err
	}
	card, err := present(orig)
	if err != nil {
		return "", err
	}
	txn, inBatch, err := getEntry[batchTxn](d.journal(), txnKey(orig.Batch, orig.STAN))
	if err != nil {
		return "", err
	}
	current, err := d.meta()
	if err != nil {
		return "", err
	}
	if !found && inBatch && orig.Batch == current.Batch && txn.Kind == txnSale && !txn.Voided && txn.Refunded == 0 && txn.Amount == req.Amount {
		return d.void(ctx, key, req, orig, txn, card)
	}
	if found && prev.Kind == txnVoid { // the void is being reversed: its reversal ends this state
		return "", fmt.Errorf("refund %s: an earlier void of this payment is still in doubt: %w", req.RefundID, ErrReversalPending)
	}
	return d.refund(ctx, key, prev, req, orig, card)
}

// readCardNumber runs the card once as a refund (never online, no PIN asked) to read
// its number.
func (t *CardTerminal) readCardNumber(ctx context.Context, amount money.Amount, stage func(CardStage)) (string, cardInfo, error) {
	stage(CardPresent)
	card, iface, err := t.Cards.PresentCard(ctx, true)
	if err != nil {
		return "", cardInfo{}, fmt.Errorf("card reader: %w", err)
	}
	stage(CardReading)
	read := *t
	read.PINPad = nil
	res, err := read.run(ctx, card, kernel.Request{Amount: int64(amount), Type: kernel.TypeRefund, Interface: iface}, readOnlyHost{}, stage, nil)
	if res == nil {
		return "", cardInfo{}, fmt.Errorf("%w: %w", ErrCardTerminated, err)
	}
	defer res.ClearCardData()
	pan, _ := res.AuthorisationCardData()
	if pan == "" {
		return "", cardInfo{}, fmt.Errorf("%w: the card's number could not be read: %v", ErrCardTerminated, err)
	}
	info := cardInfoOf(res.MaskedPAN, nil)
	info.Brand = brandOfAID(res.AID)
	return pan, info, nil
}

// readOnlyHost refuses to go online: a card read for a refund authorises nothing.
type readOnlyHost struct{}

func (readOnlyHost) Authorise(context.Context, *kernel.OnlineRequest) (kernel.OnlineResponse, error) {
	return kernel.OnlineResponse{}, errors.New("card read for a refund: not sent")
}

// void cancels a whole sale of the open batch (0200, processing code 200000).
func (d *CardPayments) void(ctx context.Context, key string, req TenderRefundRequest, orig cardRef, txn batchTxn, card refundCard) (string, error) {
	d.stateMu.Lock()
	meta, stanChange, err := d.reserveSTAN()
	var msg iso8583.Message
	if err == nil {
		msg, err = posmsg.Void{CardTransaction: posmsg.CardTransaction{Terminal: d.terminal(), STAN: meta.STAN, Batch: meta.Batch,
			Amount: posmsg.Amount(req.Amount), Field60Rest: field60Chip, Card: posmsg.Card{PAN: card.pan, EntryMode: card.entry}},
			OriginalRRN: orig.RRN, OriginalAuthCode: orig.AuthCode, Original: posmsg.Original{Batch: orig.Batch, STAN: orig.STAN}}.Message()
	}
	in := &cardIntent{cardTxnHead: d.head(txn.SaleID, req.Amount, meta, txn.Card), Kind: txnVoid, State: intentSent,
		Original: reversalFields(msg), Voids: txnKey(orig.Batch, orig.STAN), RefundKey: key}
	var changes []journal.StateChange
	if err == nil {
		changes, err = puts(map[string]any{prefixIntent + in.ID: in,
			key: cardRefund{Key: req.Key, Kind: txnVoid, State: refundSent, STAN: meta.STAN, Batch: meta.Batch, Amount: req.Amount}})
	}
	if err == nil {
		err = d.commit(KindCardIntent, in.event("void of "+orig.id()), append(changes, stanChange)...)
	}
	d.stateMu.Unlock()
	if err != nil {
		return "", err
	}
	ans, err := d.exchange(ctx, msg)
	clear(msg.Fields[2])
	if err != nil {
		if acquirer.InDoubt(err) {
			return "", errors.Join(fmt.Errorf("%w: %w", ErrCardInDoubt, err), d.reverse(in, reversalReason(err), "void in doubt: "+err.Error(), nil))
		}
		return "", errors.Join(err, d.endRefund(key, d.notSent(in, err)))
	}
	code := ans.Response.Result()
	if !code.Approved() {
		if code.Reverse {
			return "", errors.Join(&CardDeclinedError{Code: code}, d.reverse(in, reasonOther, "the host answered "+code.Code, nil))
		}
		in.Code = code.Code
		d.stateMu.Lock()
		err := d.commit(KindCardDeclined, in.event(code.Meaning), remove(prefixIntent+in.ID), remove(key))
		d.stateMu.Unlock()
		return "", errors.Join(&CardDeclinedError{Code: code}, err)
	}
	ref := cardRef{Brand: card.info.Brand, MaskedPAN: in.Card.MaskedPAN, AuthCode: ans.Response.AuthCode, RRN: ans.Response.RRN, Batch: in.Batch, STAN: in.STAN, Date: in.Created.Format("0102")}
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	txn.Voided = true
	changes, err = puts(map[string]any{
		key:                           cardRefund{Key: req.Key, Kind: txnVoid, State: refundDone, STAN: in.STAN, Batch: in.Batch, Amount: req.Amount, Ref: "void " + ref.String()},
		txnKey(orig.Batch, orig.STAN): txn,
		txnKey(in.Batch, in.STAN): batchTxn{Kind: txnVoid, STAN: in.STAN, Batch: in.Batch, Amount: req.Amount, Card: in.Card, RRN: ref.RRN,
			AuthCode: ref.AuthCode, SaleID: txn.SaleID, Date: ref.Date, At: d.opt.Now().UTC()},
	})
	if err != nil {
		return "", err
	}
	in.RRN, in.AuthCode, in.Code = ref.RRN, ref.AuthCode, code.Code
	if err := d.commit(KindCardVoided, in.event("void of "+orig.id()), append(changes, remove(prefixIntent+in.ID))...); err != nil {
		return "", err
	}
	return "void " + ref.String(), nil
}

// refund returns money for an earlier sale (0220), resending an earlier attempt's
// request unchanged.
func (d *CardPayments) refund(ctx context.Context, key string, prev cardRefund, req TenderRefundRequest, orig cardRef, card refundCard) (string, error) {
	if orig.RRN == "" {
		rrn, err := d.adviceRRN(orig.id())
		if err != nil {
			return "", err
		}
		orig.RRN = rrn
	}
	d.stateMu.Lock()
	st := prev
	if st.State != refundSent {
		meta, stanChange, err := d.reserveSTAN()
		st = cardRefund{Key: req.Key, Kind: txnRefund, State: refundSent, STAN: meta.STAN, Batch: meta.Batch, Amount: req.Amount}
		var c journal.StateChange
		if err == nil {
			c, err = put(key, st)
		}
		if err == nil {
			err = d.journal().PutState(stanChange, c)
		}
		if err != nil {
			d.stateMu.Unlock()
			return "", fmt.Errorf("card refund %w: %v", ErrNotRecorded, err)
		}
	}
	d.stateMu.Unlock()
	domestic := card.info.Domestic || (len(orig.MaskedPAN) > 1 && orig.MaskedPAN[:2] == "62")
	rf := posmsg.Refund{CardTransaction: posmsg.CardTransaction{Terminal: d.terminal(), STAN: st.STAN, Batch: st.Batch, Amount: posmsg.Amount(st.Amount),
		Field60Rest: field60Chip, Card: posmsg.Card{PAN: card.pan, EntryMode: card.entry}},
		OriginalRRN: orig.RRN, Original: posmsg.Original{Batch: orig.Batch, STAN: orig.STAN, Date: orig.Date}}
	if domestic {
		rf.CardOrganization = posmsg.CardOrganizationCUP
	}
	msg, err := rf.Message()
	if err != nil {
		return "", errors.Join(err, d.endRefund(key, nil))
	}
	ans, err := d.ask(ctx, msg)
	clear(msg.Fields[2])
	if err != nil {
		if !acquirer.InDoubt(err) {
			err = errors.Join(err, d.endRefund(key, nil))
		}
		return "", err // in doubt: the retry resends it
	}
	if !ans.code.Approved() {
		return "", errors.Join(&CardDeclinedError{Code: ans.code}, d.endRefund(key, nil))
	}
	ref := cardRef{Brand: card.info.Brand, MaskedPAN: orig.MaskedPAN, AuthCode: ans.resp.AuthCode, RRN: ans.resp.RRN, Batch: st.Batch, STAN: st.STAN, Date: d.opt.Now().Format("0102")}
	st.State, st.Ref = refundDone, "refund "+ref.String()
	info := cardInfo{MaskedPAN: orig.MaskedPAN, Brand: orig.Brand, Domestic: domestic}
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	updates := map[string]any{key: st, txnKey(st.Batch, st.STAN): batchTxn{Kind: txnRefund, STAN: st.STAN, Batch: st.Batch, Amount: st.Amount,
		Card: info, RRN: ref.RRN, AuthCode: ref.AuthCode, Date: ref.Date, At: d.opt.Now().UTC()}}
	if t, ok, err := getEntry[batchTxn](d.journal(), txnKey(orig.Batch, orig.STAN)); err == nil && ok {
		t.Refunded += st.Amount
		updates[txnKey(orig.Batch, orig.STAN)] = t
	}
	changes, err := puts(updates)
	if err != nil {
		return "", err
	}
	ev := cardEvent{ID: transactionID(st.Batch, st.STAN), Amount: st.Amount, STAN: st.STAN, Batch: st.Batch, MaskedPAN: orig.MaskedPAN,
		Brand: orig.Brand, RRN: ref.RRN, AuthCode: ref.AuthCode, Code: ans.code.Code, Reason: "refund of " + orig.id() + " (" + req.RefundID + ")"}
	if err := d.commit(KindCardRefunded, ev, changes...); err != nil {
		return "", err
	}
	return st.Ref, nil
}

// endRefund forgets a refund attempt that certainly did nothing.
func (d *CardPayments) endRefund(key string, cause error) error {
	if err := d.journal().PutState(remove(key)); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// adviceRRN finds the RRN the host gave an offline sale when its advice was sent.
func (d *CardPayments) adviceRRN(id string) (posmsg.RRN, error) {
	var rrn posmsg.RRN
	err := d.journal().Each(journal.Filter{Kind: KindCardAdviceSent}, func(rec journal.Record) error {
		var ev cardEvent
		if json.Unmarshal(rec.Data, &ev) == nil && ev.ID == id && ev.RRN != "" {
			rrn = ev.RRN
			return journal.ErrStop
		}
		return nil
	})
	if err == nil && rrn == "" {
		err = fmt.Errorf("offline card sale %s has not reached the bank yet: refund it once it has", id)
	}
	return rrn, err
}

// puts are the state changes storing each value under its key.
func puts(values map[string]any) ([]journal.StateChange, error) {
	out := make([]journal.StateChange, 0, len(values))
	for k, v := range values {
		c, err := put(k, v)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
