package pinblock

import (
	"crypto/aes"
	"fmt"
	"io"
)

// Format4PINField is the 16-byte plaintext PIN field of ISO 9564-1 format 4: control
// 4, PIN length, PIN digits, fill A up to 8 bytes, then 8 random bytes.
func Format4PINField(pin []byte, random io.Reader) ([16]byte, error) {
	var field [16]byte
	head, err := encodePINField(format4, pin, constantNibble(0xA))
	if err != nil {
		return field, fmt.Errorf("pinblock: format 4: %w", err)
	}
	copy(field[:8], head[:])
	clear(head[:])
	if _, err := io.ReadFull(random, field[8:]); err != nil {
		clear(field[:])
		return field, fmt.Errorf("pinblock: format 4: reading random fill: %w", err)
	}
	return field, nil
}

// DecodeFormat4PINField recovers the PIN from a plaintext format 4 PIN field; the
// random half is not checked.
func DecodeFormat4PINField(field [16]byte) ([]byte, error) {
	pin, err := decodePINField(field[:8], format4, func(n byte) bool { return n == 0xA })
	if err != nil {
		return nil, fmt.Errorf("pinblock: format 4: %w", err)
	}
	return pin, nil
}

// Format4PANField is the 16-byte PAN field of format 4: a nibble saying how many
// digits the PAN has beyond 12, the PAN (zero-padded on the left to 12 digits when
// shorter), then zeros.
func Format4PANField(pan string) ([16]byte, error) {
	var field [16]byte
	if err := checkPAN(pan, 1); err != nil {
		return field, fmt.Errorf("pinblock: format 4: %w", err)
	}
	extra := 0
	if len(pan) > 12 {
		extra = len(pan) - 12
	}
	setNibble(field[:], 0, byte(extra))
	start := 1
	if len(pan) < 12 {
		start += 12 - len(pan)
	}
	for i := 0; i < len(pan); i++ {
		setNibble(field[:], start+i, pan[i]-'0')
	}
	return field, nil
}

// EncipherFormat4 enciphers a format 4 PIN field under an AES key (ISO 9564-1 9.4.2):
// block A = AES(key, PIN field); block B = A XOR PAN field; result = AES(key, B).
func EncipherFormat4(key []byte, pinField [16]byte, pan string) ([16]byte, error) {
	var out [16]byte
	block, err := aes.NewCipher(key)
	if err != nil {
		return out, fmt.Errorf("pinblock: format 4: %w", err)
	}
	panField, err := Format4PANField(pan)
	if err != nil {
		return out, err
	}
	var a [16]byte
	block.Encrypt(a[:], pinField[:])
	xor16(&a, &panField)
	block.Encrypt(out[:], a[:])
	clear(a[:])
	return out, nil
}

// DecipherFormat4 reverses EncipherFormat4 and returns the PIN as ASCII digits.
func DecipherFormat4(key []byte, enciphered [16]byte, pan string) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("pinblock: format 4: %w", err)
	}
	panField, err := Format4PANField(pan)
	if err != nil {
		return nil, err
	}
	var b, field [16]byte
	defer clear(b[:])
	defer clear(field[:])
	block.Decrypt(b[:], enciphered[:])
	xor16(&b, &panField)
	block.Decrypt(field[:], b[:])
	return DecodeFormat4PINField(field)
}

// EncodeAndEncipherFormat4 builds the PIN field with random fill and enciphers it, for
// a PIN pad that has the clear PIN only for this one call.
func EncodeAndEncipherFormat4(key, pin []byte, pan string, random io.Reader) ([16]byte, error) {
	field, err := Format4PINField(pin, random)
	if err != nil {
		return [16]byte{}, err
	}
	defer clear(field[:])
	return EncipherFormat4(key, field, pan)
}

func xor16(a, b *[16]byte) {
	for i := range a {
		a[i] ^= b[i]
	}
}
