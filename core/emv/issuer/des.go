package issuer

import (
	"crypto/cipher"
	"crypto/des"
)

// newTDES is two-key triple DES (K1, K2, K1) under a double-length key. DES ignores
// the parity bits, so keys derived here are left as computed.
func newTDES(key [16]byte) cipher.Block {
	k1k2k1 := append(key[:], key[:8]...)
	c, _ := des.NewTripleDESCipher(k1k2k1) // 24 bytes: cannot fail
	clear(k1k2k1)
	return c
}
