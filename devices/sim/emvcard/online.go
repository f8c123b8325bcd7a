package emvcard

import (
	"encoding/binary"
	"errors"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// checkIssuerAuthentication checks issuer authentication data (tag 91) against the
// ARQC of this transaction.
func (c *Card) checkIssuerAuthentication(data []byte) bool {
	a := c.s.app
	c.s.extAuthDone = true
	atc := [2]byte(binary.BigEndian.AppendUint16(nil, a.atc))
	reply, ok := a.cfg.Scheme.CheckIssuerAuthenticationData(&a.keys, atc, c.s.arqc, data)
	if !ok {
		c.s.issuerAuth = authFailed
		return false
	}
	c.s.issuerAuth, c.s.reply = authPassed, reply
	return true
}

// externalAuthenticate is EXTERNAL AUTHENTICATE: the issuer's ARPC, once, after an
// ARQC and before the second GENERATE AC. 6300 says it did not verify.
func (c *Card) externalAuthenticate(cmd command) []byte {
	switch {
	case cmd.p1 != 0 || cmd.p2 != 0:
		return status(swWrongP1P2)
	case c.s.app == nil || c.s.acCount != 1 || c.s.firstAC != issuer.ARQC || c.s.extAuthDone || len(c.s.cdolData) == 0:
		return status(swConditionsNotMet)
	case !cmd.hasData || len(cmd.data) < 8 || len(cmd.data) > 16:
		return status(swWrongLength)
	}
	if !c.checkIssuerAuthentication(cmd.data) {
		return status(swAuthFailed)
	}
	return status(swOK)
}

// issuerScript runs an issuer script command (class 84) after the card sent an ARQC:
// the MAC must verify with the session keys of this transaction (6988 if not); then
// APPLICATION BLOCK and UNBLOCK, CARD BLOCK, PIN CHANGE/UNBLOCK and PUT DATA of the
// consecutive offline limits.
func (c *Card) issuerScript(cmd command) []byte {
	a := c.s.app
	if a == nil || c.s.acCount == 0 || c.s.firstAC != issuer.ARQC || len(c.s.cdolData) == 0 {
		return status(swConditionsNotMet)
	}
	a.scriptsLast = min(a.scriptsLast+1, 15)
	atc := [2]byte(binary.BigEndian.AppendUint16(nil, a.atc))
	sc, err := a.cfg.Scheme.OpenScriptCommand(&a.keys, atc, c.s.arqc, cmd.raw)
	if err != nil {
		a.scriptFailedLast = true
		return status(swSMDataIncorrect)
	}
	sw := c.runScript(sc, atc)
	if sw != swOK {
		a.scriptFailedLast = true
	}
	return status(sw)
}

func (c *Card) runScript(sc issuer.ScriptCommand, atc [2]byte) uint16 {
	a := c.s.app
	switch sc.INS {
	case issuer.InsApplicationBlock:
		a.blocked = true
	case issuer.InsApplicationUnblock:
		a.blocked = false
	case issuer.InsCardBlock:
		c.blocked = true
	case issuer.InsPINChangeUnblock:
		return c.changePIN(sc, atc)
	case issuer.InsPutData:
		tag := tlv.Tag(sc.P1)<<8 | tlv.Tag(sc.P2)
		if len(sc.Data) != 1 {
			return swWrongLength
		}
		switch tag {
		case tags.LowerConsecutiveOfflineLimit:
			a.lowerLimit = sc.Data[0]
		case tags.UpperConsecutiveOfflineLimit:
			a.upperLimit = sc.Data[0]
		default:
			return swDataNotFound
		}
	}
	return swOK
}

// changePIN is PIN CHANGE/UNBLOCK: P2 00 unblocks (resets the try counter), 01 and
// 02 set the enciphered new PIN (01 bound to the current PIN) and unblock.
func (c *Card) changePIN(sc issuer.ScriptCommand, atc [2]byte) uint16 {
	a := c.s.app
	switch sc.P2 {
	case 0x00:
		if len(sc.Data) != 0 {
			return swWrongLength
		}
	case 0x01, 0x02:
		pin, err := c.newPIN(sc, atc)
		if err != nil {
			return swWrongData
		}
		clear(a.pin)
		a.pin = pin
	default:
		return swWrongP1P2
	}
	a.ptc = a.cfg.PINTryLimit
	return swOK
}

func (c *Card) newPIN(sc issuer.ScriptCommand, atc [2]byte) ([]byte, error) {
	a := c.s.app
	block, err := a.cfg.Scheme.DecipherScriptData(&a.keys, atc, c.s.arqc, sc.Data)
	if err != nil {
		return nil, err
	}
	defer clear(block)
	var current []byte
	if sc.P2 == 0x01 {
		current = a.pin
	}
	pin, err := a.cfg.Scheme.PINFromChangeBlock(&a.keys, block, current)
	if err != nil {
		return nil, errors.New("bad PIN change block")
	}
	return pin, nil
}
