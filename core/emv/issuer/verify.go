package issuer

import (
	"errors"
	"fmt"

	"tilldesk/core/emv/cryptogram"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
	"tilldesk/core/pan"
)

// Account is what the issuer holds for one card application.
type Account struct {
	PAN         string
	PANSequence string // two digits; empty means "00"
	Scheme      Scheme
	Keys        MasterKeys      // the issuer master keys of the card's range
	PIN         PINVerification // for online PIN; zero Offset means no PIN on file
	Expiry      string          // YYMMDD; when set, transactions dated after it are declined
}

// CryptogramCheck is the issuer's reading of the cryptogram in ICC data.
type CryptogramCheck struct {
	Type  ACType
	AC    [8]byte
	ATC   [2]byte
	IAD   IssuerApplicationData
	Valid bool // the cryptogram is the card's, over this data
}

// ICCData is the data elements a cryptogram covers, read from the ICC data of an
// authorisation or clearing message (DE55).
type ICCData struct {
	Transaction cryptogram.TransactionData
	IAD         []byte
	AC          [8]byte
	CID         byte
	PAN         string // from tag 5A when present
}

// The data elements an authorisation must carry for the cryptogram to be checked.
var requiredTags = []tlv.Tag{
	tags.AmountAuthorised, tags.AmountOther, tags.TerminalCountryCode, tags.TerminalVerificationResults,
	tags.TransactionCurrencyCode, tags.TransactionDate, tags.TransactionType, tags.UnpredictableNumber,
	tags.ApplicationInterchangeProfile, tags.ApplicationTransactionCounter, tags.IssuerApplicationData,
	tags.ApplicationCryptogram, tags.CryptogramInformationData,
}

// ParseICCData reads the data elements the cryptogram needs from BER-TLV ICC data.
// Numeric elements shorter than their length are rejected, not padded: the data must
// be exactly what the card signed.
func ParseICCData(data []byte) (ICCData, error) {
	objs, err := tlv.Decode(data)
	if err != nil {
		return ICCData{}, fmt.Errorf("issuer: ICC data: %w", err)
	}
	values := make(map[tlv.Tag][]byte, len(requiredTags))
	for _, tag := range requiredTags {
		v, ok := tlv.Value(objs, tag)
		if !ok {
			return ICCData{}, fmt.Errorf("issuer: ICC data has no %s", tag)
		}
		if info, known := tags.Lookup(tag); known && tag != tags.IssuerApplicationData {
			if err := info.CheckLength(len(v)); err != nil {
				return ICCData{}, fmt.Errorf("issuer: ICC data: %w", err)
			}
		}
		values[tag] = v
	}
	if len(values[tags.IssuerApplicationData]) == 0 {
		return ICCData{}, errors.New("issuer: ICC data: empty issuer application data")
	}
	d := ICCData{
		Transaction: cryptogram.TransactionData{
			AmountAuthorised:        [6]byte(values[tags.AmountAuthorised]),
			AmountOther:             [6]byte(values[tags.AmountOther]),
			TerminalCountryCode:     [2]byte(values[tags.TerminalCountryCode]),
			TVR:                     [5]byte(values[tags.TerminalVerificationResults]),
			TransactionCurrencyCode: [2]byte(values[tags.TransactionCurrencyCode]),
			TransactionDate:         [3]byte(values[tags.TransactionDate]),
			TransactionType:         values[tags.TransactionType][0],
			UnpredictableNumber:     [4]byte(values[tags.UnpredictableNumber]),
			AIP:                     [2]byte(values[tags.ApplicationInterchangeProfile]),
			ATC:                     [2]byte(values[tags.ApplicationTransactionCounter]),
		},
		IAD: values[tags.IssuerApplicationData],
		AC:  [8]byte(values[tags.ApplicationCryptogram]),
		CID: values[tags.CryptogramInformationData][0],
	}
	if v, ok := tlv.Value(objs, tags.ApplicationPAN); ok {
		d.PAN = decodePAN(v)
	}
	return d, nil
}

// decodePAN reads a cn PAN (digits then F padding).
func decodePAN(v []byte) string {
	out := make([]byte, 0, 2*len(v))
	for _, b := range v {
		for _, n := range []byte{b >> 4, b & 0x0F} {
			if n > 9 {
				return string(out)
			}
			out = append(out, '0'+n)
		}
	}
	return string(out)
}

// CheckCryptogram recomputes the cryptogram in the ICC data with the account's keys.
func CheckCryptogram(acct Account, d ICCData) (CryptogramCheck, error) {
	check := CryptogramCheck{Type: ACTypeOf(d.CID), AC: d.AC, ATC: d.Transaction.ATC}
	if d.PAN != "" && d.PAN != acct.PAN {
		return check, fmt.Errorf("issuer: ICC data is for PAN %s, the account is %s", pan.Mask(d.PAN), pan.Mask(acct.PAN))
	}
	iad, err := acct.Scheme.ParseIssuerApplicationData(d.IAD)
	if err != nil {
		return check, err
	}
	check.IAD = iad
	keys, err := acct.Scheme.DeriveCardKeys(acct.Keys, acct.PAN, acct.PANSequence)
	if err != nil {
		return check, err
	}
	defer keys.Zero()
	want, err := acct.Scheme.Cryptogram(&keys, d.Transaction, d.IAD)
	if err != nil {
		return check, err
	}
	check.Valid = want == d.AC
	return check, nil
}
