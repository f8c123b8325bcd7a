package testca

import (
	"bytes"
	"crypto/sha1"
	"fmt"

	"tilldesk/core/pan"
)

// EMV Book 2 signed data formats (the byte after the 6A header).
const (
	FormatIssuerCertificate = 0x02
	FormatSignedStaticData  = 0x03
	FormatICCCertificate    = 0x04
	FormatSignedDynamicData = 0x05
)

// Algorithm indicators: SHA-1 for hashes, RSA for public keys.
const (
	hashSHA1 = 0x01
	pkRSA    = 0x01
)

// signRecoverable signs an EMV block with message recovery (EMV Book 2 5.1, 6.1):
// header 6A, the body (format byte first) padded with BB to the key length less 22,
// the SHA-1 of the padded body and of extra, trailer BC.
func signRecoverable(key *PrivateKey, body []byte, extra ...[]byte) ([]byte, error) {
	room := key.Size() - 22
	if len(body) > room {
		return nil, fmt.Errorf("testca: %d bytes to sign in a %d-byte block (room for %d)", len(body), key.Size(), room)
	}
	padded := append(bytes.Clone(body), bytes.Repeat([]byte{0xBB}, room-len(body))...)
	h := sha1.New()
	h.Write(padded)
	for _, e := range extra {
		h.Write(e)
	}
	block := make([]byte, 0, key.Size())
	block = append(block, 0x6A)
	block = append(block, padded...)
	block = h.Sum(block)
	block = append(block, 0xBC)
	return key.Sign(block)
}

// certifyKey signs a public key certificate (issuer, format 02, or ICC, format 04):
// the fields, then the key's length, its exponent's length and its leftmost digits
// where the block has room; the rest of the modulus is the remainder, which the hash
// covers with the exponent and extra.
func certifyKey(signer *PrivateKey, format byte, fields []byte, key *PublicKey, extra ...[]byte) (cert, remainder []byte, err error) {
	body := append([]byte{format}, fields...)
	body = append(body, hashSHA1, pkRSA, byte(key.Size()), byte(len(key.Exponent())))
	modulus := key.Modulus()
	room := signer.Size() - 22 - len(body)
	if room < 0 {
		return nil, nil, fmt.Errorf("testca: no room for the key in a %d-byte certificate", signer.Size())
	}
	if len(modulus) > room {
		modulus, remainder = modulus[:room], modulus[room:]
	}
	body = append(body, modulus...)
	cert, err = signRecoverable(signer, body, append([][]byte{remainder, key.Exponent()}, extra...)...)
	return cert, remainder, err
}

// CertifyIssuer is the issuer public key certificate (tag 90, EMV Book 2 Table 6)
// under the authority's key: format 02, the issuer identifier (3 to 8 leftmost PAN
// digits), expiry MMYY, serial number, and the issuer key. It returns the remainder
// (tag 92) too, empty when the key fits.
func (a *Authority) CertifyIssuer(key *PublicKey, identifier string, expiry [2]byte, serial [3]byte) (cert, remainder []byte, err error) {
	if len(identifier) < 3 {
		return nil, nil, fmt.Errorf("testca: issuer identifier %q: 3 to 8 digits", identifier)
	}
	id, err := packDigits(identifier, 4)
	if err != nil {
		return nil, nil, err
	}
	if key.Size() > a.Key.Size() {
		return nil, nil, fmt.Errorf("testca: issuer key of %d bytes is longer than the CA key (%d)", key.Size(), a.Key.Size())
	}
	fields := append(append(id, expiry[:]...), serial[:]...)
	return certifyKey(a.Key, FormatIssuerCertificate, fields, key)
}

// CertifyICC is the ICC public key certificate (tag 9F46, EMV Book 2 Table 14) under
// the issuer's key: format 04, the PAN, expiry MMYY, serial number and the ICC key;
// the hash also covers the static data to be authenticated. It returns the remainder
// (tag 9F48) too.
func (i *Issuer) CertifyICC(key *PublicKey, accountNumber string, expiry [2]byte, serial [3]byte, staticData []byte) (cert, remainder []byte, err error) {
	panField, err := packDigits(accountNumber, 10)
	if err != nil {
		return nil, nil, err
	}
	if key.Size() > i.Key.Size() {
		return nil, nil, fmt.Errorf("testca: ICC key of %d bytes is longer than the issuer key (%d)", key.Size(), i.Key.Size())
	}
	fields := append(append(panField, expiry[:]...), serial[:]...)
	return certifyKey(i.Key, FormatICCCertificate, fields, key, staticData)
}

// SignStaticData is the signed static application data of SDA (tag 93, EMV Book 2
// Table 7): format 03 with the data authentication code, over the static data.
func (i *Issuer) SignStaticData(dataAuthenticationCode [2]byte, staticData []byte) ([]byte, error) {
	return signRecoverable(i.Key, []byte{FormatSignedStaticData, hashSHA1, dataAuthenticationCode[0], dataAuthenticationCode[1]}, staticData)
}

// SignDynamicData is the signed dynamic application data of DDA and CDA (tag 9F4B,
// EMV Book 2 Table 17) under the ICC key: format 05 with the ICC dynamic data, the
// hash also covering the terminal's dynamic data (the DDOL data for DDA, the
// unpredictable number for CDA).
func SignDynamicData(icc *PrivateKey, iccDynamicData, terminalDynamicData []byte) ([]byte, error) {
	if len(iccDynamicData) > icc.Size()-25 {
		return nil, fmt.Errorf("testca: %d bytes of ICC dynamic data for a %d-byte key", len(iccDynamicData), icc.Size())
	}
	body := append([]byte{FormatSignedDynamicData, hashSHA1, byte(len(iccDynamicData))}, iccDynamicData...)
	return signRecoverable(icc, body, terminalDynamicData)
}

// packDigits packs decimal digits into n bytes of BCD, padded on the right with F.
func packDigits(digits string, n int) ([]byte, error) {
	if len(digits) > 2*n {
		return nil, fmt.Errorf("testca: %d digits do not fit %d bytes", len(digits), n)
	}
	out := bytes.Repeat([]byte{0xFF}, n)
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("testca: %s is not all digits", pan.Mask(digits))
		}
		shift := 4 * (1 - i%2)
		out[i/2] = out[i/2]&^(0x0F<<shift) | (c-'0')<<shift
	}
	return out, nil
}
