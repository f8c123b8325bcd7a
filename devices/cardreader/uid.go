package cardreader

import (
	"errors"
	"fmt"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices"
)

// Contactless UIDs. A store's own contactless cards (prepaid cards: MIFARE DESFire and
// the like, with no EMV application) are known by the UID the reader reads when the
// card enters the field. Each backend gets it its own way: a PC/SC reader answers
// the GET DATA pseudo-APDU FF CA 00 00 00 (PC/SC part 3, 3.2.2.1.3) for the card in
// its field; a Creator serial reader returns it in the activation response.

// ErrNoUID: the card has no UID to read: it was inserted, not tapped, or the reader
// cannot say.
var ErrNoUID = errors.New("the card has no contactless UID: tap it on the reader")

// getUIDCommand is PC/SC part 3's GET DATA for the UID: FF CA 00 00 00 (Le 00: all
// of it).
var getUIDCommand = []byte{0xFF, 0xCA, 0x00, 0x00, 0x00}

// uidConn is a Conn that knows its card's UID without asking the card.
type uidConn interface {
	UID() []byte
}

// UID reads the UID of a tapped card: 4, 7 or 10 bytes. An inserted card gives
// ErrNoUID; a reader that refuses the request gives ErrNoUID with the status word.
func (c *Card) UID() ([]byte, error) {
	if c.iface != kernel.Contactless {
		return nil, devices.Wrap("read UID", c.Reader(), ErrNoUID)
	}
	if u, ok := c.conn.(uidConn); ok {
		if uid := u.UID(); validUID(uid) {
			return uid, nil
		}
		return nil, devices.Wrap("read UID", c.Reader(), ErrNoUID)
	}
	resp, err := c.Transmit(getUIDCommand)
	if err != nil {
		return nil, err
	}
	n := len(resp)
	if n < 2 || resp[n-2] != 0x90 || resp[n-1] != 0x00 {
		return nil, devices.Wrap("read UID", c.Reader(), fmt.Errorf("%w: GET DATA answered % X", ErrNoUID, resp[max(0, n-2):]))
	}
	if uid := resp[:n-2]; validUID(uid) {
		return uid, nil
	}
	return nil, devices.Wrap("read UID", c.Reader(), fmt.Errorf("%w: a UID of %d bytes", ErrNoUID, n-2))
}

// validUID reports a UID of a length ISO/IEC 14443-3 allows: single (4), double (7)
// or triple (10) size.
func validUID(uid []byte) bool {
	switch len(uid) {
	case 4, 7, 10:
		return true
	}
	return false
}

// UID is the tapped card's UID from its activation.
func (c serialConn) UID() []byte { return c.card.UID() }
