package cardreader

import (
	"context"
	"errors"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices/cardreader/crt"
)

// Serial is a serial reader of the Creator CRT family (devices/cardreader/crt) with a
// contact slot and an antenna. Present asks for the slot's status and, when field is
// set and the slot is empty, polls the field once by activating whatever type A card
// is there; Connect then hands over that card, or powers up the inserted one.
type Serial struct {
	reader    *crt.Reader
	activated *crt.Card // a tapped card activated by the last Present
}

// NewSerial is the reader r.
func NewSerial(r *crt.Reader) *Serial { return &Serial{reader: r} }

// Name is the reader's port.
func (s *Serial) Name() string { return s.reader.Name() }

// Present reports a card in the slot, or (polling the field) one in the field.
func (s *Serial) Present(ctx context.Context, field bool) (bool, error) {
	st, err := s.reader.Status(ctx)
	if err != nil {
		return false, err
	}
	if s.activated != nil { // the field is polled afresh each time
		_ = s.activated.Close()
		s.activated = nil
	}
	if st.CardIn() || !field {
		return st.CardIn(), nil
	}
	card, err := s.reader.Activate(ctx)
	if errors.Is(err, crt.ErrNoCard) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.activated = card
	return true, nil
}

// Connect powers up the inserted card, or hands over the tapped one Present found.
func (s *Serial) Connect(ctx context.Context, field bool) (Conn, kernel.Interface, error) {
	if card := s.activated; card != nil {
		s.activated = nil
		if field {
			return serialConn{card}, kernel.Contactless, nil
		}
		_ = card.Close()
	}
	card, err := s.reader.PowerOn(ctx)
	if err != nil {
		return nil, 0, err
	}
	return serialConn{card}, kernel.Contact, nil
}

// serialConn is a crt card as a Conn.
type serialConn struct{ card *crt.Card }

func (c serialConn) ATR() []byte  { return c.card.ATR() }
func (c serialConn) Close() error { return c.card.Close() }

func (c serialConn) Transmit(apdu []byte) ([]byte, error) {
	resp, err := c.card.Transmit(apdu)
	if errors.Is(err, crt.ErrCardRemoved) {
		return nil, cardRemoved("transmit", c.card.Reader(), err)
	}
	return resp, err
}
