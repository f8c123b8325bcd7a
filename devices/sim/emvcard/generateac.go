package emvcard

import (
	"crypto/sha1"
	"encoding/binary"
	"maps"

	"tilldesk/core/emv/cryptogram"
	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// GENERATE AC P1 bits beyond the cryptogram type (bits 8-7) and CDA (bit 5).
const (
	p1CDARequested = 0x10
	p1RFU          = 0x2F
)

// generateAC is GENERATE AC: the first answers the terminal's request with the
// card's own decision (never more than asked: AAC < ARQC < TC); the second completes
// an online transaction with TC or AAC. Either signs with CDA when asked and the
// card supports it.
func (c *Card) generateAC(cmd command) []byte {
	a := c.s.app
	requested := issuer.ACTypeOf(cmd.p1)
	switch {
	case cmd.p1&p1RFU != 0 || cmd.p1&0xC0 == 0xC0 || cmd.p2 != 0:
		return status(swWrongP1P2)
	case a == nil || !c.s.gpo:
		return status(swConditionsNotMet)
	case !cmd.hasData:
		return status(swWrongLength)
	}
	aip := a.aip(c.s.iface)
	cda := cmd.p1&p1CDARequested != 0 && aip[0]&0x01 != 0 && a.iccKey != nil
	switch {
	case c.s.acCount == 0:
		return c.firstGenerateAC(cmd.data, requested, cda, aip)
	case c.s.acCount == 1 && c.s.firstAC == issuer.ARQC && len(c.s.cdolData) > 0:
		if requested == issuer.ARQC {
			return status(swWrongP1P2)
		}
		return c.secondGenerateAC(cmd.data, requested, cda, aip)
	}
	return status(swConditionsNotMet)
}

func (c *Card) firstGenerateAC(data []byte, requested issuer.ACType, cda bool, aip [2]byte) []byte {
	a := c.s.app
	values := maps.Clone(c.s.values)
	if !splitDOL(a.cfg.CDOL1, data, values) {
		return status(swWrongLength)
	}
	c.s.values, c.s.cdolData = values, append([]byte(nil), data...)
	decision := c.cardRiskManagement(requested)
	c.s.cvr.FirstAC = decision
	ac, iad, ok := c.cryptogram(aip)
	if !ok {
		return status(swConditionsNotMet)
	}
	c.s.acCount, c.s.firstAC, c.s.arqc = 1, decision, ac
	switch decision {
	case issuer.TC:
		a.offlineCount++
	case issuer.ARQC:
		a.lastOnlineNotCompleted = c.s.iface == Contact // a tap has no second GENERATE AC
		a.scriptsLast, a.scriptFailedLast = 0, false
	}
	return c.acResponse(decision, ac, iad, cda && decision != issuer.AAC)
}

// cardRiskManagement is the card's decision on the first GENERATE AC: decline when
// blocked or told to; go online when asked, or, asked for an offline approval, when
// it is new, past its consecutive offline limit, or something went wrong last time.
func (c *Card) cardRiskManagement(requested issuer.ACType) issuer.ACType {
	a := c.s.app
	switch {
	case a.blocked || a.cfg.AlwaysDecline || requested == issuer.AAC:
		return issuer.AAC
	case requested == issuer.ARQC:
		return issuer.ARQC
	case a.offlineCount >= a.lowerLimit:
		c.s.cvr.VelocityExceeded = true
		return issuer.ARQC
	case !a.wentOnline || a.issuerAuthFailedLast || a.lastOnlineNotCompleted || a.ptc == 0:
		return issuer.ARQC
	}
	return issuer.TC
}

func (c *Card) secondGenerateAC(data []byte, requested issuer.ACType, cda bool, aip [2]byte) []byte {
	a := c.s.app
	values := maps.Clone(c.s.values)
	if !splitDOL(a.cfg.CDOL2, data, values) {
		return status(swWrongLength)
	}
	c.s.values, c.s.cdolData = values, append(c.s.cdolData, data...)
	if iad, ok := values[tags.IssuerAuthenticationData]; ok && !c.s.extAuthDone && !allZero(iad) {
		c.checkIssuerAuthentication(iad)
	}
	arc := [2]byte{}
	copy(arc[:], values[tags.AuthorisationResponseCode])
	unable := string(arc[:]) == "Y3" || string(arc[:]) == "Z3"
	decision := issuer.AAC
	switch {
	case requested == issuer.AAC || a.blocked:
	case unable:
		if string(arc[:]) == "Y3" && a.offlineCount < a.upperLimit {
			decision = issuer.TC
			a.offlineCount++
		}
	case c.s.issuerAuth == authPassed:
		if a.cfg.Scheme.Approved(c.s.reply) {
			decision = issuer.TC
		}
	case c.s.issuerAuth == authNotPerformed && issuer.Approves(arc):
		decision = issuer.TC
	}
	c.s.cvr.SecondACRequested, c.s.cvr.SecondAC = true, decision
	c.s.cvr.UnableToGoOnline = unable
	c.s.cvr.IssuerAuthFailed = c.s.issuerAuth == authFailed
	c.s.cvr.IssuerAuthNotPerformed = c.s.issuerAuth == authNotPerformed && !unable
	ac, iad, ok := c.cryptogram(aip)
	if !ok {
		return status(swConditionsNotMet)
	}
	c.s.acCount = 2
	resp := c.acResponse(decision, ac, iad, cda && decision == issuer.TC)
	c.completeOnline(unable)
	return resp
}

// completeOnline updates the counters at the end of an online transaction and applies
// a card status update (ARPC method 2).
func (c *Card) completeOnline(unable bool) {
	a := c.s.app
	a.lastOnlineNotCompleted = false
	switch {
	case c.s.issuerAuth == authFailed:
		a.issuerAuthFailedLast = true
		return
	case unable:
		return
	}
	a.wentOnline, a.lastOnlineATC, a.offlineCount, a.issuerAuthFailedLast = true, a.atc, 0, false
	if c.s.issuerAuth != authPassed || a.cfg.Scheme.ARPCMethod() != 2 {
		return
	}
	csu := c.s.reply.CSU
	if csu[1]&issuer.CSUApplicationBlock != 0 {
		a.blocked = true
	}
	if csu[1]&issuer.CSUCardBlock != 0 {
		c.blocked = true
	}
	if csu[1]&issuer.CSUUpdatePTC != 0 {
		a.ptc = min(csu[0]&0x0F, a.cfg.PINTryLimit)
	}
}

// cryptogram computes the application cryptogram over the terminal's data, the AIP
// and ATC, with issuer application data carrying the session's CVR.
func (c *Card) cryptogram(aip [2]byte) ([8]byte, []byte, bool) {
	a, v := c.s.app, c.s.values
	var d cryptogram.TransactionData
	copy(d.AmountAuthorised[:], v[tags.AmountAuthorised])
	copy(d.AmountOther[:], v[tags.AmountOther])
	copy(d.TerminalCountryCode[:], v[tags.TerminalCountryCode])
	copy(d.TVR[:], v[tags.TerminalVerificationResults])
	copy(d.TransactionCurrencyCode[:], v[tags.TransactionCurrencyCode])
	copy(d.TransactionDate[:], v[tags.TransactionDate])
	if t := v[tags.TransactionType]; len(t) == 1 {
		d.TransactionType = t[0]
	}
	copy(d.UnpredictableNumber[:], v[tags.UnpredictableNumber])
	d.AIP = aip
	binary.BigEndian.PutUint16(d.ATC[:], a.atc)
	iad := a.cfg.Scheme.IssuerApplicationData(a.cfg.DKI, c.s.cvr)
	ac, err := a.cfg.Scheme.Cryptogram(&a.keys, d, iad)
	return ac, iad, err == nil
}

// acResponse is the GENERATE AC response: format 1 (80: CID, ATC, AC, IAD) or format
// 2 (77), and with CDA the cryptogram inside the signature instead of in the clear
// (EMV Book 2 6.6.1).
func (c *Card) acResponse(decision issuer.ACType, ac [8]byte, iad []byte, cda bool) []byte {
	a := c.s.app
	atc := binary.BigEndian.AppendUint16(nil, a.atc)
	cid := tlv.New(tags.CryptogramInformationData, []byte{byte(decision)})
	atcObj := tlv.New(tags.ApplicationTransactionCounter, atc)
	iadObj := tlv.New(tags.IssuerApplicationData, iad)
	if !cda {
		if a.cfg.ResponseFormat1 {
			v := append(append(append([]byte{byte(decision)}, atc...), ac[:]...), iad...)
			return respondTLV(tlv.New(tags.ResponseTemplateFormat1, v))
		}
		return respondTLV(tlv.NewTemplate(tags.ResponseTemplateFormat2, cid, atcObj, tlv.New(tags.ApplicationCryptogram, ac[:]), iadObj))
	}
	h := sha1.New()
	h.Write(c.s.pdolData)
	h.Write(c.s.cdolData)
	for _, o := range []tlv.TLV{cid, atcObj, iadObj} {
		enc, _ := o.Encode()
		h.Write(enc)
	}
	dynamic := append(c.newDynamicNumber(), byte(decision))
	dynamic = h.Sum(append(dynamic, ac[:]...))
	sdad, err := c.signDynamic(dynamic, c.s.values[tags.UnpredictableNumber])
	if err != nil {
		return status(swConditionsNotMet)
	}
	return respondTLV(tlv.NewTemplate(tags.ResponseTemplateFormat2, cid, atcObj, tlv.New(tags.SignedDynamicApplicationData, sdad), iadObj))
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
