package posmsg

import (
	"fmt"

	"tilldesk/core/iso8583"
)

// Reversal (冲正) undoes a sale or void whose outcome the terminal cannot trust (no
// answer in time, an approval the terminal could not complete, a bad MAC on the
// answer): 0400 repeating the original request's fields, with the reason in DE39.
// Refunds and offline advices are not reversed ("是否引发冲正: 无").
type Reversal struct {
	// Original is the request being reversed: a sale or void (0200).
	Original iso8583.Message
	// Reason is DE39: ReasonNoResponse, ReasonTerminalFault, ReasonResponseMAC or
	// ReasonOther.
	Reason string
	// AuthCode is DE38 from the host's approval, when one arrived.
	AuthCode string
	// ICC is DE55 for the reversal (the chip's data after the failed completion),
	// optional; the original's DE55 is not repeated.
	ICC []byte
	// OriginalData, when set, adds DE90 for hosts that reverse the ISO 8583 way; the
	// message then has a secondary bitmap and its MAC goes in DE128.
	OriginalData *OriginalData
}

// reversedFields are the original request's fields a reversal repeats: the eJPos
// PurchaseReversalReqMsg list without track data (DE35, DE36) and PIN security
// information (DE53), which the till does not keep once the sale's request has been
// sent (Tilldesk choice), plus the chip card sequence number (DE23) and, for a void,
// the original batch and trace (DE61).
var reversedFields = []int{2, 3, 4, 11, 14, 22, 23, 25, 41, 42, 49, 60, 61}

// mustBeReversed are the fields a reversal cannot do without.
var mustBeReversed = []int{3, 4, 11, 22, 25, 41, 42, 49, 60}

// Message builds the 0400.
func (r Reversal) Message() (iso8583.Message, error) {
	if r.Original.MTI != MTIFinancial {
		return iso8583.Message{}, fmt.Errorf("posmsg: %w: only 0200 sales and voids are reversed, not %q", ErrKind, r.Original.MTI)
	}
	m := iso8583.NewMessage(MTIReversal)
	for _, n := range reversedFields {
		if v, ok := r.Original.Fields[n]; ok {
			m.SetBytes(n, v)
		}
	}
	for _, n := range mustBeReversed {
		if !m.Has(n) {
			return iso8583.Message{}, fmt.Errorf("posmsg: 0400 DE%d: %w in the original request", n, ErrMissing)
		}
	}
	extra, err := build(MTIReversal, r.extra())
	if err != nil {
		return iso8583.Message{}, err
	}
	for n, v := range extra.Fields {
		m.SetBytes(n, v)
	}
	return m, nil
}

// extra binds what a reversal adds to the original's fields.
func (r *Reversal) extra() []binding {
	if r.OriginalData == nil {
		r.OriginalData = new(OriginalData)
	}
	return []binding{
		required(39, text{&r.Reason}),
		optional(38, text{&r.AuthCode}),
		optional(55, raw{&r.ICC}),
		optional(90, optionalOriginalData{r.OriginalData}),
	}
}

// ParseReversal reads a reversal; Original holds the repeated fields under MTI 0200.
func ParseReversal(m iso8583.Message) (Reversal, error) {
	var r Reversal
	if err := parse(m, MTIReversal, r.extra()); err != nil {
		return Reversal{}, err
	}
	if !m.Has(90) {
		r.OriginalData = nil
	}
	r.Original = iso8583.NewMessage(MTIFinancial)
	for _, n := range reversedFields {
		if v, ok := m.Fields[n]; ok {
			r.Original.SetBytes(n, v)
		}
	}
	for _, n := range mustBeReversed {
		if !r.Original.Has(n) {
			return Reversal{}, fmt.Errorf("posmsg: 0400 DE%d: %w", n, ErrMissing)
		}
	}
	return r, nil
}

// optionalOriginalData is DE90, left out while its MTI is empty.
type optionalOriginalData struct{ p *OriginalData }

func (o optionalOriginalData) encode() ([]byte, error) {
	if o.p.MTI == "" {
		return nil, nil
	}
	return o.p.encode()
}

func (o optionalOriginalData) decode(b []byte) error { return o.p.decode(b) }
