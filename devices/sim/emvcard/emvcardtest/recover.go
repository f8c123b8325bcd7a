// Package emvcardtest is what the virtual card tests share: a recovery of EMV Book 2
// signed data written independently of the signing code (the RSA public operation,
// the format checks and the hash over the recovered data, remainder, exponent and the
// rest), and a scripted terminal that drives a card command by command. Only tests
// import it.
package emvcardtest

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"math/big"
)

// Recover is the terminal's recovery of signed data (EMV Book 2 5.3, 5.4, 6.3, 6.4):
// the RSA public operation, then the checks every recovered block passes: the
// signature as long as the modulus, header 6A, the expected format, trailer BC.
func Recover(modulus, exponent, signature []byte, format byte) ([]byte, error) {
	if len(signature) != len(modulus) {
		return nil, fmt.Errorf("signature of %d bytes for a %d-byte modulus", len(signature), len(modulus))
	}
	n := new(big.Int).SetBytes(modulus)
	s := new(big.Int).SetBytes(signature)
	if s.Cmp(n) >= 0 {
		return nil, errors.New("signature not below the modulus")
	}
	block := s.Exp(s, new(big.Int).SetBytes(exponent), n).FillBytes(make([]byte, len(modulus)))
	if block[0] != 0x6A || block[1] != format || block[len(block)-1] != 0xBC {
		return nil, fmt.Errorf("recovered %X %X ... %X: want 6A %02X ... BC", block[0], block[1], block[len(block)-1], format)
	}
	return block, nil
}

// CheckHash checks the hash in a recovered block: SHA-1 over the block from the
// format byte to just before the hash, then each extra (remainder, exponent, static
// data, terminal dynamic data, as the format says).
func CheckHash(block []byte, extra ...[]byte) error {
	h := sha1.New()
	h.Write(block[1 : len(block)-21])
	for _, e := range extra {
		h.Write(e)
	}
	if !bytes.Equal(h.Sum(nil), block[len(block)-21:len(block)-1]) {
		return errors.New("the hash in the recovered block does not match")
	}
	return nil
}

// CertifiedKey puts a certified public key back together from a recovered issuer
// (fixed = 15) or ICC (fixed = 21) certificate: the key length byte sits two before
// the key, the leftmost digits follow (BB-padded when the key is shorter), and the
// remainder completes a longer key.
func CertifiedKey(block []byte, fixed int, remainder []byte) ([]byte, error) {
	length := int(block[fixed-2])
	leftmost := block[fixed : len(block)-21]
	if length <= len(leftmost) {
		if len(remainder) != 0 || bytes.Count(leftmost[length:], []byte{0xBB}) != len(leftmost)-length {
			return nil, fmt.Errorf("key of %d bytes: padding or remainder wrong", length)
		}
		return leftmost[:length], nil
	}
	if len(leftmost)+len(remainder) != length {
		return nil, fmt.Errorf("key of %d bytes from %d in the certificate and %d of remainder", length, len(leftmost), len(remainder))
	}
	return append(bytes.Clone(leftmost), remainder...), nil
}

// IssuerKey recovers the issuer key from its certificate (format 02) and checks it:
// returns the modulus.
func IssuerKey(caModulus, caExponent, cert, remainder, exponent []byte) ([]byte, error) {
	block, err := Recover(caModulus, caExponent, cert, 0x02)
	if err != nil {
		return nil, fmt.Errorf("issuer certificate: %w", err)
	}
	if err := CheckHash(block, remainder, exponent); err != nil {
		return nil, fmt.Errorf("issuer certificate: %w", err)
	}
	if block[11] != 0x01 || block[12] != 0x01 || int(block[14]) != len(exponent) {
		return nil, fmt.Errorf("issuer certificate: algorithms or exponent length %X", block[11:15])
	}
	return CertifiedKey(block, 15, remainder)
}

// ICCKey recovers the ICC key from its certificate (format 04) over the static data
// to be authenticated, and checks the PAN in it: returns the modulus.
func ICCKey(issuerModulus, issuerExponent, cert, remainder, exponent, staticData, panField []byte) ([]byte, error) {
	block, err := Recover(issuerModulus, issuerExponent, cert, 0x04)
	if err != nil {
		return nil, fmt.Errorf("ICC certificate: %w", err)
	}
	if err := CheckHash(block, remainder, exponent, staticData); err != nil {
		return nil, fmt.Errorf("ICC certificate: %w", err)
	}
	if !bytes.Equal(block[2:12], panField) {
		return nil, fmt.Errorf("ICC certificate: PAN field %X, card's %X", block[2:12], panField)
	}
	return CertifiedKey(block, 21, remainder)
}

// DynamicData recovers signed dynamic data (format 05) over the terminal's dynamic
// data and returns the ICC dynamic data in it.
func DynamicData(iccModulus, iccExponent, signed, terminalDynamicData []byte) ([]byte, error) {
	block, err := Recover(iccModulus, iccExponent, signed, 0x05)
	if err != nil {
		return nil, fmt.Errorf("signed dynamic data: %w", err)
	}
	if err := CheckHash(block, terminalDynamicData); err != nil {
		return nil, fmt.Errorf("signed dynamic data: %w", err)
	}
	n := int(block[3])
	if block[2] != 0x01 || 4+n > len(block)-21 {
		return nil, fmt.Errorf("signed dynamic data: hash algorithm %02X, %d bytes of dynamic data", block[2], n)
	}
	return block[4 : 4+n], nil
}

// StaticData recovers signed static application data (format 03) and checks it
// against the static data: returns the data authentication code.
func StaticData(issuerModulus, issuerExponent, signed, staticData []byte) ([]byte, error) {
	block, err := Recover(issuerModulus, issuerExponent, signed, 0x03)
	if err != nil {
		return nil, fmt.Errorf("signed static data: %w", err)
	}
	if err := CheckHash(block, staticData); err != nil {
		return nil, fmt.Errorf("signed static data: %w", err)
	}
	return block[3:5], nil
}
