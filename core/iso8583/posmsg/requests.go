package posmsg

import (
	"fmt"

	"tilldesk/core/iso8583"
)

// SignOn (0800) opens a session: the host answers with the working keys (DE62,
// encrypted under the terminal master key) and may set the batch number.
type SignOn struct {
	Terminal Terminal
	STAN     STAN
	Batch    BatchNumber
	// KeyScheme is DE60.3: KeySchemeSingleDES, KeySchemeDoubleDES (the default when
	// empty) or KeySchemeDoubleDESTrack.
	KeyScheme string
	// Operator is the cashier's operator code (DE63, 3 characters), optional.
	Operator string
}

func (s *SignOn) bindings() []binding {
	return append(s.Terminal.identity(),
		required(11, &s.STAN),
		required(60, field60{typeCode: TypeManagement, batch: &s.Batch, rest: &s.KeyScheme}),
		optional(63, text{&s.Operator}))
}

// Message builds the 0800.
func (s SignOn) Message() (iso8583.Message, error) {
	if s.KeyScheme == "" {
		s.KeyScheme = KeySchemeDoubleDES
	}
	return build(MTISignOn, s.bindings())
}

// ParseSignOn reads a sign-on request.
func ParseSignOn(m iso8583.Message) (SignOn, error) {
	return parseAs[SignOn](m, MTISignOn)
}

// SignOff (0820, DE60.3 NetworkSignOff) closes the session; deregistration sends it
// last. UnionPay terminals sign off with 0820/0830 ("终端签退请求/应答" in the
// message-type list of Gowos/Wireshark-8583-plugin), not with 0800.
type SignOff struct {
	Terminal Terminal
	STAN     STAN
	Batch    BatchNumber
}

func (s *SignOff) bindings(network *string) []binding {
	return append(s.Terminal.identity(),
		required(11, &s.STAN),
		required(60, field60{typeCode: TypeManagement, batch: &s.Batch, rest: network}))
}

// Message builds the 0820.
func (s SignOff) Message() (iso8583.Message, error) {
	network := NetworkSignOff
	return build(MTISignOff, s.bindings(&network))
}

// ParseSignOff reads a sign-off request.
func ParseSignOff(m iso8583.Message) (SignOff, error) {
	var s SignOff
	var network string
	if err := parse(m, MTISignOff, s.bindings(&network)); err != nil {
		return s, err
	}
	if network != NetworkSignOff {
		return s, fmt.Errorf("posmsg: %w: DE60.3 %q, want %s", ErrKind, network, NetworkSignOff)
	}
	return s, nil
}

// Card is how the card was read. PAN or Track2 identifies it.
type Card struct {
	// PAN is DE2. Keep it in memory only; store it masked (iso8583.MaskPAN).
	PAN string
	// Expiry is DE14, YYMM, optional.
	Expiry string
	// SequenceNumber is DE23 (chip cards, 3 digits), optional.
	SequenceNumber string
	// EntryMode is DE22 (see the Entry* constants).
	EntryMode string
	// Track2 and Track3 are DE35 and DE36 for magnetic-stripe reads, optional.
	Track2, Track3 string
}

// CardTransaction is what sales, voids, refunds and advices share.
type CardTransaction struct {
	Terminal Terminal
	STAN     STAN
	Batch    BatchNumber
	Amount   Amount
	Card     Card
	PIN      PIN
	// ICC is DE55, the chip data (EMV TLV) from the kernel, passed through opaque.
	ICC []byte
	// Field60Rest is DE60 after the batch number, as digits: 60.3 network code
	// ("000"), 60.4 terminal read capability, 60.5 IC condition code... Optional: the
	// published swipe sale sends none, the published chip sale "000600".
	Field60Rest string
}

// cardBindings are the card transaction's fields for a message of the given type
// code and processing code.
func (c *CardTransaction) cardBindings(typeCode, processing string) []binding {
	return append(c.Terminal.identity(),
		optional(2, text{&c.Card.PAN}),
		required(3, constant(processing)),
		required(4, &c.Amount),
		required(11, &c.STAN),
		optional(14, text{&c.Card.Expiry}),
		required(22, text{&c.Card.EntryMode}),
		optional(23, text{&c.Card.SequenceNumber}),
		required(25, constant(ConditionNormal)),
		optional(26, text{&c.PIN.CaptureCode}),
		optional(35, text{&c.Card.Track2}),
		optional(36, text{&c.Card.Track3}),
		required(49, text{&c.Terminal.Currency}),
		optional(52, pinBlockField{&c.PIN}),
		optional(53, text{&c.PIN.SecurityInfo}),
		optional(55, raw{&c.ICC}),
		required(60, field60{typeCode: typeCode, batch: &c.Batch, rest: &c.Field60Rest}),
		optional(62, pinSecurityField{&c.PIN}))
}

// transaction gives the embedded transaction to buildCard.
func (c *CardTransaction) transaction() *CardTransaction { return c }

// cardRequest is a message type built on a CardTransaction.
type cardRequest interface {
	transaction() *CardTransaction
	bindings() []binding
}

// buildCard checks a card request and builds its message.
func buildCard(r cardRequest, mti string, pinAllowed bool) (iso8583.Message, error) {
	if err := r.transaction().prepare(pinAllowed); err != nil {
		return iso8583.Message{}, err
	}
	return build(mti, r.bindings())
}

// prepare checks a transaction before building and fills PIN defaults.
func (c *CardTransaction) prepare(pinAllowed bool) error {
	if c.Card.PAN == "" && c.Card.Track2 == "" && !IsQREntry(c.Card.EntryMode) { // a QR void or refund names no card
		return fmt.Errorf("posmsg: %w: the card needs a PAN (DE2) or track 2 (DE35)", ErrMissing)
	}
	if err := c.PIN.check(); err != nil || len(c.PIN.Block) == 0 {
		return err
	}
	if !pinAllowed {
		return fmt.Errorf("posmsg: %w: this message carries no PIN", ErrValue)
	}
	if c.PIN.CaptureCode == "" {
		c.PIN.CaptureCode = PINCaptureCode12
	}
	if c.PIN.SecurityInfo == "" {
		c.PIN.SecurityInfo = SecurityInfoDefault
		if c.PIN.Format() == 4 {
			c.PIN.SecurityInfo = SecurityInfoAES
		}
	}
	return nil
}

// Sale (消费) is a purchase: 0200, processing code 000000, DE60.1 22.
type Sale struct{ CardTransaction }

func (s *Sale) bindings() []binding { return s.cardBindings(TypeSale, ProcessingPurchase) }

// Message builds the 0200.
func (s Sale) Message() (iso8583.Message, error) { return buildCard(&s, MTIFinancial, true) }

// ParseSale reads a sale request.
func ParseSale(m iso8583.Message) (Sale, error) {
	return parseAs[Sale](m, MTIFinancial)
}

// Void (消费撤销) cancels a sale of the open batch: 0200, processing code 200000,
// DE60.1 23, with the sale's RRN (DE37), authorization code (DE38) and batch and
// trace number (DE61).
type Void struct {
	CardTransaction
	OriginalRRN      RRN
	OriginalAuthCode string
	Original         Original
}

func (v *Void) bindings() []binding {
	return append(v.cardBindings(TypeVoid, ProcessingCancel),
		required(37, &v.OriginalRRN),
		optional(38, text{&v.OriginalAuthCode}),
		required(61, &v.Original))
}

// Message builds the 0200.
func (v Void) Message() (iso8583.Message, error) { return buildCard(&v, MTIFinancial, true) }

// ParseVoid reads a void request.
func ParseVoid(m iso8583.Message) (Void, error) {
	return parseAs[Void](m, MTIFinancial)
}

// Refund (退货) returns money for a sale of an earlier batch: 0220, processing code
// 200000, DE60.1 25, with the sale's RRN (DE37), batch, trace and date (DE61) and
// optionally the card organisation (DE63, "CUP").
type Refund struct {
	CardTransaction
	OriginalRRN      RRN
	Original         Original
	CardOrganization string
}

func (r *Refund) bindings() []binding {
	return append(r.cardBindings(TypeRefund, ProcessingCancel),
		required(37, &r.OriginalRRN),
		required(61, &r.Original),
		optional(63, text{&r.CardOrganization}))
}

// Message builds the 0220.
func (r Refund) Message() (iso8583.Message, error) { return buildCard(&r, MTIAdvice, true) }

// ParseRefund reads a refund request.
func ParseRefund(m iso8583.Message) (Refund, error) {
	return parseAs[Refund](m, MTIAdvice)
}

// OfflineAdvice (结算) reports a sale the card approved offline, stored and
// forwarded later: 0220, processing code 000000, DE60.1 30, with the offline
// authorization code (DE38) if any and the chip's data (DE55, with the TC). It
// carries no PIN.
type OfflineAdvice struct {
	CardTransaction
	AuthCode string
}

func (a *OfflineAdvice) bindings() []binding {
	return append(a.cardBindings(TypeOfflineAdvice, ProcessingPurchase),
		optional(38, text{&a.AuthCode}))
}

// Message builds the 0220.
func (a OfflineAdvice) Message() (iso8583.Message, error) { return buildCard(&a, MTIAdvice, false) }

// ParseOfflineAdvice reads an offline advice.
func ParseOfflineAdvice(m iso8583.Message) (OfflineAdvice, error) {
	return parseAs[OfflineAdvice](m, MTIAdvice)
}
