package cryptogram

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
)

// DeriveICCMasterKeyA derives a card's master key from the issuer master key by EMV
// Book 2 A1.4.1 option A: Y is the rightmost 16 digits of PAN and PAN sequence number
// (zero-padded on the left), the key is TDES(IMK, Y) || TDES(IMK, Y XOR FF..FF) with
// odd parity. An empty psn counts as "00".
func DeriveICCMasterKeyA(imk [16]byte, pan, psn string) ([16]byte, error) {
	digits, err := panDigits(pan, psn)
	if err != nil {
		return [16]byte{}, err
	}
	if len(digits) > 16 {
		digits = digits[len(digits)-16:]
	}
	y, _ := hex.DecodeString(fmt.Sprintf("%016s", digits))
	return masterKeyFromY([8]byte(y), imk), nil
}

// DeriveICCMasterKeyB derives a card's master key by EMV Book 2 A1.4.2 option B, for
// PANs longer than 16 digits (for shorter ones it is option A): Y is 16 decimal digits
// taken from the SHA-1 hash of PAN and PAN sequence number.
func DeriveICCMasterKeyB(imk [16]byte, pan, psn string) ([16]byte, error) {
	digits, err := panDigits(pan, psn)
	if err != nil {
		return [16]byte{}, err
	}
	if len(pan) <= 16 {
		return DeriveICCMasterKeyA(imk, pan, psn)
	}
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	packed, _ := hex.DecodeString(digits)
	sum := sha1.Sum(packed)
	y, _ := hex.DecodeString(decimalize(hex.EncodeToString(sum[:])))
	return masterKeyFromY([8]byte(y), imk), nil
}

// decimalize takes the first 16 decimal digits of a hexadecimal string; if there are
// fewer, it continues with its letters a to f read as 0 to 5.
func decimalize(hexDigits string) string {
	out := make([]byte, 0, 16)
	for i := 0; i < len(hexDigits) && len(out) < 16; i++ {
		if c := hexDigits[i]; c <= '9' {
			out = append(out, c)
		}
	}
	for i := 0; i < len(hexDigits) && len(out) < 16; i++ {
		if c := hexDigits[i]; c >= 'a' {
			out = append(out, c-'a'+'0')
		}
	}
	return string(out)
}

func panDigits(pan, psn string) (string, error) {
	if psn == "" {
		psn = "00"
	}
	if len(pan) < 1 || len(pan) > 19 || !allDigits(pan) {
		return "", fmt.Errorf("cryptogram: PAN must be 1 to 19 digits")
	}
	if len(psn) != 2 || !allDigits(psn) {
		return "", fmt.Errorf("cryptogram: PAN sequence number must be 2 digits")
	}
	return pan + psn, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func masterKeyFromY(y [8]byte, imk [16]byte) [16]byte {
	var mk [16]byte
	c := newTDES(&imk)
	c.Encrypt(mk[:8], y[:])
	for i := range y {
		y[i] ^= 0xFF
	}
	c.Encrypt(mk[8:], y[:])
	return oddParity(mk)
}

// DeriveSessionKey is the common session key derivation of EMV Book 2 A1.3.1: from a
// master key and an 8-byte diversification value R, the left half is TDES(MK, R with
// its third byte set to F0) and the right half TDES(MK, R with its third byte set to
// 0F), with odd parity.
func DeriveSessionKey(mk [16]byte, r [8]byte) [16]byte {
	var sk [16]byte
	c := newTDES(&mk)
	r[2] = 0xF0
	c.Encrypt(sk[:8], r[:])
	r[2] = 0x0F
	c.Encrypt(sk[8:], r[:])
	return oddParity(sk)
}

// ATCDiversifier is R = ATC || 00 00 00 00 00 00, the diversification value of the
// application cryptogram session key (EMV Book 2 A1.3.1; Visa CVN 18).
func ATCDiversifier(atc [2]byte) [8]byte {
	return [8]byte{atc[0], atc[1]}
}

// ATCAndUNDiversifier is R = ATC || 00 00 || unpredictable number, the diversification
// value Mastercard M/Chip uses for its application cryptogram session key.
func ATCAndUNDiversifier(atc [2]byte, un [4]byte) [8]byte {
	return [8]byte{atc[0], atc[1], 0, 0, un[0], un[1], un[2], un[3]}
}

// oddParity sets the low bit of every byte so that it has an odd number of one bits,
// as DES keys are stored.
func oddParity(key [16]byte) [16]byte {
	for i, b := range key {
		ones := 0
		for v := b >> 1; v != 0; v >>= 1 {
			ones += int(v & 1)
		}
		key[i] = b&0xFE | byte(1-ones%2)
	}
	return key
}
