package kernel

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"

	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// Outcome is how the transaction ended.
type Outcome int

// The outcomes. The zero value is Terminated, so that a Result nobody filled in
// never reads as an approval.
const (
	Terminated           Outcome = iota // ended before a decision: see Reason
	ApprovedOffline                     // the card gave a TC without going online
	ApprovedOnline                      // the issuer approved and the card gave a TC
	DeclinedOffline                     // the card or the terminal declined offline (AAC)
	DeclinedOnline                      // the issuer declined, or the card declined after
	ApprovedUnableOnline                // the host was unreachable; the default codes approved
	DeclinedUnableOnline                // the host was unreachable; the default codes declined
	TryAnotherInterface                 // contactless not possible for this amount or card: insert the card
)

// String names the outcome.
func (o Outcome) String() string {
	return [...]string{"terminated", "approved offline", "approved online", "declined offline", "declined online",
		"approved (unable to go online)", "declined (unable to go online)", "try another interface"}[o]
}

// Approved reports an approval of any kind.
func (o Outcome) Approved() bool {
	return o == ApprovedOffline || o == ApprovedOnline || o == ApprovedUnableOnline
}

// Result is what the till gets back from a transaction. Its printed forms mask the
// card; the clear PAN and track 2 are only in AuthorisationCardData.
type Result struct {
	Outcome Outcome
	Reason  string // why it was terminated or declined, for people

	AID               []byte
	ApplicationLabel  string
	PreferredName     string
	MaskedPAN         string // first 6 and last 4 digits
	Expiry            string // YYMM
	PANSequence       string // two digits, empty if the card has none
	Interface         Interface
	ApplicationCrypto []byte // the last cryptogram (9F26)
	CID               byte   // its Cryptogram Information Data (9F27)
	ATC               []byte // 9F36

	CVM               CVM
	CVMResults        [3]byte // 9F34
	SignatureRequired bool
	// TVR is the terminal's final TVR (for the receipt). On a quick tap the DE55
	// lists carry the TVR the card was given in the PDOL, which its cryptogram covers.
	TVR        TVR
	TSI        TSI
	ODA        string // the method: none, SDA, DDA, CDA
	ODAFailure string // why it failed, if it did

	// AuthorisationData is the DE55 TLV list sent in the authorisation request (for
	// an offline decision, the one an advice would carry); ClearingData for the clearing record, with the
	// final cryptogram and the issuer script results; ReversalData for a reversal.
	AuthorisationData []byte
	ClearingData      []byte
	ReversalData      []byte

	WentOnline          bool
	UnableToGoOnline    bool
	OnlineError         string
	ReversalRequired    bool   // the issuer approved but the card declined: reverse it
	ResponseCode        string // 8A as sent to the card (Y1, Z1, Y3, Z3, or the issuer's)
	AuthorisationCode   string
	IssuerScriptResults []byte // 9F5B

	card sensitiveCardData
}

// CryptogramType is "TC", "ARQC" or "AAC" for the last cryptogram.
func (r *Result) CryptogramType() string {
	if len(r.ApplicationCrypto) == 0 {
		return ""
	}
	return cryptogramName(r.CID)
}

// AuthorisationCardData returns the clear PAN and track 2 equivalent data (57) for
// DE2 and DE35 of the authorisation message only: never log or store them.
func (r *Result) AuthorisationCardData() (pan string, track2 []byte) {
	return r.card.pan, append([]byte(nil), r.card.track2...)
}

// ClearCardData overwrites the clear card data once the authorisation is sent.
func (r *Result) ClearCardData() { r.card.wipe() }

// String is a one-line summary with the card masked.
func (r Result) String() string {
	return fmt.Sprintf("%s (%s) %s %s exp %s AID %X %s %X CVM %s TVR %X TSI %X",
		r.Outcome, r.Reason, r.ApplicationLabel, r.MaskedPAN, r.Expiry, r.AID, r.CryptogramType(), r.ApplicationCrypto, r.CVM, r.TVR[:], r.TSI[:])
}

// GoString is String: no verb shows the clear card data.
func (r Result) GoString() string { return r.String() }

// Format makes every fmt verb print String.
func (r Result) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(r.String())) }

// Receipt is what EMV Book 4 11.4 and the schemes want printed on a chip receipt.
type Receipt struct {
	ApplicationName string // preferred name, else label
	AID             string // hexadecimal
	MaskedPAN       string
	PANSequence     string
	EntryMode       string // "Chip" or "Contactless"
	CryptogramType  string
	Cryptogram      string
	TVR             string
	TSI             string
	CVM             string
	SignatureLine   bool // print a line for the cardholder's signature
	ResponseCode    string
	AuthCode        string
}

// Receipt gives the receipt fields.
func (r *Result) Receipt() Receipt {
	name := r.PreferredName
	if name == "" {
		name = r.ApplicationLabel
	}
	mode := "Chip"
	if r.Interface == Contactless {
		mode = "Contactless"
	}
	return Receipt{ApplicationName: name, AID: fmt.Sprintf("%X", r.AID), MaskedPAN: r.MaskedPAN, PANSequence: r.PANSequence,
		EntryMode: mode, CryptogramType: r.CryptogramType(), Cryptogram: fmt.Sprintf("%X", r.ApplicationCrypto),
		TVR: fmt.Sprintf("%X", r.TVR[:]), TSI: fmt.Sprintf("%X", r.TSI[:]), CVM: r.CVM.String(), SignatureLine: r.SignatureRequired,
		ResponseCode: r.ResponseCode, AuthCode: r.AuthorisationCode}
}

// sensitiveCardData is the clear PAN and track 2; it prints as a redaction.
type sensitiveCardData struct {
	pan    string
	track2 []byte
}

func (d sensitiveCardData) String() string             { return "[card data redacted]" }
func (d sensitiveCardData) GoString() string           { return d.String() }
func (d sensitiveCardData) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(d.String())) }

func (d *sensitiveCardData) wipe() {
	clear(d.track2)
	d.track2, d.pan = nil, ""
}

// String is a summary with the card masked.
func (r OnlineRequest) String() string {
	return fmt.Sprintf("online request %s exp %s amount %d PIN %v", r.MaskedPAN, r.Expiry, r.Amount, r.PIN != nil)
}

// Format makes every fmt verb print String.
func (r OnlineRequest) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(r.String())) }

// MaskPAN keeps the first six and last four digits (PCI DSS 3.4), fewer for short
// numbers, and stars the rest.
func MaskPAN(pan string) string {
	n := len(pan)
	switch {
	case n == 0:
		return ""
	case n <= 4:
		return strings.Repeat("*", n)
	case n < 13:
		return strings.Repeat("*", n-4) + pan[n-4:]
	}
	return pan[:6] + strings.Repeat("*", n-10) + pan[n-4:]
}

// pan is the card's PAN as digits (5A without the F padding).
func (s *session) pan() string {
	v, _ := s.icc.get(tags.ApplicationPAN)
	return strings.TrimRight(strings.ToUpper(hex.EncodeToString(v)), "F")
}

// panFromTrack2 is the PAN in track 2 equivalent data (up to the separator D).
func panFromTrack2(t2 []byte) string {
	s := strings.ToUpper(hex.EncodeToString(t2))
	if i := strings.IndexByte(s, 'D'); i > 0 {
		return s[:i]
	}
	return ""
}

// The DE55 lists: the EMV and China UnionPay authorisation ICC data, and what
// clearing and reversal messages carry.
var (
	authorisationTags = []tlv.Tag{0x9F26, 0x9F27, 0x9F10, 0x9F37, 0x9F36, 0x95, 0x9A, 0x9C, 0x9F02, 0x5F2A, 0x82,
		0x9F1A, 0x9F03, 0x9F33, 0x9F34, 0x9F35, 0x9F1E, 0x84, 0x9F09, 0x9F41, 0x9F63, 0x9F66, 0x9F6C, 0x9F6E, 0x9F7C}
	clearingTags = append(append([]tlv.Tag(nil), authorisationTags...), 0x9F5B)
	reversalTags = []tlv.Tag{0x95, 0x9F1E, 0x9F10, 0x9F36, 0x9F5B}
)

// iccData encodes the elements of a DE55 list that the transaction has.
func (s *session) iccData(list []tlv.Tag) []byte {
	src := s.source()
	var out []byte
	for _, tag := range list {
		var v []byte
		var ok bool
		switch tag {
		case tags.IssuerScriptResults:
			v, ok = s.scriptResults, len(s.scriptResults) > 0
		case tags.DFName:
			v, ok = s.icc.get(tag)
			if !ok && len(s.selected.AID) > 0 {
				v, ok = s.selected.AID, true
			}
		default:
			v, ok = s.cryptogramData[tag]
			if !ok {
				v, ok = src(tag)
			}
		}
		if !ok {
			continue
		}
		if tag == tags.TerminalTransactionQualifiers && s.aid.Flow != FlowVisa {
			continue
		}
		out, _ = tlv.New(tag, v).AppendTo(out)
	}
	return out
}

// sensitive gathers the clear card data from the records.
func (s *session) sensitive() sensitiveCardData {
	t2, _ := s.icc.get(tags.Track2EquivalentData)
	pan := s.pan()
	if pan == "" {
		pan = panFromTrack2(t2)
	}
	return sensitiveCardData{pan: pan, track2: bytes.Clone(t2)}
}

// onlineRequest builds the authorisation request data.
func (s *session) onlineRequest() *OnlineRequest {
	card := s.sensitive()
	return &OnlineRequest{Amount: s.req.Amount, AmountOther: s.req.AmountOther, CurrencyCode: s.cfg.TransactionCurrencyCode,
		ICCData: s.iccData(authorisationTags), PIN: s.pin, MaskedPAN: MaskPAN(card.pan), Expiry: s.expiry(),
		PANSequence: s.panSequence(), card: card}
}

func (s *session) expiry() string {
	if v, ok := s.icc.get(tags.ApplicationExpirationDate); ok && len(v) == 3 {
		return fmt.Sprintf("%X", v[:2])
	}
	return ""
}

func (s *session) panSequence() string {
	if v, ok := s.icc.get(tags.PANSequenceNumber); ok && len(v) == 1 {
		return fmt.Sprintf("%02X", v[0])
	}
	return ""
}

// terminate records why the transaction ended early.
func (s *session) terminate(err error) {
	s.result.Outcome = Terminated
	s.result.Reason = err.Error()
}

// finish fills the Result from the session.
func (s *session) finish() *Result {
	r := s.result
	r.Interface = s.req.Interface
	r.AID = bytes.Clone(s.selected.AID)
	r.ApplicationLabel, r.PreferredName = s.selected.Label, s.selected.PreferredName
	r.card = s.sensitive()
	r.MaskedPAN, r.Expiry, r.PANSequence = MaskPAN(r.card.pan), s.expiry(), s.panSequence()
	r.ApplicationCrypto, _ = s.icc.get(tags.ApplicationCryptogram)
	if cid, ok := s.icc.get(tags.CryptogramInformationData); ok && len(cid) == 1 {
		r.CID = cid[0]
	}
	r.ATC, _ = s.icc.get(tags.ApplicationTransactionCounter)
	r.CVM, r.CVMResults, r.SignatureRequired = s.cvm, s.cvmResults, s.signature
	r.TVR, r.TSI, r.ODA = s.tvr, s.tsi, s.oda.String()
	r.ResponseCode = s.arc
	r.IssuerScriptResults = bytes.Clone(s.scriptResults)
	if s.terminal != nil && r.ReversalRequired {
		r.ReversalData = s.iccData(reversalTags)
	}
	if s.terminal != nil && r.Outcome != Terminated {
		if r.AuthorisationData == nil {
			r.AuthorisationData = s.iccData(authorisationTags)
		}
		r.ClearingData = s.iccData(clearingTags)
		r.ReversalData = s.iccData(reversalTags)
	}
	return r
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
