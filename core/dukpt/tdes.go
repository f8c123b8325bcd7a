// Package dukpt is Derived Unique Key Per Transaction key management: ANSI X9.24-1:2009
// TDES DUKPT and ANSI X9.24-3:2017 AES DUKPT.
//
// Both sides are here. The host (the issuer-side verifier, the sandbox acquirer)
// derives a device's initial key from the Base Derivation Key (BDK) and its key serial
// number, then any transaction's key from the KSN that came with the PIN block. The
// device (the PIN pad) holds only future keys in an originator (TDESOriginator,
// AESOriginator): each transaction consumes one key and the keys of past transactions
// are erased, so a captured PIN pad cannot decrypt earlier PIN blocks.
//
// Keys are returned in caller-owned arrays and slices. Keys, BDKs and clear PIN
// blocks are the caller's to zero when done (clear() on the array); originators zero
// what they erase and on Zero. The package never logs.
package dukpt

import (
	"crypto/cipher"
	"crypto/des"
	"errors"
	"fmt"
	"math/bits"
)

// KSN is a TDES DUKPT key serial number: 59 bits identifying the BDK and the device,
// then a 21-bit transaction counter.
type KSN [10]byte

// TDES counter limits of X9.24-1: 21 bits, at most 10 of them set.
const (
	tdesCounterBits = 21
	tdesMaxOnes     = 10
	tdesCounterMask = 1<<tdesCounterBits - 1
)

// Counter is the KSN's transaction counter.
func (k KSN) Counter() uint32 {
	return uint32(k[7]&0x1F)<<16 | uint32(k[8])<<8 | uint32(k[9])
}

// WithCounter is the KSN with its counter replaced by c (the low 21 bits of it).
func (k KSN) WithCounter(c uint32) KSN {
	k[7] = k[7]&0xE0 | byte(c>>16)&0x1F
	k[8] = byte(c >> 8)
	k[9] = byte(c)
	return k
}

// String is the KSN in upper-case hexadecimal, as it travels in messages.
func (k KSN) String() string { return fmt.Sprintf("%X", k[:]) }

// ErrCounter is returned for a KSN whose transaction counter is zero (that is the
// initial KSN, which has no transaction key) or has more one bits than the standard
// allows (10 for TDES, 16 for AES).
var ErrCounter = errors.New("dukpt: transaction counter not valid for a transaction")

// ErrExhausted is returned by an originator that has used every counter.
var ErrExhausted = errors.New("dukpt: transaction counter exhausted, the device needs a new initial key")

var bdkVariant = [16]byte{0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0, 0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0}

// DeriveIPEK derives a device's initial PIN encryption key (IPEK, the "initial key")
// from the BDK and the device's KSN, ignoring the counter (X9.24-1:2009 A.6).
func DeriveIPEK(bdk [16]byte, ksn KSN) [16]byte {
	var masked [8]byte
	copy(masked[:], ksn[:8])
	masked[7] &= 0xE0
	var ipek [16]byte
	tdesEncrypt(&bdk, ipek[:8], masked[:])
	variant := xor16(bdk, bdkVariant)
	tdesEncrypt(&variant, ipek[8:], masked[:])
	clear(variant[:])
	return ipek
}

// TransactionKey derives, from the IPEK, the key of the transaction the KSN counts
// (X9.24-1:2009 A.3): the future key that the device used, before any variant.
func TransactionKey(ipek [16]byte, ksn KSN) ([16]byte, error) {
	counter := ksn.Counter()
	if counter == 0 || bits.OnesCount32(counter) > tdesMaxOnes {
		return [16]byte{}, fmt.Errorf("%w: KSN %s", ErrCounter, ksn)
	}
	key := ipek
	var working uint32
	for bit := uint32(1) << (tdesCounterBits - 1); bit != 0; bit >>= 1 {
		if counter&bit != 0 {
			working |= bit
			key = nonReversibleKey(key, ksn.WithCounter(working))
		}
	}
	return key, nil
}

// nonReversibleKey is the non-reversible key generation process of X9.24-1:2009 A.2:
// the key for the KSN's counter from the key of its parent counter.
func nonReversibleKey(key [16]byte, ksn KSN) [16]byte {
	var register [8]byte
	copy(register[:], ksn[2:])
	var next [16]byte
	oneWay(next[8:], key, register)
	variant := xor16(key, bdkVariant)
	oneWay(next[:8], variant, register)
	clear(variant[:])
	return next
}

// oneWay writes DES(key left, register XOR key right) XOR key right to dst.
func oneWay(dst []byte, key [16]byte, register [8]byte) {
	for i := range register {
		register[i] ^= key[8+i]
	}
	c, _ := des.NewCipher(key[:8]) // 8-byte key: cannot fail
	c.Encrypt(dst, register[:])
	for i := range 8 {
		dst[i] ^= key[8+i]
	}
}

// Variants of the transaction key for each use (X9.24-1:2009 A.4.1 and A.6).
var (
	pinVariant          = [16]byte{7: 0xFF, 15: 0xFF}
	macRequestVariant   = [16]byte{6: 0xFF, 14: 0xFF}
	macResponseVariant  = [16]byte{4: 0xFF, 12: 0xFF}
	dataRequestVariant  = [16]byte{5: 0xFF, 13: 0xFF}
	dataResponseVariant = [16]byte{3: 0xFF, 11: 0xFF}
)

// PINKey is the PIN encryption key of a transaction key.
func PINKey(transactionKey [16]byte) [16]byte { return xor16(transactionKey, pinVariant) }

// MACRequestKey is the key for MACs on request messages (or both directions).
func MACRequestKey(transactionKey [16]byte) [16]byte {
	return xor16(transactionKey, macRequestVariant)
}

// MACResponseKey is the key for MACs on response messages.
func MACResponseKey(transactionKey [16]byte) [16]byte {
	return xor16(transactionKey, macResponseVariant)
}

// DataRequestKey is the key for encrypting data in requests (or both directions):
// the data variant encrypted under itself, as X9.24-1:2009 specifies.
func DataRequestKey(transactionKey [16]byte) [16]byte {
	return selfEncrypted(xor16(transactionKey, dataRequestVariant))
}

// DataResponseKey is the key for encrypting data in responses.
func DataResponseKey(transactionKey [16]byte) [16]byte {
	return selfEncrypted(xor16(transactionKey, dataResponseVariant))
}

func selfEncrypted(variant [16]byte) [16]byte {
	var out [16]byte
	tdesEncrypt(&variant, out[:8], variant[:8])
	tdesEncrypt(&variant, out[8:], variant[8:])
	clear(variant[:])
	return out
}

// EncryptPINBlock encrypts an 8-byte clear PIN block (ISO 9564 format 0, 1 or 3) under
// the PIN variant of the transaction key, as the PIN pad sends it.
func EncryptPINBlock(transactionKey [16]byte, clearBlock [8]byte) [8]byte {
	key := PINKey(transactionKey)
	var out [8]byte
	tdesEncrypt(&key, out[:], clearBlock[:])
	clear(key[:])
	return out
}

// DecryptPINBlock reverses EncryptPINBlock, for the host.
func DecryptPINBlock(transactionKey [16]byte, encrypted [8]byte) [8]byte {
	key := PINKey(transactionKey)
	var out [8]byte
	c := tdes(&key)
	c.Decrypt(out[:], encrypted[:])
	clear(key[:])
	return out
}

// tdes is two-key triple DES with the 16-byte key K1||K2 used as K1, K2, K1.
func tdes(key *[16]byte) cipher.Block {
	var k [24]byte
	copy(k[:], key[:])
	copy(k[16:], key[:8])
	c, _ := des.NewTripleDESCipher(k[:]) // 24-byte key: cannot fail
	clear(k[:])
	return c
}

func tdesEncrypt(key *[16]byte, dst, src []byte) {
	tdes(key).Encrypt(dst, src)
}

func xor16(a, b [16]byte) [16]byte {
	for i := range a {
		a[i] ^= b[i]
	}
	return a
}
