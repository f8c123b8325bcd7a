package issuer

import (
	"bytes"
	"strings"
	"testing"

	"tilldesk/core/emv/cryptogram"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

var testBDKs = BDKs{TDES: [16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}}

func testAccount(t *testing.T, s Scheme) Account {
	t.Helper()
	acct := Account{PAN: "6299990000000000012", PANSequence: "01", Scheme: s, Expiry: "331231", Keys: MasterKeys{
		AC: key16(t, "00112233445566778899AABBCCDDEEFF"), SMI: key16(t, "0123456789ABCDEFFEDCBA9876543210"),
		SMC: key16(t, "11111111111111112222222222222222"),
	}}
	v, err := NewPINVerification(key16(t, "FEDCBA98765432100123456789ABCDEF"), acct.PAN, []byte("123456"))
	if err != nil {
		t.Fatal(err)
	}
	acct.PIN = v
	return acct
}

// cardICCData is what a card of the account would put in DE55 for a cryptogram of
// type cid over a purchase of amount (BCD).
func cardICCData(t *testing.T, acct Account, cid ACType, amount string, mutate func(map[tlv.Tag][]byte)) []byte {
	t.Helper()
	keys, err := acct.Scheme.DeriveCardKeys(acct.Keys, acct.PAN, acct.PANSequence)
	if err != nil {
		t.Fatal(err)
	}
	d := cryptogram.TransactionData{
		AmountAuthorised: [6]byte(unhex(t, amount)), TerminalCountryCode: [2]byte{0x01, 0x56},
		TVR: [5]byte{0, 0, 0, 0x80, 0}, TransactionCurrencyCode: [2]byte{0x01, 0x56},
		TransactionDate: [3]byte{0x26, 0x05, 0x17}, UnpredictableNumber: [4]byte{0xDE, 0xAD, 0xBE, 0xEF},
		AIP: [2]byte{0x7C, 0x00}, ATC: [2]byte{0x00, 0x07},
	}
	iad := acct.Scheme.IssuerApplicationData(1, CVR{FirstAC: cid})
	ac, err := acct.Scheme.Cryptogram(&keys, d, iad)
	if err != nil {
		t.Fatal(err)
	}
	values := map[tlv.Tag][]byte{
		tags.AmountAuthorised: d.AmountAuthorised[:], tags.AmountOther: d.AmountOther[:],
		tags.TerminalCountryCode: d.TerminalCountryCode[:], tags.TerminalVerificationResults: d.TVR[:],
		tags.TransactionCurrencyCode: d.TransactionCurrencyCode[:], tags.TransactionDate: d.TransactionDate[:],
		tags.TransactionType: {d.TransactionType}, tags.UnpredictableNumber: d.UnpredictableNumber[:],
		tags.ApplicationInterchangeProfile: d.AIP[:], tags.ApplicationTransactionCounter: d.ATC[:],
		tags.IssuerApplicationData: iad, tags.ApplicationCryptogram: ac[:], tags.CryptogramInformationData: {byte(cid)},
		tags.ApplicationPAN: unhex(t, acct.PAN+"F"),
	}
	if mutate != nil {
		mutate(values)
	}
	var objs []tlv.TLV
	for _, tag := range append(requiredTags, tags.ApplicationPAN) {
		if v, ok := values[tag]; ok {
			objs = append(objs, tlv.New(tag, v))
		}
	}
	out, err := tlv.Encode(objs...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAuthorise(t *testing.T) {
	for _, s := range []Scheme{UnionPayCVN01, VisaCVN10, VisaCVN18, MastercardCSK} {
		acct := testAccount(t, s)
		keys, _ := s.DeriveCardKeys(acct.Keys, acct.PAN, acct.PANSequence)
		for _, tc := range []struct {
			name     string
			cid      ACType
			mutate   func(map[tlv.Tag][]byte)
			pin      string
			code     string
			hasARPC  bool
			approved bool
		}{
			{"approved", ARQC, nil, "", CodeApproved, true, true},
			{"approved with PIN", ARQC, nil, "123456", CodeApproved, true, true},
			{"wrong PIN", ARQC, nil, "654321", CodeWrongPIN, true, false},
			{"amount changed", ARQC, func(m map[tlv.Tag][]byte) { m[tags.AmountAuthorised] = unhex(t, "000000009999") }, "", CodeDoNotHonour, false, false},
			{"a TC", TC, nil, "", CodeDoNotHonour, false, false},
			{"no cryptogram", ARQC, func(m map[tlv.Tag][]byte) { delete(m, tags.ApplicationCryptogram) }, "", CodeSecurityFail, false, false},
			{"another PAN", ARQC, func(m map[tlv.Tag][]byte) { m[tags.ApplicationPAN] = unhex(t, "4999990000000015") }, "", CodeSecurityFail, false, false},
			{"short ATC", ARQC, func(m map[tlv.Tag][]byte) { m[tags.ApplicationTransactionCounter] = []byte{7} }, "", CodeSecurityFail, false, false},
		} {
			req := Request{ICCData: cardICCData(t, acct, tc.cid, "000000001234", tc.mutate), Scripts: []ScriptCommand{ApplicationBlock()}, ScriptID: []byte{0, 0, 0, 1}}
			if tc.pin != "" {
				p := encryptPIN(t, testBDKs.TDES, 5, tc.pin, acct.PAN)
				req.PIN = &p
			}
			dec, err := Authorise(acct, testBDKs, req)
			if err != nil {
				t.Fatalf("%s %s: %v", s, tc.name, err)
			}
			if dec.ResponseCode != tc.code || dec.Approved != tc.approved || (dec.IssuerAuthenticationData != nil) != tc.hasARPC {
				t.Fatalf("%s %s: %+v", s, tc.name, dec)
			}
			if strings.Contains(dec.Reason, acct.PAN) {
				t.Fatalf("%s %s: reason shows the PAN: %s", s, tc.name, dec.Reason)
			}
			if !tc.hasARPC {
				continue
			}
			reply, ok := s.CheckIssuerAuthenticationData(&keys, dec.Cryptogram.ATC, dec.Cryptogram.AC, dec.IssuerAuthenticationData)
			if !ok || s.Approved(reply) != tc.approved {
				t.Fatalf("%s %s: the card reads the ARPC as %+v, %v", s, tc.name, reply, ok)
			}
			objs, err := tlv.Decode(dec.IssuerScripts)
			if err != nil || len(objs) != 1 || objs[0].Tag != 0x72 {
				t.Fatalf("%s %s: scripts %X, %v", s, tc.name, dec.IssuerScripts, err)
			}
			cmd, _ := tlv.Value(objs, 0x86)
			if got, err := s.OpenScriptCommand(&keys, dec.Cryptogram.ATC, dec.Cryptogram.AC, cmd); err != nil || got.INS != InsApplicationBlock {
				t.Fatalf("%s %s: script command: %+v, %v", s, tc.name, got, err)
			}
		}
	}
}

// The caller may overrule an approval (an amount over the limit, say) and ask for the
// matching ARPC.
func TestRespondAfterOverrule(t *testing.T) {
	acct := testAccount(t, VisaCVN18)
	req := Request{ICCData: cardICCData(t, acct, ARQC, "000000001234", nil), ScriptBeforeSecondAC: true, Scripts: []ScriptCommand{PINUnblock()}}
	dec, err := Authorise(acct, testBDKs, req)
	if err != nil || !dec.Approved {
		t.Fatalf("%+v, %v", dec, err)
	}
	first := bytes.Clone(dec.IssuerAuthenticationData)
	dec.ResponseCode = "51"
	if err := Respond(acct, &dec, req); err != nil || dec.Approved || bytes.Equal(first, dec.IssuerAuthenticationData) || dec.IssuerScripts[0] != 0x71 {
		t.Fatalf("overruled: %+v, %v", dec, err)
	}
	keys, _ := acct.Scheme.DeriveCardKeys(acct.Keys, acct.PAN, acct.PANSequence)
	if r, ok := acct.Scheme.CheckIssuerAuthenticationData(&keys, dec.Cryptogram.ATC, dec.Cryptogram.AC, dec.IssuerAuthenticationData); !ok || acct.Scheme.Approved(r) {
		t.Fatalf("the card reads %+v, %v", r, ok)
	}
}

func TestParseICCDataErrors(t *testing.T) {
	if _, err := ParseICCData([]byte{0x9F, 0x02, 0x09}); err == nil {
		t.Error("broken TLV accepted")
	}
	acct := testAccount(t, MastercardCSK)
	data := cardICCData(t, acct, ARQC, "000000000100", func(m map[tlv.Tag][]byte) { m[tags.IssuerApplicationData] = nil })
	if _, err := ParseICCData(data); err == nil {
		t.Error("empty IAD accepted")
	}
	d, err := ParseICCData(cardICCData(t, acct, ARQC, "000000000100", nil))
	if err != nil || d.PAN != acct.PAN {
		t.Fatalf("PAN %q, %v", d.PAN, err)
	}
	acct.Scheme = VisaCVN10
	if _, err := CheckCryptogram(acct, d); err == nil {
		t.Error("a Mastercard-style IAD checked as Visa CVN 10")
	}
}

// A card used after its expiry date is declined with 54, and the card is told so.
func TestAuthoriseExpired(t *testing.T) {
	acct := testAccount(t, UnionPayCVN01)
	acct.Expiry = "260516" // the test transactions are dated 26-05-17
	p := encryptPIN(t, testBDKs.TDES, 9, "000000", acct.PAN)
	dec, err := Authorise(acct, testBDKs, Request{ICCData: cardICCData(t, acct, ARQC, "000000000100", nil), PIN: &p})
	if err != nil || dec.Approved || dec.ResponseCode != CodeExpiredCard || dec.IssuerAuthenticationData == nil || !dec.PINChecked || dec.PINValid {
		t.Fatalf("%+v, %v", dec, err)
	}
}
