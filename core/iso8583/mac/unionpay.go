package mac

import (
	"crypto/cipher"
	"crypto/des"
	"encoding/hex"
	"fmt"
	"strings"
)

// UnionPayECB is the China UnionPay POS terminal MAC ("ECB" algorithm), as published
// for POS MAC calculation (e.g. blog.51cto.com/xiaohaiwa/5379715, "银联标准MAC算法"):
//
//  1. the MAC element block (MTI through DE63) is split into 8-byte blocks, the last
//     padded with 0x00, and the blocks are XORed together;
//  2. the 8-byte result is written as 16 uppercase hexadecimal characters;
//  3. the first 8 characters are encrypted with the MAC key;
//  4. that result is XORed with the last 8 characters and encrypted again;
//  5. the result is written as 16 hexadecimal characters, and the first 8 (as ASCII
//     bytes) are the MAC.
//
// "Encrypted" is single DES with an 8-byte key and triple DES (EDE) with a 16- or
// 24-byte key, as terminals with double-length working keys do.
type UnionPayECB struct {
	block cipher.Block
}

// NewUnionPayECB builds the UnionPay MAC from an 8-, 16- or 24-byte key.
func NewUnionPayECB(key []byte) (*UnionPayECB, error) {
	var (
		block cipher.Block
		err   error
	)
	switch len(key) {
	case 8:
		block, err = des.NewCipher(key)
	case 16:
		ede := make([]byte, 0, 24)
		ede = append(append(ede, key...), key[:8]...)
		block, err = des.NewTripleDESCipher(ede)
		clear(ede)
	case 24:
		block, err = des.NewTripleDESCipher(key)
	default:
		return nil, fmt.Errorf("%w: UnionPay MAC needs 8, 16 or 24 bytes, got %d", ErrKey, len(key))
	}
	if err != nil {
		return nil, fmt.Errorf("mac: %w", err)
	}
	return &UnionPayECB{block: block}, nil
}

// Compute returns the 8 ASCII characters of the UnionPay MAC of data.
func (u *UnionPayECB) Compute(data []byte) [Size]byte {
	var folded [blockSize]byte
	for _, block := range zeroPaddedBlocks(data) {
		xorInto(folded[:], block[:])
	}
	text := upperHex(folded[:])
	var h [blockSize]byte
	u.block.Encrypt(h[:], text[:blockSize])
	xorInto(h[:], text[blockSize:])
	u.block.Encrypt(h[:], h[:])
	var out [Size]byte
	copy(out[:], upperHex(h[:])[:Size])
	return out
}

// upperHex writes b as uppercase hexadecimal ASCII.
func upperHex(b []byte) []byte {
	return []byte(strings.ToUpper(hex.EncodeToString(b)))
}
