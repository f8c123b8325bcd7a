// Package mac computes the message authentication codes ISO 8583 terminals send in
// DE64 (or DE128): the ANSI X9.19 retail MAC and the China UnionPay POS "ECB" MAC,
// and signs or verifies a packed message with either.
//
// Keys are held only inside the cipher the constructors build; the package never
// logs and its errors never quote key or message bytes.
package mac

import (
	"crypto/cipher"
	"crypto/des"
	"errors"
	"fmt"
)

// Size is the length of a MAC field (b64).
const Size = 8

// blockSize is the DES block size.
const blockSize = des.BlockSize

// ErrKey: a key has the wrong length for the algorithm.
var ErrKey = errors.New("mac: bad key length")

// Computer computes an 8-byte MAC over a MAC element block (the message bytes it
// protects).
type Computer interface {
	Compute(data []byte) [Size]byte
}

// Retail is the ANSI X9.19 retail MAC: ISO/IEC 9797-1 MAC algorithm 3 with DES,
// padding method 1 (zero bits, at least one block), initial transformation 1 and
// output transformation 3. The 16-byte key is K || K'.
type Retail struct {
	k, k2 cipher.Block
}

// NewRetail builds a retail MAC from a 16-byte double-length DES key.
func NewRetail(key []byte) (*Retail, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("%w: retail MAC needs 16 bytes, got %d", ErrKey, len(key))
	}
	k, err := des.NewCipher(key[:8])
	if err != nil {
		return nil, fmt.Errorf("mac: %w", err)
	}
	k2, err := des.NewCipher(key[8:])
	if err != nil {
		return nil, fmt.Errorf("mac: %w", err)
	}
	return &Retail{k: k, k2: k2}, nil
}

// Compute returns the 8-byte retail MAC of data.
func (r *Retail) Compute(data []byte) [Size]byte {
	var h [blockSize]byte
	for _, block := range zeroPaddedBlocks(data) {
		xorInto(h[:], block[:])
		r.k.Encrypt(h[:], h[:])
	}
	r.k2.Decrypt(h[:], h[:])
	r.k.Encrypt(h[:], h[:])
	return h
}

// zeroPaddedBlocks splits data into 8-byte blocks, the last one padded with zero
// bytes (ISO/IEC 9797-1 padding method 1); empty data is one block of zeros.
func zeroPaddedBlocks(data []byte) [][blockSize]byte {
	n := (len(data) + blockSize - 1) / blockSize
	if n == 0 {
		n = 1
	}
	blocks := make([][blockSize]byte, n)
	for i := range blocks {
		copy(blocks[i][:], data[min(i*blockSize, len(data)):])
	}
	return blocks
}

// xorInto sets dst[i] ^= src[i].
func xorInto(dst, src []byte) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}
