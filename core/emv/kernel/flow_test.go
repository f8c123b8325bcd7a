package kernel

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeHost answers authorisations as told and keeps the requests.
type fakeHost struct {
	resp     OnlineResponse
	err      error
	requests []*OnlineRequest
}

func (h *fakeHost) Authorise(_ context.Context, req *OnlineRequest) (OnlineResponse, error) {
	h.requests = append(h.requests, req)
	return h.resp, h.err
}

// fakePINPad returns an enciphered block, or an error.
type fakePINPad struct {
	err   error
	calls int
}

func (p *fakePINPad) OnlinePIN(context.Context, PINRequest) (EncipheredPIN, error) {
	p.calls++
	if p.err != nil {
		return EncipheredPIN{}, p.err
	}
	return EncipheredPIN{Block: unhexS("1122334455667788"), KSN: unhexS("FFFF9876543210E00001"), Format: 0}, nil
}

// flowConfig is testConfig with the test CA key and a UnionPay AID whose TACs send
// floor-limit breaches online and deny nothing.
func flowConfig(t testing.TB, floor int64) *Config {
	cfg := testConfig()
	cfg.CAPKs = []CAPK{getTestKeys(t).capk}
	for i := range cfg.AIDs {
		cfg.AIDs[i].FloorLimit = floor
		cfg.AIDs[i].TACOnline = [5]byte{0x00, 0x00, 0x00, 0x80, 0x00}
		cfg.AIDs[i].TACDefault = [5]byte{0x00, 0x00, 0x00, 0x80, 0x00}
	}
	return cfg
}

func runFlow(t *testing.T, card Card, cfg *Config, opts Options, req Request) (*Result, error) {
	t.Helper()
	opts.Now = func() time.Time { return testDate }
	opts.Random = fixedRandom{0x12, 0x34, 0x56, 0x78}
	k, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return k.Run(context.Background(), card, req)
}

const approvedScripts = "71139F180400000001860A8418000005AABBCCDD00" + "72139F180400000002860A8418000005AABBCCDD00"

func TestContactFlows(t *testing.T) {
	arpc := unhexS("0102030405060708" + "3030")
	tests := []struct {
		name     string
		oda      odaMethod
		cvmList  string
		floor    int64
		decide   func(byte, bool) byte
		host     *fakeHost
		pad      *fakePINPad
		tweak    func(*testCard)
		outcome  Outcome
		tvr      string
		tsi      string
		cvm      CVM
		cvmRes   string
		arc      string
		scripts  string
		extraErr error
	}{
		{name: "CDA, online PIN, issuer approves with ARPC and scripts", oda: odaCDA, floor: 0,
			host: &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00", AuthorisationCode: "123456",
				IssuerAuthenticationData: arpc, IssuerScripts: unhexS(approvedScripts)}},
			pad: &fakePINPad{}, outcome: ApprovedOnline, tvr: "0000048000", tsi: "FC00", cvm: CVMOnlinePIN, cvmRes: "420300",
			arc: "00", scripts: "20000000012000000002"},
		{name: "DDA, signature, offline approval", oda: odaDDA, cvmList: "00000000000000001E03", floor: 1000000,
			host: &fakeHost{}, outcome: ApprovedOffline, tvr: "0000000000", tsi: "E800", cvm: CVMSignature, cvmRes: "1E0300", arc: "Y1"},
		{name: "SDA, no CVM, offline approval", oda: odaSDA, cvmList: "00000000000000001F03", floor: 1000000,
			outcome: ApprovedOffline, tvr: "0000000000", tsi: "E800", cvm: CVMNoCVM, cvmRes: "1F0302", arc: "Y1"},
		{name: "no ODA, card declines offline", oda: odaNone, cvmList: "00000000000000001F03", floor: 1000000,
			decide: func(byte, bool) byte { return CryptogramAAC }, outcome: DeclinedOffline, tvr: "8000000000", tsi: "6800",
			cvm: CVMNoCVM, cvmRes: "1F0302", arc: "Z1"},
		{name: "host unreachable, default codes decline", oda: odaCDA, cvmList: "00000000000000001F03", floor: 0,
			host: &fakeHost{err: errors.New("connection refused")}, outcome: DeclinedUnableOnline, tvr: "0000008000",
			tsi: "E800", cvm: CVMNoCVM, cvmRes: "1F0302", arc: "Z3"},
		{name: "issuer declines, EXTERNAL AUTHENTICATE refused", oda: odaDDA, cvmList: "00000000000000001F03", floor: 0,
			host: &fakeHost{resp: OnlineResponse{ResponseCode: "51", IssuerAuthenticationData: arpc}},
			tweak: func(c *testCard) {
				c.extAuthSW = 0x6300
				c.cdol2 = unhexS("8A029F3704")
				replaceCardElement(c, 0x8D, c.cdol2)
			},
			outcome: DeclinedOnline, tvr: "0000008040", tsi: "F800", cvm: CVMNoCVM, cvmRes: "1F0302", arc: "51"},
		{name: "PIN pad bypassed, signature next", oda: odaCDA, floor: 1000000, pad: &fakePINPad{err: ErrPINBypassed},
			host:    &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00"}},
			outcome: ApprovedOnline, tvr: "0000080000", tsi: "E800", cvm: CVMSignature, cvmRes: "1E0300", arc: "00"},
		{name: "scripts refused by the card", oda: odaNone, cvmList: "00000000000000001F03", floor: 0,
			host:  &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00", IssuerScripts: unhexS(approvedScripts)}},
			tweak: func(c *testCard) { c.scriptSW = 0x6A80 }, outcome: ApprovedOnline, tvr: "8000008030", tsi: "6C00",
			cvm: CVMNoCVM, cvmRes: "1F0302", arc: "00", scripts: "11000000011100000002"},
		{name: "card declines after the issuer approved", oda: odaNone, cvmList: "00000000000000001F03", floor: 0,
			decide: func(r byte, first bool) byte {
				if first {
					return r
				}
				return CryptogramAAC
			},
			host:    &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00"}},
			outcome: DeclinedOnline, tvr: "8000008000", tsi: "6800", cvm: CVMNoCVM, cvmRes: "1F0302", arc: "00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := newUnionPayCard(t, tt.oda)
			if tt.cvmList != "" {
				replaceCardElement(card, 0x8E, unhexS(tt.cvmList))
			}
			if tt.decide != nil {
				card.decide = tt.decide
			}
			if tt.tweak != nil {
				tt.tweak(card)
			}
			card.records = card.records[:2]
			card.addCertificates()
			opts := Options{}
			if tt.host != nil {
				opts.Host = tt.host
			}
			if tt.pad != nil {
				opts.PINPad = tt.pad
			}
			res, err := runFlow(t, card, flowConfig(t, tt.floor), opts, Request{Amount: 10000, SequenceCounter: 7})
			if err != nil {
				t.Fatalf("%v (%s)", err, res)
			}
			if res.Outcome != tt.outcome || upperHex(res.TVR[:]) != tt.tvr || upperHex(res.TSI[:]) != tt.tsi {
				t.Fatalf("outcome %s TVR %s TSI %s (ODA %s %s); want %s %s %s", res.Outcome, res.TVR, res.TSI, res.ODA, res.ODAFailure, tt.outcome, tt.tvr, tt.tsi)
			}
			if res.CVM != tt.cvm || upperHex(res.CVMResults[:]) != tt.cvmRes || res.ResponseCode != tt.arc {
				t.Fatalf("CVM %s %X ARC %s; want %s %s %s", res.CVM, res.CVMResults, res.ResponseCode, tt.cvm, tt.cvmRes, tt.arc)
			}
			if upperHex(res.IssuerScriptResults) != tt.scripts {
				t.Fatalf("script results %X, want %s", res.IssuerScriptResults, tt.scripts)
			}
			if res.MaskedPAN != "622588******6789" || res.Expiry != "3012" || res.PANSequence != "01" || upperHex(res.AID) != "A000000333010101" {
				t.Fatalf("card fields %q %q %q %X", res.MaskedPAN, res.Expiry, res.PANSequence, res.AID)
			}
			if len(res.ApplicationCrypto) != 8 || len(res.AuthorisationData) == 0 {
				t.Fatalf("cryptogram %X DE55 %X", res.ApplicationCrypto, res.AuthorisationData)
			}
			if tt.host != nil && len(tt.host.requests) == 1 {
				req := tt.host.requests[0]
				pan, t2 := req.AuthorisationCardData()
				if pan != "6225880123456789" || len(t2) == 0 || (tt.cvm == CVMOnlinePIN) != (req.PIN != nil) {
					t.Fatalf("online request %s: pan %q track2 %X", req, pan, t2)
				}
				if !strings.HasPrefix(upperHex(req.ICCData), "9F2608") {
					t.Fatalf("DE55 %X", req.ICCData)
				}
			}
		})
	}
}

// replaceCardElement swaps one element of the card's first record.
func replaceCardElement(c *testCard, tag uint32, value []byte) {
	objs, _ := decodeAll(c.records[0])
	for i := range objs {
		if uint32(objs[i].Tag) == tag {
			objs[i].Value = value
		}
	}
	c.records[0] = tlvBytes(objs...)
}
