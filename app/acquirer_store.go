package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/journal"
	"tilldesk/core/money"
)

// Card payment state lives in the journal's "acquirer" state bucket, each change
// committed with the journal record that audits it:
//
//	meta                 the last STAN used and the open batch number
//	intent/<batch>-<stan> an authorisation (sale or void) from just before it was sent
//	                     until its outcome is settled: sent, approved (waiting for
//	                     the sale to complete), or reversal_due (retried until the
//	                     host acknowledges the 0400)
//	advice/<batch>-<stan> an offline approval: held until its sale completes, then
//	                     due (sent as a 0220 with backoff until acknowledged)
//	txn/<batch>/<stan>   a transaction of the open batch, for settlement
//	refund/<hash>        a card refund by its idempotency key
//
// Journal records carry the masked card number only. The one exception to "no full
// card number at rest" is an offline approval's advice, which must name the card: its
// number is sealed (AES-GCM under the data folder's secret key) in the advice's
// state entry and erased when the host acknowledges it; the journal record of the
// advice has the masked number.
const (
	acquirerBucket = "acquirer"
	keyLinkMeta    = "meta"
	prefixIntent   = "intent/"
	prefixAdvice   = "advice/"
	prefixTxn      = "txn/"
	prefixRefund   = "refund/"
)

// Journal record kinds of card payments.
const (
	KindCardIntent        = "card.intent"         // an authorisation is about to leave the till
	KindCardAuthorised    = "card.authorised"     // the host approved it (the sale is not complete yet)
	KindCardDeclined      = "card.declined"       // the host or the card declined: nothing taken
	KindCardNotSent       = "card.not_sent"       // the host could not be reached: nothing sent
	KindCardReversalDue   = "card.reversal_due"   // it must be reversed; retried until acknowledged
	KindCardReversed      = "card.reversed"       // the host acknowledged the reversal
	KindCardAdviceStored  = "card.advice_stored"  // an offline approval, sent once its sale completes
	KindCardAdviceSent    = "card.advice_sent"    // the host acknowledged the advice
	KindCardAdviceDropped = "card.advice_dropped" // its sale did not complete: never sent
	KindCardVoided        = "card.voided"         // a void (0200) of a sale of the open batch
	KindCardRefunded      = "card.refunded"       // a refund (0220) of an earlier sale
	KindCardSignedOn      = "card.signed_on"
	KindCardSignedOff     = "card.signed_off"
)

// Intent states.
const (
	intentSent        = "sent"
	intentApproved    = "approved"
	intentReversalDue = "reversal_due"
)

// Advice states.
const (
	adviceHeld = "held" // its sale is not complete
	adviceDue  = "due"  // its sale completed: send it
)

// Transaction kinds in the open batch.
const (
	txnSale   = "sale"
	txnAdvice = "advice"
	txnVoid   = "void"
	txnRefund = "refund"
)

// cardTestHook marks the points of a card sale where the crash tests kill the till.
var cardTestHook = func(point string) {}

// linkMeta is the link's counters.
type linkMeta struct {
	STAN  posmsg.STAN        `json:"stan"`  // the last STAN used
	Batch posmsg.BatchNumber `json:"batch"` // the open batch
}

// cardTxnHead is what authorisation intents and offline advices share: the
// transaction, the card (masked) and the receipt's EMV data.
type cardTxnHead struct {
	ID      string             `json:"id"`
	SaleID  string             `json:"sale_id,omitempty"`
	Amount  money.Amount       `json:"amount"`
	STAN    posmsg.STAN        `json:"stan"`
	Batch   posmsg.BatchNumber `json:"batch"`
	Card    cardInfo           `json:"card"`
	Receipt *CardReceipt       `json:"receipt,omitempty"`
	Created time.Time          `json:"created"`
}

// retries is the bookkeeping of a message sent until the host acknowledges it.
type retries struct {
	Attempts  int       `json:"attempts,omitempty"`
	NextTry   time.Time `json:"next_try,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// failed counts a failed attempt and schedules the next.
func (r *retries) failed(now time.Time, backoff func(int) time.Duration, cause error) {
	r.Attempts++
	r.NextTry = now.Add(backoff(r.Attempts)).UTC()
	r.LastError = cause.Error()
}

// cardIntent is one authorisation request (sale or void) and what a reversal of it
// needs: the request's fields without card number, track data, PIN or chip data.
type cardIntent struct {
	cardTxnHead
	Kind     string         `json:"kind"` // txnSale or txnVoid
	State    string         `json:"state"`
	Original map[int][]byte `json:"original"` // the fields a reversal repeats
	RRN      posmsg.RRN     `json:"rrn,omitempty"`
	AuthCode string         `json:"auth_code,omitempty"`
	Code     string         `json:"response_code,omitempty"`
	Reason   string         `json:"reversal_reason,omitempty"` // DE39 of the 0400
	Why      string         `json:"why,omitempty"`             // in words
	ICC      []byte         `json:"reversal_icc,omitempty"`    // DE55 for the 0400
	// For a void: the sale's transaction key and the refund's state key.
	Voids     string `json:"voids,omitempty"`
	RefundKey string `json:"refund_key,omitempty"`
	retries
}

// cardInfo is what the till keeps of a card: never the full number.
type cardInfo struct {
	MaskedPAN string `json:"masked_pan"`
	Brand     string `json:"brand"`
	Domestic  bool   `json:"domestic"` // a UnionPay card ("内卡" in settlement)
}

// pendingAdvice is an offline approval waiting to be sent.
type pendingAdvice struct {
	cardTxnHead
	State     string `json:"state"`
	SealedPAN string `json:"sealed_pan"` // for DE2 of the 0220 only
	Expiry    string `json:"expiry,omitempty"`
	Sequence  string `json:"pan_sequence,omitempty"`
	EntryMode string `json:"entry_mode"`
	ICC       []byte `json:"icc"` // DE55 with the TC
	AuthCode  string `json:"auth_code,omitempty"`
	retries
}

// batchTxn is a transaction of the open batch, counted at settlement.
type batchTxn struct {
	Kind     string             `json:"kind"`
	STAN     posmsg.STAN        `json:"stan"`
	Batch    posmsg.BatchNumber `json:"batch"`
	Amount   money.Amount       `json:"amount"`
	Card     cardInfo           `json:"card"`
	RRN      posmsg.RRN         `json:"rrn,omitempty"`
	AuthCode string             `json:"auth_code,omitempty"`
	SaleID   string             `json:"sale_id,omitempty"`
	Voided   bool               `json:"voided,omitempty"`   // a sale voided later in the batch
	Refunded money.Amount       `json:"refunded,omitempty"` // refunded so far (0220)
	Date     string             `json:"date"`               // MMDD of the transaction
	Receipt  *CardReceipt       `json:"receipt,omitempty"`
	At       time.Time          `json:"at"`
}

// cardEvent is the data of a card journal record.
type cardEvent struct {
	ID        string             `json:"id"`
	SaleID    string             `json:"sale_id,omitempty"`
	Amount    money.Amount       `json:"amount"`
	STAN      posmsg.STAN        `json:"stan"`
	Batch     posmsg.BatchNumber `json:"batch"`
	MaskedPAN string             `json:"masked_pan,omitempty"`
	Brand     string             `json:"brand,omitempty"`
	RRN       posmsg.RRN         `json:"rrn,omitempty"`
	AuthCode  string             `json:"auth_code,omitempty"`
	Code      string             `json:"response_code,omitempty"`
	Reason    string             `json:"reason,omitempty"`
	Attempts  int                `json:"attempts,omitempty"`
}

func (h *cardTxnHead) event(reason string) cardEvent {
	return cardEvent{ID: h.ID, SaleID: h.SaleID, Amount: h.Amount, STAN: h.STAN, Batch: h.Batch, MaskedPAN: h.Card.MaskedPAN, Brand: h.Card.Brand, Reason: reason}
}

func (in *cardIntent) event(reason string) cardEvent {
	ev := in.cardTxnHead.event(reason)
	ev.RRN, ev.AuthCode, ev.Code, ev.Attempts = in.RRN, in.AuthCode, in.Code, in.Attempts
	return ev
}

func (a *pendingAdvice) event(reason string) cardEvent {
	ev := a.cardTxnHead.event(reason)
	ev.AuthCode, ev.Attempts = a.AuthCode, a.Attempts
	return ev
}

// transactionID names a transaction by batch and STAN ("000001-000012").
func transactionID(batch posmsg.BatchNumber, stan posmsg.STAN) string {
	return batch.String() + "-" + stan.String()
}

func txnKey(batch posmsg.BatchNumber, stan posmsg.STAN) string {
	return prefixTxn + batch.String() + "/" + stan.String()
}

// put is the state change that stores v under key.
func put(key string, v any) (journal.StateChange, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return journal.StateChange{}, fmt.Errorf("card payments: encode %s: %w", key, err)
	}
	return journal.StateChange{Bucket: acquirerBucket, Key: key, Value: raw}, nil
}

// remove is the state change that deletes key.
func remove(key string) journal.StateChange {
	return journal.StateChange{Bucket: acquirerBucket, Key: key}
}

// eachEntry decodes every entry of the bucket whose key starts with prefix.
func eachEntry[T any](j *journal.Journal, prefix string, fn func(key string, v T) error) error {
	return j.EachState(acquirerBucket, func(key string, raw []byte) error {
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		var v T
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("card payments: state %s unreadable: %w", key, err)
		}
		return fn(key, v)
	})
}

// getEntry reads one entry; found is false when it is not set.
func getEntry[T any](j *journal.Journal, key string) (v T, found bool, err error) {
	raw, err := j.GetState(acquirerBucket, key)
	if err != nil || raw == nil {
		return v, false, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, fmt.Errorf("card payments: state %s unreadable: %w", key, err)
	}
	return v, true, nil
}
