package kernel

import (
	"fmt"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// Cryptogram types: the GENERATE AC reference control parameter (P1 bits 8-7) and
// the Cryptogram Information Data (9F27) bits 8-7 (EMV Book 3 6.5.5).
const (
	CryptogramAAC  byte = 0x00
	CryptogramTC   byte = 0x40
	CryptogramARQC byte = 0x80
	cidTypeMask    byte = 0xC0
	p1CDARequest   byte = 0x10
)

// cryptogramName names a CID or P1 type.
func cryptogramName(t byte) string {
	switch t & cidTypeMask {
	case CryptogramAAC:
		return "AAC"
	case CryptogramTC:
		return "TC"
	case CryptogramARQC:
		return "ARQC"
	}
	return "RFU"
}

// actionCodes are the issuer's (IAC, from the card) and acquirer's (TAC, from the
// configuration) action codes for one decision.
type actionCodes struct{ tac, iac [5]byte }

// issuerActionCode reads an IAC, or its default when the card gave none (EMV Book 3
// 10.7: denial defaults to all zeros, online and default to all ones).
func (s *session) issuerActionCode(tag tlv.Tag, absent byte) [5]byte {
	if v, ok := s.icc.get(tag); ok && len(v) == 5 {
		return [5]byte(v)
	}
	return [5]byte{absent, absent, absent, absent, absent}
}

func (s *session) matches(codes actionCodes) bool {
	return s.tvr.Matches(codes.tac) || s.tvr.Matches(codes.iac)
}

// terminalActionAnalysis is EMV Book 3 10.7: the TVR against the denial codes
// (AAC), then, for a terminal that can go online, the online codes (ARQC, else TC),
// or, for one that cannot, the default codes (AAC, else TC).
func (s *session) terminalActionAnalysis() byte {
	denial := actionCodes{s.aid.TACDenial, s.issuerActionCode(tags.IssuerActionCodeDenial, 0x00)}
	if s.matches(denial) {
		return CryptogramAAC
	}
	if s.canGoOnline() {
		online := actionCodes{s.aid.TACOnline, s.issuerActionCode(tags.IssuerActionCodeOnline, 0xFF)}
		if s.req.ForceOnline || s.matches(online) {
			return CryptogramARQC
		}
		return CryptogramTC
	}
	return s.defaultAction()
}

// defaultAction is the decision with the default codes: for an offline-only
// terminal, and for an online one that could not reach the host.
func (s *session) defaultAction() byte {
	def := actionCodes{s.aid.TACDefault, s.issuerActionCode(tags.IssuerActionCodeDefault, 0xFF)}
	if s.matches(def) {
		return CryptogramAAC
	}
	return CryptogramTC
}

func (s *session) canGoOnline() bool { return s.cfg.onlineCapable() && s.k.opts.Host != nil }

// acResponse is a parsed GENERATE AC response.
type acResponse struct {
	cid      byte
	template []byte // the value of a format 2 (77) response, for the CDA hash
	signed   bool   // a CDA signature came with it
}

// generateAC sends GENERATE AC for the cryptogram type with the data of a CDOL,
// asking for a CDA signature when cda is set, and files the response (EMV Book 3
// 6.5.5). The CDOL data is kept for the CDA transaction data hash.
func (s *session) generateAC(requested byte, cdolTag tlv.Tag, cda bool) (acResponse, error) {
	cdol, _ := s.icc.get(cdolTag)
	data, err := dol.BuildFromDOL(cdol, s.source())
	if err != nil {
		return acResponse{}, fmt.Errorf("%s: %w: %w", cdolTag, err, ErrMalformed)
	}
	s.cdolData = append(s.cdolData, data...)
	p1 := requested
	if cda {
		p1 |= p1CDARequest
	}
	resp, err := exchangeOK(s.card, generateACCommand(p1, data))
	if err != nil {
		return acResponse{}, err
	}
	delete(s.icc, tags.SignedDynamicApplicationData)
	r, err := s.parseGenerateAC(resp)
	if err != nil {
		return acResponse{}, err
	}
	if got := r.cid & cidTypeMask; !cryptogramAllowed(requested, got) {
		return acResponse{}, fmt.Errorf("GENERATE AC: asked for %s, card gave %s: %w", cryptogramName(requested), cryptogramName(got), ErrMalformed)
	}
	return r, nil
}

// cryptogramAllowed is EMV Book 3 Table 12: asked for an AAC the card gives an AAC;
// asked for an ARQC, an ARQC or an AAC; asked for a TC, anything but the RFU type.
func cryptogramAllowed(requested, got byte) bool {
	switch {
	case got == cidTypeMask:
		return false
	case requested == CryptogramAAC:
		return got == CryptogramAAC
	case requested == CryptogramARQC:
		return got != CryptogramTC
	}
	return true
}

// parseGenerateAC reads format 1 (80: CID, ATC, AC, IAD) or format 2 (77).
func (s *session) parseGenerateAC(resp []byte) (acResponse, error) {
	obj, rest, err := tlv.DecodeOne(resp)
	if err != nil || len(rest) != 0 {
		return acResponse{}, fmt.Errorf("GENERATE AC response: %w", ErrMalformed)
	}
	switch obj.Tag {
	case tags.ResponseTemplateFormat1:
		v := obj.Value
		if len(v) < 11 || len(v) > 11+32 {
			return acResponse{}, fmt.Errorf("GENERATE AC format 1 of %d bytes: %w", len(v), ErrMalformed)
		}
		s.icc[tags.CryptogramInformationData] = []byte{v[0]}
		s.icc[tags.ApplicationTransactionCounter] = append([]byte(nil), v[1:3]...)
		s.icc[tags.ApplicationCryptogram] = append([]byte(nil), v[3:11]...)
		if len(v) > 11 {
			s.icc[tags.IssuerApplicationData] = append([]byte(nil), v[11:]...)
		}
		return acResponse{cid: v[0]}, nil
	case tags.ResponseTemplateFormat2:
		if err := s.icc.addPrimitives(obj.Children, false); err != nil {
			return acResponse{}, fmt.Errorf("GENERATE AC: %w", err)
		}
		cid, okCID := tlv.Value(obj.Children, tags.CryptogramInformationData)
		_, okATC := tlv.Value(obj.Children, tags.ApplicationTransactionCounter)
		_, okSigned := tlv.Value(obj.Children, tags.SignedDynamicApplicationData)
		_, okAC := tlv.Value(obj.Children, tags.ApplicationCryptogram)
		if !okCID || !okATC || (!okAC && !okSigned) {
			return acResponse{}, fmt.Errorf("GENERATE AC without CID, ATC or cryptogram: %w", ErrMissingData)
		}
		return acResponse{cid: cid[0], template: obj.Value, signed: okSigned}, nil
	}
	return acResponse{}, fmt.Errorf("GENERATE AC template %s: %w", obj.Tag, ErrMalformed)
}

// firstGenerateAC asks for the cryptogram terminal action analysis chose, with CDA
// when it was selected and the keys recovered (not for an AAC), and checks the
// CDA signature. A CDA failure on a TC or ARQC declines the transaction (EMV Book 4
// 6.3.7); the card is then closed with an AAC when it had asked to go online.
func (s *session) firstGenerateAC(requested byte) (byte, error) {
	s.tsi.Set(TSICardRiskManagement)
	cda := s.oda == odaCDA && s.iccKey != nil && requested != CryptogramAAC
	r, err := s.generateAC(requested, tags.CDOL1, cda)
	if err != nil {
		return 0, err
	}
	got := r.cid & cidTypeMask
	if cda && got != CryptogramAAC {
		if err := s.verifyCDA(r.template, r.cid); err != nil {
			s.odaFailed(err)
			if got == CryptogramARQC {
				if _, err := s.generateAC(CryptogramAAC, tags.CDOL2, false); err != nil {
					return 0, err
				}
			}
			return CryptogramAAC, nil
		}
	}
	return got, nil
}

// actionAnalysisAndCompletion runs terminal action analysis, the first GENERATE AC,
// and from the card's decision the offline outcome or online processing and
// completion.
func (s *session) actionAnalysisAndCompletion() error {
	if err := s.checkCancelled(); err != nil {
		return err
	}
	requested := s.terminalActionAnalysis()
	got, err := s.firstGenerateAC(requested)
	if err != nil {
		return err
	}
	switch got {
	case CryptogramTC:
		s.result.Outcome = ApprovedOffline
		s.arc = "Y1"
	case CryptogramAAC:
		s.result.Outcome = DeclinedOffline
		s.arc = "Z1"
	default:
		return s.onlineProcessing()
	}
	return nil
}
