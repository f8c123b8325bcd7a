//go:build linux

package emvcard

import (
	"context"
	"testing"
	"time"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tags"
	"tilldesk/devices/pcsc"
	"tilldesk/devices/pcsc/pcsctest"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard/emvcardtest"
)

// throughPCSC puts the card into vpcd's reader and returns a terminal that talks to it
// through pcscd and devices/pcsc, as the till does; cleanup pulls the card out.
func throughPCSC(t *testing.T, c *Card, iface Interface) *emvcardtest.Terminal {
	t.Helper()
	reader := pcsctest.Reader(t)
	ctx, err := pcsc.Establish()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctx.Close() })
	presented, err := c.Present(iface)
	if err != nil {
		t.Fatal(err)
	}
	inserted, err := sim.InsertCard(sim.VPCDAddr, presented)
	if err != nil {
		t.Fatal(err)
	}
	wait := func(from, want pcsc.Presence) {
		wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if got, err := ctx.WaitPresence(wctx, reader, from); err != nil || got != want {
			t.Fatalf("reader %s: %s, %v; want %s", reader, got, err, want)
		}
	}
	wait(pcsc.Empty, pcsc.Present)
	card, err := ctx.Connect(reader)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = card.Close(true)
		if err := inserted.Remove(); err != nil {
			t.Errorf("remove the card: %v", err)
		}
		wait(pcsc.Present, pcsc.Empty)
	})
	if atr := card.ATR(); string(atr) != string(presented.ATR()) {
		t.Fatalf("ATR through pcscd % X, the card's % X", atr, presented.ATR())
	}
	return emvcardtest.NewTerminal(card.Transmit)
}

// A whole online contact transaction over the real PC/SC stack (pcscd and vpcd):
// SELECT PSE and the AID, GPO, READ RECORD, DDA, the first GENERATE AC, the issuer's
// ARQC check and ARPC, EXTERNAL AUTHENTICATE, an issuer script and the second
// GENERATE AC.
func TestContactTransactionThroughPCSC(t *testing.T) {
	c := newCard(t, "unionpay")
	term := throughPCSC(t, c, Contact)
	if _, err := term.Select(pseName); err != nil {
		t.Fatalf("SELECT PSE: %v", err)
	}
	if _, err := term.Select(aidUnionPay); err != nil {
		t.Fatalf("SELECT AID: %v", err)
	}
	r := contactTransaction(t, c, term)
	if r.odaErr != nil || r.first != issuer.ARQC || !r.decision.Approved || r.extAuthSW != 0x9000 || r.scriptSW != 0x9000 || r.second != issuer.TC {
		t.Fatalf("offline data %v, first AC %s, issuer %s, EXTERNAL AUTHENTICATE %04X, script %04X, second AC %s",
			r.odaErr, r.first, r.decision.ResponseCode, uint16(r.extAuthSW), uint16(r.scriptSW), r.second)
	}
}

// A phone wallet tapped over the real PC/SC stack: PPSE, SELECT, the quick GPO with
// the cryptogram, the CDCVM in the CTQ, fDDA and the issuer's approval.
func TestWalletTapThroughPCSC(t *testing.T) {
	c := newCard(t, "wallet")
	term := throughPCSC(t, c, Contactless)
	selectFromPPSE(t, term)
	checkFDDA(t, term, readCard(t, term))
	if ctq := term.ICC[tags.CardTransactionQualifiers]; len(ctq) != 2 || ctq[1]&ctqConsumerDeviceCVM == 0 || cid(term) != issuer.ARQC {
		t.Fatalf("CTQ %X, CID %X", ctq, term.ICC[tags.CryptogramInformationData])
	}
	de55, _ := term.ICCData()
	if dec, err := issuer.Authorise(account(t, c, term), testBDKs, issuer.Request{ICCData: de55}); err != nil || !dec.Approved {
		t.Fatalf("issuer: %+v, %v", dec, err)
	}
}
