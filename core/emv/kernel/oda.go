package kernel

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// odaMethod is the offline data authentication the terminal chose.
type odaMethod int

const (
	odaNone odaMethod = iota
	odaSDA
	odaDDA
	odaCDA
)

// String names the method for the Result.
func (m odaMethod) String() string {
	return [...]string{"none", "SDA", "DDA", "CDA"}[m]
}

// offlineDataAuthentication is EMV Book 3 10.3: pick CDA, else DDA, else SDA by what
// both the card (AIP) and the terminal (9F33) support, and perform it; CDA
// recovers the keys now and completes with GENERATE AC. Failures set TVR bits and
// the transaction goes on; only a card communication error ends it.
func (s *session) offlineDataAuthentication() error {
	switch {
	case s.aipHas(AIPCDA) && s.cfg.can(CapCDA):
		s.oda = odaCDA
	case s.aipHas(AIPDDA) && s.cfg.can(CapDDA):
		s.oda = odaDDA
	case s.aipHas(AIPSDA) && s.cfg.can(CapSDA):
		s.oda = odaSDA
	default:
		s.tvr.Set(TVROfflineDataAuthNotPerformed)
		return nil
	}
	s.tsi.Set(TSIOfflineDataAuthPerformed)
	var err error
	switch s.oda {
	case odaSDA:
		err = s.performSDA()
	case odaDDA:
		err = s.performDDA()
	case odaCDA:
		s.iccKey, err = s.retrieveICCKey()
	}
	if errors.Is(err, ErrCard) {
		return err
	}
	if err != nil {
		s.odaFailed(err)
	}
	return nil
}

// odaFailed sets the TVR bit of the chosen method and keeps the reason.
func (s *session) odaFailed(err error) {
	switch s.oda {
	case odaSDA:
		s.tvr.Set(TVRSDAFailed)
	case odaDDA:
		s.tvr.Set(TVRDDAFailed)
	case odaCDA:
		s.tvr.Set(TVRCDAFailed)
	}
	if errors.Is(err, ErrMissingData) {
		s.tvr.Set(TVRICCDataMissing)
	}
	s.result.ODAFailure = err.Error()
}

// requireICC returns the card's data elements or an ErrMissingData naming those absent.
func (s *session) requireICC(list ...tlv.Tag) ([][]byte, error) {
	values := make([][]byte, len(list))
	var missing []string
	for i, tag := range list {
		v, ok := s.icc.get(tag)
		if !ok {
			missing = append(missing, tag.String())
		}
		values[i] = v
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("ODA data %v: %w", missing, ErrMissingData)
	}
	return values, nil
}

// retrieveIssuerKey finds the CA key and recovers the issuer key (EMV Book 2 5.1-5.3).
func (s *session) retrieveIssuerKey() (*publicKey, error) {
	v, err := s.requireICC(tags.CAPublicKeyIndex, tags.IssuerPublicKeyCertificate, tags.IssuerPublicKeyExponent)
	if err != nil {
		return nil, err
	}
	if s.staticBad {
		return nil, fmt.Errorf("a record for offline data authentication is not a 70 template: %w", ErrODA)
	}
	rid := s.selected.AID[:5]
	capk, ok := s.cfg.lookupCAPK(rid, v[0][0])
	if !ok {
		return nil, fmt.Errorf("no CA public key %X index %02X: %w", rid, v[0][0], ErrODA)
	}
	if capk.Expiry != [2]byte{} && !certificateValid(capk.Expiry, today(s.now)) {
		return nil, fmt.Errorf("CA public key %X index %02X expired: %w", rid, v[0][0], ErrODA)
	}
	remainder, _ := s.icc.get(tags.IssuerPublicKeyRemainder)
	ic, err := recoverIssuerKey(newPublicKey(capk.Modulus, capk.Exponent), v[1], remainder, v[2], s.pan(), today(s.now))
	if err != nil {
		return nil, err
	}
	return newPublicKey(ic.Modulus, ic.Exponent), nil
}

// retrieveICCKey recovers the issuer key, then the ICC key (EMV Book 2 6.4).
func (s *session) retrieveICCKey() (*publicKey, error) {
	issuer, err := s.retrieveIssuerKey()
	if err != nil {
		return nil, err
	}
	v, err := s.requireICC(tags.ICCPublicKeyCertificate, tags.ICCPublicKeyExponent)
	if err != nil {
		return nil, err
	}
	remainder, _ := s.icc.get(tags.ICCPublicKeyRemainder)
	cc, err := recoverICCKey(issuer, v[0], remainder, v[1], s.staticData, s.pan(), today(s.now))
	if err != nil {
		return nil, err
	}
	return newPublicKey(cc.Modulus, cc.Exponent), nil
}

// performSDA is EMV Book 2 5.4.
func (s *session) performSDA() error {
	issuer, err := s.retrieveIssuerKey()
	if err != nil {
		return err
	}
	v, err := s.requireICC(tags.SignedStaticApplicationData)
	if err != nil {
		return err
	}
	ssad, err := verifySignedStaticData(issuer, v[0], s.staticData)
	if err != nil {
		return err
	}
	s.icc[tags.DataAuthenticationCode] = ssad.DataAuthenticationCode[:]
	return nil
}

// ddol is the card's DDOL, else the AID's default, else the terminal's.
func (s *session) ddol() []byte {
	if d, ok := s.icc.get(tags.DDOL); ok {
		return d
	}
	if len(s.aid.DefaultDDOL) > 0 {
		return s.aid.DefaultDDOL
	}
	return s.cfg.DefaultDDOL
}

// performDDA is EMV Book 2 6.5: recover the keys, send INTERNAL AUTHENTICATE with
// the DDOL data (which must include the unpredictable number) and check the
// signature over it.
func (s *session) performDDA() error {
	iccKey, err := s.retrieveICCKey()
	if err != nil {
		return err
	}
	entries, err := dol.Parse(s.ddol())
	if err != nil || !dolAsks(entries, tags.UnpredictableNumber) {
		return fmt.Errorf("no DDOL with the unpredictable number: %w", ErrODA)
	}
	ddolData := dol.Build(entries, s.source())
	resp, err := exchangeOK(s.card, internalAuthenticateCommand(ddolData))
	if err != nil {
		return err
	}
	signed, err := signedDataFromResponse(resp)
	if err != nil {
		return err
	}
	sdad, err := verifySignedDynamicData(iccKey, signed, ddolData)
	if err != nil {
		return err
	}
	s.icc[tags.SignedDynamicApplicationData] = signed
	if sdad.ICCDynamicNumber != nil {
		s.icc[tags.ICCDynamicNumber] = sdad.ICCDynamicNumber
	}
	return nil
}

func dolAsks(entries []dol.Entry, tag tlv.Tag) bool {
	for _, e := range entries {
		if e.Tag == tag {
			return true
		}
	}
	return false
}

// signedDataFromResponse takes the signed dynamic data from an INTERNAL
// AUTHENTICATE response: format 1 (80) or format 2 (77 holding 9F4B).
func signedDataFromResponse(resp []byte) ([]byte, error) {
	objs, err := tlv.Decode(resp)
	if err != nil || len(objs) != 1 {
		return nil, fmt.Errorf("INTERNAL AUTHENTICATE response: %w", ErrMalformed)
	}
	switch objs[0].Tag {
	case tags.ResponseTemplateFormat1:
		return objs[0].Value, nil
	case tags.ResponseTemplateFormat2:
		if v, ok := tlv.Value(objs[0].Children, tags.SignedDynamicApplicationData); ok {
			return v, nil
		}
	}
	return nil, fmt.Errorf("INTERNAL AUTHENTICATE response without signed dynamic data: %w", ErrMalformed)
}

// verifyCDA checks a GENERATE AC response carrying a CDA signature (EMV Book 2
// 6.6.2): the signature over the unpredictable number, the CID inside it against
// the one in the clear, and the transaction data hash code over the PDOL data,
// the CDOL data sent so far and the response's other data objects. The cryptogram
// comes from inside the signature.
func (s *session) verifyCDA(template []byte, cid byte) error {
	signed, ok := s.icc.get(tags.SignedDynamicApplicationData)
	if !ok {
		return fmt.Errorf("GENERATE AC without a CDA signature: %w", ErrMissingData)
	}
	if s.iccKey == nil {
		return fmt.Errorf("no ICC public key for CDA: %w", ErrODA)
	}
	un := s.terminal[tags.UnpredictableNumber]
	sdad, err := verifySignedDynamicData(s.iccKey, signed, un)
	if err != nil {
		return err
	}
	dyn := sdad.ICCDynamicData
	if len(dyn) < 1 || len(dyn) < 1+int(dyn[0])+1+8+20 {
		return fmt.Errorf("CDA dynamic data of %d bytes: %w", len(dyn), ErrODA)
	}
	rest := dyn[1+int(dyn[0]):]
	if rest[0] != cid {
		return fmt.Errorf("CDA: signed CID %02X, card said %02X: %w", rest[0], cid, ErrODA)
	}
	h := sha1.New()
	h.Write(s.pdolData)
	h.Write(s.cdolData)
	for _, raw := range rawObjects(template) {
		if t, _, err := tlv.ReadTag(raw); err == nil && t != tags.SignedDynamicApplicationData {
			h.Write(raw)
		}
	}
	if !bytes.Equal(h.Sum(nil), rest[9:29]) {
		return fmt.Errorf("CDA: transaction data hash does not match: %w", ErrODA)
	}
	s.icc[tags.ApplicationCryptogram] = bytes.Clone(rest[1:9])
	if sdad.ICCDynamicNumber != nil {
		s.icc[tags.ICCDynamicNumber] = sdad.ICCDynamicNumber
	}
	return nil
}

// rawObjects splits the value of a template into its data objects as encoded.
func rawObjects(value []byte) [][]byte {
	var out [][]byte
	for len(value) > 0 {
		for len(value) > 0 && (value[0] == 0x00 || value[0] == 0xFF) {
			value = value[1:]
		}
		if len(value) == 0 {
			break
		}
		_, rest, err := tlv.DecodeOne(value)
		if err != nil {
			break
		}
		out = append(out, value[:len(value)-len(rest)])
		value = rest
	}
	return out
}
