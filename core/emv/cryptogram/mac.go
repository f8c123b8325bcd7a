// Package cryptogram is the symmetric cryptography of EMV Book 2 Annex A1 that a card
// and its issuer share: ICC master key derivation (options A and B), session key
// derivation (the common session key derivation, with the ATC or the ATC and
// unpredictable number as diversifier), application cryptograms (ARQC, TC, AAC) as an
// ISO/IEC 9797-1 MAC algorithm 3, and the issuer's ARPC (methods 1 and 2), with the
// Visa cryptogram versions 10 and 18 built on them.
//
// Keys are double-length DES keys ([16]byte). Keys and master keys returned are the
// caller's to zero when done; the package zeroes its own intermediate copies where it
// can. The package never logs.
package cryptogram

import (
	"crypto/cipher"
	"crypto/des"
	"fmt"
)

// Padding is the ISO/IEC 9797-1 padding method applied before the MAC.
type Padding int

// The padding methods EMV schemes use.
const (
	// PaddingMethod1 appends zero bytes up to a multiple of 8 (none if already a
	// multiple, one zero block for empty data); Visa CVN 10 uses it.
	PaddingMethod1 Padding = 1
	// PaddingMethod2 appends 0x80 then zero bytes up to a multiple of 8; EMV Book 2
	// A1.2.1 and most schemes use it.
	PaddingMethod2 Padding = 2
)

func pad(data []byte, padding Padding) ([]byte, error) {
	switch padding {
	case PaddingMethod1:
		n := (len(data) + 7) / 8 * 8
		if n == 0 {
			n = 8
		}
		out := make([]byte, n)
		copy(out, data)
		return out, nil
	case PaddingMethod2:
		out := make([]byte, (len(data)/8+1)*8)
		copy(out, data)
		out[len(data)] = 0x80
		return out, nil
	default:
		return nil, fmt.Errorf("cryptogram: unknown padding method %d", padding)
	}
}

// RetailMAC is ISO/IEC 9797-1 MAC algorithm 3 with DES (the "retail MAC"): CBC-DES
// under the key's left half over the padded data, then the last block decrypted under
// the right half and encrypted again under the left.
func RetailMAC(key [16]byte, data []byte, padding Padding) ([8]byte, error) {
	var mac [8]byte
	padded, err := pad(data, padding)
	if err != nil {
		return mac, err
	}
	c := newTDES(&key)
	for i := 0; i < len(padded); i += 8 {
		for j := range mac {
			mac[j] ^= padded[i+j]
		}
		c.left.Encrypt(mac[:], mac[:])
	}
	c.right.Decrypt(mac[:], mac[:])
	c.left.Encrypt(mac[:], mac[:])
	clear(padded)
	return mac, nil
}

// KeyCheckValue is the key check value of a double-length DES key: the first three
// bytes of the key's encryption of eight zero bytes.
func KeyCheckValue(key [16]byte) [3]byte {
	var block [8]byte
	newTDES(&key).Encrypt(block[:], block[:])
	return [3]byte(block[:3])
}

func desCipher(key []byte) cipher.Block {
	c, _ := des.NewCipher(key) // 8-byte key: cannot fail
	return c
}

// tdes is two-key triple DES: encrypt under K1, decrypt under K2, encrypt under K1.
type tdes struct{ left, right cipher.Block }

func newTDES(key *[16]byte) tdes {
	return tdes{desCipher(key[:8]), desCipher(key[8:])}
}

// Encrypt encrypts one 8-byte block.
func (t tdes) Encrypt(dst, src []byte) {
	t.left.Encrypt(dst, src)
	t.right.Decrypt(dst, dst)
	t.left.Encrypt(dst, dst)
}
