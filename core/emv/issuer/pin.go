package issuer

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"tilldesk/core/dukpt"
	"tilldesk/core/pan"
	"tilldesk/core/pinblock"
)

// DefaultDecimalisationTable maps the hexadecimal digits 0-F to decimal digits for
// IBM 3624 PIN generation.
const DefaultDecimalisationTable = "0123456789012345"

// PINVerification is the issuer's IBM 3624 PIN verification data for one card: no
// PIN is stored, only the offset from the "natural PIN" the PIN verification key
// derives from the PAN. It verifies PINs of 4 to 12 digits.
type PINVerification struct {
	Key                 [16]byte // PIN verification key (PVK)
	DecimalisationTable string   // 16 digits; empty means DefaultDecimalisationTable
	Offset              string   // as many digits as the PIN
}

// naturalPIN is the IBM 3624 intermediate PIN: the PVK's TDES encryption of the
// validation data (the PAN's first 16 digits, F-padded), decimalised.
func (v PINVerification) naturalPIN(accountNumber string, length int) ([]byte, error) {
	table := v.DecimalisationTable
	if table == "" {
		table = DefaultDecimalisationTable
	}
	if len(table) != 16 || !digits(table) {
		return nil, errors.New("issuer: decimalisation table must be 16 digits")
	}
	if len(accountNumber) < pan.MinLength || len(accountNumber) > pan.MaxLength || !digits(accountNumber) {
		return nil, fmt.Errorf("issuer: PIN verification: bad PAN %s", pan.Mask(accountNumber))
	}
	if length < pinblock.MinPINLength || length > pinblock.MaxPINLength {
		return nil, fmt.Errorf("issuer: PIN verification: %w", pinblock.ErrPIN)
	}
	var validation [8]byte
	for i := range 16 {
		nibble := byte(0xF)
		if i < len(accountNumber) {
			nibble = accountNumber[i] - '0'
		}
		validation[i/2] |= nibble << (4 * (1 - i%2))
	}
	newTDES(v.Key).Encrypt(validation[:], validation[:])
	natural := make([]byte, length)
	for i := range natural {
		natural[i] = table[validation[i/2]>>(4*(1-i%2))&0x0F]
	}
	clear(validation[:])
	return natural, nil
}

// NewPINVerification computes the IBM 3624 offset of a PIN, as an issuer does when it
// issues the card or the cardholder chooses a PIN.
func NewPINVerification(key [16]byte, accountNumber string, pin []byte) (PINVerification, error) {
	v := PINVerification{Key: key}
	natural, err := v.naturalPIN(accountNumber, len(pin))
	if err != nil {
		return PINVerification{}, err
	}
	defer clear(natural)
	if !digits(string(pin)) {
		return PINVerification{}, fmt.Errorf("issuer: PIN verification: %w", pinblock.ErrPIN)
	}
	offset := make([]byte, len(pin))
	for i := range pin {
		offset[i] = '0' + (10+pin[i]-natural[i])%10
	}
	v.Offset = string(offset)
	return v, nil
}

// Verify reports whether pin is the cardholder's PIN.
func (v PINVerification) Verify(accountNumber string, pin []byte) (bool, error) {
	if len(pin) != len(v.Offset) {
		return false, nil
	}
	natural, err := v.naturalPIN(accountNumber, len(pin))
	if err != nil {
		return false, err
	}
	defer clear(natural)
	want := make([]byte, len(pin))
	defer clear(want)
	for i := range want {
		want[i] = '0' + (natural[i]-'0'+v.Offset[i]-'0')%10
	}
	return subtle.ConstantTimeCompare(want, pin) == 1, nil
}

// EncryptedPIN is an online PIN as the PIN pad sends it: an ISO 9564 format 0 block
// encrypted under the PIN key of a TDES DUKPT transaction key, and the key serial
// number that names the key.
type EncryptedPIN struct {
	Block [8]byte
	KSN   dukpt.KSN
}

// CheckPIN decrypts an online PIN block with the key the base derivation key gives for
// its KSN and verifies the PIN. A block that does not decode (wrong key, wrong PAN,
// tampering) is a wrong PIN, not an error; errors are for bad inputs.
func CheckPIN(bdk [16]byte, encrypted EncryptedPIN, accountNumber string, v PINVerification) (bool, error) {
	ipek := dukpt.DeriveIPEK(bdk, encrypted.KSN)
	defer clear(ipek[:])
	tk, err := dukpt.TransactionKey(ipek, encrypted.KSN)
	if err != nil {
		return false, fmt.Errorf("issuer: online PIN: %w", err)
	}
	defer clear(tk[:])
	clearBlock := dukpt.DecryptPINBlock(tk, encrypted.Block)
	defer clear(clearBlock[:])
	pin, err := pinblock.DecodeFormat0(clearBlock, accountNumber)
	if err != nil {
		if errors.Is(err, pinblock.ErrPAN) {
			return false, fmt.Errorf("issuer: online PIN for %s: %w", pan.Mask(accountNumber), err)
		}
		return false, nil
	}
	defer clear(pin)
	return v.Verify(accountNumber, pin)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
