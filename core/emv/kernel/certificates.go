package kernel

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// The EMV Book 2 certificate and signature formats (the second byte of the
// recovered data), and the header and trailer around them.
const (
	formatIssuerCertificate byte = 0x02
	formatSignedStatic      byte = 0x03
	formatICCCertificate    byte = 0x04
	formatSignedDynamic     byte = 0x05
	recoveredHeader         byte = 0x6A
	recoveredTrailer        byte = 0xBC
	hashSHA1                byte = 0x01
	publicKeyRSA            byte = 0x01
)

// ErrODA is wrapped by every offline data authentication failure: a certificate or
// signature that does not recover, check or hash as EMV Book 2 says.
var ErrODA = errors.New("offline data authentication failed")

// publicKey is an RSA public key recovered from a certificate (or a CAPK).
type publicKey struct {
	modulus  *big.Int
	exponent *big.Int
	size     int // modulus length in bytes
}

func newPublicKey(modulus, exponent []byte) *publicKey {
	return &publicKey{modulus: new(big.Int).SetBytes(modulus), exponent: new(big.Int).SetBytes(exponent), size: len(modulus)}
}

// recover applies the public key to a signature of exactly the modulus length (the
// RSA "recovery" of EMV Book 2 5.3 and 6.3), returning the recovered data with its
// leading zeros.
func (k *publicKey) recover(signature []byte, what string) ([]byte, error) {
	if len(signature) != k.size {
		return nil, fmt.Errorf("%s is %d bytes, the key is %d: %w", what, len(signature), k.size, ErrODA)
	}
	c := new(big.Int).SetBytes(signature)
	if c.Cmp(k.modulus) >= 0 {
		return nil, fmt.Errorf("%s is not below the modulus: %w", what, ErrODA)
	}
	m := new(big.Int).Exp(c, k.exponent, k.modulus)
	out := make([]byte, k.size)
	m.FillBytes(out)
	if out[0] != recoveredHeader || out[k.size-1] != recoveredTrailer {
		return nil, fmt.Errorf("%s: recovered data header %02X trailer %02X: %w", what, out[0], out[k.size-1], ErrODA)
	}
	return out, nil
}

// checkRecoveredHash compares the SHA-1 in the recovered data (the 20 bytes before
// the trailer) with SHA-1 of recovered[1:len-21] followed by the extra data.
func checkRecoveredHash(recovered []byte, what string, extra ...[]byte) error {
	n := len(recovered)
	h := sha1.New()
	h.Write(recovered[1 : n-21])
	for _, e := range extra {
		h.Write(e)
	}
	if subtle.ConstantTimeCompare(h.Sum(nil), recovered[n-21:n-1]) != 1 {
		return fmt.Errorf("%s: hash does not match: %w", what, ErrODA)
	}
	return nil
}

// IssuerCertificate is what an Issuer Public Key Certificate (90) recovers to.
type IssuerCertificate struct {
	IssuerID [4]byte // leftmost 3-8 PAN digits, padded with F
	Expiry   [2]byte // MMYY
	Serial   [3]byte
	Modulus  []byte
	Exponent []byte
}

// recoverIssuerKey recovers and checks the issuer public key certificate with the
// CA key (EMV Book 2 5.3 steps 1-10, 6.3 likewise): sizes, header, format, hash
// over the certificate, remainder and exponent, the issuer identifier against the
// PAN, the expiry against today, the algorithms.
func recoverIssuerKey(ca *publicKey, cert, remainder, exponent []byte, pan string, todayYYYYMMDD int) (IssuerCertificate, error) {
	const what = "issuer public key certificate"
	rec, err := ca.recover(cert, what)
	if err != nil {
		return IssuerCertificate{}, err
	}
	n := len(rec)
	if n < 36+1 || rec[1] != formatIssuerCertificate {
		return IssuerCertificate{}, fmt.Errorf("%s: format %02X: %w", what, rec[1], ErrODA)
	}
	if err := checkRecoveredHash(rec, what, remainder, exponent); err != nil {
		return IssuerCertificate{}, err
	}
	ic := IssuerCertificate{IssuerID: [4]byte(rec[2:6]), Expiry: [2]byte(rec[6:8]), Serial: [3]byte(rec[8:11])}
	if rec[11] != hashSHA1 || rec[12] != publicKeyRSA {
		return IssuerCertificate{}, fmt.Errorf("%s: algorithms %02X/%02X: %w", what, rec[11], rec[12], ErrODA)
	}
	ic.Modulus, err = assembleModulus(rec[15:n-21], int(rec[13]), remainder, what)
	if err != nil {
		return IssuerCertificate{}, err
	}
	if int(rec[14]) != len(exponent) {
		return IssuerCertificate{}, fmt.Errorf("%s: exponent length %d, card gave %d: %w", what, rec[14], len(exponent), ErrODA)
	}
	ic.Exponent = bytes.Clone(exponent)
	if !panMatches(ic.IssuerID[:], pan, 3, 8) {
		return IssuerCertificate{}, fmt.Errorf("%s: issuer identifier does not match the PAN: %w", what, ErrODA)
	}
	if !certificateValid(ic.Expiry, todayYYYYMMDD) {
		return IssuerCertificate{}, fmt.Errorf("%s: expired %X: %w", what, ic.Expiry, ErrODA)
	}
	return ic, nil
}

// ICCCertificate is what an ICC Public Key Certificate (9F46) recovers to.
type ICCCertificate struct {
	PAN      [10]byte
	Expiry   [2]byte
	Serial   [3]byte
	Modulus  []byte
	Exponent []byte
}

// recoverICCKey recovers and checks the ICC public key certificate with the issuer
// key (EMV Book 2 6.4): as for the issuer certificate, with the whole PAN, and the
// hash covering the static data to be authenticated.
func recoverICCKey(issuer *publicKey, cert, remainder, exponent, staticData []byte, pan string, todayYYYYMMDD int) (ICCCertificate, error) {
	const what = "ICC public key certificate"
	rec, err := issuer.recover(cert, what)
	if err != nil {
		return ICCCertificate{}, err
	}
	n := len(rec)
	if n < 42+1 || rec[1] != formatICCCertificate {
		return ICCCertificate{}, fmt.Errorf("%s: format %02X: %w", what, rec[1], ErrODA)
	}
	if err := checkRecoveredHash(rec, what, remainder, exponent, staticData); err != nil {
		return ICCCertificate{}, err
	}
	cc := ICCCertificate{PAN: [10]byte(rec[2:12]), Expiry: [2]byte(rec[12:14]), Serial: [3]byte(rec[14:17])}
	if rec[17] != hashSHA1 || rec[18] != publicKeyRSA {
		return ICCCertificate{}, fmt.Errorf("%s: algorithms %02X/%02X: %w", what, rec[17], rec[18], ErrODA)
	}
	cc.Modulus, err = assembleModulus(rec[21:n-21], int(rec[19]), remainder, what)
	if err != nil {
		return ICCCertificate{}, err
	}
	if int(rec[20]) != len(exponent) {
		return ICCCertificate{}, fmt.Errorf("%s: exponent length %d, card gave %d: %w", what, rec[20], len(exponent), ErrODA)
	}
	cc.Exponent = bytes.Clone(exponent)
	if !panMatches(cc.PAN[:], pan, len(pan), len(pan)) {
		return ICCCertificate{}, fmt.Errorf("%s: PAN does not match: %w", what, ErrODA)
	}
	if !certificateValid(cc.Expiry, todayYYYYMMDD) {
		return ICCCertificate{}, fmt.Errorf("%s: expired %X: %w", what, cc.Expiry, ErrODA)
	}
	return cc, nil
}

// assembleModulus joins the leftmost digits in a certificate with the remainder:
// a key no longer than the space holds has no remainder (the rest is BB padding),
// a longer one needs exactly the missing bytes.
func assembleModulus(leftmost []byte, length int, remainder []byte, what string) ([]byte, error) {
	if length == 0 {
		return nil, fmt.Errorf("%s: key length 0: %w", what, ErrODA)
	}
	if length <= len(leftmost) {
		return bytes.Clone(leftmost[:length]), nil
	}
	if len(leftmost)+len(remainder) != length {
		return nil, fmt.Errorf("%s: key of %d bytes, %d in the certificate and %d in the remainder: %w",
			what, length, len(leftmost), len(remainder), ErrODA)
	}
	return append(bytes.Clone(leftmost), remainder...), nil
}

// panMatches compares a cn field from a certificate (digits, F padding) with the
// PAN: the field's digits must be the PAN's leading digits, at least minDigits and
// at most maxDigits of them.
func panMatches(field []byte, pan string, minDigits, maxDigits int) bool {
	digits := strings.TrimRight(fmt.Sprintf("%X", field), "F")
	return len(digits) >= minDigits && len(digits) <= maxDigits && strings.HasPrefix(pan, digits)
}

// certificateValid says a certificate expiring MMYY is valid on the date: through
// the last day of that month.
func certificateValid(mmyy [2]byte, todayYYYYMMDD int) bool {
	mm, ok1 := bcdToUint(mmyy[:1])
	yy, ok2 := bcdToUint(mmyy[1:])
	if !ok1 || !ok2 || mm < 1 || mm > 12 {
		return false
	}
	year := 2000 + int(yy)
	if yy >= 50 {
		year = 1900 + int(yy)
	}
	return todayYYYYMMDD/100 <= year*100+int(mm)
}

// SignedStaticData is what the Signed Static Application Data (93) recovers to.
type SignedStaticData struct {
	DataAuthenticationCode [2]byte // 9F45
}

// verifySignedStaticData is SDA (EMV Book 2 5.4): recover 93 with the issuer key and
// check the hash over the static data to be authenticated.
func verifySignedStaticData(issuer *publicKey, signed, staticData []byte) (SignedStaticData, error) {
	const what = "signed static application data"
	rec, err := issuer.recover(signed, what)
	if err != nil {
		return SignedStaticData{}, err
	}
	if len(rec) < 26 || rec[1] != formatSignedStatic || rec[2] != hashSHA1 {
		return SignedStaticData{}, fmt.Errorf("%s: format %02X hash %02X: %w", what, rec[1], rec[2], ErrODA)
	}
	if err := checkRecoveredHash(rec, what, staticData); err != nil {
		return SignedStaticData{}, err
	}
	return SignedStaticData{DataAuthenticationCode: [2]byte(rec[3:5])}, nil
}

// SignedDynamicData is what Signed Dynamic Application Data (9F4B) recovers to.
type SignedDynamicData struct {
	// ICCDynamicData is the whole dynamic data field: for DDA the ICC dynamic number
	// with its length byte; for CDA also the CID, the cryptogram and the
	// transaction data hash code.
	ICCDynamicData []byte
	// ICCDynamicNumber (9F4C) is taken from the front of ICCDynamicData.
	ICCDynamicNumber []byte
}

// verifySignedDynamicData is the signature check of DDA and CDA (EMV Book 2 6.5 and
// 6.6): recover with the ICC key, check format and the hash over the recovered
// fields and the terminal's dynamic data (the DDOL data for DDA, the unpredictable
// number for CDA).
func verifySignedDynamicData(icc *publicKey, signed, terminalDynamicData []byte) (SignedDynamicData, error) {
	const what = "signed dynamic application data"
	rec, err := icc.recover(signed, what)
	if err != nil {
		return SignedDynamicData{}, err
	}
	n := len(rec)
	if n < 26 || rec[1] != formatSignedDynamic || rec[2] != hashSHA1 {
		return SignedDynamicData{}, fmt.Errorf("%s: format %02X hash %02X: %w", what, rec[1], rec[2], ErrODA)
	}
	ldd := int(rec[3])
	if 4+ldd > n-21 {
		return SignedDynamicData{}, fmt.Errorf("%s: dynamic data of %d bytes does not fit: %w", what, ldd, ErrODA)
	}
	if err := checkRecoveredHash(rec, what, terminalDynamicData); err != nil {
		return SignedDynamicData{}, err
	}
	d := SignedDynamicData{ICCDynamicData: bytes.Clone(rec[4 : 4+ldd])}
	if ldd > 0 {
		if l := int(d.ICCDynamicData[0]); l >= 2 && l <= 8 && 1+l <= ldd {
			d.ICCDynamicNumber = d.ICCDynamicData[1 : 1+l]
		}
	}
	return d, nil
}
