package cardtest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"tilldesk/devices/cardreader"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// checkUIDs reads UIDs through a rig: a store card's own UID when tapped; an EMV card
// tapped gives the UID its reader reports (4 bytes); an inserted card has none.
func checkUIDs(t *testing.T, rig *readerRig, insertedHasNone bool) {
	t.Helper()
	store, err := sim.NewStoreCard(sim.DemoStoreCardUID)
	if err != nil {
		t.Fatal(err)
	}
	card, done := rig.present(t, store, emvcard.Contactless)
	uid, err := card.(*cardreader.Card).UID()
	done()
	if want, _ := hex.DecodeString(sim.DemoStoreCardUID); err != nil || !bytes.Equal(uid, want) {
		t.Errorf("store card UID % X, %v; want % X", uid, err, want)
	}
	if !insertedHasNone {
		return
	}
	emv, _ := NewCard(t, "unionpay", emvcard.Contact)
	card, done = rig.present(t, emv, emvcard.Contact)
	uid, err = card.(*cardreader.Card).UID()
	done()
	if !errors.Is(err, cardreader.ErrNoUID) || uid != nil {
		t.Errorf("an inserted card's UID: % X, %v", uid, err)
	}
}

// The serial reader reports a tapped card's UID in its activation response.
func TestUIDSerialReader(t *testing.T) {
	rig, _ := serialRig(t)
	checkUIDs(t, rig, true)
	tapped, _ := NewCard(t, "visa", emvcard.Contactless)
	card, done := rig.present(t, tapped, emvcard.Contactless)
	defer done()
	if uid, err := card.(*cardreader.Card).UID(); err != nil || len(uid) != 4 || uid[0] != 0x08 {
		t.Errorf("a tapped EMV card's UID % X, %v: want a 4-byte random ID", uid, err)
	}
}
