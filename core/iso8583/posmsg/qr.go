package posmsg

import (
	"fmt"

	"tilldesk/core/emv/tlv"
	"tilldesk/core/iso8583"
)

// UnionPay QR (银联二维码) at the POS: the customer shows the C2B payment code of the
// UnionPay app (付款码, 19 digits from 62), the till scans it and sends a QR sale to
// its acquirer over the same link as card sales. The only published capture is the
// cnblogs QR sale (core/iso8583/internal/isotest QRSaleFrame, q.cnblogs.com/q/128930),
// and QRSale reproduces it byte for byte (tests): 0200, processing code 000000, DE22
// 030 (PAN entry 03, "QR code", the third digit 0: no PIN capability stated), DE25
// 99, DE60 with type code 26 and 60.4 6, and the scanned code in DE62 as BER-TLV
// (QRData). The capture's DE62 holds 5F01 with the code, 5F03 and 5F04 with six
// digits each and 5C "01"; the source does not name them. Tilldesk reads 5F03/5F04 as
// the local time (hhmmss) and date (YYMMDD) of the scan (the capture's 160036 and
// 200826 are 16:00:36 on 26 August 2020, when the question was posted) and sends 5C as
// the capture does.
//
// Voids and refunds of a QR sale are Tilldesk's choice (no capture shows them): the
// card messages (Void, Refund) with DE22 030 and no card number, the original found by
// its RRN and batch and trace (DE37, DE61). Reversals repeat the QR sale's fields as
// for a card sale (without DE62: the code is not kept).

// QR sale constants, as the published capture sends them.
const (
	// TypeQRSale is DE60.1 of a QR sale.
	TypeQRSale = "26"
	// EntryQR is DE22 of QR transactions: PAN entry mode 03 (QR code).
	EntryQR = "030"
	// ConditionQR is DE25 of a QR sale.
	ConditionQR = "99"
	// Field60QR is DE60 after the batch number: 60.3 000, 60.4 6, then zeros.
	Field60QR = "00060000000"
	// QRMarker is the value of tag 5C in DE62.
	QRMarker = "01"
)

// BER-TLV tags of DE62 in a QR sale.
const (
	TagQRCode   tlv.Tag = 0x5F01 // the customer's payment code
	TagQRTime   tlv.Tag = 0x5F03 // hhmmss of the scan (Tilldesk's reading)
	TagQRDate   tlv.Tag = 0x5F04 // YYMMDD of the scan (Tilldesk's reading)
	TagQRMarker tlv.Tag = 0x5C   // "01" in the capture
)

// IsQREntry reports whether DE22 says the transaction was made with a QR code (PAN
// entry mode 03): such voids and refunds carry no card number.
func IsQREntry(entryMode string) bool { return len(entryMode) == 3 && entryMode[:2] == "03" }

// QRData is DE62 of a QR sale. Code is the customer's payment code: keep it in
// memory only (it pays until it expires); store it masked (iso8583.MaskPAN).
type QRData struct {
	Code   string // 5F01
	Time   string // 5F03, hhmmss, optional
	Date   string // 5F04, YYMMDD, optional
	Marker string // 5C, optional (QRMarker)
}

// Encode is the field's bytes: the objects in the capture's order, empty ones left out.
func (q QRData) Encode() ([]byte, error) {
	if q.Code == "" {
		return nil, fmt.Errorf("%w: DE62 needs the payment code (5F01)", ErrMissing)
	}
	for _, v := range []struct {
		name, value string
		digits      int
	}{{"code", q.Code, 0}, {"time", q.Time, 6}, {"date", q.Date, 6}} {
		if v.value != "" && (!isDigits(v.value) || (v.digits > 0 && len(v.value) != v.digits) || len(v.value) > 32) {
			return nil, fmt.Errorf("%w: DE62 %s must be digits", ErrValue, v.name)
		}
	}
	return appendTextTLV(nil, []textTLV{{TagQRCode, q.Code}, {TagQRTime, q.Time}, {TagQRDate, q.Date}, {TagQRMarker, q.Marker}})
}

// textTLV is one text object of a DE62 built as BER-TLV.
type textTLV struct {
	tag   tlv.Tag
	value string
}

// appendTextTLV appends the objects to out in order, empty ones left out.
func appendTextTLV(out []byte, objs []textTLV) ([]byte, error) {
	for _, o := range objs {
		if o.value == "" {
			continue
		}
		var err error
		if out, err = tlv.New(o.tag, []byte(o.value)).AppendTo(out); err != nil {
			return nil, fmt.Errorf("%w: DE62: %v", ErrValue, err)
		}
	}
	return out, nil
}

// decodeTextTLV reads DE62's BER-TLV objects, the value of each tag named in into as
// text into its string (the last of a repeated tag wins); other tags are ignored.
func decodeTextTLV(b []byte, into map[tlv.Tag]*string) error {
	objs, err := tlv.Decode(b)
	if err != nil {
		return fmt.Errorf("%w: DE62 is not TLV: %v", ErrValue, err)
	}
	for _, o := range objs {
		if p, ok := into[o.Tag]; ok {
			*p = string(o.Value)
		}
	}
	return nil
}

// ParseQRData reads DE62 of a QR sale: BER-TLV objects, the code (5F01) required,
// unknown tags ignored.
func ParseQRData(b []byte) (QRData, error) {
	var q QRData
	if err := decodeTextTLV(b, map[tlv.Tag]*string{TagQRCode: &q.Code, TagQRTime: &q.Time, TagQRDate: &q.Date, TagQRMarker: &q.Marker}); err != nil {
		return QRData{}, err
	}
	if q.Code == "" || !isDigits(q.Code) {
		return QRData{}, fmt.Errorf("%w: DE62 has no payment code (5F01) of digits", ErrValue)
	}
	return q, nil
}

// qrField binds DE62 to a QRData.
type qrField struct{ p *QRData }

func (f qrField) encode() ([]byte, error) { return f.p.Encode() }

func (f qrField) decode(b []byte) error {
	q, err := ParseQRData(b)
	*f.p = q
	return err
}

// QRSale (二维码消费) charges the customer's UnionPay payment code: 0200, processing
// code 000000, DE60.1 26, the code in DE62.
type QRSale struct {
	Terminal Terminal
	STAN     STAN
	Batch    BatchNumber
	Amount   Amount
	QR       QRData
	// EntryMode is DE22, EntryQR when empty.
	EntryMode string
	// Condition is DE25, ConditionQR when empty.
	Condition string
	// Field60Rest is DE60 after the batch number, Field60QR when empty.
	Field60Rest string
}

func (s *QRSale) bindings() []binding {
	return append(s.Terminal.identity(),
		required(3, constant(ProcessingPurchase)),
		required(4, &s.Amount),
		required(11, &s.STAN),
		required(22, text{&s.EntryMode}),
		required(25, text{&s.Condition}),
		required(49, text{&s.Terminal.Currency}),
		required(60, field60{typeCode: TypeQRSale, batch: &s.Batch, rest: &s.Field60Rest}),
		required(62, qrField{&s.QR}))
}

// Message builds the 0200.
func (s QRSale) Message() (iso8583.Message, error) {
	if s.EntryMode == "" {
		s.EntryMode = EntryQR
	}
	if s.Condition == "" {
		s.Condition = ConditionQR
	}
	if s.Field60Rest == "" {
		s.Field60Rest = Field60QR
	}
	if !IsQREntry(s.EntryMode) {
		return iso8583.Message{}, fmt.Errorf("posmsg: %w: DE22 %q is not a QR entry mode", ErrValue, s.EntryMode)
	}
	return build(MTIFinancial, s.bindings())
}

// ParseQRSale reads a QR sale request.
func ParseQRSale(m iso8583.Message) (QRSale, error) {
	return parseAs[QRSale](m, MTIFinancial)
}
