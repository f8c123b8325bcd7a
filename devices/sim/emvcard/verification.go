package emvcard

import (
	"crypto/subtle"
	"errors"

	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
	"tilldesk/core/pinblock"
	"tilldesk/devices/sim/emvcard/testca"
)

// iccDynamicNumberLength is the length of the ICC dynamic number of DDA and CDA.
const iccDynamicNumberLength = 8

// signDynamic signs dynamic data with the application's ICC key.
func (c *Card) signDynamic(iccDynamicData, terminalDynamicData []byte) ([]byte, error) {
	if c.s.app.iccKey == nil {
		return nil, errors.New("no ICC key")
	}
	return testca.SignDynamicData(c.s.app.iccKey, iccDynamicData, terminalDynamicData)
}

// newDynamicNumber draws an ICC dynamic number, prefixed by its length as the ICC
// dynamic data starts.
func (c *Card) newDynamicNumber() []byte {
	return append([]byte{iccDynamicNumberLength}, c.randomBytes(iccDynamicNumberLength)...)
}

// internalAuthenticate is DDA's INTERNAL AUTHENTICATE: the card signs a fresh ICC
// dynamic number together with the DDOL data the terminal sent.
func (c *Card) internalAuthenticate(cmd command) []byte {
	a := c.s.app
	switch {
	case cmd.p1 != 0 || cmd.p2 != 0:
		return status(swWrongP1P2)
	case a == nil || !c.s.gpo:
		return status(swConditionsNotMet)
	case a.iccKey == nil || a.aip(c.s.iface)[0]&0x20 == 0:
		return status(swINSUnsupported) // a card without DDA
	case !cmd.hasData:
		return status(swWrongLength)
	}
	sdad, err := c.signDynamic(c.newDynamicNumber(), cmd.data)
	if err != nil {
		return status(swConditionsNotMet)
	}
	c.s.cvr.DDAPerformed = true
	if a.cfg.ResponseFormat1 {
		return respondTLV(tlv.New(tags.ResponseTemplateFormat1, sdad))
	}
	return respondTLV(tlv.NewTemplate(tags.ResponseTemplateFormat2, tlv.New(tags.SignedDynamicApplicationData, sdad)))
}

// getChallenge is GET CHALLENGE: eight unpredictable bytes.
func (c *Card) getChallenge(cmd command) []byte {
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return status(swWrongP1P2)
	}
	if cmd.hasData {
		return status(swWrongLength)
	}
	c.s.challenge = c.randomBytes(8)
	return respond(c.s.challenge, swOK)
}

// verify is VERIFY with a plaintext offline PIN (P2 80, an ISO 9564 format 2 block):
// a right PIN resets the try counter, a wrong one spends a try (63Cx says how many
// are left), none left is 6983. With no data it only reports the tries left.
// Enciphered offline PIN (P2 88) is not supported: the card has no PIN encipherment key.
func (c *Card) verify(cmd command) []byte {
	a := c.s.app
	switch {
	case cmd.p1 != 0 || cmd.p2 != 0x80:
		return status(swWrongP1P2)
	case a == nil:
		return status(swConditionsNotMet)
	case a.ptc == 0:
		return status(swMethodBlocked)
	case !cmd.hasData:
		return status(swWrongPIN | uint16(a.ptc))
	case len(cmd.data) != 8:
		return status(swWrongLength)
	}
	pin, err := pinblock.DecodeFormat2([8]byte(cmd.data))
	if err != nil {
		return status(swWrongData)
	}
	defer clear(pin)
	c.s.cvr.OfflinePINPerformed = true
	if subtle.ConstantTimeCompare(pin, a.pin) == 1 {
		a.ptc = a.cfg.PINTryLimit
		c.s.cvr.OfflinePINFailed = false
		return status(swOK)
	}
	a.ptc--
	c.s.cvr.OfflinePINFailed = true
	c.s.cvr.PINTryLimitExceeded = a.ptc == 0
	return status(swWrongPIN | uint16(a.ptc))
}
