package emvcard

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
	"tilldesk/core/pan"
	"tilldesk/devices/sim/emvcard/testca"
)

// maxRecordValue keeps a record, with its 70 81 xx header, within the 254 bytes EMV
// allows (Book 3 5.3.2.2) and within one short READ RECORD response.
const maxRecordValue = 251

// SFIs: 1 holds the records offline data authentication signs, 2 the certificates.
const (
	sfiSigned       = 1
	sfiCertificates = 2
)

type recordID struct{ sfi, number byte }

// files are one interface's records and AFL (the certificates differ with the AIP
// the static data includes).
type files struct {
	records map[recordID][]byte // READ RECORD responses: 70 L V
	afl     []byte
}

// application is a personalised application: its fixed data and the counters that
// survive power-off.
type application struct {
	cfg    Application
	keys   issuer.CardKeys
	iccKey *testca.PrivateKey
	files  [2]files // by Interface
	pin    []byte

	atc, lastOnlineATC     uint16
	ptc                    byte
	offlineCount           byte // consecutive offline approvals
	lowerLimit, upperLimit byte
	blocked                bool
	wentOnline             bool
	lastOnlineNotCompleted bool
	issuerAuthFailedLast   bool
	scriptsLast            int
	scriptFailedLast       bool
}

// personalise builds an application as an issuer's personalisation bureau would:
// derives its keys, writes its records and signs them.
func personalise(cfg Application, h *testca.Hierarchy) (*application, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	iss, err := h.Issuer(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	a := &application{cfg: cfg, pin: []byte(cfg.PIN), ptc: cfg.PINTryLimit,
		lowerLimit: cfg.LowerOfflineLimit, upperLimit: cfg.UpperOfflineLimit}
	if a.keys, err = cfg.Scheme.DeriveCardKeys(IssuerKeys(cfg.Issuer), cfg.PAN, cfg.PANSequence); err != nil {
		return nil, err
	}
	if cfg.ICCKey >= 0 {
		if a.iccKey, err = iss.ICCKey(cfg.ICCKey); err != nil {
			return nil, err
		}
	}
	signed, err := a.signedRecords()
	if err != nil {
		return nil, err
	}
	for _, iface := range []Interface{Contact, Contactless} {
		if a.files[iface], err = a.filesFor(iface, iss, signed); err != nil {
			return nil, fmt.Errorf("emvcard: personalise %s (%s): %w", pan.Mask(cfg.PAN), iface, err)
		}
	}
	return a, nil
}

// aip is the application interchange profile on an interface.
func (a *application) aip(iface Interface) [2]byte {
	if iface == Contactless {
		return a.cfg.ContactlessAIP
	}
	return a.cfg.AIP
}

// signedRecords are the values of the two records of SFI 1: card data, then the data
// the terminal's processing restrictions, CVM and action analysis use.
func (a *application) signedRecords() ([][]byte, error) {
	c := &a.cfg
	track2, err := packNibbles(c.PAN + "D" + c.Expiry[:4] + c.ServiceCode + "00000")
	if err != nil {
		return nil, err
	}
	panField, err := packNibbles(c.PAN)
	if err != nil {
		return nil, err
	}
	first := []tlv.TLV{
		tlv.New(tags.Track2EquivalentData, track2),
		tlv.New(tags.CardholderName, []byte(c.CardholderName)),
	}
	second := []tlv.TLV{
		tlv.New(tags.ApplicationPAN, panField),
		tlv.New(tags.ApplicationExpirationDate, mustBCD(c.Expiry)),
		tlv.New(tags.ApplicationEffectiveDate, mustBCD(c.Effective)),
		tlv.New(tags.IssuerCountryCode, c.Country[:]),
		tlv.New(tags.PANSequenceNumber, mustBCD(c.PANSequence)),
		tlv.New(tags.ServiceCode, mustBCD("0"+c.ServiceCode)),
		tlv.New(tags.ApplicationUsageControl, c.UsageControl[:]),
		tlv.New(tags.ApplicationVersionNumberICC, c.Version[:]),
		tlv.New(tags.CVMList, c.CVMList),
		tlv.New(tags.IssuerActionCodeDefault, c.IACDefault[:]),
		tlv.New(tags.IssuerActionCodeDenial, c.IACDenial[:]),
		tlv.New(tags.IssuerActionCodeOnline, c.IACOnline[:]),
		tlv.New(tags.CDOL1, c.CDOL1),
		tlv.New(tags.CDOL2, c.CDOL2),
		tlv.New(tags.ApplicationCurrencyCode, c.Currency[:]),
		tlv.New(tags.ApplicationCurrencyExponent, []byte{0x02}),
		tlv.New(tags.SDATagList, []byte{byte(tags.ApplicationInterchangeProfile)}),
	}
	var out [][]byte
	for _, objs := range [][]tlv.TLV{first, second} {
		v, err := tlv.Encode(objs...)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// filesFor writes one interface's records: SFI 1 as signed (altered afterwards for
// a tampered card) and SFI 2 with the issuer certificate, the SDA signature and the
// ICC certificate over SFI 1 and the interface's AIP.
func (a *application) filesFor(iface Interface, iss *testca.Issuer, signed [][]byte) (files, error) {
	aip := a.aip(iface)
	static := bytes.Join(append(append([][]byte(nil), signed...), aip[:]), nil)
	digest := sha256.Sum256([]byte(a.cfg.PAN))
	certs := []tlv.TLV{
		tlv.New(tags.CAPublicKeyIndex, []byte{iss.Authority.Index}),
		tlv.New(tags.IssuerPublicKeyExponent, iss.Key.Exponent()),
		tlv.New(tags.IssuerPublicKeyCertificate, iss.Certificate),
	}
	if len(iss.Remainder) > 0 {
		certs = append(certs, tlv.New(tags.IssuerPublicKeyRemainder, iss.Remainder))
	}
	if aip[0]&0x40 != 0 {
		ssad, err := iss.SignStaticData([2]byte(digest[:2]), static)
		if err != nil {
			return files{}, err
		}
		certs = append(certs, tlv.New(tags.SignedStaticApplicationData, ssad))
	}
	if a.iccKey != nil {
		expiry := mustBCD(a.cfg.Expiry[2:4] + a.cfg.Expiry[:2])
		cert, remainder, err := iss.CertifyICC(a.iccKey.Public(), a.cfg.PAN, [2]byte(expiry), [3]byte(digest[2:5]), static)
		if err != nil {
			return files{}, err
		}
		certs = append(certs, tlv.New(tags.ICCPublicKeyCertificate, cert), tlv.New(tags.ICCPublicKeyExponent, a.iccKey.Exponent()))
		if len(remainder) > 0 {
			certs = append(certs, tlv.New(tags.ICCPublicKeyRemainder, remainder))
		}
		certs = append(certs, tlv.New(tags.DDOL, a.cfg.DDOL))
	}
	certs = append(certs, tlv.New(tags.LowerConsecutiveOfflineLimit, []byte{a.cfg.LowerOfflineLimit}),
		tlv.New(tags.UpperConsecutiveOfflineLimit, []byte{a.cfg.UpperOfflineLimit}))

	f := files{records: map[recordID][]byte{}}
	for i, v := range signed {
		if a.cfg.Tamper && i == 0 {
			v = tamper(v)
		}
		f.records[recordID{sfiSigned, byte(i + 1)}] = record(v)
	}
	packed, err := packRecords(certs)
	if err != nil {
		return files{}, err
	}
	for i, rec := range packed {
		f.records[recordID{sfiCertificates, byte(i + 1)}] = rec
	}
	f.afl = []byte{sfiSigned << 3, 1, byte(len(signed)), byte(len(signed)), sfiCertificates << 3, 1, byte(len(packed)), 0}
	return f, nil
}

// tamper changes the last byte of a signed record's value, as someone altering the
// card's data after the issuer signed it would.
func tamper(v []byte) []byte {
	v = bytes.Clone(v)
	v[len(v)-1] ^= 0x01
	return v
}

// record wraps encoded data objects in a READ RECORD response template (70).
func record(value []byte) []byte {
	out := tlv.AppendLength([]byte{byte(tags.ReadRecordResponseTemplate)}, len(value))
	return append(out, value...)
}

// packRecords fills records in order with as many data objects as fit.
func packRecords(objs []tlv.TLV) ([][]byte, error) {
	var records [][]byte
	var value []byte
	flush := func() error {
		if len(value) == 0 {
			return nil
		}
		records, value = append(records, record(value)), nil
		return nil
	}
	for _, o := range objs {
		enc, err := o.Encode()
		if err != nil {
			return nil, err
		}
		if len(enc) > maxRecordValue {
			return nil, fmt.Errorf("data object %s of %d bytes does not fit a record", o.Tag, len(enc))
		}
		if len(value)+len(enc) > maxRecordValue {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		value = append(value, enc...)
	}
	return records, flush()
}

// packNibbles packs digits (and the track 2 separator D) into bytes, padding an odd
// count with F.
func packNibbles(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != 'D' {
			return nil, fmt.Errorf("emvcard: %s is not digits", pan.Mask(s))
		}
	}
	if len(s)%2 == 1 {
		s += "F"
	}
	return hex.DecodeString(s)
}

// mustBCD packs digits Validate has checked.
func mustBCD(digits string) []byte {
	b, _ := hex.DecodeString(digits)
	return b
}
