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
// encrypted under the PIN key of a TDES DUKPT transaction key (8 bytes, 10-byte
// KSN), or a format 4 block enciphered under an AES DUKPT PIN key (16 bytes, 12-byte
// KSN).
type EncryptedPIN struct {
	Format byte // 0 or 4
	Block  []byte
	KSN    []byte
}

// BDKs are the base derivation keys of the PIN pads: TDES DUKPT and AES DUKPT
// (16, 24 or 32 bytes; nil when no PIN pad uses AES).
type BDKs struct {
	TDES [16]byte
	AES  []byte
}

// ErrPINFormat: the encrypted PIN is of a format or size this issuer cannot read.
var ErrPINFormat = errors.New("issuer: online PIN block of an unsupported format or size")

// CheckPIN decrypts an online PIN block with the key the base derivation key gives for
// its KSN and verifies the PIN. A block that does not decode (wrong key, wrong PAN,
// tampering) is a wrong PIN, not an error; errors are for bad inputs.
func CheckPIN(bdks BDKs, encrypted EncryptedPIN, accountNumber string, v PINVerification) (bool, error) {
	var pin []byte
	var err error
	switch {
	case encrypted.Format == 0 && len(encrypted.Block) == 8 && len(encrypted.KSN) == 10:
		pin, err = decryptTDESPIN(bdks.TDES, [8]byte(encrypted.Block), dukpt.KSN(encrypted.KSN), accountNumber)
	case encrypted.Format == 4 && len(encrypted.Block) == 16 && len(encrypted.KSN) == 12 && bdks.AES != nil:
		pin, err = decryptAESPIN(bdks.AES, [16]byte(encrypted.Block), dukpt.AESKSN(encrypted.KSN), accountNumber)
	default:
		return false, ErrPINFormat
	}
	if err != nil || pin == nil {
		return false, err
	}
	defer clear(pin)
	return v.Verify(accountNumber, pin)
}

// decryptTDESPIN recovers the PIN of a TDES DUKPT format 0 block; nil when the block
// does not decode.
func decryptTDESPIN(bdk [16]byte, block [8]byte, ksn dukpt.KSN, accountNumber string) ([]byte, error) {
	ipek := dukpt.DeriveIPEK(bdk, ksn)
	defer clear(ipek[:])
	tk, err := dukpt.TransactionKey(ipek, ksn)
	if err != nil {
		return nil, fmt.Errorf("issuer: online PIN: %w", err)
	}
	defer clear(tk[:])
	clearBlock := dukpt.DecryptPINBlock(tk, block)
	defer clear(clearBlock[:])
	pin, err := pinblock.DecodeFormat0(clearBlock, accountNumber)
	return pinOrNil(accountNumber, pin, err)
}

// decryptAESPIN recovers the PIN of an AES DUKPT format 4 block (the PIN key of the
// BDK's own AES type); nil when the block does not decode.
func decryptAESPIN(bdk []byte, block [16]byte, ksn dukpt.AESKSN, accountNumber string) ([]byte, error) {
	keyType, err := dukpt.AESKeyTypeOf(len(bdk))
	if err != nil {
		return nil, fmt.Errorf("issuer: online PIN: AES BDK: %w", err)
	}
	ik, err := dukpt.DeriveAESInitialKey(bdk, ksn.InitialKeyID())
	if err != nil {
		return nil, fmt.Errorf("issuer: online PIN: %w", err)
	}
	defer clear(ik)
	tk, err := dukpt.AESTransactionKey(ik, ksn)
	if err != nil {
		return nil, fmt.Errorf("issuer: online PIN: %w", err)
	}
	defer clear(tk)
	pk, err := dukpt.AESWorkingKey(tk, ksn, dukpt.UsagePINEncryption, keyType)
	if err != nil {
		return nil, fmt.Errorf("issuer: online PIN: %w", err)
	}
	defer clear(pk)
	pin, err := pinblock.DecipherFormat4(pk, block, accountNumber)
	return pinOrNil(accountNumber, pin, err)
}

// pinOrNil turns a decoding failure into "no PIN" (a wrong PIN), except a bad PAN.
func pinOrNil(accountNumber string, pin []byte, err error) ([]byte, error) {
	switch {
	case errors.Is(err, pinblock.ErrPAN):
		return nil, fmt.Errorf("issuer: online PIN for %s: %w", pan.Mask(accountNumber), err)
	case err != nil:
		return nil, nil
	}
	return pin, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
