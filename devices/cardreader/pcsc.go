package cardreader

import (
	"context"
	"errors"
	"fmt"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices"
	"tilldesk/devices/pcsc"
)

// PCSC is a reader the system's PC/SC service knows (a USB CCID reader, or vpcd's
// virtual one): pcscd on Linux, WinSCard on Windows. Which interface a card answered
// through shows in its ATR: PC/SC gives a contactless card an ATR of the form
// 3B 8n 80 01 (PC/SC part 3, 3.1.3.2.3), and a dual-interface reader appears as two
// PC/SC readers, so the field is the reader's own business: Present never polls it.
type PCSC struct {
	ctx    *pcsc.Context
	reader string
}

// NewPCSC is the reader named reader (as pcsc.Context.Readers lists it) on ctx.
func NewPCSC(ctx *pcsc.Context, reader string) *PCSC { return &PCSC{ctx: ctx, reader: reader} }

// Name is the PC/SC reader name.
func (p *PCSC) Name() string { return p.reader }

// Present asks the PC/SC service whether a card is in the reader.
func (p *PCSC) Present(ctx context.Context, _ bool) (bool, error) {
	got, err := p.ctx.WaitPresence(ctx, p.reader, pcsc.Unknown)
	if err != nil {
		return false, err
	}
	if got == pcsc.Unknown {
		return false, devices.Wrap("status", p.reader, fmt.Errorf("reader unavailable: %w", devices.ErrNotFound))
	}
	return got == pcsc.Present, nil
}

// Connect powers the card up (T=0 or T=1, shared access) and tells a tapped card from
// an inserted one by its ATR; the Service turns a tapped card away when it wants one
// inserted.
func (p *PCSC) Connect(context.Context, bool) (Conn, kernel.Interface, error) {
	card, err := p.ctx.Connect(p.reader)
	if err != nil {
		return nil, 0, err
	}
	iface := kernel.Contact
	if IsContactlessATR(card.ATR()) {
		iface = kernel.Contactless
	}
	return pcscConn{card}, iface, nil
}

// IsContactlessATR reports whether an ATR is the one PC/SC builds for a contactless
// card: 3B 8n 80 01 (n historical bytes, then TCK), or 3B 80 80 01 01 for a card
// without them.
func IsContactlessATR(atr []byte) bool {
	return len(atr) >= 5 && atr[0] == 0x3B && atr[1]&0xF0 == 0x80 && atr[2] == 0x80 && atr[3] == 0x01 && len(atr) == 5+int(atr[1]&0x0F)
}

// pcscConn is a PC/SC card as a Conn.
type pcscConn struct{ card *pcsc.Card }

func (c pcscConn) ATR() []byte { return c.card.ATR() }

func (c pcscConn) Transmit(apdu []byte) ([]byte, error) {
	resp, err := c.card.Transmit(apdu)
	if errors.Is(err, pcsc.ErrCardRemoved) {
		return nil, cardRemoved("transmit", c.card.Reader(), err)
	}
	return resp, err
}

// Close resets the card as it lets it go, so that nothing of this transaction
// survives into the next.
func (c pcscConn) Close() error {
	err := c.card.Close(true)
	if errors.Is(err, pcsc.ErrCardRemoved) {
		return nil
	}
	return err
}
