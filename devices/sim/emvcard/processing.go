package emvcard

import (
	"encoding/binary"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// Terminal Transaction Qualifiers (9F66) bits the quick contactless path reads, and
// the Card Transaction Qualifiers (9F6C) it answers with (EMV Book C-3 Annex A).
const (
	ttqQuickSupported    = 0x20 // byte 1: qVSDC supported
	ttqOnlineRequired    = 0x80 // byte 2: online cryptogram required
	ttqConsumerDeviceCVM = 0x40 // byte 3: consumer device CVM supported
	ctqOnlinePIN         = 0x80 // byte 1: online PIN required
	ctqConsumerDeviceCVM = 0x80 // byte 2: consumer device CVM performed
)

// cardAuthenticationRelatedData is tag 9F69, which fDDA signs.
const cardAuthenticationRelatedData tlv.Tag = 0x9F69

// splitDOL reads the data a terminal built for a DOL back into its elements. The data
// must be exactly as long as the DOL asks.
func splitDOL(list, data []byte, into map[tlv.Tag][]byte) bool {
	entries, err := dol.Parse(list)
	if err != nil || dol.DataLength(entries) != len(data) {
		return false
	}
	for _, e := range entries {
		into[e.Tag], data = data[:e.Length], data[e.Length:]
	}
	return true
}

// getProcessingOptions is GET PROCESSING OPTIONS: it checks the PDOL data (tag 83),
// counts the transaction and answers with the AIP and AFL of the interface, or on a
// quick contactless tap with the cryptogram too.
func (c *Card) getProcessingOptions(cmd command) []byte {
	a := c.s.app
	switch {
	case cmd.p1 != 0 || cmd.p2 != 0:
		return status(swWrongP1P2)
	case a == nil || c.s.gpo || a.blocked || a.atc == 0xFFFF:
		return status(swConditionsNotMet)
	case !cmd.hasData || len(cmd.data) < 2 || int(cmd.data[1])+2 != len(cmd.data):
		return status(swWrongLength)
	case cmd.data[0] != 0x83:
		return status(swWrongData)
	}
	values := map[tlv.Tag][]byte{}
	if !splitDOL(a.pdol(c.s.iface), cmd.data[2:], values) {
		return status(swWrongLength)
	}
	a.atc++
	c.s.gpo, c.s.pdolData, c.s.values = true, cmd.data[2:], values
	c.s.cvr = issuer.CVR{
		LastOnlineNotCompleted: a.lastOnlineNotCompleted, PINTryLimitExceeded: a.ptc == 0,
		NewCard: !a.wentOnline, IssuerAuthFailedLastOnline: a.issuerAuthFailedLast,
		ScriptCommandsLast: a.scriptsLast, ScriptFailedLast: a.scriptFailedLast,
	}
	aip := a.aip(c.s.iface)
	afl := a.files[c.s.iface].afl
	if ttq, ok := values[tags.TerminalTransactionQualifiers]; ok && c.s.iface == Contactless && a.cfg.QuickContactless && len(ttq) == 4 && ttq[0]&ttqQuickSupported != 0 {
		return c.quickContactless(ttq, aip, afl)
	}
	if a.cfg.ResponseFormat1 {
		return respondTLV(tlv.New(tags.ResponseTemplateFormat1, append(aip[:], afl...)))
	}
	return respondTLV(tlv.NewTemplate(tags.ResponseTemplateFormat2,
		tlv.New(tags.ApplicationInterchangeProfile, aip[:]), tlv.New(tags.ApplicationFileLocator, afl)))
}

// quickContactless is the qVSDC/qPBOC-style answer (EMV Book C-3 5.2): the card's
// decision and cryptogram over the PDOL data, the CTQ saying which CVM it wants,
// and the fDDA signature over the reader's unpredictable number, amount, currency
// and the card's own unpredictable number. The card approves offline up to its
// limit and its consecutive offline count, unless the reader wants a cryptogram
// for the issuer; a tap never learns the issuer's answer, so only a contact online
// transaction resets the count.
func (c *Card) quickContactless(ttq []byte, aip [2]byte, afl []byte) []byte {
	a := c.s.app
	decision := issuer.ARQC
	amount := bcdValue(c.s.values[tags.AmountAuthorised])
	switch {
	case a.cfg.AlwaysDecline:
		decision = issuer.AAC
	case ttq[1]&ttqOnlineRequired == 0 && amount <= a.cfg.OfflineContactlessLimit && a.offlineCount < a.lowerLimit:
		decision = issuer.TC
		a.offlineCount++
	}
	ctq := [2]byte{ctqOnlinePIN, 0}
	if a.cfg.ConsumerDeviceCVM && ttq[2]&ttqConsumerDeviceCVM != 0 {
		ctq = [2]byte{0, ctqConsumerDeviceCVM}
	}
	c.s.cvr.FirstAC = decision
	ac, iad, ok := c.cryptogram(aip)
	if !ok {
		return status(swConditionsNotMet)
	}
	c.s.acCount, c.s.firstAC, c.s.arqc = 1, decision, ac
	objs := []tlv.TLV{ // track 2 and the PAN sequence number are in the records
		tlv.New(tags.ApplicationInterchangeProfile, aip[:]),
		tlv.New(tags.ApplicationFileLocator, afl),
		tlv.New(tags.ApplicationTransactionCounter, binary.BigEndian.AppendUint16(nil, a.atc)),
		tlv.New(tags.CryptogramInformationData, []byte{byte(decision)}),
		tlv.New(tags.ApplicationCryptogram, ac[:]),
		tlv.New(tags.IssuerApplicationData, iad),
		tlv.New(tags.CardTransactionQualifiers, ctq[:]),
	}
	if a.iccKey != nil && aip[0]&0x20 != 0 {
		related := append([]byte{0x01}, c.randomBytes(4)...) // fDDA version 01, card unpredictable number
		related = append(related, ctq[:]...)
		var terminal []byte
		for _, t := range []tlv.Tag{tags.UnpredictableNumber, tags.AmountAuthorised, tags.TransactionCurrencyCode} {
			terminal = append(terminal, c.s.values[t]...)
		}
		sdad, err := c.signDynamic(append([]byte{0x04}, related[1:5]...), append(terminal, related...))
		if err != nil {
			return status(swConditionsNotMet)
		}
		objs = append(objs, tlv.New(tags.SignedDynamicApplicationData, sdad), tlv.New(cardAuthenticationRelatedData, related))
	}
	return respondTLV(tlv.NewTemplate(tags.ResponseTemplateFormat2, objs...))
}

// bcdValue reads an n-format amount (BCD digits); anything not BCD counts as huge.
func bcdValue(b []byte) int64 {
	var v int64
	for _, x := range b {
		hi, lo := x>>4, x&0x0F
		if hi > 9 || lo > 9 {
			return 1 << 62
		}
		v = v*100 + int64(hi)*10 + int64(lo)
	}
	return v
}

// getData is GET DATA of the card's counters: ATC (9F36), last online ATC (9F13),
// PIN try counter (9F17) and the consecutive offline limits (9F14, 9F23).
func (c *Card) getData(cmd command) []byte {
	a := c.s.app
	if a == nil {
		return status(swConditionsNotMet)
	}
	tag := tlv.Tag(cmd.p1)<<8 | tlv.Tag(cmd.p2)
	var v []byte
	switch tag {
	case tags.ApplicationTransactionCounter:
		v = binary.BigEndian.AppendUint16(nil, a.atc)
	case tags.LastOnlineATCRegister:
		v = binary.BigEndian.AppendUint16(nil, a.lastOnlineATC)
	case tags.PINTryCounter:
		v = []byte{a.ptc}
	case tags.LowerConsecutiveOfflineLimit:
		v = []byte{a.lowerLimit}
	case tags.UpperConsecutiveOfflineLimit:
		v = []byte{a.upperLimit}
	default:
		return status(swDataNotFound)
	}
	return respondTLV(tlv.New(tag, v))
}
