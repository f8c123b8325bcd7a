package kernel

import (
	"bytes"
	"testing"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/tlv"
)

// contactlessConfig runs the UnionPay AID on the Visa-style path and Mastercard's on
// the Mastercard-style path, with a 500.00 transaction limit, a 100.00 CVM limit
// and a zero floor limit (every tap goes online unless the card decides offline).
func contactlessConfig(t testing.TB) *Config {
	cfg := flowConfig(t, 0)
	for i := range cfg.AIDs {
		a := &cfg.AIDs[i]
		a.ContactlessTransactionLimit, a.ContactlessCVMLimit, a.ContactlessFloorLimit = 50000, 10000, 0
		a.TTQ = [4]byte{0x36, 0x00, 0x40, 0x00} // qVSDC, online PIN, signature; CDCVM supported
		a.PartialSelection = false
		switch {
		case a.AID[4] == 0x33:
			a.Flow = FlowVisa
		case a.AID[4] == 0x04:
			a.Flow = FlowMastercard
		}
	}
	mc := getTestKeys(t).capk
	mc.RID = [5]byte{0xA0, 0x00, 0x00, 0x00, 0x04}
	cfg.CAPKs = append(cfg.CAPKs, mc)
	cfg.AIDs = append(cfg.AIDs, AIDConfig{AID: unhexS("A000000004101099"), Flow: FlowMastercard, ApplicationVersion: [2]byte{0x00, 0x30},
		ContactlessTransactionLimit: 50000, ContactlessCVMLimit: 10000, TACOnline: [5]byte{0, 0, 0, 0x80, 0}})
	return cfg
}

// newPhoneWallet is a Visa-style phone wallet: the GPO response carries the ARQC and
// the CTQ says the phone verified the cardholder.
func newPhoneWallet(t testing.TB, ctq string, cid byte) *testCard {
	c := newUnionPayCard(t, odaNone)
	c.contactless, c.psePresent = true, false
	c.aip = [2]byte{0x00, 0x80}
	c.records = c.records[1:2] // track 2 only
	c.gpoExtra = []tlv.TLV{tlv.New(0x9F26, unhexS("1122334455667788")), tlv.New(0x9F27, []byte{cid}),
		tlv.New(0x9F36, []byte{0x00, 0x21}), tlv.New(0x9F10, unhexS("06010A03A00000")), tlv.New(0x9F6C, unhexS(ctq))}
	return c
}

func TestContactlessVisaStyle(t *testing.T) {
	tests := []struct {
		name    string
		amount  int64
		ctq     string
		cid     byte
		pad     *fakePINPad
		outcome Outcome
		cvm     CVM
		pinAsks int
	}{
		{"phone wallet over the CVM limit: CDCVM, no PIN", 30000, "0080", CryptogramARQC, &fakePINPad{}, ApprovedOnline, CVMCDCVM, 0},
		{"card over the CVM limit: online PIN", 30000, "8000", CryptogramARQC, &fakePINPad{}, ApprovedOnline, CVMOnlinePIN, 1},
		{"under the CVM limit: no CVM", 5000, "8000", CryptogramARQC, &fakePINPad{}, ApprovedOnline, CVMNoCVM, 0},
		{"card declines", 5000, "0000", CryptogramAAC, &fakePINPad{}, DeclinedOffline, CVMNoCVM, 0},
		{"offline TC without fDDA data", 5000, "0000", CryptogramTC, &fakePINPad{}, DeclinedOffline, CVMNoCVM, 0},
		{"over the contactless limit", 60000, "0080", CryptogramARQC, &fakePINPad{}, TryAnotherInterface, CVMNotPerformed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := newPhoneWallet(t, tt.ctq, tt.cid)
			host := &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00"}}
			res, err := runFlow(t, card, contactlessConfig(t), Options{Host: host, PINPad: tt.pad}, Request{Amount: tt.amount, Interface: Contactless})
			if err != nil {
				t.Fatalf("%v: %s", err, res)
			}
			if res.Outcome != tt.outcome || res.CVM != tt.cvm || tt.pad.calls != tt.pinAsks {
				t.Fatalf("outcome %s CVM %s PIN asked %d times (%s); want %s %s %d", res.Outcome, res.CVM, tt.pad.calls, res.Reason, tt.outcome, tt.cvm, tt.pinAsks)
			}
			if res.Outcome == ApprovedOnline {
				if res.MaskedPAN != "622588******6789" || res.Interface != Contactless || res.Receipt().EntryMode != "Contactless" {
					t.Fatalf("result %s", res)
				}
				if pan, t2 := host.requests[0].AuthorisationCardData(); pan != "6225880123456789" || len(t2) == 0 {
					t.Fatalf("online card data %q %X", pan, t2)
				}
			}
		})
	}
}

// newMastercardTap is a Mastercard-style card or phone: EMV mode, CDA, and (for a
// phone) on-device cardholder verification.
func newMastercardTap(t testing.TB, onDevice bool) *testCard {
	c := newUnionPayCard(t, odaCDA)
	c.aid, c.label = unhexS("A000000004101099"), "MASTERCARD"
	c.contactless, c.psePresent = true, false
	c.aip = [2]byte{0x19, 0x80}
	if onDevice {
		c.aip[0] |= 0x02
	}
	c.records = c.records[:2]
	replaceCardElement(c, 0x8E, unhexS("000000000000000042031E031F03"))
	c.addCertificates()
	return c
}

func TestContactlessMastercardStyle(t *testing.T) {
	tests := []struct {
		name     string
		onDevice bool
		amount   int64
		decide   func(byte, bool) byte
		outcome  Outcome
		cvm      CVM
		cvmRes   string
	}{
		{"phone over the CVM limit: on-device CVM, CDA, online", true, 30000, nil, ApprovedOnline, CVMCDCVM, "010002"},
		{"card over the CVM limit: online PIN from the CVM list", false, 30000, nil, ApprovedOnline, CVMOnlinePIN, "420300"},
		{"card under the CVM limit, card approves offline with CDA", false, 5000,
			func(byte, bool) byte { return CryptogramTC }, ApprovedOffline, CVMNoCVM, "1F0002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := newMastercardTap(t, tt.onDevice)
			if tt.decide != nil {
				card.decide = tt.decide
			}
			cfg := contactlessConfig(t)
			if tt.decide != nil {
				cfg.AIDs[len(cfg.AIDs)-1].TACOnline = [5]byte{}
				cfg.AIDs[len(cfg.AIDs)-1].ContactlessFloorLimit = 10000
			}
			pad := &fakePINPad{}
			host := &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00"}}
			res, err := runFlow(t, card, cfg, Options{Host: host, PINPad: pad}, Request{Amount: tt.amount, Interface: Contactless})
			if err != nil {
				t.Fatalf("%v: %s", err, res)
			}
			if res.Outcome != tt.outcome || res.CVM != tt.cvm || upperHex(res.CVMResults[:]) != tt.cvmRes || res.ODA != "CDA" || res.TVR.Has(TVRCDAFailed) {
				t.Fatalf("outcome %s CVM %s %X ODA %s %s TVR %s", res.Outcome, res.CVM, res.CVMResults, res.ODA, res.ODAFailure, res.TVR)
			}
			if tt.onDevice && pad.calls != 0 {
				t.Fatal("a phone wallet was asked for a PIN")
			}
		})
	}
}

// A TC from a card whose CDA keys did not recover is not an offline approval.
func TestContactlessMastercardCDAKeysMissing(t *testing.T) {
	card := newMastercardTap(t, false)
	card.decide = func(byte, bool) byte { return CryptogramTC }
	cfg := contactlessConfig(t)
	cfg.CAPKs = cfg.CAPKs[:1] // no Mastercard key
	cfg.AIDs[len(cfg.AIDs)-1].TACOnline = [5]byte{}
	cfg.AIDs[len(cfg.AIDs)-1].ContactlessFloorLimit = 10000
	res, err := runFlow(t, card, cfg, Options{}, Request{Amount: 5000, Interface: Contactless})
	if err != nil || res.Outcome != DeclinedOffline || !res.TVR.Has(TVRCDAFailed) {
		t.Fatalf("%v %s", err, res)
	}
}

func TestContactlessNoPPSE(t *testing.T) {
	card := newUnionPayCard(t, odaNone) // contact only: no PPSE
	res, err := runFlow(t, card, contactlessConfig(t), Options{}, Request{Amount: 100, Interface: Contactless})
	if err != nil || res.Outcome != TryAnotherInterface {
		t.Fatalf("%v %s", err, res)
	}
}

// Regression: on a quick (qVSDC-style) tap the card computes its cryptogram over the
// PDOL data, TVR included. Processing restrictions and the CVM raise TVR bits after
// GET PROCESSING OPTIONS; the DE55 lists must still carry every PDOL element as the
// card received it, or the issuer cannot reproduce the ARQC. The receipt's TVR keeps
// the bits the terminal raised.
func TestQuickTapOnlineDataIsWhatTheCardSigned(t *testing.T) {
	card := newPhoneWallet(t, "8000", CryptogramARQC)
	card.records = newUnionPayCard(t, odaNone).records[:2]
	replaceCardElement(card, 0x5F24, unhexS("200101")) // expired: TVR byte 2 bit 7 after GPO
	host := &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00"}}
	pad := &fakePINPad{}
	res, err := runFlow(t, card, contactlessConfig(t), Options{Host: host, PINPad: pad}, Request{Amount: 30000, Interface: Contactless})
	if err != nil || res.Outcome != ApprovedOnline || pad.calls != 1 {
		t.Fatalf("%v %s (PIN asked %d times)", err, res, pad.calls)
	}
	if !res.TVR.Has(TVRExpiredApplication) {
		t.Fatalf("the terminal's TVR %s lacks the expiry it found", res.TVR)
	}
	entries, err := dol.Parse(card.pdol)
	if err != nil {
		t.Fatal(err)
	}
	given := card.pdolData
	for _, msg := range []struct {
		name string
		data []byte
	}{{"authorisation", host.requests[0].ICCData}, {"result authorisation", res.AuthorisationData}, {"clearing", res.ClearingData}} {
		objs, err := tlv.Decode(msg.data)
		if err != nil {
			t.Fatalf("%s data: %v", msg.name, err)
		}
		off := 0
		for _, e := range entries {
			want := given[off : off+e.Length]
			off += e.Length
			if got, ok := tlv.Value(objs, e.Tag); !ok || !bytes.Equal(got, want) {
				t.Errorf("%s data: %s = %X, the card was given %X", msg.name, e.Tag, got, want)
			}
		}
	}
}
