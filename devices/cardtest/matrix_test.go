package cardtest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/kernel"
	"tilldesk/devices/pinpad/ipp"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// row is one transaction of the matrix and what must come of it.
type row struct {
	profile string
	iface   emvcard.Interface
	amount  int64         // fen
	choose  string        // the application the cardholder picks (co-badged card), by label
	pin     string        // what the customer types when asked; "" types the profile's PIN
	key     ipp.KeyScheme // the PIN pad's DUKPT keys: TDES (format 0) or AES (format 4)

	outcome    kernel.Outcome
	cvm        kernel.CVM
	cvmResults string // 9F34
	tvr, tsi   string // 95 and 9B as the Result gives them
	oda        string // ODA method; ODAFailure is set when tvr has an ODA failure bit
	aid        []byte // the application used; nil: the profile's first
	signature  bool
	pinAsked   int
	issuerCode string // the issuer's response code; "" when the terminal did not go online
	pinChecked bool   // the issuer decrypted the PIN block and checked it
}

func (r row) name() string {
	name := fmt.Sprintf("%s/%s/%d", r.profile, r.iface, r.amount)
	if r.choose != "" {
		name += "/" + strings.ReplaceAll(r.choose, " ", "_")
	}
	if r.pin != "" {
		name += "/pin_" + r.pin
	}
	if r.key == ipp.AES {
		name += "/aes_dukpt"
	}
	return name
}

// matrix is every profile through every interface it has: approvals online and
// offline, the CVMs (online PIN, signature, CDCVM, none), declines by the card
// (AAC), by the terminal (expired) and by the issuer (expired, wrong PIN), ODA
// failures, cardholder choice, and the contactless limit.
var matrix = []row{
	{profile: "unionpay", iface: emvcard.Contact, amount: 100_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "420300", tvr: "0008048000", tsi: "F800", oda: "DDA", pinAsked: 1, issuerCode: "00", pinChecked: true},
	{profile: "unionpay", iface: emvcard.Contact, amount: 100_00, pin: "654321", outcome: kernel.DeclinedOnline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "420300", tvr: "0008048000", tsi: "F800", oda: "DDA", pinAsked: 1, issuerCode: "55", pinChecked: true},
	// The same through a PIN pad holding AES DUKPT keys: ISO 9564 format 4 blocks
	// the issuer deciphers with the AES BDK.
	{profile: "unionpay", iface: emvcard.Contact, amount: 100_00, key: ipp.AES, outcome: kernel.ApprovedOnline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "420300", tvr: "0008048000", tsi: "F800", oda: "DDA", pinAsked: 1, issuerCode: "00", pinChecked: true},
	{profile: "unionpay", iface: emvcard.Contact, amount: 100_00, pin: "654321", key: ipp.AES, outcome: kernel.DeclinedOnline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "420300", tvr: "0008048000", tsi: "F800", oda: "DDA", pinAsked: 1, issuerCode: "55", pinChecked: true},
	{profile: "unionpay", iface: emvcard.Contactless, amount: 50_00, outcome: kernel.ApprovedOffline, cvm: kernel.CVMNoCVM,
		cvmResults: "1F0002", tvr: "0000000000", tsi: "8000", oda: "DDA"},
	{profile: "unionpay", iface: emvcard.Contactless, amount: 500_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMNoCVM,
		cvmResults: "1F0002", tvr: "0000000000", tsi: "0000", oda: "none", issuerCode: "00"},
	{profile: "unionpay", iface: emvcard.Contactless, amount: 1500_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "020000", tvr: "0000040000", tsi: "4000", oda: "none", pinAsked: 1, issuerCode: "00", pinChecked: true},
	{profile: "unionpay", iface: emvcard.Contactless, amount: 20000_00, outcome: kernel.TryAnotherInterface, cvm: kernel.CVMNotPerformed,
		cvmResults: "000000", tvr: "0000000000", tsi: "0000", oda: "none"},
	{profile: "visa", iface: emvcard.Contact, amount: 100_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "420300", tvr: "0008048000", tsi: "F800", oda: "DDA", pinAsked: 1, issuerCode: "00", pinChecked: true},
	{profile: "visa", iface: emvcard.Contactless, amount: 50_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMNoCVM,
		cvmResults: "1F0002", tvr: "0000000000", tsi: "0000", oda: "none", issuerCode: "00"},
	{profile: "mastercard", iface: emvcard.Contact, amount: 100_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "420300", tvr: "0008048000", tsi: "F800", oda: "CDA", pinAsked: 1, issuerCode: "00", pinChecked: true},
	{profile: "mastercard", iface: emvcard.Contactless, amount: 50_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMNoCVM,
		cvmResults: "1F0002", tvr: "0000008000", tsi: "E000", oda: "CDA", issuerCode: "00"},
	{profile: "mastercard", iface: emvcard.Contactless, amount: 1500_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "420300", tvr: "0000048000", tsi: "E000", oda: "CDA", pinAsked: 1, issuerCode: "00", pinChecked: true},
	{profile: "wallet", iface: emvcard.Contactless, amount: 50_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMNoCVM,
		cvmResults: "1F0002", tvr: "0000000000", tsi: "0000", oda: "none", issuerCode: "00"},
	{profile: "wallet", iface: emvcard.Contactless, amount: 1500_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMCDCVM,
		cvmResults: "010002", tvr: "0000000000", tsi: "4000", oda: "none", issuerCode: "00"},
	// Expired: the terminal's denial codes decline it on contact (and its ICC
	// certificate expired with it, so DDA fails); a tap goes online and the issuer
	// declines it (54).
	{profile: "expired", iface: emvcard.Contact, amount: 100_00, outcome: kernel.DeclinedOffline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "420300", tvr: "0848048000", tsi: "E800", oda: "DDA", pinAsked: 1},
	{profile: "expired", iface: emvcard.Contactless, amount: 50_00, outcome: kernel.DeclinedOnline, cvm: kernel.CVMNoCVM,
		cvmResults: "1F0002", tvr: "0040000000", tsi: "0000", oda: "none", issuerCode: "54"},
	{profile: "declining", iface: emvcard.Contact, amount: 100_00, outcome: kernel.DeclinedOffline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "420300", tvr: "0008048000", tsi: "E800", oda: "CDA", pinAsked: 1},
	{profile: "declining", iface: emvcard.Contactless, amount: 50_00, outcome: kernel.DeclinedOffline, cvm: kernel.CVMNoCVM,
		cvmResults: "1F0002", tvr: "0000008000", tsi: "E000", oda: "CDA"},
	// Tampered: DDA fails on contact (TVR byte 1 bit 4) and the issuer still approves
	// online; a tap the card would approve offline fails fDDA and is declined.
	{profile: "tampered", iface: emvcard.Contact, amount: 100_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMOnlinePIN,
		cvmResults: "420300", tvr: "0808048000", tsi: "F800", oda: "DDA", pinAsked: 1, issuerCode: "00", pinChecked: true},
	{profile: "tampered", iface: emvcard.Contactless, amount: 50_00, outcome: kernel.DeclinedOffline, cvm: kernel.CVMNoCVM,
		cvmResults: "1F0002", tvr: "0800000000", tsi: "8000", oda: "DDA"},
	{profile: "signature", iface: emvcard.Contact, amount: 100_00, outcome: kernel.ApprovedOnline, cvm: kernel.CVMSignature,
		cvmResults: "5E0300", tvr: "0008008000", tsi: "F800", oda: "SDA", signature: true, issuerCode: "00"},
	{profile: "cobadged", iface: emvcard.Contact, amount: 100_00, choose: "VISA CREDIT", aid: AIDVisa, outcome: kernel.ApprovedOnline,
		cvm: kernel.CVMOnlinePIN, cvmResults: "420300", tvr: "0008048000", tsi: "F800", oda: "DDA", pinAsked: 1, issuerCode: "00", pinChecked: true},
	{profile: "cobadged", iface: emvcard.Contact, amount: 100_00, choose: "UnionPay Debit", aid: AIDUnionPayDebit, outcome: kernel.ApprovedOnline,
		cvm: kernel.CVMOnlinePIN, cvmResults: "420300", tvr: "0008048000", tsi: "F800", oda: "DDA", pinAsked: 1, issuerCode: "00", pinChecked: true},
	// A tap has no cardholder choice: the application of highest priority.
	{profile: "cobadged", iface: emvcard.Contactless, amount: 50_00, aid: AIDUnionPayDebit, outcome: kernel.ApprovedOffline,
		cvm: kernel.CVMNoCVM, cvmResults: "1F0002", tvr: "0000000000", tsi: "8000", oda: "DDA"},
}

// present is how a transport hands the kernel a card: straight, through pcscd, or
// through the serial reader. It returns the card and a function that takes it away.
type present func(t *testing.T, app sim.CardApp, iface emvcard.Interface) (kernel.Card, func())

// bench is what every row shares: the terminal, the issuer and the PIN pad (and a
// second pad in AES DUKPT mode, started for the first row that wants it).
type bench struct {
	*Till
	cfg    *kernel.Config
	aesPad *PINPad
	owner  testing.TB // the test the bench lives as long as
}

// pad is the PIN pad of the row's DUKPT scheme.
func (b *bench) pad(key ipp.KeyScheme) *PINPad {
	if key != ipp.AES {
		return b.PINPad
	}
	if b.aesPad == nil {
		b.aesPad = StartPINPadFor(b.owner, ipp.AES) // outlives the row's subtest
	}
	return b.aesPad
}

func newBench(t *testing.T) *bench {
	t.Helper()
	cfg, err := Terminal()
	if err != nil {
		t.Fatal(err)
	}
	return &bench{Till: NewTill(t), cfg: cfg, owner: t}
}

// runMatrix runs the rows keep selects (nil: every row) through one transport.
func runMatrix(t *testing.T, via present, keep func(row) bool) {
	b := newBench(t)
	for _, r := range matrix {
		if keep != nil && !keep(r) {
			continue
		}
		t.Run(r.name(), func(t *testing.T) { b.run(t, r, via) })
	}
}

// run performs one row's transaction and checks everything the row says.
func (b *bench) run(t *testing.T, r row, via present) {
	app, p := NewCard(t, r.profile, r.iface)
	pin := r.pin
	if pin == "" {
		pin = p.Applications[0].PIN
	}
	pad := b.pad(r.key)
	pad.Types(pin)
	var offered []string
	chooser := func(_ context.Context, cands []kernel.Candidate) (int, error) {
		for _, c := range cands {
			offered = append(offered, c.Label)
		}
		for i, c := range cands {
			if c.Label == r.choose {
				return i, nil
			}
		}
		return 0, fmt.Errorf("%q not offered", r.choose)
	}
	if r.choose == "" {
		chooser = nil
	}
	k := b.KernelWith(t, b.cfg, chooser, pad)
	kcard, takeAway := via(t, app, r.iface)
	defer takeAway()
	asked, blocks, decided := pad.Asked(), pad.Sim.PINBlocks(), len(b.Issuer.Decisions())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := k.Run(ctx, kcard, kernel.Request{Amount: r.amount, Type: kernel.TypePurchase, Interface: kernel.Interface(r.iface)})
	if err != nil {
		t.Fatalf("transaction ended: %v (%s)", err, res)
	}
	checkResult(t, r, res)
	if got := pad.Asked() - asked; got != r.pinAsked {
		t.Errorf("PIN asked %d times, want %d", got, r.pinAsked)
	}
	if got := pad.Sim.PINBlocks() - blocks; r.pinChecked && got != 1 {
		t.Errorf("the %v pad encrypted %d PIN blocks, want 1", r.key, got)
	}
	if r.choose != "" && (len(offered) != 2 || !strings.Contains(strings.Join(offered, ","), r.choose)) {
		t.Errorf("the cardholder was offered %q", offered)
	}
	b.checkIssuer(t, r, res, b.Issuer.Decisions()[decided:])
}

// checkResult compares the kernel's result with the row.
func checkResult(t *testing.T, r row, res *kernel.Result) {
	t.Helper()
	got := fmt.Sprintf("%v CVM %v %X TVR %X TSI %X ODA %s signature %v", res.Outcome, res.CVM, res.CVMResults, res.TVR[:], res.TSI[:], res.ODA, res.SignatureRequired)
	want := fmt.Sprintf("%v CVM %v %s TVR %s TSI %s ODA %s signature %v", r.outcome, r.cvm, r.cvmResults, r.tvr, r.tsi, r.oda, r.signature)
	if got != want {
		t.Errorf("result\n got  %s\n want %s\n (%s; ODA failure %q)", got, want, res.Reason, res.ODAFailure)
	}
	odaFailed := res.TVR.Has(kernel.TVRSDAFailed) || res.TVR.Has(kernel.TVRDDAFailed) || res.TVR.Has(kernel.TVRCDAFailed)
	if odaFailed != (res.ODAFailure != "") {
		t.Errorf("TVR %s but ODA failure %q", res.TVR, res.ODAFailure)
	}
	p, _ := emvcard.Lookup(r.profile)
	for _, a := range p.Applications {
		if printed := fmt.Sprint(res) + fmt.Sprintf("%+v %#v", res, res); strings.Contains(printed, a.PAN) {
			t.Errorf("the printed result shows the whole PAN")
		}
	}
	if r.outcome == kernel.TryAnotherInterface {
		return
	}
	aid := r.aid
	if aid == nil {
		aid = p.Applications[0].AID
	}
	if !bytes.Equal(res.AID, aid) {
		t.Errorf("AID %X, want %X", res.AID, aid)
	}
	if strings.Count(res.MaskedPAN, "*") < 6 {
		t.Errorf("masked PAN %q", res.MaskedPAN)
	}
}

// checkIssuer checks what the issuer saw: one authorisation when the row goes online,
// its ARQC verified over the DE55 the kernel sent (and an ARPC returned), the PIN
// decrypted with the BDK and checked.
func (b *bench) checkIssuer(t *testing.T, r row, res *kernel.Result, decisions []issuer.Decision) {
	t.Helper()
	if r.issuerCode == "" {
		if len(decisions) != 0 || res.WentOnline {
			t.Errorf("went online (%d decisions) for an offline row", len(decisions))
		}
		return
	}
	if len(decisions) != 1 {
		t.Fatalf("%d authorisations, want 1", len(decisions))
	}
	d := decisions[0]
	if !d.Cryptogram.Valid || d.Cryptogram.Type != issuer.ARQC || len(d.IssuerAuthenticationData) == 0 {
		t.Errorf("the issuer could not verify the ARQC: %s (%s)", d.Reason, d.Cryptogram.Type)
	}
	if d.ResponseCode != r.issuerCode || res.ResponseCode != r.issuerCode {
		t.Errorf("issuer answered %s (%s), the card was told %s; want %s", d.ResponseCode, d.Reason, res.ResponseCode, r.issuerCode)
	}
	if d.PINChecked != r.pinChecked || d.PINChecked && d.PINValid != (r.issuerCode != "55") {
		t.Errorf("PIN checked %v valid %v", d.PINChecked, d.PINValid)
	}
}

// The whole matrix with each card held straight to the kernel: the kernel, the cards,
// the issuer and the PIN pad, without a reader.
func TestMatrixInProcess(t *testing.T) {
	runMatrix(t, func(t *testing.T, app sim.CardApp, _ emvcard.Interface) (kernel.Card, func()) {
		return Insert(app), func() {}
	}, nil)
}
