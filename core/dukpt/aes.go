package dukpt

import (
	"crypto/aes"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// AESKSN is an AES DUKPT key serial number (X9.24-3:2017): the 8-byte initial key ID
// (4-byte BDK ID, 4-byte derivation ID) and a 32-bit transaction counter.
type AESKSN [12]byte

// AES counter limits of X9.24-3: 32 bits, at most 16 of them set.
const (
	aesCounterBits = 32
	aesMaxOnes     = 16
)

// NewAESKSN is the KSN of the initial key ID at a counter.
func NewAESKSN(initialKeyID [8]byte, counter uint32) AESKSN {
	var k AESKSN
	copy(k[:8], initialKeyID[:])
	binary.BigEndian.PutUint32(k[8:], counter)
	return k
}

// InitialKeyID is the first 8 bytes: BDK ID and derivation ID.
func (k AESKSN) InitialKeyID() [8]byte { return [8]byte(k[:8]) }

// Counter is the 32-bit transaction counter.
func (k AESKSN) Counter() uint32 { return binary.BigEndian.Uint32(k[8:]) }

// String is the KSN in upper-case hexadecimal.
func (k AESKSN) String() string { return fmt.Sprintf("%X", k[:]) }

// KeyType is the algorithm and length of a key AES DUKPT derives (X9.24-3 6.2.2).
type KeyType uint16

// The key types and their algorithm indicators in the derivation data.
const (
	TDES2  KeyType = 0x0000 // two-key TDES, 128 bits
	TDES3  KeyType = 0x0001 // three-key TDES, 192 bits
	AES128 KeyType = 0x0002
	AES192 KeyType = 0x0003
	AES256 KeyType = 0x0004
)

// Bits is the key length in bits, or 0 for an unknown type.
func (t KeyType) Bits() int {
	switch t {
	case TDES2, AES128:
		return 128
	case TDES3, AES192:
		return 192
	case AES256:
		return 256
	default:
		return 0
	}
}

// AESKeyTypeOf is the type of an AES key of n bytes (16, 24 or 32), the only kind
// AES DUKPT derives with.
func AESKeyTypeOf(n int) (KeyType, error) {
	switch n {
	case 16:
		return AES128, nil
	case 24:
		return AES192, nil
	case 32:
		return AES256, nil
	default:
		return 0, fmt.Errorf("dukpt: a %d-byte key is not an AES key", n)
	}
}

// KeyUsage is what a derived key is for (X9.24-3 6.3.2, key usage indicator).
type KeyUsage uint16

// The key usages of X9.24-3.
const (
	UsageKeyEncryption     KeyUsage = 0x0002
	UsagePINEncryption     KeyUsage = 0x1000
	UsageMACGeneration     KeyUsage = 0x2000
	UsageMACVerification   KeyUsage = 0x2001
	UsageMACBoth           KeyUsage = 0x2002
	UsageDataEncrypt       KeyUsage = 0x3000
	UsageDataDecrypt       KeyUsage = 0x3001
	UsageDataBoth          KeyUsage = 0x3002
	usageKeyDerivation     KeyUsage = 0x8000
	usageInitialDerivation KeyUsage = 0x8001
)

// derivationData is the 16-byte block of X9.24-3 6.3.3: version 1, block counter,
// usage, algorithm, length in bits, then either the initial key ID or the derivation
// ID and counter.
func derivationData(usage KeyUsage, keyType KeyType, ksnData [8]byte) [16]byte {
	var d [16]byte
	d[0] = 0x01
	d[1] = 0x01
	binary.BigEndian.PutUint16(d[2:], uint16(usage))
	binary.BigEndian.PutUint16(d[4:], uint16(keyType))
	binary.BigEndian.PutUint16(d[6:], uint16(keyType.Bits()))
	copy(d[8:], ksnData[:])
	return d
}

func counterData(initialKeyID [8]byte, counter uint32) [8]byte {
	var d [8]byte
	copy(d[:4], initialKeyID[4:])
	binary.BigEndian.PutUint32(d[4:], counter)
	return d
}

// deriveAES encrypts the derivation data under key, one block per 128 bits of the
// key wanted, counting blocks in byte 1 (X9.24-3 6.3.1).
func deriveAES(key []byte, data [16]byte) ([]byte, error) {
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("dukpt: %w", err)
	}
	n := int(binary.BigEndian.Uint16(data[6:])) / 8
	out := make([]byte, (n+15)/16*16)
	for off := 0; off < n; off += 16 {
		c.Encrypt(out[off:], data[:])
		data[1]++
	}
	clear(out[n:])
	return out[:n], nil
}

// DeriveAESInitialKey derives a device's initial key from an AES BDK (16, 24 or 32
// bytes) and the device's initial key ID; the initial key has the BDK's type.
func DeriveAESInitialKey(bdk []byte, initialKeyID [8]byte) ([]byte, error) {
	keyType, err := AESKeyTypeOf(len(bdk))
	if err != nil {
		return nil, err
	}
	return deriveAES(bdk, derivationData(usageInitialDerivation, keyType, initialKeyID))
}

// AESTransactionKey derives, from the initial key, the intermediate derivation key of
// the transaction the KSN counts: the key the device's originator hands out for it
// and from which its working keys come (X9.24-3 6.1).
func AESTransactionKey(initialKey []byte, ksn AESKSN) ([]byte, error) {
	keyType, err := AESKeyTypeOf(len(initialKey))
	if err != nil {
		return nil, err
	}
	counter := ksn.Counter()
	if counter == 0 || bits.OnesCount32(counter) > aesMaxOnes {
		return nil, fmt.Errorf("%w: KSN %s", ErrCounter, ksn)
	}
	key := append([]byte(nil), initialKey...)
	var working uint32
	for bit := uint32(1) << (aesCounterBits - 1); bit != 0; bit >>= 1 {
		if counter&bit == 0 {
			continue
		}
		working |= bit
		next, err := deriveAES(key, derivationData(usageKeyDerivation, keyType, counterData(ksn.InitialKeyID(), working)))
		clear(key)
		if err != nil {
			return nil, err
		}
		key = next
	}
	return key, nil
}

// AESWorkingKey derives a working key of the given usage and type from a
// transaction's derivation key (from AESTransactionKey or an AESOriginator).
func AESWorkingKey(transactionKey []byte, ksn AESKSN, usage KeyUsage, keyType KeyType) ([]byte, error) {
	if keyType.Bits() == 0 {
		return nil, fmt.Errorf("dukpt: unknown key type %04X", uint16(keyType))
	}
	if _, err := AESKeyTypeOf(len(transactionKey)); err != nil {
		return nil, err
	}
	return deriveAES(transactionKey, derivationData(usage, keyType, counterData(ksn.InitialKeyID(), ksn.Counter())))
}
