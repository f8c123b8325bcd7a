package emvcard

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// apdu builds a command: data (nil for none) and Le when le is set.
func apdu(cla, ins, p1, p2 byte, data []byte, le bool) []byte {
	out := []byte{cla, ins, p1, p2}
	if data != nil {
		out = append(append(out, byte(len(data))), data...)
	}
	if le {
		out = append(out, 0x00)
	}
	return out
}

func selectAID(aid []byte) []byte  { return apdu(0x00, 0xA4, 0x04, 0x00, aid, true) }
func selectNext(aid []byte) []byte { return apdu(0x00, 0xA4, 0x04, 0x02, aid, true) }
func gpo(pdolData ...byte) []byte {
	return apdu(0x80, 0xA8, 0, 0, append([]byte{0x83, byte(len(pdolData))}, pdolData...), true)
}
func genAC(p1 byte, n int) []byte     { return apdu(0x80, 0xAE, p1, 0, make([]byte, n), true) }
func readRecord(rec, sfi byte) []byte { return apdu(0x00, 0xB2, rec, sfi<<3|4, nil, true) }
func getData(tag uint16) []byte       { return apdu(0x80, 0xCA, byte(tag>>8), byte(tag), nil, true) }
func verifyPIN(block ...byte) []byte  { return apdu(0x00, 0x20, 0x00, 0x80, block, false) }

// secondAC is the second GENERATE AC of a Visa-like card (CDOL2: ARC then 29 bytes).
func secondAC(p1 byte, arc string) []byte {
	return apdu(0x80, 0xAE, p1, 0, append([]byte(arc), make([]byte, 29)...), true)
}

// Lengths of the profiles' DOL data.
const (
	visaCDOL1     = 43
	unionPayCDOL1 = 52
)

// format2 is an ISO 9564 format 2 plaintext PIN block.
func format2(pin string) []byte {
	b := []byte{0x20 | byte(len(pin)), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	for i := 0; i < len(pin); i++ {
		shift := 4 * (1 - i%2)
		b[1+i/2] = b[1+i/2]&^(0x0F<<shift) | (pin[i]-'0')<<shift
	}
	return b
}

type step struct {
	apdu []byte
	sw   uint16
}

// Every command the card knows, and the status words of its errors, each as a
// sequence of commands from power-on.
func TestCommands(t *testing.T) {
	visaReady := []step{{selectAID(aidVisa), swOK}, {gpo(), swOK}}
	visaOnline := append(append([]step(nil), visaReady...), step{genAC(0x80, visaCDOL1), swOK})
	for _, tc := range []struct {
		name    string
		profile string
		iface   Interface
		steps   []step
	}{
		{"unknown instruction", "visa", Contact, []step{{apdu(0x00, 0xFF, 0, 0, nil, false), swINSUnsupported}}},
		{"known instruction, wrong class", "visa", Contact, []step{{apdu(0x00, 0xA8, 0, 0, []byte{0x83, 0}, true), swCLAUnsupported}}},
		{"script instruction without secure messaging", "visa", Contact, []step{{apdu(0x80, 0x1E, 0, 0, make([]byte, 8), false), swCLAUnsupported}}},
		{"shorter than a header", "visa", Contact, []step{{[]byte{0x00, 0xA4, 0x04}, swWrongLength}, {nil, swWrongLength}}},
		{"extended length", "visa", Contact, []step{{[]byte{0x00, 0xB2, 0x01, 0x0C, 0x00, 0x00, 0x01}, swWrongLength}}},
		{"Lc longer than the data", "visa", Contact, []step{{[]byte{0x00, 0xA4, 0x04, 0x00, 0x07, 0xA0, 0x00}, swWrongLength}}},

		{"SELECT by file ID", "visa", Contact, []step{{apdu(0x00, 0xA4, 0x00, 0x00, []byte{0x3F, 0x00}, true), swWrongP1P2}}},
		{"SELECT P2 03", "visa", Contact, []step{{apdu(0x00, 0xA4, 0x04, 0x03, aidVisa, true), swWrongP1P2}}},
		{"SELECT without a name", "visa", Contact, []step{{apdu(0x00, 0xA4, 0x04, 0x00, nil, true), swWrongLength}}},
		{"SELECT a 17-byte name", "visa", Contact, []step{{selectAID(make([]byte, 17)), swWrongLength}}},
		{"SELECT an unknown AID", "visa", Contact, []step{{selectAID([]byte{0xA0, 0, 0, 0, 0x99, 0x10, 0x10}), swFileNotFound}}},
		{"SELECT a 4-byte name", "visa", Contact, []step{{selectAID(aidVisa[:4]), swFileNotFound}}},
		{"SELECT by RID, then next", "visa", Contact, []step{{selectAID(aidVisa[:5]), swOK}, {selectNext(aidVisa[:5]), swFileNotFound}}},
		{"SELECT next of each brand", "cobadged", Contact, []step{{selectAID(aidUnionPay[:5]), swOK}, {selectNext(aidUnionPay[:5]), swFileNotFound}, {selectNext(aidVisa), swOK}}},
		{"SELECT a contact-only application by tap", "cobadged", Contactless, []step{{selectAID(aidVisa), swOK}}},

		{"READ RECORD before SELECT", "visa", Contact, []step{{readRecord(1, 1), swConditionsNotMet}}},
		{"READ RECORD of the PSE", "visa", Contact, []step{{selectAID(pseName), swOK}, {readRecord(1, 1), swOK}, {readRecord(2, 1), swRecordNotFound}, {readRecord(1, 2), swFileNotFound}}},
		{"READ RECORD errors", "visa", Contact, []step{{selectAID(aidVisa), swOK},
			{apdu(0x00, 0xB2, 1, 0x0D, nil, true), swWrongP1P2}, {readRecord(0, 1), swWrongP1P2},
			{readRecord(1, 3), swFileNotFound}, {readRecord(9, 1), swRecordNotFound}, {readRecord(1, 2), swOK}, {readRecord(2, 1), swOK}}},

		{"GPO before SELECT", "visa", Contact, []step{{gpo(), swConditionsNotMet}}},
		{"GPO errors", "visa", Contact, []step{{selectAID(aidVisa), swOK},
			{apdu(0x80, 0xA8, 0x01, 0x00, []byte{0x83, 0}, true), swWrongP1P2},
			{apdu(0x80, 0xA8, 0, 0, []byte{0x84, 0}, true), swWrongData},
			{gpo(0x00), swWrongLength}, {apdu(0x80, 0xA8, 0, 0, []byte{0x83, 5, 0}, true), swWrongLength},
			{apdu(0x80, 0xA8, 0, 0, nil, true), swWrongLength},
			{gpo(), swOK}, {gpo(), swConditionsNotMet}}},
		{"GPO with the PDOL data", "unionpay", Contact, []step{{selectAID(aidUnionPay), swOK}, {gpo(make([]byte, 9)...), swOK}}},
		{"SELECT again ends the transaction", "visa", Contact, append(visaOnline, step{selectAID(aidVisa), swOK}, step{secondAC(0x40, "00"), swConditionsNotMet}, step{gpo(), swOK})},

		{"GET DATA", "visa", Contact, []step{{getData(0x9F36), swConditionsNotMet}, {selectAID(aidVisa), swOK},
			{getData(0x9F36), swOK}, {getData(0x9F13), swOK}, {getData(0x9F17), swOK}, {getData(0x9F14), swOK}, {getData(0x9F23), swOK}, {getData(0x9F4F), swDataNotFound}}},

		{"INTERNAL AUTHENTICATE", "visa", Contact, []step{{selectAID(aidVisa), swOK}, {apdu(0x00, 0x88, 0, 0, []byte{1, 2, 3, 4}, true), swConditionsNotMet},
			{gpo(), swOK}, {apdu(0x00, 0x88, 1, 0, []byte{1, 2, 3, 4}, true), swWrongP1P2}, {apdu(0x00, 0x88, 0, 0, nil, true), swWrongLength},
			{apdu(0x00, 0x88, 0, 0, []byte{1, 2, 3, 4}, true), swOK}}},
		{"INTERNAL AUTHENTICATE without DDA", "signature", Contact, []step{{selectAID(aidVisa), swOK}, {gpo(), swOK}, {apdu(0x00, 0x88, 0, 0, []byte{1, 2, 3, 4}, true), swINSUnsupported}}},

		{"GET CHALLENGE", "visa", Contact, []step{{apdu(0x00, 0x84, 0, 0, nil, true), swOK}, {apdu(0x00, 0x84, 1, 0, nil, true), swWrongP1P2}, {apdu(0x00, 0x84, 0, 0, []byte{1}, true), swWrongLength}}},

		{"VERIFY", "visa", Contact, []step{{verifyPIN(format2("1234")...), swConditionsNotMet}, {selectAID(aidVisa), swOK},
			{apdu(0x00, 0x20, 0x00, 0x88, format2("1234"), false), swWrongP1P2}, {apdu(0x00, 0x20, 0x00, 0x80, nil, false), swWrongPIN | 3},
			{verifyPIN(format2("1234")[:7]...), swWrongLength}, {verifyPIN(0x20, 1, 2, 3, 4, 5, 6, 7), swWrongData},
			{verifyPIN(format2("9999")...), swWrongPIN | 2}, {verifyPIN(format2("1234")...), swOK}, {apdu(0x00, 0x20, 0x00, 0x80, nil, false), swWrongPIN | 3}}},
		{"VERIFY until blocked", "visa", Contact, []step{{selectAID(aidVisa), swOK},
			{verifyPIN(format2("0000")...), swWrongPIN | 2}, {verifyPIN(format2("00000")...), swWrongPIN | 1}, {verifyPIN(format2("000000")...), swWrongPIN | 0},
			{verifyPIN(format2("1234")...), swMethodBlocked}, {apdu(0x00, 0x20, 0x00, 0x80, nil, false), swMethodBlocked}}},

		{"GENERATE AC errors", "visa", Contact, []step{{selectAID(aidVisa), swOK}, {genAC(0x80, visaCDOL1), swConditionsNotMet}, {gpo(), swOK},
			{genAC(0xC0, visaCDOL1), swWrongP1P2}, {genAC(0x81, visaCDOL1), swWrongP1P2}, {apdu(0x80, 0xAE, 0x80, 1, make([]byte, visaCDOL1), true), swWrongP1P2},
			{apdu(0x80, 0xAE, 0x80, 0, nil, true), swWrongLength}, {genAC(0x80, visaCDOL1-1), swWrongLength},
			{genAC(0x80, visaCDOL1), swOK}, {secondAC(0x80, "00"), swWrongP1P2}, {secondAC(0x40, "0"), swWrongLength},
			{secondAC(0x00, "05"), swOK}, {secondAC(0x40, "00"), swConditionsNotMet}}},
		{"second GENERATE AC after an AAC", "visa", Contact, append(visaReady, step{genAC(0x00, visaCDOL1), swOK}, step{secondAC(0x40, "00"), swConditionsNotMet})},

		{"EXTERNAL AUTHENTICATE before GENERATE AC", "visa", Contact, append(visaReady, step{apdu(0x00, 0x82, 0, 0, make([]byte, 8), false), swConditionsNotMet})},
		{"EXTERNAL AUTHENTICATE errors", "visa", Contact, append(visaOnline,
			step{apdu(0x00, 0x82, 1, 0, make([]byte, 8), false), swWrongP1P2}, step{apdu(0x00, 0x82, 0, 0, make([]byte, 7), false), swWrongLength},
			step{apdu(0x00, 0x82, 0, 0, make([]byte, 8), false), swAuthFailed}, step{apdu(0x00, 0x82, 0, 0, make([]byte, 8), false), swConditionsNotMet},
			step{secondAC(0x40, "00"), swOK})},

		{"script before an ARQC", "visa", Contact, append(visaReady, step{apdu(0x84, 0x1E, 0, 0, make([]byte, 8), false), swConditionsNotMet})},
		{"script with a bad MAC", "visa", Contact, append(visaOnline, step{apdu(0x84, 0x1E, 0, 0, make([]byte, 8), false), swSMDataIncorrect})},
		{"script instruction the card lacks", "visa", Contact, append(visaOnline, step{apdu(0x84, 0xDC, 1, 0x0C, make([]byte, 8), false), swINSUnsupported})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCard(t, tc.profile)
			p, err := c.Present(tc.iface)
			if err != nil {
				t.Fatal(err)
			}
			p.Reset()
			for i, s := range tc.steps {
				resp := p.Process(s.apdu)
				if len(resp) < 2 {
					t.Fatalf("step %d: answer % X", i, resp)
				}
				if sw := binary.BigEndian.Uint16(resp[len(resp)-2:]); sw != s.sw {
					t.Fatalf("step %d (% X): %04X, want %04X", i, s.apdu, sw, s.sw)
				}
			}
		})
	}
}

// The data GET DATA and GET CHALLENGE answer with.
func TestDataAnswers(t *testing.T) {
	c := newCard(t, "visa")
	p, _ := c.Present(Contact)
	p.Reset()
	for _, s := range []struct {
		apdu []byte
		want string
	}{
		{selectAID(aidVisa), ""},
		{gpo(), ""},
		{getData(0x9F36), "9F3602000190 00"},
		{getData(0x9F13), "9F1302000090 00"},
		{getData(0x9F17), "9F17010390 00"},
		{getData(0x9F14), "9F14010590 00"},
	} {
		resp := p.Process(s.apdu)
		if s.want != "" && fmt.Sprintf("%X", resp) != s.want[:len(s.want)-3]+s.want[len(s.want)-2:] {
			t.Errorf("% X: % X, want %s", s.apdu, resp, s.want)
		}
	}
	a := p.Process(apdu(0x00, 0x84, 0, 0, nil, true))
	b := p.Process(apdu(0x00, 0x84, 0, 0, nil, true))
	if len(a) != 10 || bytes.Equal(a, b) {
		t.Errorf("challenges % X and % X", a, b)
	}
}
