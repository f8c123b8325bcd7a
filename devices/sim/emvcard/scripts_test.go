package emvcard

import (
	"testing"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tags"
	"tilldesk/devices/sim/emvcard/emvcardtest"
)

// script seals an issuer script command for the transaction in progress, as the
// issuer would, and sends it.
func script(t *testing.T, c *Card, term *emvcardtest.Terminal, cmd issuer.ScriptCommand) emvcardtest.SW {
	t.Helper()
	atc, arqc := transactionKeys(term)
	sealed, err := c.apps[0].cfg.Scheme.SealScriptCommand(&c.apps[0].keys, atc, arqc, cmd)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, term, sealed)
}

func sendOK(t *testing.T, term *emvcardtest.Terminal, apdu []byte, want uint16) {
	t.Helper()
	if sw := send(t, term, apdu); uint16(sw) != want {
		t.Fatalf("% X: %04X; want %04X", apdu, uint16(sw), want)
	}
}

func TestScriptApplicationBlock(t *testing.T) {
	c := newCard(t, "visa")
	term := firstAC(t, c, aidVisa, byte(issuer.ARQC))
	for _, cmd := range []issuer.ScriptCommand{issuer.ApplicationBlock(), issuer.ApplicationUnblock(), issuer.ApplicationBlock()} {
		if sw := script(t, c, term, cmd); sw != swOK {
			t.Fatalf("INS %02X: %04X", cmd.INS, uint16(sw))
		}
	}
	if got := secondGenerateAC(t, term, byte(issuer.TC), "00"); got != issuer.AAC {
		t.Fatalf("a blocked application gave %s", got)
	}
	if _, err := term.Select(aidVisa); err != emvcardtest.SW(swFileInvalidated) {
		t.Fatalf("SELECT of a blocked application: %v", err)
	}
	sendOK(t, term, gpo(), swConditionsNotMet)
}

func TestScriptCardBlock(t *testing.T) {
	c := newCard(t, "visa")
	term := firstAC(t, c, aidVisa, byte(issuer.ARQC))
	if sw := script(t, c, term, issuer.CardBlock()); sw != swOK || !c.Blocked() {
		t.Fatalf("CARD BLOCK: %04X", uint16(sw))
	}
	sendOK(t, term, selectAID(pseName), swFunctionUnsupported)
}

// PIN CHANGE with the ISO 9564 format 2 block (UnionPay, P2 02) and with the VIS
// block bound to the current PIN (Visa, P2 01); PIN UNBLOCK after the tries ran out.
func TestScriptPIN(t *testing.T) {
	for _, tc := range []struct {
		profile  string
		aid      []byte
		old, new string
		current  bool
	}{
		{"unionpay", aidUnionPay, "123456", "246810", false},
		{"visa", aidVisa, "1234", "8642", true},
	} {
		c := newCard(t, tc.profile)
		term := firstAC(t, c, tc.aid, byte(issuer.ARQC))
		var current []byte
		if tc.current {
			current = []byte(tc.old)
		}
		cmd, err := c.apps[0].cfg.Scheme.PINChange(&c.apps[0].keys, []byte(tc.new), current)
		if err != nil {
			t.Fatal(err)
		}
		if sw := script(t, c, term, cmd); sw != swOK {
			t.Fatalf("%s: PIN CHANGE %04X", tc.profile, uint16(sw))
		}
		sendOK(t, term, verifyPIN(format2(tc.old)...), swWrongPIN|2)
		sendOK(t, term, verifyPIN(format2(tc.new)...), swOK)

		for range 3 {
			term.Send(verifyPIN(format2("0000")...))
		}
		sendOK(t, term, verifyPIN(), swMethodBlocked)
		if sw := script(t, c, term, issuer.PINUnblock()); sw != swOK {
			t.Fatalf("%s: PIN UNBLOCK %04X", tc.profile, uint16(sw))
		}
		sendOK(t, term, verifyPIN(), swWrongPIN|3)
		if sw := script(t, c, term, issuer.ScriptCommand{INS: issuer.InsPINChangeUnblock, P2: 0x05}); sw != swWrongP1P2 {
			t.Fatalf("%s: PIN CHANGE P2 05: %04X", tc.profile, uint16(sw))
		}
		if sw := script(t, c, term, issuer.ScriptCommand{INS: issuer.InsPINChangeUnblock, P2: 0x02, Data: make([]byte, 8), Enciphered: true}); sw != swWrongData {
			t.Fatalf("%s: PIN CHANGE with a zero block: %04X", tc.profile, uint16(sw))
		}
		if sw := script(t, c, term, issuer.ScriptCommand{INS: issuer.InsPINChangeUnblock, Data: []byte{1}}); sw != swWrongLength {
			t.Fatalf("%s: PIN UNBLOCK with data: %04X", tc.profile, uint16(sw))
		}
	}
}

// PUT DATA of the offline limits; other data elements are not the issuer's to set.
func TestScriptPutData(t *testing.T) {
	c := newCard(t, "visa")
	term := firstAC(t, c, aidVisa, byte(issuer.ARQC))
	for _, tc := range []struct {
		cmd issuer.ScriptCommand
		sw  uint16
	}{
		{issuer.PutData(tags.LowerConsecutiveOfflineLimit, []byte{1}), swOK},
		{issuer.PutData(tags.UpperConsecutiveOfflineLimit, []byte{2}), swOK},
		{issuer.PutData(tags.CardholderName, []byte("X")), swDataNotFound},
		{issuer.PutData(tags.LowerConsecutiveOfflineLimit, []byte{1, 2}), swWrongLength},
	} {
		if sw := script(t, c, term, tc.cmd); uint16(sw) != tc.sw {
			t.Errorf("PUT DATA %02X%02X: %04X, want %04X", tc.cmd.P1, tc.cmd.P2, uint16(sw), tc.sw)
		}
	}
	resp, _, _ := term.Send(getData(0x9F14))
	if len(resp) != 4 || resp[3] != 1 {
		t.Fatalf("9F14 after PUT DATA: % X", resp)
	}
}

// The next cryptogram tells the issuer how many script commands ran last time and
// whether one failed.
func TestScriptResultsReported(t *testing.T) {
	c := newCard(t, "visa")
	goOnline(t, c, aidVisa)
	term := firstAC(t, c, aidVisa, byte(issuer.ARQC))
	script(t, c, term, issuer.PINUnblock())
	sendOK(t, term, apdu(0x84, 0x18, 0, 0, make([]byte, 8), false), swSMDataIncorrect)
	issuerAuthentication(t, c, term, issuer.NewReply("00"))
	secondGenerateAC(t, term, byte(issuer.TC), "00")
	next := firstAC(t, c, aidVisa, byte(issuer.ARQC))
	if got := cvr(t, c, next); got.ScriptCommandsLast != 2 || !got.ScriptFailedLast {
		t.Fatalf("CVR %+v", got)
	}
}
