package emvcard

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"strings"
	"sync"
	"testing"

	"tilldesk/core/dukpt"
	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
	"tilldesk/core/pinblock"
	"tilldesk/devices/sim/emvcard/emvcardtest"
	"tilldesk/devices/sim/emvcard/testca"
)

// The PIN pads' base derivation key in these tests: the X9.24 test BDK.
var testBDKs = issuer.BDKs{TDES: [16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}}

// prototypes holds one personalised card per profile; tests take clones, so RSA
// signing at personalisation happens once.
var (
	prototypesMu sync.Mutex
	prototypes   = map[string]*Card{}
)

func newCard(t testing.TB, name string) *Card {
	t.Helper()
	prototypesMu.Lock()
	defer prototypesMu.Unlock()
	if c, ok := prototypes[name]; ok {
		return c.clone()
	}
	p, ok := Lookup(name)
	if !ok {
		t.Fatalf("no profile %q", name)
	}
	c, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	prototypes[name] = c
	return c.clone()
}

// inProcess is a terminal talking to the card directly.
func inProcess(t testing.TB, c *Card, iface Interface) *emvcardtest.Terminal {
	t.Helper()
	p, err := c.Present(iface)
	if err != nil {
		t.Fatal(err)
	}
	p.Reset()
	return emvcardtest.NewTerminal(func(apdu []byte) ([]byte, error) { return p.Process(apdu), nil })
}

// capk finds the test CA key the card's records name.
func capk(t testing.TB, term *emvcardtest.Terminal) testca.CAPK {
	t.Helper()
	h, err := testca.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range h.CAPKs() {
		if bytes.Equal(k.RID[:], term.ICC[tags.DFName][:5]) && len(term.ICC[tags.CAPublicKeyIndex]) == 1 && k.Index == term.ICC[tags.CAPublicKeyIndex][0] {
			return k
		}
	}
	t.Fatalf("no CAPK for RID %X index %X", term.ICC[tags.DFName][:5], term.ICC[tags.CAPublicKeyIndex])
	return testca.CAPK{}
}

// offlineData checks the card's certificates and SDA signature as a terminal would,
// returning the ICC modulus (nil for an SDA-only card) and the first error.
func offlineData(t testing.TB, term *emvcardtest.Terminal) ([]byte, error) {
	t.Helper()
	ca := capk(t, term)
	icc := term.ICC
	issuerKey, err := emvcardtest.IssuerKey(ca.Modulus, ca.Exponent, icc[tags.IssuerPublicKeyCertificate], icc[tags.IssuerPublicKeyRemainder], icc[tags.IssuerPublicKeyExponent])
	if err != nil {
		return nil, err
	}
	if ssad, ok := icc[tags.SignedStaticApplicationData]; ok {
		if _, err := emvcardtest.StaticData(issuerKey, icc[tags.IssuerPublicKeyExponent], ssad, term.Static); err != nil {
			return nil, err
		}
	}
	cert, ok := icc[tags.ICCPublicKeyCertificate]
	if !ok {
		return nil, nil
	}
	panField := append(bytes.Clone(icc[tags.ApplicationPAN]), bytes.Repeat([]byte{0xFF}, 10-len(icc[tags.ApplicationPAN]))...)
	return emvcardtest.ICCKey(issuerKey, icc[tags.IssuerPublicKeyExponent], cert, icc[tags.ICCPublicKeyRemainder], icc[tags.ICCPublicKeyExponent], term.Static, panField)
}

// checkCDA verifies a CDA signature the way EMV Book 2 6.6.2 says and returns the
// cryptogram inside it.
func checkCDA(t testing.TB, term *emvcardtest.Terminal, iccModulus []byte, resp []tlv.TLV) []byte {
	t.Helper()
	dyn, err := emvcardtest.DynamicData(iccModulus, term.ICC[tags.ICCPublicKeyExponent], term.ICC[tags.SignedDynamicApplicationData], term.Data[tags.UnpredictableNumber])
	if err != nil {
		t.Fatalf("CDA: %v", err)
	}
	rest := dyn[1+int(dyn[0]):]
	h := sha1.New()
	h.Write(term.PDOLData)
	h.Write(term.CDOLData)
	for _, o := range resp[0].Children {
		if o.Tag != tags.SignedDynamicApplicationData {
			enc, _ := o.Encode()
			h.Write(enc)
		}
	}
	if len(rest) != 29 || rest[0] != term.ICC[tags.CryptogramInformationData][0] || !bytes.Equal(h.Sum(nil), rest[9:]) {
		t.Fatalf("CDA dynamic data %X does not match the transaction", dyn)
	}
	return rest[1:9]
}

// account is the issuer's record of the selected application.
func account(t testing.TB, c *Card, term *emvcardtest.Terminal) issuer.Account {
	t.Helper()
	accts, err := c.profile.Accounts()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		if pan, _ := packNibbles(a.PAN); bytes.Equal(pan, term.ICC[tags.ApplicationPAN]) {
			return a
		}
	}
	t.Fatalf("no account for PAN %X", term.ICC[tags.ApplicationPAN])
	return issuer.Account{}
}

func cid(term *emvcardtest.Terminal) issuer.ACType {
	return issuer.ACTypeOf(term.ICC[tags.CryptogramInformationData][0])
}

// onlinePIN is the cardholder's PIN as a PIN pad with an IPEK of the test BDK sends it.
func onlinePIN(t testing.TB, c *Card, accountNumber string) *issuer.EncryptedPIN {
	t.Helper()
	var pin []byte
	for _, a := range c.apps {
		if a.cfg.PAN == accountNumber {
			pin = a.pin
		}
	}
	ksn := dukpt.KSN{0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE0, 0x00, 0x01}
	tk, err := dukpt.TransactionKey(dukpt.DeriveIPEK(testBDKs.TDES, ksn), ksn)
	if err != nil {
		t.Fatal(err)
	}
	block, err := pinblock.EncodeFormat0(pin, accountNumber)
	if err != nil {
		t.Fatal(err)
	}
	enc := dukpt.EncryptPINBlock(tk, block)
	return &issuer.EncryptedPIN{Block: enc[:], KSN: ksn[:]}
}

// onlineResult is how a contact transaction ended.
type onlineResult struct {
	odaErr     error
	first      issuer.ACType
	decision   issuer.Decision
	extAuthSW  emvcardtest.SW
	scriptSW   emvcardtest.SW
	second     issuer.ACType
	iccModulus []byte
}

// contactTransaction runs the contact flow on the selected application up to the
// end: GPO, records, offline data authentication (DDA when offered), the first
// GENERATE AC asking for an ARQC (with CDA when offered), the issuer's answer from
// core/emv/issuer with a PIN unblock script, EXTERNAL AUTHENTICATE, the script and
// the second GENERATE AC asking for a TC.
func contactTransaction(t testing.TB, c *Card, term *emvcardtest.Terminal) onlineResult {
	t.Helper()
	var r onlineResult
	if _, err := term.GetProcessingOptions(); err != nil {
		t.Fatalf("GPO: %v", err)
	}
	if err := term.ReadRecords(); err != nil {
		t.Fatalf("records: %v", err)
	}
	aip := term.ICC[tags.ApplicationInterchangeProfile]
	r.iccModulus, r.odaErr = offlineData(t, term)
	if r.odaErr == nil && r.iccModulus != nil && aip[0]&0x20 != 0 && aip[0]&0x01 == 0 {
		ddolData := term.Data[tags.UnpredictableNumber]
		resp, sw, err := term.Send(append([]byte{0x00, 0x88, 0x00, 0x00, 0x04}, append(ddolData, 0x00)...))
		if err != nil || sw != 0x9000 {
			t.Fatalf("INTERNAL AUTHENTICATE: %v, %v", sw, err)
		}
		objs, _ := tlv.Decode(resp)
		sdad, ok := tlv.Value(objs, tags.ResponseTemplateFormat1)
		if !ok {
			sdad, _ = tlv.Value(objs, tags.SignedDynamicApplicationData)
		}
		if _, err := emvcardtest.DynamicData(r.iccModulus, term.ICC[tags.ICCPublicKeyExponent], sdad, ddolData); err != nil {
			t.Fatalf("DDA: %v", err)
		}
	}
	cda := r.odaErr == nil && r.iccModulus != nil && aip[0]&0x01 != 0
	p1 := byte(issuer.ARQC)
	if cda {
		p1 |= p1CDARequested
	}
	resp, err := term.GenerateAC(p1, tags.CDOL1)
	if err != nil {
		t.Fatalf("first GENERATE AC: %v", err)
	}
	r.first = cid(term)
	if cda && r.first != issuer.AAC {
		term.ICC[tags.ApplicationCryptogram] = checkCDA(t, term, r.iccModulus, resp)
	}
	if r.first != issuer.ARQC {
		return r
	}
	de55, err := term.ICCData()
	if err != nil {
		t.Fatal(err)
	}
	acct := account(t, c, term)
	r.decision, err = issuer.Authorise(acct, testBDKs, issuer.Request{
		ICCData: de55, PIN: onlinePIN(t, c, acct.PAN), Scripts: []issuer.ScriptCommand{issuer.PINUnblock()}, ScriptBeforeSecondAC: true,
	})
	if err != nil || r.decision.IssuerAuthenticationData == nil {
		t.Fatalf("issuer: %+v, %v", r.decision, err)
	}
	_, r.extAuthSW, err = term.Send(append([]byte{0x00, 0x82, 0x00, 0x00, byte(len(r.decision.IssuerAuthenticationData))}, r.decision.IssuerAuthenticationData...))
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := tlv.Decode(r.decision.IssuerScripts)
	if err != nil {
		t.Fatal(err)
	}
	cmd, _ := tlv.Value(scripts, tags.IssuerScriptCommand)
	if _, r.scriptSW, err = term.Send(cmd); err != nil {
		t.Fatal(err)
	}
	term.Data[tags.AuthorisationResponseCode] = []byte(r.decision.ResponseCode)
	if _, err := term.GenerateAC(byte(issuer.TC), tags.CDOL2); err != nil {
		t.Fatalf("second GENERATE AC: %v", err)
	}
	r.second = cid(term)
	return r
}

// Every profile with a contact plate, through PSE selection and an online
// transaction (or its offline decline), with the outcome each profile is for.
func TestContactTransactions(t *testing.T) {
	for _, tc := range []struct {
		profile  string
		app      int
		odaFails bool
		first    issuer.ACType
		code     string
		second   issuer.ACType
	}{
		{"unionpay", 0, false, issuer.ARQC, issuer.CodeApproved, issuer.TC},
		{"visa", 0, false, issuer.ARQC, issuer.CodeApproved, issuer.TC},
		{"mastercard", 0, false, issuer.ARQC, issuer.CodeApproved, issuer.TC},
		{"expired", 0, false, issuer.ARQC, issuer.CodeExpiredCard, issuer.AAC},
		{"declining", 0, false, issuer.AAC, "", 0},
		{"tampered", 0, true, issuer.ARQC, issuer.CodeApproved, issuer.TC},
		{"signature", 0, false, issuer.ARQC, issuer.CodeApproved, issuer.TC},
		{"cobadged", 0, false, issuer.ARQC, issuer.CodeApproved, issuer.TC},
		{"cobadged", 1, false, issuer.ARQC, issuer.CodeApproved, issuer.TC},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			c := newCard(t, tc.profile)
			term := inProcess(t, c, Contact)
			fci, err := term.Select(pseName)
			if err != nil {
				t.Fatalf("SELECT PSE: %v", err)
			}
			if sfi, ok := tlv.Value(fci, tags.ShortFileIdentifier); !ok || !bytes.Equal(sfi, []byte{sfiDirectory}) {
				t.Fatalf("PSE FCI % X", sfi)
			}
			dir, sw, err := term.Send([]byte{0x00, 0xB2, 0x01, sfiDirectory<<3 | 4, 0x00})
			objs, _ := tlv.Decode(dir)
			entries := tlv.FindAll(objs, tags.ApplicationIdentifierCard)
			if err != nil || sw != 0x9000 || len(entries) != len(c.apps) {
				t.Fatalf("directory: %d entries, %v, %v", len(entries), sw, err)
			}
			if _, err := term.Select(entries[tc.app].Value); err != nil {
				t.Fatalf("SELECT AID: %v", err)
			}
			r := contactTransaction(t, c, term)
			if (r.odaErr != nil) != tc.odaFails {
				t.Fatalf("offline data authentication: %v", r.odaErr)
			}
			if r.first != tc.first {
				t.Fatalf("first GENERATE AC gave %s", r.first)
			}
			if tc.first != issuer.ARQC {
				return
			}
			if r.decision.ResponseCode != tc.code || !r.decision.Cryptogram.Valid || !r.decision.PINValid || r.extAuthSW != 0x9000 || r.scriptSW != 0x9000 || r.second != tc.second {
				t.Fatalf("issuer %s (%s), EXTERNAL AUTHENTICATE %04X, script %04X, second AC %s", r.decision.ResponseCode, r.decision.Reason, uint16(r.extAuthSW), uint16(r.scriptSW), r.second)
			}
			counters, _ := c.Counters(tc.app)
			if counters.ATC != 1 || counters.LastOnlineATC != 1 {
				t.Fatalf("counters after an online transaction: %+v", counters)
			}
		})
	}
}

func TestProfilesValid(t *testing.T) {
	names := map[string]bool{}
	for _, p := range Profiles() {
		if names[p.Name] {
			t.Errorf("profile %s twice", p.Name)
		}
		names[p.Name] = true
		for i := range p.Applications {
			a := &p.Applications[i]
			if err := a.Validate(); err != nil {
				t.Errorf("%s: %v", p.Name, err)
			}
			if a.Currency != cny || a.Country != cny || a.CardholderName == "" {
				t.Errorf("%s: currency, country or name", p.Name)
			}
		}
	}
	if s := fmt.Sprintf("%+v", Profiles()[0]); strings.Contains(s, "123456") || strings.Contains(s, "6299990000000000012") {
		t.Errorf("a printed profile shows its PIN or PAN: %s", s)
	}
	if _, ok := Lookup("nonesuch"); ok {
		t.Error("unknown profile found")
	}
}
