//go:build linux

package cardtest

import (
	"context"
	"testing"
	"time"

	"tilldesk/devices/cardreader"
	"tilldesk/devices/pcsc"
	"tilldesk/devices/pcsc/pcsctest"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// pcscRig is vsmartcard's virtual reader in the real pcscd, the service's PC/SC
// backend over it, and the virtual cards put into it through vpcd. vpcd has one slot:
// a card's interface shows in its ATR, as with a real dual-interface reader.
func pcscRig(t *testing.T) *readerRig {
	t.Helper()
	name := pcsctest.Reader(t)
	ctx, err := pcsc.Establish()
	if err != nil {
		t.Fatal(err)
	}
	watch, err := pcsc.Establish() // the test's own context, to see the slot empty
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx.Close()
		watch.Close()
	})
	svc, svcCtx := startService(t, cardreader.NewPCSC(ctx, name))
	return &readerRig{svc: svc, ctx: svcCtx, insert: func(app sim.CardApp, _ emvcard.Interface) func() {
		card, err := sim.InsertCard(sim.VPCDAddr, app)
		if err != nil {
			t.Fatal(err)
		}
		return func() {
			if err := card.Remove(); err != nil {
				t.Errorf("remove the card: %v", err)
			}
			wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if got, err := watch.WaitPresence(wctx, name, pcsc.Present); err != nil || got != pcsc.Empty {
				t.Errorf("the slot stays %s after the card left: %v", got, err)
			}
		}
	}}
}

// The whole matrix over the real PC/SC stack: pcscd, vpcd, devices/pcsc and the
// reader service. pcscd takes about a second to see each card come and go, so with
// -short only an online contact card with PIN, a Visa-style tap that goes online and
// a phone with CDCVM run.
func TestMatrixPCSC(t *testing.T) {
	var keep func(row) bool
	if testing.Short() {
		keep = func(r row) bool {
			return r.name() == "unionpay/contact/10000" || r.name() == "visa/contactless/5000" || r.name() == "wallet/contactless/150000"
		}
	}
	runMatrix(t, pcscRig(t).present, keep)
}

// A card pulled out of the PC/SC reader during the transaction: vpcd drops the card
// and pcscd reports it removed.
func TestCardPulledOutOfPCSCReader(t *testing.T) {
	rig := pcscRig(t)
	var pull func()
	inner := rig.insert
	rig.insert = func(app sim.CardApp, iface emvcard.Interface) func() {
		remove := inner(app, iface)
		pull = remove
		return func() {}
	}
	checkPulledOut(t, rig, func() { pull() })
}
