package emvcard

import (
	"testing"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tags"
	"tilldesk/devices/sim/emvcard/emvcardtest"
)

// firstAC selects the application, reads it and sends the first GENERATE AC asking
// for p1 (contact, in process).
func firstAC(t *testing.T, c *Card, aid []byte, p1 byte) *emvcardtest.Terminal {
	t.Helper()
	term := inProcess(t, c, Contact)
	if _, err := term.Select(aid); err != nil {
		t.Fatalf("SELECT: %v", err)
	}
	if _, err := term.GetProcessingOptions(); err != nil {
		t.Fatalf("GPO: %v", err)
	}
	if err := term.ReadRecords(); err != nil {
		t.Fatal(err)
	}
	if _, err := term.GenerateAC(p1, tags.CDOL1); err != nil {
		t.Fatalf("first GENERATE AC: %v", err)
	}
	return term
}

// cvr reads the CVR of the last cryptogram.
func cvr(t *testing.T, c *Card, term *emvcardtest.Terminal) issuer.CVR {
	t.Helper()
	iad, err := c.apps[0].cfg.Scheme.ParseIssuerApplicationData(term.ICC[tags.IssuerApplicationData])
	if err != nil {
		t.Fatal(err)
	}
	return iad.CVR
}

// transactionKeys are what the issuer needs to answer the last ARQC of application 0.
func transactionKeys(term *emvcardtest.Terminal) ([2]byte, [8]byte) {
	return [2]byte(term.ICC[tags.ApplicationTransactionCounter]), [8]byte(term.ICC[tags.ApplicationCryptogram])
}

// issuerAuthentication sends EXTERNAL AUTHENTICATE with the issuer's reply.
func issuerAuthentication(t *testing.T, c *Card, term *emvcardtest.Terminal, r issuer.Reply) emvcardtest.SW {
	t.Helper()
	atc, arqc := transactionKeys(term)
	data, err := c.apps[0].cfg.Scheme.IssuerAuthenticationData(&c.apps[0].keys, atc, arqc, r)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, term, apdu(0x00, 0x82, 0, 0, data, false))
}

// send sends a command and returns its status word.
func send(t *testing.T, term *emvcardtest.Terminal, apdu []byte) emvcardtest.SW {
	t.Helper()
	_, sw, err := term.Send(apdu)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// secondGenerateAC asks for p1 with the ARC and returns the card's answer.
func secondGenerateAC(t *testing.T, term *emvcardtest.Terminal, p1 byte, arc string) issuer.ACType {
	t.Helper()
	term.Data[tags.AuthorisationResponseCode] = []byte(arc)
	if _, err := term.GenerateAC(p1, tags.CDOL2); err != nil {
		t.Fatalf("second GENERATE AC: %v", err)
	}
	return cid(term)
}

// goOnline completes one approved online transaction, so that the card is no longer new.
func goOnline(t *testing.T, c *Card, aid []byte) {
	t.Helper()
	term := firstAC(t, c, aid, byte(issuer.TC))
	if cid(term) != issuer.ARQC {
		t.Fatalf("a new card gave %s to a TC request", cid(term))
	}
	if sw := issuerAuthentication(t, c, term, issuer.NewReply("00")); sw != swOK {
		t.Fatalf("EXTERNAL AUTHENTICATE %04X", uint16(sw))
	}
	if got := secondGenerateAC(t, term, byte(issuer.TC), "00"); got != issuer.TC {
		t.Fatalf("second GENERATE AC %s", got)
	}
}

// The card's own risk management on the first GENERATE AC.
func TestCardRiskManagement(t *testing.T) {
	c := newCard(t, "visa")
	term := firstAC(t, c, aidVisa, byte(issuer.TC))
	if cid(term) != issuer.ARQC || !cvr(t, c, term).NewCard {
		t.Fatalf("new card: %s, CVR %+v", cid(term), cvr(t, c, term))
	}
	c = newCard(t, "visa")
	goOnline(t, c, aidVisa)
	for n := range 5 {
		if term := firstAC(t, c, aidVisa, byte(issuer.TC)); cid(term) != issuer.TC {
			t.Fatalf("offline transaction %d: %s", n+1, cid(term))
		}
	}
	term = firstAC(t, c, aidVisa, byte(issuer.TC))
	if cid(term) != issuer.ARQC || !cvr(t, c, term).VelocityExceeded {
		t.Fatalf("sixth offline: %s, CVR %+v", cid(term), cvr(t, c, term))
	}
	if term := firstAC(t, c, aidVisa, byte(issuer.AAC)); cid(term) != issuer.AAC || cvr(t, c, term).FirstAC != issuer.AAC {
		t.Fatalf("AAC asked: %s", cid(term))
	}
	// An ARQC whose transaction never completed sends the next one online.
	c = newCard(t, "visa")
	goOnline(t, c, aidVisa)
	firstAC(t, c, aidVisa, byte(issuer.ARQC))
	term = firstAC(t, c, aidVisa, byte(issuer.TC))
	if cid(term) != issuer.ARQC || !cvr(t, c, term).LastOnlineNotCompleted {
		t.Fatalf("after an unfinished online transaction: %s, %+v", cid(term), cvr(t, c, term))
	}
	if term := firstAC(t, newCard(t, "declining"), aidMastercard, byte(issuer.ARQC)); cid(term) != issuer.AAC {
		t.Fatalf("declining card: %s", cid(term))
	}
}

// The second GENERATE AC follows the issuer: its ARPC and reply, or the ARC alone
// when there was no issuer authentication, or the terminal's "unable to go online".
func TestSecondGenerateAC(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile string
		reply   *issuer.Reply // nil: no EXTERNAL AUTHENTICATE
		badARPC bool
		arc     string
		want    issuer.ACType
		check   func(issuer.CVR) bool
	}{
		{"approved, ARPC method 2", "visa", &issuer.Reply{CSU: [4]byte{0, issuer.CSUApproved}}, false, "00", issuer.TC, func(c issuer.CVR) bool { return c.SecondAC == issuer.TC }},
		{"declined, ARPC method 2", "visa", &issuer.Reply{CSU: [4]byte{}}, false, "00", issuer.AAC, nil},
		{"declined, ARPC method 1", "unionpay", &issuer.Reply{ARC: [2]byte{'0', '5'}}, false, "05", issuer.AAC, nil},
		{"ARPC fails", "unionpay", &issuer.Reply{ARC: [2]byte{'0', '0'}}, true, "00", issuer.AAC, func(c issuer.CVR) bool { return c.IssuerAuthFailed }},
		{"approved without ARPC", "visa", nil, false, "00", issuer.TC, func(c issuer.CVR) bool { return c.IssuerAuthNotPerformed }},
		{"declined without ARPC", "visa", nil, false, "05", issuer.AAC, nil},
		{"unable to go online, approve", "visa", nil, false, "Y3", issuer.TC, func(c issuer.CVR) bool { return c.UnableToGoOnline && !c.IssuerAuthNotPerformed }},
		{"unable to go online, decline", "visa", nil, false, "Z3", issuer.AAC, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCard(t, tc.profile)
			aid := c.apps[0].cfg.AID
			term := firstAC(t, c, aid, byte(issuer.ARQC))
			if tc.reply != nil {
				r := *tc.reply
				want := uint16(swOK)
				if tc.badARPC {
					term.ICC[tags.ApplicationCryptogram][0] ^= 1 // answer another cryptogram
					want = swAuthFailed
				}
				if sw := issuerAuthentication(t, c, term, r); uint16(sw) != want {
					t.Fatalf("EXTERNAL AUTHENTICATE %04X", uint16(sw))
				}
			}
			if got := secondGenerateAC(t, term, byte(issuer.TC), tc.arc); got != tc.want {
				t.Fatalf("second GENERATE AC %s, want %s", got, tc.want)
			}
			if tc.check != nil && !tc.check(cvr(t, c, term)) {
				t.Fatalf("CVR %+v", cvr(t, c, term))
			}
			counters, _ := c.Counters(0)
			if tc.badARPC {
				if next := firstAC(t, c, aid, byte(issuer.TC)); cid(next) != issuer.ARQC || !cvr(t, c, next).IssuerAuthFailedLastOnline {
					t.Fatalf("after a failed ARPC: %s %+v", cid(next), cvr(t, c, next))
				}
			} else if online := tc.arc != "Y3" && tc.arc != "Z3"; online != (counters.LastOnlineATC == counters.ATC) {
				t.Fatalf("counters %+v", counters)
			}
		})
	}
}

// A card status update (ARPC method 2) can block the application, the card, or set
// the PIN try counter.
func TestCardStatusUpdate(t *testing.T) {
	for _, tc := range []struct {
		csu       [4]byte
		blockApp  bool
		blockCard bool
		tries     byte
	}{
		{[4]byte{0, issuer.CSUApproved | issuer.CSUApplicationBlock}, true, false, 3},
		{[4]byte{0, issuer.CSUApproved | issuer.CSUCardBlock}, false, true, 3},
		{[4]byte{0x02, issuer.CSUApproved | issuer.CSUUpdatePTC}, false, false, 2},
	} {
		c := newCard(t, "visa")
		term := firstAC(t, c, aidVisa, byte(issuer.ARQC))
		issuerAuthentication(t, c, term, issuer.Reply{CSU: tc.csu})
		secondGenerateAC(t, term, byte(issuer.TC), "00")
		counters, _ := c.Counters(0)
		if counters.Blocked != tc.blockApp || c.Blocked() != tc.blockCard || counters.PINTries != tc.tries {
			t.Errorf("CSU %X: counters %+v, card blocked %v", tc.csu, counters, c.Blocked())
		}
		want := emvcardtest.SW(swFunctionUnsupported)
		if !tc.blockCard {
			want = swFileInvalidated
		}
		if _, err := term.Select(aidVisa); (tc.blockApp || tc.blockCard) && err != want {
			t.Errorf("SELECT after CSU %X: %v", tc.csu, err)
		}
	}
}
