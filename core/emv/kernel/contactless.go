package kernel

import (
	"bytes"
	"errors"
	"fmt"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// ErrTryAnotherInterface: the card cannot be read contactless for this transaction
// (amount over the contactless limit, no supported application, the card asked for
// contact); the till should ask for the card to be inserted.
var ErrTryAnotherInterface = errors.New("try another interface: insert the card")

// Terminal Transaction Qualifiers (9F66) and Card Transaction Qualifiers (9F6C)
// bits the Visa path uses (EMV Book C-3 Annex A).
var (
	TTQOnlinePIN         = Bit{0, 0x04, "online PIN supported"}
	TTQSignature         = Bit{0, 0x02, "signature supported"}
	TTQOnlineRequired    = Bit{1, 0x80, "online cryptogram required"}
	TTQCVMRequired       = Bit{1, 0x40, "CVM required"}
	TTQConsumerDeviceCVM = Bit{2, 0x40, "consumer device CVM supported"}
	CTQOnlinePINRequired = Bit{0, 0x80, "online PIN required"}
	CTQSignatureRequired = Bit{0, 0x40, "signature required"}
	CTQConsumerDeviceCVM = Bit{1, 0x80, "consumer device CVM performed"}
)

// cdcvmResults is the CVM Results a Mastercard-style kernel reports for a CVM done
// on the consumer's device (EMV Book C-2, CVM selection).
var cdcvmResults = [3]byte{0x01, 0x00, 0x02}

// limits are the entry point's pre-processing results (EMV Book B 3.1.1).
type limits struct{ cvmRequired, overFloor bool }

// runContactless is the contactless flow: PPSE, pre-processing against the AID's
// limits, then the AID's kernel.
func (s *session) runContactless() error {
	if err := s.selectFromPPSE(); err != nil {
		return err
	}
	a := s.aid
	if a.ContactlessTransactionLimit > 0 && s.req.Amount >= a.ContactlessTransactionLimit {
		return fmt.Errorf("amount %d at or over the contactless limit %d: %w", s.req.Amount, a.ContactlessTransactionLimit, ErrTryAnotherInterface)
	}
	l := limits{
		cvmRequired: a.ContactlessCVMLimit > 0 && s.req.Amount >= a.ContactlessCVMLimit,
		overFloor:   s.req.Amount > a.ContactlessFloorLimit || s.req.ForceOnline,
	}
	switch a.Flow {
	case FlowVisa:
		return s.runVisa(l)
	case FlowMastercard:
		return s.runMastercard(l)
	}
	return fmt.Errorf("AID %X has no contactless kernel: %w", a.AID, ErrTryAnotherInterface)
}

// selectFromPPSE reads the PPSE directory (FCI 6F > A5 > BF0C > 61 entries) and
// selects the highest-priority application the terminal runs contactless.
func (s *session) selectFromPPSE() error {
	fciBytes, sw, err := exchange(s.card, selectCommand(ppseName, false))
	if err != nil {
		return fmt.Errorf("select PPSE: %w", err)
	}
	if !sw.Success() {
		return fmt.Errorf("select PPSE: card answered %s: %w", sw, ErrTryAnotherInterface)
	}
	fci, err := tlv.Decode(fciBytes)
	if err != nil {
		return fmt.Errorf("PPSE FCI: %w: %w", err, ErrMalformed)
	}
	dir, ok := tlv.FindPath(fci, tags.FCITemplate, tags.FCIProprietaryTemplate, tags.FCIIssuerDiscretionaryData)
	if !ok {
		return fmt.Errorf("PPSE FCI without a directory: %w", ErrTryAnotherInterface)
	}
	var list []candidate
	for _, entry := range dir.Children {
		if entry.Tag != tags.ApplicationTemplate {
			continue
		}
		if c, ok := s.candidateFromEntry(entry.Children, len(list)); ok && c.config.Flow != FlowContact {
			c.ConfirmationRequired = false // no cardholder confirmation on a tap
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		return fmt.Errorf("no contactless application: %w", ErrTryAnotherInterface)
	}
	sortCandidates(list)
	if err := s.finalSelection(&list, false); err != nil {
		return fmt.Errorf("%w: %w", err, ErrTryAnotherInterface)
	}
	return nil
}

// contactlessGPO sends GET PROCESSING OPTIONS; 6984 and 6985 send the cardholder to
// the contact interface (EMV Book C-3 5.2.2).
func (s *session) contactlessGPO() error {
	err := s.initiateApplicationProcessing()
	var se *StatusError
	if errors.As(err, &se) && (se.SW == SWConditionsNotMet || se.SW == SWDataInvalid) {
		return fmt.Errorf("%w: %w", err, ErrTryAnotherInterface)
	}
	return err
}

// runVisa is a qVSDC-style kernel (EMV Book C-3): the TTQ tells the card what the
// reader wants, GET PROCESSING OPTIONS returns the cryptogram, the records follow,
// the card's CID decides, the CTQ says which CVM, and an offline approval needs
// fDDA to verify.
func (s *session) runVisa(l limits) error {
	ttq := s.aid.TTQ
	if l.overFloor {
		ttq[TTQOnlineRequired.Byte] |= TTQOnlineRequired.Mask
	}
	if l.cvmRequired {
		ttq[TTQCVMRequired.Byte] |= TTQCVMRequired.Mask
	}
	s.aid.TTQ = ttq
	if err := s.contactlessGPO(); err != nil {
		return err
	}
	if err := s.readApplicationData(); err != nil {
		return err
	}
	if _, err := s.requireICC(tags.ApplicationCryptogram, tags.ApplicationTransactionCounter, tags.IssuerApplicationData); err != nil {
		return err
	}
	// The card computed its cryptogram over the PDOL data. The restrictions and CVM
	// steps below still raise TVR bits, but the authorisation and clearing data carry
	// the elements as the card received them, as contactless kernels send the TVR
	// given in the PDOL: otherwise the issuer cannot recompute the cryptogram.
	s.cryptogramData = s.pdolValues()
	if !s.icc.has(tags.Track2EquivalentData) && !s.icc.has(tags.ApplicationPAN) {
		return fmt.Errorf("no track 2 or PAN: %w", ErrMissingData)
	}
	s.processingRestrictions()
	cid := s.visaCID()
	s.icc[tags.CryptogramInformationData] = []byte{cid}
	if l.cvmRequired {
		if err := s.visaCVM(ttq); err != nil {
			return err
		}
	} else {
		s.cvm, s.cvmResults = CVMNoCVM, [3]byte{cvmNoCVM, 0x00, cvmResultSuccessful}
	}
	switch cid & cidTypeMask {
	case CryptogramTC:
		if s.cvm == CVMFailed {
			return s.declineOffline("no cardholder verification possible")
		}
		if err := s.fastDDA(); err != nil {
			s.oda = odaDDA
			s.odaFailed(err)
			return s.declineOffline("fDDA failed")
		}
		s.result.Outcome, s.arc = ApprovedOffline, "Y1"
		return nil
	case CryptogramARQC:
		if s.cvm == CVMFailed {
			return s.declineOffline("no cardholder verification possible")
		}
		return s.contactlessOnline()
	}
	return s.declineOffline("declined by the card")
}

// pdolValues splits the PDOL data sent with GET PROCESSING OPTIONS back into its
// data elements, as the card received them (padded or cut to the PDOL's lengths).
func (s *session) pdolValues() map[tlv.Tag][]byte {
	pdol, _ := s.icc.get(tags.PDOL)
	entries, err := dol.Parse(pdol)
	if err != nil || dol.DataLength(entries) != len(s.pdolData) {
		return nil
	}
	values := make(map[tlv.Tag][]byte, len(entries))
	data := s.pdolData
	for _, e := range entries {
		values[e.Tag], data = bytes.Clone(data[:e.Length]), data[e.Length:]
	}
	return values
}

// visaCID is 9F27 when the card gives it, else the cryptogram type in the Issuer
// Application Data (Visa format 0/1/3: byte 5 bits 6-5), else ARQC.
func (s *session) visaCID() byte {
	if v, ok := s.icc.get(tags.CryptogramInformationData); ok && len(v) == 1 {
		return v[0]
	}
	if iad, ok := s.icc.get(tags.IssuerApplicationData); ok && len(iad) >= 5 {
		switch iad[4] & 0x30 {
		case 0x00:
			return CryptogramAAC
		case 0x10:
			return CryptogramTC
		}
	}
	return CryptogramARQC
}

// visaCVM picks the CVM from the CTQ (EMV Book C-3 5.7): consumer device CVM done
// on the phone first, then online PIN, then signature, as both sides support.
func (s *session) visaCVM(ttq [4]byte) error {
	ctq, _ := s.icc.get(tags.CardTransactionQualifiers)
	has := func(b Bit) bool { return len(ctq) == 2 && ctq[b.Byte]&b.Mask != 0 }
	ttqHas := func(b Bit) bool { return ttq[b.Byte]&b.Mask != 0 }
	s.tsi.Set(TSICardholderVerified)
	switch {
	case has(CTQConsumerDeviceCVM) && ttqHas(TTQConsumerDeviceCVM):
		s.cvm, s.cvmResults = CVMCDCVM, cdcvmResults
	case (has(CTQOnlinePINRequired) || len(ctq) == 0) && ttqHas(TTQOnlinePIN) && s.k.opts.PINPad != nil:
		ok, err := s.onlinePIN()
		if err != nil {
			return err
		}
		if ok {
			s.cvm, s.cvmResults = CVMOnlinePIN, [3]byte{cvmOnlinePIN, 0x00, cvmResultUnknown}
			return nil
		}
		s.cvm = CVMFailed
		s.tvr.Set(TVRCardholderVerifyFail)
	case (has(CTQSignatureRequired) || len(ctq) == 0) && ttqHas(TTQSignature):
		s.cvm, s.cvmResults, s.signature = CVMSignature, [3]byte{cvmSignature, 0x00, cvmResultUnknown}, true
	default:
		s.cvm = CVMFailed
		s.tvr.Set(TVRCardholderVerifyFail)
	}
	return nil
}

// fastDDA verifies the qVSDC offline signature (fDDA, EMV Book C-3 5.9): the
// Signed Dynamic Application Data from the records, over the unpredictable number,
// amount, currency and the Card Authentication Related Data (9F69).
func (s *session) fastDDA() error {
	s.oda = odaDDA
	s.tsi.Set(TSIOfflineDataAuthPerformed)
	v, err := s.requireICC(tags.SignedDynamicApplicationData, cardAuthenticationRelatedData)
	if err != nil {
		return err
	}
	key, err := s.retrieveICCKey()
	if err != nil {
		return err
	}
	var dynamic []byte
	dynamic = append(dynamic, s.terminal[tags.UnpredictableNumber]...)
	dynamic = append(dynamic, s.terminal[tags.AmountAuthorised]...)
	dynamic = append(dynamic, s.terminal[tags.TransactionCurrencyCode]...)
	dynamic = append(dynamic, v[1]...)
	_, err = verifySignedDynamicData(key, v[0], dynamic)
	return err
}

// cardAuthenticationRelatedData (9F69) is signed in fDDA.
const cardAuthenticationRelatedData tlv.Tag = 0x9F69

// runMastercard is a Mastercard-style kernel (EMV Book C-2, EMV mode): GET
// PROCESSING OPTIONS and the records, CDA keys, processing restrictions, CVM by
// on-device verification or the CVM list, floor limit, terminal action analysis,
// and one GENERATE AC asking for a CDA signature. There is no second GENERATE AC.
func (s *session) runMastercard(l limits) error {
	if err := s.contactlessGPO(); err != nil {
		return err
	}
	if !s.aipHas(AIPEMVModeSupported) {
		return fmt.Errorf("card supports only mag-stripe mode: %w", ErrTryAnotherInterface)
	}
	if err := s.readApplicationData(); err != nil {
		return err
	}
	if _, err := s.requireICC(tags.ApplicationPAN, tags.ApplicationExpirationDate, tags.CDOL1); err != nil {
		return err
	}
	if s.aipHas(AIPCDA) && s.cfg.can(CapCDA) {
		s.oda = odaCDA
		s.tsi.Set(TSIOfflineDataAuthPerformed)
		key, err := s.retrieveICCKey()
		if err != nil {
			s.odaFailed(err)
		}
		s.iccKey = key
	} else {
		s.tvr.Set(TVROfflineDataAuthNotPerformed)
	}
	s.processingRestrictions()
	if err := s.mastercardCVM(l); err != nil {
		return err
	}
	if l.overFloor {
		s.tvr.Set(TVRExceedsFloorLimit)
	}
	if s.req.ForceOnline {
		s.tvr.Set(TVRMerchantForcedOnline)
	}
	requested := s.terminalActionAnalysis()
	s.tsi.Set(TSICardRiskManagement)
	cda := s.iccKey != nil && requested != CryptogramAAC
	r, err := s.generateAC(requested, tags.CDOL1, cda)
	if err != nil {
		return err
	}
	got := r.cid & cidTypeMask
	if cda && got != CryptogramAAC {
		if err := s.verifyCDA(r.template, r.cid); err != nil {
			s.odaFailed(err)
			return s.declineOffline("CDA failed")
		}
	}
	switch {
	case got == CryptogramTC && s.oda == odaCDA && !cda:
		return s.declineOffline("offline approval without a CDA signature")
	case got == CryptogramTC:
		s.result.Outcome, s.arc = ApprovedOffline, "Y1"
		return nil
	case got == CryptogramARQC:
		return s.contactlessOnline()
	}
	return s.declineOffline("declined by the card")
}

// mastercardCVM: under the CVM limit no CVM; over it, on-device verification when
// the card supports it (phone wallets), else the CVM list limited to online PIN,
// signature and no CVM.
func (s *session) mastercardCVM(l limits) error {
	s.tsi.Set(TSICardholderVerified)
	switch {
	case !l.cvmRequired:
		s.cvm, s.cvmResults = CVMNoCVM, [3]byte{cvmNoCVM, 0x00, cvmResultSuccessful}
		return nil
	case s.aipHas(AIPOnDeviceCVM):
		s.cvm, s.cvmResults = CVMCDCVM, cdcvmResults
		return nil
	}
	s.cvmResults = [3]byte{cvmNoCVMPerformed, 0x00, cvmResultUnknown}
	raw, ok := s.icc.get(tags.CVMList)
	list, err := parseCVMList(raw)
	if !ok || err != nil || len(list.rules) == 0 {
		s.tvr.Set(TVRICCDataMissing)
		s.cvm = CVMFailed
		s.tvr.Set(TVRCardholderVerifyFail)
		return nil
	}
	return s.applyCVMList(list, func(rule cvmRule) (bool, bool, error) {
		switch rule.code & 0x3F {
		case cvmOnlinePIN, cvmSignature, cvmNoCVM, cvmFail:
			return s.contactCVM(rule)
		}
		return false, true, nil // offline PIN is not done contactless
	})
}

// contactlessOnline sends the ARQC online; with no second GENERATE AC on a tap, the
// issuer's answer is the outcome, and no answer is a decline.
func (s *session) contactlessOnline() error {
	resp, reached, err := s.authorise()
	if err != nil {
		return err
	}
	if !reached {
		s.result.UnableToGoOnline = true
		s.result.Outcome, s.arc = DeclinedUnableOnline, "Z3"
		return nil
	}
	s.arc = printable([]byte(resp.ResponseCode))
	if resp.Approved {
		s.result.Outcome = ApprovedOnline
	} else {
		s.result.Outcome, s.result.Reason = DeclinedOnline, "declined by the issuer ("+s.arc+")"
	}
	return nil
}

// declineOffline ends with an offline decline and its reason.
func (s *session) declineOffline(reason string) error {
	s.result.Outcome, s.result.Reason, s.arc = DeclinedOffline, reason, "Z1"
	return nil
}
