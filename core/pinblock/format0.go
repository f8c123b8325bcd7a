package pinblock

import (
	"fmt"
	"io"
)

// MinPANLength is the shortest PAN accepted (ISO/IEC 7812-1).
const MinPANLength = 8

// AccountField is the account number field of formats 0 and 3: four zero nibbles and
// the 12 rightmost PAN digits excluding the check digit, zero-padded on the left.
func AccountField(pan string) ([8]byte, error) {
	var field [8]byte
	if err := checkPAN(pan, MinPANLength); err != nil {
		return field, err
	}
	digits := pan[:len(pan)-1]
	if len(digits) > 12 {
		digits = digits[len(digits)-12:]
	}
	start := 16 - len(digits)
	for i := 0; i < len(digits); i++ {
		setNibble(field[:], start+i, digits[i]-'0')
	}
	return field, nil
}

// EncodeFormat0 is the ISO 9564-1 format 0 block: the PIN field (0, length, digits,
// fill F) XOR the account field.
func EncodeFormat0(pin []byte, pan string) ([8]byte, error) {
	return encodeWithAccount(format0, pin, pan, constantNibble(0xF))
}

// DecodeFormat0 recovers the PIN from a clear format 0 block.
func DecodeFormat0(block [8]byte, pan string) ([]byte, error) {
	return decodeWithAccount(format0, block, pan, func(n byte) bool { return n == 0xF })
}

// EncodeFormat1 is the ISO 9564-1 format 1 block: PIN field with random fill, no PAN.
func EncodeFormat1(pin []byte, random io.Reader) ([8]byte, error) {
	block, err := encodePINField(format1, pin, randomNibbles(random, 0x0))
	if err != nil {
		return block, fmt.Errorf("pinblock: format 1: %w", err)
	}
	return block, nil
}

// DecodeFormat1 recovers the PIN from a clear format 1 block.
func DecodeFormat1(block [8]byte) ([]byte, error) {
	pin, err := decodePINField(block[:], format1, func(byte) bool { return true })
	if err != nil {
		return nil, fmt.Errorf("pinblock: format 1: %w", err)
	}
	return pin, nil
}

// EncodeFormat2 is the ISO 9564-1 format 2 block (fill F, no PAN): the plaintext PIN
// block an EMV terminal sends to the card in VERIFY for offline PIN.
func EncodeFormat2(pin []byte) ([8]byte, error) {
	block, err := encodePINField(format2, pin, constantNibble(0xF))
	if err != nil {
		return block, fmt.Errorf("pinblock: format 2: %w", err)
	}
	return block, nil
}

// DecodeFormat2 recovers the PIN from a format 2 block.
func DecodeFormat2(block [8]byte) ([]byte, error) {
	pin, err := decodePINField(block[:], format2, func(n byte) bool { return n == 0xF })
	if err != nil {
		return nil, fmt.Errorf("pinblock: format 2: %w", err)
	}
	return pin, nil
}

// EncodeFormat3 is the ISO 9564-1 format 3 block: the PIN field with random fill
// nibbles A to F, XOR the account field.
func EncodeFormat3(pin []byte, pan string, random io.Reader) ([8]byte, error) {
	return encodeWithAccount(format3, pin, pan, randomNibbles(random, 0xA))
}

// DecodeFormat3 recovers the PIN from a clear format 3 block.
func DecodeFormat3(block [8]byte, pan string) ([]byte, error) {
	return decodeWithAccount(format3, block, pan, func(n byte) bool { return n >= 0xA })
}

func encodeWithAccount(control byte, pin []byte, pan string, fill fillFunc) ([8]byte, error) {
	account, err := AccountField(pan)
	if err != nil {
		return [8]byte{}, fmt.Errorf("pinblock: format %d: %w", control, err)
	}
	field, err := encodePINField(control, pin, fill)
	if err != nil {
		return [8]byte{}, fmt.Errorf("pinblock: format %d: %w", control, err)
	}
	block := xor8(field, account)
	clear(field[:])
	return block, nil
}

func decodeWithAccount(control byte, block [8]byte, pan string, fillOK func(byte) bool) ([]byte, error) {
	account, err := AccountField(pan)
	if err != nil {
		return nil, fmt.Errorf("pinblock: format %d: %w", control, err)
	}
	field := xor8(block, account)
	defer clear(field[:])
	pin, err := decodePINField(field[:], control, fillOK)
	if err != nil {
		return nil, fmt.Errorf("pinblock: format %d: %w", control, err)
	}
	return pin, nil
}
