package sim

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
)

// StoreCard is a store's own contactless card, such as a prepaid card: an ISO/IEC
// 14443-4 card of the MIFARE DESFire kind with no EMV application, which the till
// knows only by its UID. Tap it on the simulated serial reader (CardReader.Tap: the
// reader's activation response carries the UID) or put it in vpcd's reader
// (InsertCard), where it answers PC/SC's GET DATA pseudo-APDU: a real PC/SC reader
// answers FF CA itself, but vpcd passes every APDU to the virtual card, so the card
// plays the reader's part here.
type StoreCard struct {
	uid []byte
}

// storeCardATR is the ATR PC/SC part 3 (3.1.3.2.3.1) builds for an ISO 14443-4 card
// whose ATS has the one historical byte 80H (a DESFire's): 3B 81 80 01 80, then TCK.
var storeCardATR = []byte{0x3B, 0x81, 0x80, 0x01, 0x80, 0x80}

// NewStoreCard is a card with this UID: 4, 7 or 10 bytes, in hex ("04A21B3C5D6E80").
func NewStoreCard(uidHex string) (*StoreCard, error) {
	uid, err := hex.DecodeString(strings.ReplaceAll(uidHex, ":", ""))
	if err != nil || (len(uid) != 4 && len(uid) != 7 && len(uid) != 10) {
		return nil, fmt.Errorf("sim: store card UID %q: want 4, 7 or 10 bytes in hex", uidHex)
	}
	return &StoreCard{uid: uid}, nil
}

// DemoStoreCardUID is the UID of the demo's store card (a DESFire-style double-size
// UID, manufacturer byte 04H).
const DemoStoreCardUID = "04A21B3C5D6E80"

// UID is the card's UID, as the reader reads it when the card enters the field.
func (c *StoreCard) UID() []byte { return bytes.Clone(c.uid) }

// ATR is the ATR a PC/SC reader reports for the card.
func (c *StoreCard) ATR() []byte { return bytes.Clone(storeCardATR) }

// Reset does nothing: the card keeps no session state the till uses.
func (c *StoreCard) Reset() {}

// Process answers GET DATA (FF CA 00 00 00: the UID; FF CA 01 00 00: the historical
// bytes); a SELECT of an application it does not have with 6A82, as a DESFire does;
// anything else as not supported.
func (c *StoreCard) Process(apdu []byte) []byte {
	const ( // status words
		ok, notFound, noFunction, badINS = 0x9000, 0x6A82, 0x6A81, 0x6D00
	)
	sw := func(code int, data ...byte) []byte { return append(data, byte(code>>8), byte(code)) }
	switch {
	case len(apdu) < 4:
		return sw(badINS)
	case apdu[0] == 0xFF && apdu[1] == 0xCA && apdu[2] == 0x00:
		return sw(ok, c.uid...)
	case apdu[0] == 0xFF && apdu[1] == 0xCA && apdu[2] == 0x01:
		return sw(ok, storeCardATR[4])
	case apdu[0] == 0xFF:
		return sw(noFunction)
	case apdu[1] == 0xA4:
		return sw(notFound)
	}
	return sw(badINS)
}
