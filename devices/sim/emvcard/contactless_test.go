package emvcard

import (
	"bytes"
	"testing"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
	"tilldesk/devices/sim/emvcard/emvcardtest"
)

// tap selects, in process, the first application in the PPSE directory.
func tap(t *testing.T, c *Card) *emvcardtest.Terminal {
	t.Helper()
	term := inProcess(t, c, Contactless)
	selectFromPPSE(t, term)
	return term
}

// selectFromPPSE selects the first application the PPSE lists.
func selectFromPPSE(t *testing.T, term *emvcardtest.Terminal) {
	t.Helper()
	fci, err := term.Select(ppseName)
	if err != nil {
		t.Fatalf("SELECT PPSE: %v", err)
	}
	dir, ok := tlv.FindPath(fci, tags.FCITemplate, tags.FCIProprietaryTemplate, tags.FCIIssuerDiscretionaryData)
	aids := tlv.FindAll(dir.Children, tags.ApplicationIdentifierCard)
	if !ok || len(aids) == 0 {
		t.Fatal("PPSE directory empty")
	}
	if _, err := term.Select(aids[0].Value); err != nil {
		t.Fatalf("SELECT AID: %v", err)
	}
}

// readCard sends GPO, reads the records and checks the certificates: the ICC modulus.
func readCard(t *testing.T, term *emvcardtest.Terminal) []byte {
	t.Helper()
	if _, err := term.GetProcessingOptions(); err != nil {
		t.Fatalf("GPO: %v", err)
	}
	if err := term.ReadRecords(); err != nil {
		t.Fatal(err)
	}
	iccModulus, err := offlineData(t, term)
	if err != nil {
		t.Fatal(err)
	}
	return iccModulus
}

// checkFDDA verifies the fDDA signature of a quick tap: over the unpredictable
// number, amount, currency and the card authentication related data (9F69), with
// the card's unpredictable number as the ICC dynamic number.
func checkFDDA(t *testing.T, term *emvcardtest.Terminal, iccModulus []byte) {
	t.Helper()
	related := term.ICC[cardAuthenticationRelatedData]
	var dynamic []byte
	for _, tag := range []tlv.Tag{tags.UnpredictableNumber, tags.AmountAuthorised, tags.TransactionCurrencyCode} {
		dynamic = append(dynamic, term.Data[tag]...)
	}
	dyn, err := emvcardtest.DynamicData(iccModulus, term.ICC[tags.ICCPublicKeyExponent], term.ICC[tags.SignedDynamicApplicationData], append(dynamic, related...))
	if err != nil {
		t.Fatalf("fDDA: %v", err)
	}
	if len(related) != 7 || related[0] != 0x01 || !bytes.Equal(dyn, append([]byte{4}, related[1:5]...)) || !bytes.Equal(related[5:], term.ICC[tags.CardTransactionQualifiers]) {
		t.Fatalf("fDDA data %X, 9F69 %X", dyn, related)
	}
}

// Quick taps (qVSDC/qPBOC style): the cryptogram in the GPO response, the CVM the
// card asks for in the CTQ, fDDA, and an ARQC the issuer accepts.
func TestQuickContactless(t *testing.T) {
	for _, tc := range []struct {
		profile string
		ctq     [2]byte
	}{
		{"unionpay", [2]byte{ctqOnlinePIN, 0}},
		{"visa", [2]byte{ctqOnlinePIN, 0}},
		{"wallet", [2]byte{0, ctqConsumerDeviceCVM}},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			c := newCard(t, tc.profile)
			term := tap(t, c)
			term.Data[tags.TerminalTransactionQualifiers] = []byte{0x26, 0x80, 0x40, 0x00} // online cryptogram required
			checkFDDA(t, term, readCard(t, term))
			if cid(term) != issuer.ARQC || !bytes.Equal(term.ICC[tags.CardTransactionQualifiers], tc.ctq[:]) {
				t.Fatalf("CID %X CTQ %X", term.ICC[tags.CryptogramInformationData], term.ICC[tags.CardTransactionQualifiers])
			}
			de55, _ := term.ICCData()
			dec, err := issuer.Authorise(account(t, c, term), testBDKs, issuer.Request{ICCData: de55})
			if err != nil || !dec.Approved {
				t.Fatalf("issuer: %+v, %v", dec, err)
			}
			for _, apdu := range [][]byte{{0x00, 0x82, 0, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, append([]byte{0x80, 0xAE, 0x40, 0, 27}, make([]byte, 27)...)} {
				if _, sw, _ := term.Send(apdu); sw != swConditionsNotMet {
					t.Errorf("%X after a quick tap: %04X", apdu[:2], uint16(sw))
				}
			}
		})
	}
}

// A UnionPay tap approves offline up to 300 CNY, five times in a row, unless the
// reader wants an online cryptogram; a reader without CDCVM makes the wallet ask for
// online PIN.
func TestQuickContactlessDecisions(t *testing.T) {
	c := newCard(t, "unionpay")
	for n, tc := range []struct {
		amount []byte
		ttq    []byte
		want   issuer.ACType
	}{
		{[]byte{0, 0, 0, 0, 0x12, 0x34}, []byte{0x26, 0x00, 0x40, 0x00}, issuer.TC},
		{[]byte{0, 0, 0, 0x03, 0x00, 0x01}, []byte{0x26, 0x00, 0x40, 0x00}, issuer.ARQC},
		{[]byte{0, 0, 0, 0, 0x12, 0x34}, []byte{0x26, 0x80, 0x40, 0x00}, issuer.ARQC},
		{[]byte{0, 0, 0, 0x03, 0x00, 0x00}, []byte{0x26, 0x00, 0x40, 0x00}, issuer.TC},
		{[]byte{0, 0, 0, 0, 0x00, 0x01}, []byte{0x26, 0x00, 0x40, 0x00}, issuer.TC},
		{[]byte{0, 0, 0, 0, 0x00, 0x01}, []byte{0x26, 0x00, 0x40, 0x00}, issuer.TC},
		{[]byte{0, 0, 0, 0, 0x00, 0x01}, []byte{0x26, 0x00, 0x40, 0x00}, issuer.TC},
		{[]byte{0, 0, 0, 0, 0x00, 0x01}, []byte{0x26, 0x00, 0x40, 0x00}, issuer.ARQC}, // sixth offline in a row
	} {
		term := tap(t, c)
		term.Data[tags.AmountAuthorised], term.Data[tags.TerminalTransactionQualifiers] = tc.amount, tc.ttq
		if _, err := term.GetProcessingOptions(); err != nil {
			t.Fatal(err)
		}
		if got := cid(term); got != tc.want {
			t.Fatalf("tap %d: %s, want %s", n, got, tc.want)
		}
		if err := term.ReadRecords(); err != nil {
			t.Fatal(err)
		}
		de55, _ := term.ICCData()
		d, err := issuer.ParseICCData(de55)
		if err != nil {
			t.Fatal(err)
		}
		if check, err := issuer.CheckCryptogram(account(t, c, term), d); err != nil || !check.Valid || check.Type != tc.want {
			t.Fatalf("tap %d: the issuer reads %+v, %v", n, check, err)
		}
	}
	wallet := newCard(t, "wallet")
	term := tap(t, wallet)
	term.Data[tags.TerminalTransactionQualifiers] = []byte{0x26, 0x00, 0x00, 0x00}
	if _, err := term.GetProcessingOptions(); err != nil || !bytes.Equal(term.ICC[tags.CardTransactionQualifiers], []byte{ctqOnlinePIN, 0}) {
		t.Fatalf("wallet without reader CDCVM: CTQ %X, %v", term.ICC[tags.CardTransactionQualifiers], err)
	}
}

// A Mastercard-style tap: no TTQ, EMV mode in the AIP, records, and one GENERATE AC
// with CDA.
func TestMastercardStyleTap(t *testing.T) {
	c := newCard(t, "mastercard")
	term := tap(t, c)
	iccModulus := readCard(t, term)
	if aip := term.ICC[tags.ApplicationInterchangeProfile]; !bytes.Equal(aip, []byte{0x3D, 0x80}) {
		t.Fatalf("AIP %X", aip)
	}
	resp, err := term.GenerateAC(byte(issuer.ARQC)|p1CDARequested, tags.CDOL1)
	if err != nil || cid(term) != issuer.ARQC {
		t.Fatalf("GENERATE AC: %v", err)
	}
	term.ICC[tags.ApplicationCryptogram] = checkCDA(t, term, iccModulus, resp)
	de55, _ := term.ICCData()
	if dec, err := issuer.Authorise(account(t, c, term), testBDKs, issuer.Request{ICCData: de55}); err != nil || !dec.Approved {
		t.Fatalf("issuer: %+v, %v", dec, err)
	}
	if counters, _ := c.Counters(0); counters.ATC != 1 {
		t.Fatalf("counters %+v", counters)
	}
}

// Each directory on its own interface only, and cards only on the interfaces they have.
func TestInterfaces(t *testing.T) {
	c := newCard(t, "visa")
	for _, tc := range []struct {
		iface Interface
		name  []byte
	}{{Contact, ppseName}, {Contactless, pseName}} {
		term := inProcess(t, c, tc.iface)
		if _, err := term.Select(tc.name); err != emvcardtest.SW(swFileNotFound) {
			t.Errorf("%s SELECT %s: %v", tc.iface, tc.name, err)
		}
	}
	if _, err := newCard(t, "wallet").Present(Contact); err == nil {
		t.Error("a phone inserted")
	}
	if _, err := newCard(t, "signature").Present(Contactless); err == nil {
		t.Error("a contact-only card tapped")
	}
	contact, _ := c.Present(Contact)
	contactless, _ := c.Present(Contactless)
	if atr := contact.ATR(); !bytes.Equal(atr[:4], []byte{0x3B, 0x68, 0x00, 0x00}) {
		t.Errorf("contact ATR % X", atr)
	}
	var tck byte
	for _, b := range contactless.ATR()[1:] {
		tck ^= b
	}
	if tck != 0 || Contactless.String() != "contactless" || Contact.String() != "contact" {
		t.Errorf("contactless ATR % X does not check", contactless.ATR())
	}
}
