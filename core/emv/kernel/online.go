package kernel

import (
	"context"
	"errors"
	"fmt"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// Host is the acquirer link: it sends the authorisation request and returns the
// issuer's answer. An error means the terminal could not go online; the kernel then
// decides with the default action codes.
type Host interface {
	Authorise(ctx context.Context, req *OnlineRequest) (OnlineResponse, error)
}

// OnlineRequest is what the authorisation request message needs.
type OnlineRequest struct {
	Amount       int64
	AmountOther  int64
	CurrencyCode [2]byte
	// ICCData is the DE55 TLV list for the authorisation request.
	ICCData []byte
	// PIN is the enciphered online PIN block, when the cardholder entered one.
	PIN *EncipheredPIN
	// MaskedPAN, Expiry (YYMM) and PANSequence describe the card without revealing it.
	MaskedPAN   string
	Expiry      string
	PANSequence string
	card        sensitiveCardData
}

// AuthorisationCardData returns the clear PAN and the track 2 equivalent data (57)
// for DE2 and DE35 of the authorisation message only: never log or store them.
func (r *OnlineRequest) AuthorisationCardData() (pan string, track2 []byte) {
	return r.card.pan, append([]byte(nil), r.card.track2...)
}

// OnlineResponse is the issuer's answer.
type OnlineResponse struct {
	// Approved is the issuer's decision.
	Approved bool
	// ResponseCode is the authorisation response code (8A, DE39), two characters.
	ResponseCode string
	// AuthorisationCode (89, DE38), up to six characters.
	AuthorisationCode string
	// IssuerAuthenticationData (91) carries the ARPC.
	IssuerAuthenticationData []byte
	// IssuerScripts holds issuer script templates 71 and 72 as received in DE55.
	IssuerScripts []byte
}

// onlineProcessing is EMV Book 3 10.9 and 10.10 after an ARQC: ask the host; with
// an answer, authenticate the issuer and complete with the issuer's decision;
// without one, complete with the default action codes ("unable to go online").
// Issuer scripts 71 run before the second GENERATE AC and 72 after it.
func (s *session) onlineProcessing() error {
	resp, reached, err := s.authorise()
	if err != nil {
		return err
	}
	if !reached {
		return s.completeUnableToGoOnline()
	}
	arc := printable([]byte(resp.ResponseCode))
	if len(arc) != 2 {
		arc = map[bool]string{true: "00", false: "05"}[resp.Approved]
	}
	s.arc = arc
	if err := s.issuerAuthentication(resp.IssuerAuthenticationData); err != nil {
		return err
	}
	if err := s.runScripts(resp.IssuerScripts, tags.IssuerScriptTemplate1, TVRScriptFailedBeforeLastAC); err != nil {
		return err
	}
	requested := CryptogramAAC
	if resp.Approved {
		requested = CryptogramTC
	}
	got, err := s.secondGenerateAC(requested)
	if err != nil {
		return err
	}
	switch {
	case got == CryptogramTC:
		s.result.Outcome = ApprovedOnline
	case resp.Approved:
		s.result.Outcome = DeclinedOnline
		s.result.ReversalRequired = true
		s.result.Reason = "the card declined after the issuer approved"
	default:
		s.result.Outcome = DeclinedOnline
		s.result.Reason = "declined by the issuer (" + arc + ")"
	}
	return s.runScripts(resp.IssuerScripts, tags.IssuerScriptTemplate2, TVRScriptFailedAfterLastAC)
}

// authorise sends the authorisation request. reached is false when the terminal
// has no online link or the host could not be reached (the reason is kept in the
// Result); only a cancelled transaction is an error.
func (s *session) authorise() (resp OnlineResponse, reached bool, err error) {
	if !s.canGoOnline() {
		s.result.OnlineError = "the terminal has no online link"
		return OnlineResponse{}, false, nil
	}
	req := s.onlineRequest()
	s.result.AuthorisationData = req.ICCData
	resp, err = s.k.opts.Host.Authorise(s.ctx, req)
	if err != nil {
		if cerr := s.ctx.Err(); cerr != nil && errors.Is(err, cerr) {
			return OnlineResponse{}, false, fmt.Errorf("online authorisation: %w", err)
		}
		s.result.OnlineError = err.Error()
		return OnlineResponse{}, false, nil
	}
	s.result.WentOnline = true
	s.result.AuthorisationCode = printable([]byte(resp.AuthorisationCode))
	return resp, true, nil
}

// completeUnableToGoOnline is EMV Book 3 10.9: the default action codes decide, the
// card is told with ARC Y3 (approve) or Z3 (decline) and asked for a TC or an AAC.
func (s *session) completeUnableToGoOnline() error {
	s.result.UnableToGoOnline = true
	requested := s.defaultAction()
	s.arc = "Z3"
	if requested == CryptogramTC {
		s.arc = "Y3"
	}
	got, err := s.secondGenerateAC(requested)
	if err != nil {
		return err
	}
	if got == CryptogramTC {
		s.result.Outcome = ApprovedUnableOnline
	} else {
		s.result.Outcome = DeclinedUnableOnline
	}
	return nil
}

// issuerAuthentication is EMV Book 3 10.9: when the card supports it and the issuer
// sent 91, send it with EXTERNAL AUTHENTICATE, or leave it for the second GENERATE
// AC when CDOL2 asks for 91. A refusal raises TVR "issuer authentication failed".
func (s *session) issuerAuthentication(iad []byte) error {
	if len(iad) == 0 {
		return nil
	}
	s.terminal[tags.IssuerAuthenticationData] = append([]byte(nil), iad...)
	if !s.aipHas(AIPIssuerAuth) {
		return nil
	}
	s.tsi.Set(TSIIssuerAuthentication)
	if cdol2, _ := s.icc.get(tags.CDOL2); cdolAsks(cdol2, tags.IssuerAuthenticationData) {
		return nil
	}
	if len(iad) < 8 || len(iad) > 16 {
		s.tvr.Set(TVRIssuerAuthFailed)
		return nil
	}
	_, sw, err := exchange(s.card, externalAuthenticateCommand(iad))
	if err != nil {
		return err
	}
	if !sw.Success() {
		s.tvr.Set(TVRIssuerAuthFailed)
	}
	return nil
}

func cdolAsks(cdol []byte, tag tlv.Tag) bool {
	entries, err := dol.Parse(cdol)
	return err == nil && dolAsks(entries, tag)
}

// secondGenerateAC completes the transaction (EMV Book 3 10.10) with CDOL2,
// requesting CDA with a TC when CDA is in use; a CDA failure makes it a decline.
func (s *session) secondGenerateAC(requested byte) (byte, error) {
	s.terminal[tags.AuthorisationResponseCode] = []byte(s.arc)
	cda := s.oda == odaCDA && s.iccKey != nil && requested == CryptogramTC && !s.tvr.Has(TVRCDAFailed)
	r, err := s.generateAC(requested, tags.CDOL2, cda)
	if err != nil {
		return 0, err
	}
	got := r.cid & cidTypeMask
	if got == CryptogramARQC {
		return 0, fmt.Errorf("second GENERATE AC returned an ARQC: %w", ErrMalformed)
	}
	if cda && got == CryptogramTC {
		if err := s.verifyCDA(r.template, r.cid); err != nil {
			s.odaFailed(err)
			return CryptogramAAC, nil
		}
	}
	return got, nil
}
