package kernel

import (
	"bytes"
	"fmt"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// AIP bits (82, EMV Book 3 Annex C1; byte 1 bit 2 from EMV Book C-2).
var (
	AIPSDA              = Bit{0, 0x40, "SDA supported"}
	AIPDDA              = Bit{0, 0x20, "DDA supported"}
	AIPCardholderVerify = Bit{0, 0x10, "cardholder verification supported"}
	AIPTerminalRisk     = Bit{0, 0x08, "terminal risk management to be performed"}
	AIPIssuerAuth       = Bit{0, 0x04, "issuer authentication supported"}
	AIPOnDeviceCVM      = Bit{0, 0x02, "on-device cardholder verification supported"}
	AIPCDA              = Bit{0, 0x01, "CDA supported"}
	AIPEMVModeSupported = Bit{1, 0x80, "EMV mode supported (contactless)"}
)

func (s *session) aipHas(b Bit) bool { return s.aip[b.Byte]&b.Mask != 0 }

// initiateApplicationProcessing is EMV Book 3 10.1: build the PDOL data, send GET
// PROCESSING OPTIONS and keep the AIP and AFL. A 6985 answer comes back as a
// *StatusError so that selection can move on to the next candidate.
func (s *session) initiateApplicationProcessing() error {
	s.newTerminalData()
	pdol, _ := s.icc.get(tags.PDOL)
	data, err := dol.BuildFromDOL(pdol, s.source())
	if err != nil {
		return fmt.Errorf("PDOL: %w: %w", err, ErrMalformed)
	}
	if len(data) > 252 {
		return fmt.Errorf("PDOL asks for %d bytes: %w", len(data), ErrMalformed)
	}
	s.pdolData = data
	resp, err := exchangeOK(s.card, getProcessingOptionsCommand(data))
	if err != nil {
		return err
	}
	return s.parseProcessingOptions(resp)
}

// newTerminalData sets up the terminal's data elements for the selected AID, with
// a fresh unpredictable number.
func (s *session) newTerminalData() {
	var un [4]byte
	_, _ = s.k.opts.Random.Read(un[:]) // a failed read leaves zeros; crypto/rand does not fail
	s.terminal = terminalData(s.cfg, s.aid, s.req, s.now, un)
}

// parseProcessingOptions reads a GET PROCESSING OPTIONS response: format 1 (80: AIP
// then AFL) or format 2 (77 holding 82 and 94, and for contactless more).
func (s *session) parseProcessingOptions(resp []byte) error {
	obj, rest, err := tlv.DecodeOne(resp)
	if err != nil {
		return fmt.Errorf("GET PROCESSING OPTIONS: %w: %w", err, ErrMalformed)
	}
	if len(bytes.Trim(rest, "\x00")) > 0 {
		return fmt.Errorf("GET PROCESSING OPTIONS: %d bytes after the template: %w", len(rest), ErrMalformed)
	}
	switch obj.Tag {
	case tags.ResponseTemplateFormat1:
		if len(obj.Value) < 2 || (len(obj.Value)-2)%4 != 0 {
			return fmt.Errorf("GET PROCESSING OPTIONS: format 1 of %d bytes: %w", len(obj.Value), ErrMalformed)
		}
		s.icc[tags.ApplicationInterchangeProfile] = bytes.Clone(obj.Value[:2])
		s.icc[tags.ApplicationFileLocator] = bytes.Clone(obj.Value[2:])
	case tags.ResponseTemplateFormat2:
		if err := s.icc.addPrimitives(obj.Children, false); err != nil {
			return fmt.Errorf("GET PROCESSING OPTIONS: %w", err)
		}
	default:
		return fmt.Errorf("GET PROCESSING OPTIONS: template %s: %w", obj.Tag, ErrMalformed)
	}
	aip, ok := s.icc.get(tags.ApplicationInterchangeProfile)
	if !ok {
		return fmt.Errorf("GET PROCESSING OPTIONS: no AIP: %w", ErrMissingData)
	}
	s.aip = [2]byte(aip)
	afl, _ := s.icc.get(tags.ApplicationFileLocator)
	if len(afl)%4 != 0 {
		return fmt.Errorf("GET PROCESSING OPTIONS: AFL of %d bytes: %w", len(afl), ErrMalformed)
	}
	s.afl = afl
	return nil
}
