package kernel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"tilldesk/core/emv/tags"
)

// CVM list evaluation (EMV Book 3 10.5, Annex C3), one rule list per case.
func TestCardholderVerificationCases(t *testing.T) {
	usd := []byte{0x08, 0x40}
	tests := []struct {
		name     string
		list     string
		req      Request
		pad      PINPad
		caps     string
		currency []byte
		cvm      CVM
		results  string
		tvr      string
	}{
		{"no CVM required", "00000000000000001F00", Request{Amount: 100}, nil, "", nil, CVMNoCVM, "1F0002", "0000000000"},
		{"online PIN then signature", "000000000000000042031E03", Request{Amount: 100}, &fakePINPad{}, "", nil, CVMOnlinePIN, "420300", "0000040000"},
		{"online PIN without PIN pad, signature next", "000000000000000042001E03", Request{Amount: 100}, nil, "", nil, CVMSignature, "1E0300", "0000100000"},
		{"online PIN without PIN pad, no fallback", "000000000000000002001E03", Request{Amount: 100}, nil, "", nil, CVMFailed, "020001", "0000900000"},
		{"if terminal supports: PIN skipped without a PIN pad", "000000000000000042031E03", Request{Amount: 100}, nil, "", nil, CVMSignature, "1E0300", "0000000000"},
		{"PIN pad broken", "0000000000000000420342031F00", Request{Amount: 100}, &fakePINPad{err: errors.New("timeout")}, "", nil, CVMNoCVM, "1F0002", "0000100000"},
		{"fail CVM", "00000000000000000000", Request{Amount: 100}, nil, "", nil, CVMFailed, "000001", "0000800000"},
		{"unrecognised CVM then no CVM", "00000000000000004A001F00", Request{Amount: 100}, nil, "", nil, CVMNoCVM, "1F0002", "0000400000"},
		{"no condition satisfied", "00000000000000001F04", Request{Amount: 100}, nil, "", nil, CVMFailed, "3F0001", "0000800000"},
		{"cash: condition 04 manual cash", "00000000000000001E021F04", Request{Amount: 100, Type: TypeCash}, nil, "", nil, CVMNoCVM, "1F0402", "0000000000"},
		{"cashback: condition 05", "00000000000000001F0542031E00", Request{Amount: 100, AmountOther: 50, Type: TypeCashback}, nil, "", nil, CVMNoCVM, "1F0502", "0000000000"},
		{"under X in application currency", "000003E8000000001F061E07", Request{Amount: 999}, nil, "", nil, CVMNoCVM, "1F0602", "0000000000"},
		{"over X in application currency", "000003E8000000001F061E07", Request{Amount: 1001}, nil, "", nil, CVMSignature, "1E0700", "0000000000"},
		{"over Y", "00000000000007D01F081E09", Request{Amount: 2001}, nil, "", nil, CVMSignature, "1E0900", "0000000000"},
		{"amount conditions skipped in another currency", "000003E8000000001F061E07", Request{Amount: 999}, nil, "", usd, CVMFailed, "3F0001", "0000800000"},
		{"signature not supported by the terminal", "00000000000000005E001F00", Request{Amount: 100}, nil, "E0D8C8", nil, CVMNoCVM, "1F0002", "0000000000"},
		{"if terminal supports: skipped", "00000000000000001E031F00", Request{Amount: 100}, nil, "E0D8C8", nil, CVMNoCVM, "1F0002", "0000000000"},
		{"enciphered offline PIN not performed", "00000000000000004403 1F03", Request{Amount: 100}, nil, "", nil, CVMNoCVM, "1F0302", "0000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.caps != "" {
				cfg.Capabilities = [3]byte(unhex(t, tt.caps))
			}
			s := newTestSession(t, play(t), cfg, Options{PINPad: tt.pad}, tt.req)
			s.aip = [2]byte{0x10, 0x00}
			s.icc[tags.CVMList] = unhex(t, tt.list)
			s.icc[tags.ApplicationPAN] = unhex(t, "6225880123456789")
			s.icc[tags.ApplicationCurrencyCode] = []byte{0x01, 0x56}
			if tt.currency != nil {
				s.icc[tags.ApplicationCurrencyCode] = tt.currency
			}
			if err := s.cardholderVerification(); err != nil {
				t.Fatal(err)
			}
			if s.cvm != tt.cvm || upperHex(s.cvmResults[:]) != tt.results || upperHex(s.tvr[:]) != tt.tvr {
				t.Fatalf("CVM %s results %X TVR %s; want %s %s %s", s.cvm, s.cvmResults, s.tvr, tt.cvm, tt.results, tt.tvr)
			}
			if !s.tsi.Has(TSICardholderVerified) {
				t.Fatal("TSI cardholder verification not set")
			}
		})
	}
}

func TestCardholderVerificationNotPerformed(t *testing.T) {
	s := newTestSession(t, play(t), nil, Options{}, Request{})
	if err := s.cardholderVerification(); err != nil || s.tsi.Has(TSICardholderVerified) || upperHex(s.cvmResults[:]) != "3F0000" {
		t.Fatalf("AIP without CV: %v %s %X", err, s.tsi, s.cvmResults)
	}
	s.aip = [2]byte{0x10, 0x00}
	if err := s.cardholderVerification(); err != nil || !s.tvr.Has(TVRICCDataMissing) || upperHex(s.cvmResults[:]) != "3F0000" {
		t.Fatalf("no CVM list: %v %s %X", err, s.tvr, s.cvmResults)
	}
	s = newTestSession(t, play(t), nil, Options{PINPad: &fakePINPad{err: ErrCancelled}}, Request{})
	s.aip = [2]byte{0x10, 0x00}
	s.icc[tags.CVMList] = unhex(t, "000000000000000042031F00")
	if err := s.cardholderVerification(); !errors.Is(err, ErrCancelled) {
		t.Fatalf("cancelled PIN entry = %v", err)
	}
}

// offlinePINPad verifies offline by answering from a script of status words.
type offlinePINPad struct {
	fakePINPad
	answers []StatusWord
	seen    []PINRequest
}

func (p *offlinePINPad) VerifyOfflinePIN(_ context.Context, _ Card, req PINRequest) (StatusWord, error) {
	p.seen = append(p.seen, req)
	sw := p.answers[0]
	p.answers = p.answers[1:]
	return sw, nil
}

func TestOfflinePlaintextPIN(t *testing.T) {
	tests := []struct {
		name    string
		ptc     step
		answers []StatusWord
		cvm     CVM
		tvr     string
	}{
		{"right first time", step{"80CA9F1700", "9F1701039000"}, []StatusWord{SWSuccess}, CVMOfflinePIN, "0000000000"},
		{"wrong then right", step{"80CA9F1700", "9F1701039000"}, []StatusWord{0x63C2, SWSuccess}, CVMOfflinePIN, "0000000000"},
		{"last try wrong", step{"80CA9F1700", "6A88"}, []StatusWord{0x63C0}, CVMFailed, "0000A00000"},
		{"try counter at zero", step{"80CA9F1700", "9F1701009000"}, nil, CVMFailed, "0000A00000"},
		{"blocked", step{"80CA9F1700", "6A88"}, []StatusWord{SWAuthMethodBlocked}, CVMFailed, "0000A00000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pad := &offlinePINPad{answers: tt.answers}
			card := play(t, tt.ptc)
			s := newTestSession(t, card, nil, Options{PINPad: pad}, Request{Amount: 100})
			s.aip = [2]byte{0x10, 0x00}
			s.icc[tags.CVMList] = unhex(t, "00000000000000000100")
			if err := s.cardholderVerification(); err != nil {
				t.Fatal(err)
			}
			if s.cvm != tt.cvm || upperHex(s.tvr[:]) != tt.tvr {
				t.Fatalf("CVM %s TVR %s", s.cvm, s.tvr)
			}
			card.done()
		})
	}
}

// Terminal action analysis (EMV Book 3 10.7) from TVR, TACs and IACs.
func TestTerminalActionAnalysis(t *testing.T) {
	floor := "0000008000"
	tests := []struct {
		name                       string
		tvr                        string
		tacDenial, tacOnline, tacD string
		iacDenial, iacOnline, iacD string
		online                     bool
		force                      bool
		want                       byte
	}{
		{"clean TVR, online terminal", "0000000000", "", "", "", "", "", "", true, false, CryptogramTC},
		{"IAC online absent means all ones", floor, "", "", "", "", "-", "", true, false, CryptogramARQC},
		{"IAC online present without the bit", floor, "", "", "", "", "0000000000", "", true, false, CryptogramTC},
		{"TAC online has the bit", floor, "", floor, "", "", "0000000000", "", true, false, CryptogramARQC},
		{"IAC denial has the bit", floor, "", "", "", floor, "", "", true, false, CryptogramAAC},
		{"TAC denial has the bit", floor, floor, "", "", "", "", "", true, false, CryptogramAAC},
		{"offline terminal, default codes absent", floor, "", "", "", "", "", "-", false, false, CryptogramAAC},
		{"offline terminal, IAC default without the bit", floor, "", "", "", "", "", "0000000000", false, false, CryptogramTC},
		{"offline terminal, TAC default with the bit", floor, "", "", floor, "", "", "0000000000", false, false, CryptogramAAC},
		{"merchant forced online", "0000000000", "", "", "", "", "0000000000", "", true, true, CryptogramARQC},
	}
	code := func(h string) [5]byte {
		if h == "" || h == "-" {
			return [5]byte{}
		}
		return [5]byte(unhexS(h))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			opts := Options{}
			if tt.online {
				opts.Host = &fakeHost{}
			} else {
				cfg.TerminalType = 0x23
			}
			s := newTestSession(t, play(t), cfg, opts, Request{ForceOnline: tt.force})
			s.aid.TACDenial, s.aid.TACOnline, s.aid.TACDefault = code(tt.tacDenial), code(tt.tacOnline), code(tt.tacD)
			for tag, v := range map[uint32]string{0x9F0E: tt.iacDenial, 0x9F0F: tt.iacOnline, 0x9F0D: tt.iacD} {
				if v != "" && v != "-" {
					s.icc[tagOf(tag)] = unhexS(v)
				}
			}
			if tt.iacOnline == "" {
				s.icc[tags.IssuerActionCodeOnline] = unhexS("0000000000")
			}
			s.tvr = TVR(unhexS(tt.tvr))
			if got := s.terminalActionAnalysis(); got != tt.want {
				t.Fatalf("got %s, want %s", cryptogramName(got), cryptogramName(tt.want))
			}
		})
	}
}

func TestProcessingRestrictions(t *testing.T) {
	tests := []struct {
		name string
		icc  map[uint32]string
		req  Request
		tvr  string
	}{
		{"all good", map[uint32]string{0x9F08: "0030", 0x9F07: "FF00", 0x5F28: "0156", 0x5F25: "200101", 0x5F24: "301231"}, Request{}, "0000000000"},
		{"different version", map[uint32]string{0x9F08: "0031"}, Request{}, "0080000000"},
		{"expired", map[uint32]string{0x5F24: "250505"}, Request{}, "0040000000"},
		{"expires today is still valid", map[uint32]string{0x5F24: "250506"}, Request{}, "0000000000"},
		{"not yet effective", map[uint32]string{0x5F25: "250507"}, Request{}, "0020000000"},
		{"international goods not allowed", map[uint32]string{0x9F07: "FFEF", 0x5F28: "0840"}, Request{}, "0000000000"},
		{"international goods refused", map[uint32]string{0x9F07: "EF00", 0x5F28: "0840"}, Request{}, "0010000000"},
		{"domestic cash refused", map[uint32]string{0x9F07: "7F00", 0x5F28: "0156"}, Request{Type: TypeCash}, "0010000000"},
		{"domestic cashback refused", map[uint32]string{0x9F07: "FF40", 0x5F28: "0156"}, Request{Type: TypeCashback, AmountOther: 1}, "0010000000"},
		{"domestic services refused", map[uint32]string{0x9F07: "F700", 0x5F28: "0156"}, Request{Services: true}, "0010000000"},
		{"not valid at non-ATMs", map[uint32]string{0x9F07: "FE00"}, Request{}, "0010000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSession(t, play(t), nil, Options{}, tt.req)
			s.aid.ApplicationVersion = [2]byte{0x00, 0x30}
			for tag, v := range tt.icc {
				s.icc[tagOf(tag)] = unhexS(v)
			}
			s.processingRestrictions()
			if upperHex(s.tvr[:]) != tt.tvr {
				t.Fatalf("TVR %s, want %s", s.tvr, tt.tvr)
			}
		})
	}
}

func TestTerminalRiskManagement(t *testing.T) {
	tests := []struct {
		name   string
		amount int64
		floor  int64
		target [2]int
		random fixedRandom
		icc    map[uint32]string
		steps  []step
		tvr    string
	}{
		{"under the floor limit", 999, 1000, [2]int{0, 0}, fixedRandom{0}, nil, nil, "0000000000"},
		{"at the floor limit", 1000, 1000, [2]int{0, 0}, fixedRandom{0}, nil, nil, "0000008000"},
		{"randomly selected (draw 1 of 99 at 10%)", 100, 1000, [2]int{10, 10}, fixedRandom{0x00, 0x00}, nil, nil, "0000001000"},
		{"not selected (draw 99 at 10%)", 100, 1000, [2]int{10, 10}, fixedRandom{0x00, 0x62}, nil, nil, "0000000000"},
		{"velocity within limits", 100, 1000, [2]int{0, 0}, fixedRandom{0}, map[uint32]string{0x9F14: "03", 0x9F23: "09"},
			[]step{{"80CA9F3600", "9F360200109000"}, {"80CA9F1300", "9F1302000E9000"}}, "0000000000"},
		{"LCOL exceeded", 100, 1000, [2]int{0, 0}, fixedRandom{0}, map[uint32]string{0x9F14: "01", 0x9F23: "09"},
			[]step{{"80CA9F3600", "9F360200109000"}, {"80CA9F1300", "9F1302000E9000"}}, "0000004000"},
		{"both exceeded", 100, 1000, [2]int{0, 0}, fixedRandom{0}, map[uint32]string{0x9F14: "01", 0x9F23: "01"},
			[]step{{"80CA9F3600", "9F360200109000"}, {"80CA9F1300", "9F1302000E9000"}}, "0000006000"},
		{"new card", 100, 1000, [2]int{0, 0}, fixedRandom{0}, map[uint32]string{0x9F14: "05", 0x9F23: "09"},
			[]step{{"80CA9F3600", "9F360200039000"}, {"80CA9F1300", "9F130200009000"}}, "0008000000"},
		{"counters not given", 100, 1000, [2]int{0, 0}, fixedRandom{0}, map[uint32]string{0x9F14: "05", 0x9F23: "09"},
			[]step{{"80CA9F3600", "6A88"}, {"80CA9F1300", "6A88"}}, "0000006000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := play(t, tt.steps...)
			s := newTestSession(t, card, nil, Options{Random: tt.random}, Request{Amount: tt.amount})
			s.aip = [2]byte{0x08, 0x00}
			s.aid.FloorLimit, s.aid.ThresholdValue = tt.floor, 0
			s.aid.TargetPercent, s.aid.MaxTargetPercent = tt.target[0], tt.target[1]
			for tag, v := range tt.icc {
				s.icc[tagOf(tag)] = unhexS(v)
			}
			if err := s.terminalRiskManagement(); err != nil {
				t.Fatal(err)
			}
			if upperHex(s.tvr[:]) != tt.tvr || !s.tsi.Has(TSITerminalRiskManagement) {
				t.Fatalf("TVR %s TSI %s, want %s", s.tvr, s.tsi, tt.tvr)
			}
			card.done()
		})
	}
}

// Every printed form of a Result and an OnlineRequest masks the card.
func TestCardDataNeverPrinted(t *testing.T) {
	card := newUnionPayCard(t, odaNone)
	replaceCardElement(card, 0x8E, unhexS("00000000000000001F03"))
	card.records = card.records[:2]
	host := &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00"}}
	res, err := runFlow(t, card, flowConfig(t, 0), Options{Host: host}, Request{Amount: 10000})
	if err != nil || res.Outcome != ApprovedOnline {
		t.Fatalf("%v %v", res, err)
	}
	for _, v := range []any{res, *res, host.requests[0], *host.requests[0], res.card} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "6225880123456789") || strings.Contains(strings.ToUpper(out), "6225880123456789D") ||
				strings.Contains(out, "36323235383830313233343536373839") {
				t.Errorf("%s of %T shows the PAN: %s", verb, v, out)
			}
		}
	}
	if pan, _ := res.AuthorisationCardData(); pan != "6225880123456789" {
		t.Fatal("the authorisation data lost the PAN")
	}
	res.ClearCardData()
	if pan, t2 := res.AuthorisationCardData(); pan != "" || len(t2) != 0 {
		t.Fatal("ClearCardData left card data")
	}
	for pan, want := range map[string]string{"6225880123456789": "622588******6789", "4761739001010119": "476173******0119", "1234": "****", "123456789": "*****6789", "": ""} {
		if got := MaskPAN(pan); got != want {
			t.Errorf("MaskPAN(%q) = %q, want %q", pan, got, want)
		}
	}
	r := res.Receipt()
	if r.MaskedPAN != "622588******6789" || r.EntryMode != "Chip" || r.CryptogramType != "TC" || r.AID != "A000000333010101" ||
		len(r.TVR) != 10 || len(r.TSI) != 4 { // hex digits of the bytes, not of their description
		t.Fatalf("receipt %+v", r)
	}
}
