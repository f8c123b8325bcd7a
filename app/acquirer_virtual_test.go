package app

import (
	"context"
	"errors"
	"sync"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices/sim/emvcard"
)

// ErrCardRemovedFromReader is what a virtual card answers once it was taken away.
var ErrCardRemovedFromReader = errors.New("card removed from the reader")

// VirtualCardReader is a card reader without hardware (a CardSource) for the tests:
// they present one of devices/sim/emvcard's virtual cards, inserted or tapped, and it
// stays presented until removed or replaced. Card payments talk to it in process,
// APDU by APDU (demo mode's reader is the simulated serial reader, DemoCardReader).
type VirtualCardReader struct {
	mu      sync.Mutex
	card    *emvcard.Card
	tapped  bool
	gen     int           // bumped by every Present and Remove
	changed chan struct{} // closed when the card changes
}

// NewVirtualCardReader is an empty reader.
func NewVirtualCardReader() *VirtualCardReader {
	return &VirtualCardReader{changed: make(chan struct{})}
}

// Present puts the card in the reader: inserted, or held to it (tapped).
func (v *VirtualCardReader) Present(c *emvcard.Card, tapped bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.card, v.tapped = c, tapped
	v.bump()
}

// Remove takes the card away; a transaction in progress then fails.
func (v *VirtualCardReader) Remove() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.card = nil
	v.bump()
}

// bump records a change; callers hold mu.
func (v *VirtualCardReader) bump() {
	v.gen++
	close(v.changed)
	v.changed = make(chan struct{})
}

// PresentCard waits for a card (an inserted one when contactless is false) and
// returns it freshly reset.
func (v *VirtualCardReader) PresentCard(ctx context.Context, contactless bool) (kernel.Card, kernel.Interface, error) {
	for {
		v.mu.Lock()
		card, tapped, gen, changed := v.card, v.tapped, v.gen, v.changed
		v.mu.Unlock()
		if card != nil && (contactless || !tapped) {
			iface, kiface := emvcard.Contact, kernel.Contact
			if tapped {
				iface, kiface = emvcard.Contactless, kernel.Contactless
			}
			p, err := card.Present(iface)
			if err != nil {
				return nil, 0, err
			}
			return &virtualCard{reader: v, gen: gen, p: p}, kiface, nil
		}
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-changed:
		}
	}
}

// virtualCard is one presentation of a card: it fails once the card is removed.
type virtualCard struct {
	reader *VirtualCardReader
	gen    int
	p      *emvcard.Presented
}

func (c *virtualCard) Transmit(apdu []byte) ([]byte, error) {
	c.reader.mu.Lock()
	gone := c.reader.gen != c.gen
	c.reader.mu.Unlock()
	if gone {
		return nil, ErrCardRemovedFromReader
	}
	return c.p.Process(apdu), nil
}
