package cryptogram

import (
	"crypto/subtle"
	"fmt"
)

// GenerateAC computes an application cryptogram (ARQC, TC or AAC) over the data the
// card's CDOL asked for, as EMV Book 2 8.1 and A1.2: the retail MAC under the
// session key (or, for schemes without session keys, the card's master key).
func GenerateAC(key [16]byte, data []byte, padding Padding) ([8]byte, error) {
	return RetailMAC(key, data, padding)
}

// VerifyAC recomputes the cryptogram and compares it in constant time.
func VerifyAC(key [16]byte, data []byte, padding Padding, ac [8]byte) (bool, error) {
	want, err := GenerateAC(key, data, padding)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(want[:], ac[:]) == 1, nil
}

// ARPCMethod1 is the authorisation response cryptogram of EMV Book 2 8.2.1:
// TDES(key, ARQC XOR (ARC || 00 00 00 00 00 00)), where ARC is the 2-byte
// authorisation response code sent to the card with it.
func ARPCMethod1(key [16]byte, arqc [8]byte, arc [2]byte) [8]byte {
	arqc[0] ^= arc[0]
	arqc[1] ^= arc[1]
	var arpc [8]byte
	newTDES(&key).Encrypt(arpc[:], arqc[:])
	return arpc
}

// ARPCMethod2 is the authorisation response cryptogram of EMV Book 2 8.2.2: the
// leftmost 4 bytes of the retail MAC (padding method 2) of ARQC || CSU || proprietary
// authentication data (0 to 8 bytes).
func ARPCMethod2(key [16]byte, arqc [8]byte, csu [4]byte, proprietary []byte) ([4]byte, error) {
	if len(proprietary) > 8 {
		return [4]byte{}, fmt.Errorf("cryptogram: proprietary authentication data is %d bytes, at most 8", len(proprietary))
	}
	data := make([]byte, 0, 20)
	data = append(data, arqc[:]...)
	data = append(data, csu[:]...)
	data = append(data, proprietary...)
	mac, err := RetailMAC(key, data, PaddingMethod2)
	return [4]byte(mac[:4]), err
}
