package issuer

import (
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"

	"tilldesk/core/emv/cryptogram"
	"tilldesk/core/emv/tlv"
	"tilldesk/core/pinblock"
)

// Issuer script commands (EMV Book 3 6.5), sent with secure messaging (class 84).
const (
	InsCardBlock          = 0x16
	InsApplicationUnblock = 0x18
	InsApplicationBlock   = 0x1E
	InsPINChangeUnblock   = 0x24
	InsPutData            = 0xDA
)

// Secure messaging class byte: proprietary class with the SM indication.
const scriptCLA = 0x84

// ScriptMACLength is the length of the MAC on every script command.
const ScriptMACLength = 8

// ErrScriptMAC: a script command's MAC does not verify (or the command is malformed).
var ErrScriptMAC = errors.New("issuer: script command MAC does not verify")

// ScriptCommand is an issuer script command before secure messaging is applied.
type ScriptCommand struct {
	INS, P1, P2 byte
	Data        []byte // plaintext command data
	Enciphered  bool   // encipher Data for confidentiality
}

// ApplicationBlock blocks the application: it answers every later GENERATE AC with an
// AAC and SELECT with 6283.
func ApplicationBlock() ScriptCommand { return ScriptCommand{INS: InsApplicationBlock} }

// ApplicationUnblock undoes ApplicationBlock.
func ApplicationUnblock() ScriptCommand { return ScriptCommand{INS: InsApplicationUnblock} }

// CardBlock blocks every application of the card for good.
func CardBlock() ScriptCommand { return ScriptCommand{INS: InsCardBlock} }

// PINUnblock resets the PIN try counter to its limit.
func PINUnblock() ScriptCommand { return ScriptCommand{INS: InsPINChangeUnblock} }

// PutData sets a data element the card allows the issuer to update (tag in P1-P2).
func PutData(tag tlv.Tag, value []byte) ScriptCommand {
	return ScriptCommand{INS: InsPutData, P1: byte(tag >> 8), P2: byte(tag), Data: value}
}

// PINChange sets a new offline PIN (and resets the try counter). The Visa schemes use
// the VIS PIN block, optionally bound to the current PIN (P2 = 01); the others the
// ISO 9564 format 2 block without the current PIN (P2 = 02). The block is enciphered
// when the command is sealed.
func (s Scheme) PINChange(keys *CardKeys, newPIN, currentPIN []byte) (ScriptCommand, error) {
	block, err := s.pinChangeBlock(keys, newPIN, currentPIN)
	if err != nil {
		return ScriptCommand{}, err
	}
	p2 := byte(0x02)
	if currentPIN != nil {
		p2 = 0x01
	}
	return ScriptCommand{INS: InsPINChangeUnblock, P2: p2, Data: block, Enciphered: true}, nil
}

func (s Scheme) pinChangeBlock(keys *CardKeys, newPIN, currentPIN []byte) ([]byte, error) {
	if s != VisaCVN10 && s != VisaCVN18 {
		if currentPIN != nil {
			return nil, fmt.Errorf("issuer: %s PIN change cannot carry the current PIN", s)
		}
		block, err := pinblock.EncodeFormat2(newPIN)
		if err != nil {
			return nil, fmt.Errorf("issuer: PIN change: %w", err)
		}
		return block[:], nil
	}
	return visPINBlock(keys.AC, newPIN, currentPIN)
}

// visPINBlock is the VIS PIN block: the PIN's length and digits, F-padded, XOR the
// rightmost four bytes of the left half of the AC master key, and XOR the current PIN
// (zero-padded) when it is given.
func visPINBlock(mkAC [16]byte, pin, current []byte) ([]byte, error) {
	field, err := pinblock.EncodeFormat2(pin) // 2L PPPP FF..: the VIS block's nibbles after the first
	if err != nil {
		return nil, fmt.Errorf("issuer: PIN change: %w", err)
	}
	field[0] &= 0x0F // length byte 0L
	for i := 4; i < 8; i++ {
		field[i] ^= mkAC[i]
	}
	if err := xorCurrentPIN(&field, current); err != nil {
		return nil, err
	}
	return field[:], nil
}

// xorCurrentPIN XORs the current PIN's digits, zero-padded to 16 nibbles, into a VIS
// PIN block; a nil PIN changes nothing.
func xorCurrentPIN(block *[8]byte, current []byte) error {
	if current == nil {
		return nil
	}
	cur, err := pinblock.EncodeFormat2(current) // 2L then the digits
	if err != nil {
		return fmt.Errorf("issuer: PIN change: current PIN: %w", err)
	}
	defer clear(cur[:])
	for i := 0; i < len(current); i++ {
		d := cur[1+i/2] >> (4 * (1 - i%2)) & 0x0F
		block[i/2] ^= d << (4 * (1 - i%2))
	}
	return nil
}

// PINFromChangeBlock is the card's reading of a deciphered PIN change block; current is
// the card's PIN when P2 is 01. The returned PIN is the caller's to zero.
func (s Scheme) PINFromChangeBlock(keys *CardKeys, block []byte, current []byte) ([]byte, error) {
	if len(block) != 8 {
		return nil, fmt.Errorf("issuer: PIN change block is %d bytes, want 8", len(block))
	}
	field := [8]byte(block)
	defer clear(field[:])
	if s == VisaCVN10 || s == VisaCVN18 {
		if err := xorCurrentPIN(&field, current); err != nil {
			return nil, err
		}
		for i := 4; i < 8; i++ {
			field[i] ^= keys.AC[i]
		}
		if field[0]&0xF0 != 0 {
			return nil, fmt.Errorf("issuer: PIN change: %w", pinblock.ErrMalformed)
		}
		field[0] |= 0x20
	}
	pin, err := pinblock.DecodeFormat2(field)
	if err != nil {
		return nil, fmt.Errorf("issuer: PIN change: %w", err)
	}
	return pin, nil
}

// scriptKeys are the secure messaging session keys for integrity and confidentiality:
// Visa's (the master key XOR the ATC and its complement), PBOC's (the PBOC session key
// of the ATC), or the EMV common session key with R = the ARQC.
func (s Scheme) scriptKeys(keys *CardKeys, atc [2]byte, arqc [8]byte) (mac, enc [16]byte) {
	switch s {
	case VisaCVN10, VisaCVN18:
		return VisaSecureMessagingKey(keys.SMI, atc), VisaSecureMessagingKey(keys.SMC, atc)
	case UnionPayCVN01:
		return PBOCSessionKey(keys.SMI, atc), PBOCSessionKey(keys.SMC, atc)
	default:
		return cryptogram.DeriveSessionKey(keys.SMI, arqc), cryptogram.DeriveSessionKey(keys.SMC, arqc)
	}
}

// VisaSecureMessagingKey is Visa's secure messaging session key: the left half of
// the master key XOR 00..00||ATC, the right half XOR 00..00||NOT ATC.
func VisaSecureMessagingKey(mk [16]byte, atc [2]byte) [16]byte {
	mk[6] ^= atc[0]
	mk[7] ^= atc[1]
	mk[14] ^= ^atc[0]
	mk[15] ^= ^atc[1]
	return mk
}

// scriptMACInput is what the MAC covers: the header (Lc counting the MAC) and the
// data, with the ATC and ARQC between them except where the key already holds the
// ARQC (the common session key schemes).
func (s Scheme) scriptMACInput(header []byte, atc [2]byte, arqc [8]byte, data []byte) []byte {
	in := append([]byte(nil), header...)
	if s != MastercardCSK {
		in = append(append(in, atc[:]...), arqc[:]...)
	}
	return append(in, data...)
}

// SealScriptCommand applies secure messaging to a script command for the transaction
// of this ATC and ARQC: the data enciphered when asked, then the MAC, as the command
// APDU the terminal passes on (tag 86).
func (s Scheme) SealScriptCommand(keys *CardKeys, atc [2]byte, arqc [8]byte, cmd ScriptCommand) ([]byte, error) {
	macKey, encKey := s.scriptKeys(keys, atc, arqc)
	defer clear(macKey[:])
	defer clear(encKey[:])
	data := cmd.Data
	if cmd.Enciphered {
		data = s.encipher(encKey, cmd.Data)
	}
	if len(data)+ScriptMACLength > 255 {
		return nil, fmt.Errorf("issuer: script command data of %d bytes is too long", len(data))
	}
	header := []byte{scriptCLA, cmd.INS, cmd.P1, cmd.P2, byte(len(data) + ScriptMACLength)}
	mac, err := cryptogram.RetailMAC(macKey, s.scriptMACInput(header, atc, arqc, data), cryptogram.PaddingMethod2)
	if err != nil {
		return nil, fmt.Errorf("issuer: script MAC: %w", err)
	}
	return append(append(header, data...), mac[:ScriptMACLength]...), nil
}

// OpenScriptCommand is the card's check of a script command APDU: it verifies the MAC
// and returns the command with its data as sent (still enciphered if it was; see
// DecipherScriptData). Any malformed command is ErrScriptMAC.
func (s Scheme) OpenScriptCommand(keys *CardKeys, atc [2]byte, arqc [8]byte, apdu []byte) (ScriptCommand, error) {
	if len(apdu) < 5+ScriptMACLength || apdu[0]&0x0C == 0 {
		return ScriptCommand{}, ErrScriptMAC
	}
	lc := int(apdu[4])
	if lc < ScriptMACLength || (len(apdu) != 5+lc && len(apdu) != 6+lc) {
		return ScriptCommand{}, ErrScriptMAC
	}
	data := apdu[5 : 5+lc-ScriptMACLength]
	got := apdu[5+lc-ScriptMACLength : 5+lc]
	macKey, encKey := s.scriptKeys(keys, atc, arqc)
	clear(encKey[:])
	defer clear(macKey[:])
	want, err := cryptogram.RetailMAC(macKey, s.scriptMACInput(apdu[:5], atc, arqc, data), cryptogram.PaddingMethod2)
	if err != nil || subtle.ConstantTimeCompare(want[:ScriptMACLength], got) != 1 {
		return ScriptCommand{}, ErrScriptMAC
	}
	return ScriptCommand{INS: apdu[1], P1: apdu[2], P2: apdu[3], Data: append([]byte(nil), data...)}, nil
}

// DecipherScriptData reverses the confidentiality of a script command's data.
func (s Scheme) DecipherScriptData(keys *CardKeys, atc [2]byte, arqc [8]byte, data []byte) ([]byte, error) {
	macKey, encKey := s.scriptKeys(keys, atc, arqc)
	clear(macKey[:])
	defer clear(encKey[:])
	if len(data) == 0 || len(data)%8 != 0 {
		return nil, fmt.Errorf("issuer: enciphered script data of %d bytes", len(data))
	}
	plain := make([]byte, len(data))
	c := newTDES(encKey)
	if s == VisaCVN10 || s == VisaCVN18 {
		for i := 0; i < len(data); i += 8 {
			c.Decrypt(plain[i:i+8], data[i:i+8])
		}
		n := int(plain[0])
		if n+1 > len(plain) {
			return nil, errors.New("issuer: enciphered script data: bad length byte")
		}
		return plain[1 : 1+n], nil
	}
	cipher.NewCBCDecrypter(c, make([]byte, 8)).CryptBlocks(plain, data)
	return unpadMethod2(plain)
}

// encipher is Visa's (length byte, padding method 2, ECB) or EMV's (padding method 2,
// CBC with a zero IV) confidentiality.
func (s Scheme) encipher(key [16]byte, data []byte) []byte {
	c := newTDES(key)
	if s == VisaCVN10 || s == VisaCVN18 {
		in := padMethod2(append([]byte{byte(len(data))}, data...))
		for i := 0; i < len(in); i += 8 {
			c.Encrypt(in[i:i+8], in[i:i+8])
		}
		return in
	}
	in := padMethod2(data)
	cipher.NewCBCEncrypter(c, make([]byte, 8)).CryptBlocks(in, in)
	return in
}

func padMethod2(data []byte) []byte {
	out := make([]byte, (len(data)/8+1)*8)
	copy(out, data)
	out[len(data)] = 0x80
	return out
}

func unpadMethod2(data []byte) ([]byte, error) {
	for i := len(data) - 1; i >= 0 && i >= len(data)-8; i-- {
		switch data[i] {
		case 0x80:
			return data[:i], nil
		case 0x00:
		default:
			return nil, errors.New("issuer: enciphered script data: bad padding")
		}
	}
	return nil, errors.New("issuer: enciphered script data: bad padding")
}

// ScriptTemplate wraps sealed script commands in an issuer script template: tag 71
// (before the second GENERATE AC) or 72 (after it), with an optional 4-byte script
// identifier (9F18).
func ScriptTemplate(template tlv.Tag, id []byte, commands ...[]byte) ([]byte, error) {
	if template != 0x71 && template != 0x72 {
		return nil, fmt.Errorf("issuer: script template must be 71 or 72, not %s", template)
	}
	var children []tlv.TLV
	if id != nil {
		children = append(children, tlv.New(0x9F18, id))
	}
	for _, c := range commands {
		children = append(children, tlv.New(0x86, c))
	}
	out, err := tlv.NewTemplate(template, children...).Encode()
	if err != nil {
		return nil, fmt.Errorf("issuer: script template: %w", err)
	}
	return out, nil
}
