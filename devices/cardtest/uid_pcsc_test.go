//go:build linux

package cardtest

import (
	"errors"
	"testing"

	"tilldesk/devices/cardreader"
	"tilldesk/devices/sim/emvcard"
)

// Over pcscd and vpcd the UID comes from PC/SC's GET DATA (FF CA 00 00 00), which
// vpcd hands to the virtual card. An EMV card answers it as not supported: no UID.
func TestUIDPCSC(t *testing.T) {
	rig := pcscRig(t)
	checkUIDs(t, rig, false)
	emv, _ := NewCard(t, "visa", emvcard.Contactless)
	card, done := rig.present(t, emv, emvcard.Contactless)
	defer done()
	if uid, err := card.(*cardreader.Card).UID(); !errors.Is(err, cardreader.ErrNoUID) {
		t.Errorf("an EMV card's UID over PC/SC: % X, %v", uid, err)
	}
}
