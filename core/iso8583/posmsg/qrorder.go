package posmsg

import (
	"fmt"

	"tilldesk/core/emv/tlv"
	"tilldesk/core/iso8583"
)

// Merchant-presented UnionPay QR (银联二维码主扫) at the POS: the till shows an EMVCo
// merchant-presented QR code for one sale and the customer's UnionPay app pays it.
// UnionPay International describes the flow only in prose (the acquirer generates the
// EMV QR code for the merchant, the app parses it and asks UnionPay, which verifies
// the merchant with the acquirer: developer.unionpayintl.com "In-store QR Code
// Payment" and "Online Merchant QR Code", where acquirers or merchants "generate and
// display EMVCo standard QR code by themselves"); no published POS-to-acquirer layout
// for the order, its query or its close was found. The messages below are therefore
// TILLDESK'S OWN, the smallest set over the card link the till already has, built
// like the published QR sale (qr.go) so a host that takes that one needs little more:
//
//	QR order   0200  DE3 000000  DE60.1 27  DE22 030  DE25 99  DE62 TLV: 5F05 reference, 5F06 validity
//	QR query   0200  DE3 310000  DE60.1 27  ... DE61 the order's batch and trace, DE62 5F05
//	QR close   0200  DE3 200000  DE60.1 27  ... DE61 the order's batch and trace, DE62 5F05
//
// Why these codes: the three are one transaction family (DE60.1 27, next to the QR
// sale's 26, a code the published dialect does not use) told apart by the processing
// code the dialect already gives their meanings: 000000 purchase (the order asks to be
// paid), 310000 inquiry (as the dialect's balance inquiry, a 0200 that moves no money
// and is never reversed), 200000 cancel (as 消费撤销). 0200 rather than 0100 or 0600
// because a paid order is a financial transaction of the batch, settled, voided,
// refunded and reversed like a QR sale under the order's own STAN; the dialect has no
// 06xx. Answers are 0210: to the order, 00 means "open, payable"; to a query or close,
// 00 means "processed", with the order's state in DE62 (QROrderStatus) and, once
// paid, the RRN (DE37) and authorisation code (DE38) of the payment. A 0400 reversal
// of the order (the 0200 fields repeated, as for any sale) undoes it in either state:
// an open order is closed, a paid one given back; the till sends it when it cannot
// trust the outcome (no answer, a close never confirmed, a stopped till, a payment
// reported after its close).
//
// The reference (5F05) is the EMVCo payload's reference label (ID 62, entry 05): the
// host matches the customer's payment to the order by it and by the merchant account
// (ID 15) and the amount (ID 54) of the payload.

// QR order constants (Tilldesk's).
const (
	// TypeQROrder is DE60.1 of the QR order, query and close.
	TypeQROrder = "27"
	// ProcessingInquiry is DE3 of the query.
	ProcessingInquiry = "310000"
	// MaxQRReference is the longest reference: the EMVCo reference label's 25.
	MaxQRReference = 25
)

// BER-TLV tags of DE62 in the QR order messages and their answers (Tilldesk's, in the
// 5F0x range the QR sale's DE62 uses).
const (
	TagQRReference tlv.Tag = 0x5F05 // the order reference (EMVCo 62.05)
	TagQRValidity  tlv.Tag = 0x5F06 // order: seconds the code may be paid
	TagQRState     tlv.Tag = 0x5F08 // answer: the order's state (QRState*)
	TagQRPayer     tlv.Tag = 0x5F09 // answer, paid: the payer's account, masked
	TagQRReason    tlv.Tag = 0x5F0A // answer, failed: the response code of the refusal
)

// QROp is which of the three messages a QROrder is.
type QROp uint8

// The QR order operations.
const (
	QRCreate QROp = iota // register the order (DE3 000000)
	QRQuery              // ask its state (DE3 310000)
	QRClose              // close it unpaid (DE3 200000)
)

var qrOpProcessing = [...]string{ProcessingPurchase, ProcessingInquiry, ProcessingCancel}

// String names the operation for logs.
func (o QROp) String() string {
	switch o {
	case QRCreate:
		return "order"
	case QRQuery:
		return "query"
	case QRClose:
		return "close"
	}
	return "invalid"
}

// QROpOf is the operation of a QR order message by its processing code.
func QROpOf(processing string) (QROp, bool) {
	for i, p := range qrOpProcessing {
		if p == processing {
			return QROp(i), true
		}
	}
	return 0, false
}

// QROrder is one of the merchant-presented QR messages.
type QROrder struct {
	Op       QROp
	Terminal Terminal
	STAN     STAN
	Batch    BatchNumber
	// Amount is the order's amount (DE4), in every message: the host checks it.
	Amount Amount
	// Reference is the order reference (5F05), 1 to 25 letters and digits.
	Reference string
	// ValiditySeconds is how long the code may be paid (5F06, order only, optional).
	ValiditySeconds int
	// Original is the order's batch and trace (DE61), query and close only.
	Original Original
}

// qrOrderData binds DE62 of the requests.
type qrOrderData struct{ o *QROrder }

func (f qrOrderData) encode() ([]byte, error) {
	if !isReference(f.o.Reference) {
		return nil, fmt.Errorf("%w: DE62 reference %q must be 1 to %d letters or digits", ErrValue, f.o.Reference, MaxQRReference)
	}
	validity := ""
	if f.o.ValiditySeconds > 0 {
		validity = fmt.Sprint(f.o.ValiditySeconds)
	}
	return appendTextTLV(nil, []textTLV{{TagQRReference, f.o.Reference}, {TagQRValidity, validity}})
}

func (f qrOrderData) decode(b []byte) error {
	objs, err := tlv.Decode(b)
	if err != nil {
		return fmt.Errorf("%w: DE62 is not TLV: %v", ErrValue, err)
	}
	f.o.Reference, f.o.ValiditySeconds = "", 0
	for _, o := range objs {
		switch o.Tag {
		case TagQRReference:
			f.o.Reference = string(o.Value)
		case TagQRValidity:
			if _, err := fmt.Sscanf(string(o.Value), "%d", &f.o.ValiditySeconds); err != nil || !isDigits(string(o.Value)) {
				return fmt.Errorf("%w: DE62 validity %q", ErrValue, o.Value)
			}
		}
	}
	if !isReference(f.o.Reference) {
		return fmt.Errorf("%w: DE62 has no order reference (5F05)", ErrValue)
	}
	return nil
}

// isReference reports whether s is a valid order reference.
func isReference(s string) bool {
	if len(s) == 0 || len(s) > MaxQRReference {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func (o *QROrder) bindings(entry, condition, rest *string) []binding {
	b := append(o.Terminal.identity(),
		required(3, constant(qrOpProcessing[o.Op])),
		required(4, &o.Amount),
		required(11, &o.STAN),
		required(22, text{entry}),
		required(25, text{condition}),
		required(49, text{&o.Terminal.Currency}),
		required(60, field60{typeCode: TypeQROrder, batch: &o.Batch, rest: rest}),
		required(62, qrOrderData{o}))
	if o.Op != QRCreate {
		b = append(b, required(61, &o.Original))
	}
	return b
}

// Message builds the 0200.
func (o QROrder) Message() (iso8583.Message, error) {
	if int(o.Op) >= len(qrOpProcessing) {
		return iso8583.Message{}, fmt.Errorf("posmsg: %w: QR operation %d", ErrValue, o.Op)
	}
	entry, condition, rest := EntryQR, ConditionQR, Field60QR
	return build(MTIFinancial, o.bindings(&entry, &condition, &rest))
}

// ParseQROrder reads a QR order, query or close request (the operation from DE3).
func ParseQROrder(m iso8583.Message) (QROrder, error) {
	op, ok := QROpOf(m.Get(3))
	if !ok {
		return QROrder{}, fmt.Errorf("posmsg: %w: DE3 %q is not a QR order operation", ErrKind, m.Get(3))
	}
	o := QROrder{Op: op}
	var entry, condition, rest string
	if err := parse(m, MTIFinancial, o.bindings(&entry, &condition, &rest)); err != nil {
		return QROrder{}, err
	}
	if !IsQREntry(entry) {
		return QROrder{}, fmt.Errorf("posmsg: %w: DE22 %q is not a QR entry mode", ErrValue, entry)
	}
	return o, nil
}

// States of a QR order (5F08).
const (
	QRStateOpen     = "0" // shown, not paid yet
	QRStatePaid     = "1" // paid: DE37 and DE38 name the payment
	QRStateClosed   = "2" // closed unpaid (by the till, or expired): nothing taken
	QRStateFailed   = "3" // the payment was refused (5F0A says why): nothing taken
	QRStateReversed = "4" // paid, then given back by a reversal
)

// QROrderStatus is DE62 of the answer to a query or close.
type QROrderStatus struct {
	Reference string // 5F05
	State     string // 5F08, a QRState* value
	Payer     string // 5F09, the payer's account masked (paid)
	Reason    string // 5F0A, the response code of a refusal (failed)
}

// Encode is the field's bytes.
func (s QROrderStatus) Encode() ([]byte, error) {
	if !isReference(s.Reference) || len(s.State) != 1 || s.State < QRStateOpen || s.State > QRStateReversed {
		return nil, fmt.Errorf("%w: QR order status needs a reference and a state 0-4", ErrValue)
	}
	return appendTextTLV(nil, []textTLV{{TagQRReference, s.Reference}, {TagQRState, s.State}, {TagQRPayer, s.Payer}, {TagQRReason, s.Reason}})
}

// ParseQROrderStatus reads DE62 of a query or close answer: BER-TLV, the reference and
// a known state required, unknown tags ignored.
func ParseQROrderStatus(b []byte) (QROrderStatus, error) {
	var s QROrderStatus
	if err := decodeTextTLV(b, map[tlv.Tag]*string{TagQRReference: &s.Reference, TagQRState: &s.State, TagQRPayer: &s.Payer, TagQRReason: &s.Reason}); err != nil {
		return QROrderStatus{}, err
	}
	if _, err := s.Encode(); err != nil {
		return QROrderStatus{}, fmt.Errorf("posmsg: DE62: %w", err)
	}
	return s, nil
}
