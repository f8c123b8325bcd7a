package ipp

import (
	"encoding/hex"
	"fmt"
	"strings"

	"tilldesk/core/dukpt"
)

// PINResponse is what packet 73 carries: the KSN of the transaction and the PIN
// block encrypted under its DUKPT PIN key, of the scheme the request asked for (a
// 10-byte KSN and an 8-byte format 0 block for TDES, 12 and 16 bytes of format 4 for
// AES). Entered is false when the customer pressed ENTER without a PIN (the packet
// then has no KSN, Mx800 guide table 71: "Presented only if a PIN is entered; length
// is 0 if no PIN is entered"); KSN and Block are then nil.
type PINResponse struct {
	Key     KeyScheme
	KSN     []byte
	Block   []byte // ISO 9564 PIN block, encrypted: opaque to the till
	Entered bool
}

// pinResponsePrefix starts a successful 73: packet type, '.' delimiter and the
// five-digit field the Mx800 guide fixes at 00000 (table 71).
const pinResponsePrefix = TypePINResponse + ".00000"

// PINBlockResponse is packet 73 for an entered PIN:
// <STX>73.00000[KSN][PIN block]<ETX>, KSN and block in upper-case hex.
func PINBlockResponse(ksn dukpt.KSN, block [8]byte) Frame {
	return pinResponseFrame(hexKSN(ksn), block[:])
}

// pinResponseFrame is packet 73 with a KSN in hex (empty: no PIN) and a block.
func pinResponseFrame(ksnHex string, block []byte) Frame {
	body := pinResponsePrefix + ksnHex + strings.ToUpper(hex.EncodeToString(block))
	return Frame{Framing: Text, Body: []byte(body)}
}

// NoPINResponse is packet 73 when the customer pressed ENTER with no digits: no KSN
// and, since table 71 still counts 16 characters of PIN block in the packet's minimum
// length of 27, a block of zeros (the guide does not say what the pad puts there);
// in AES mode a block of 32 zeros.
func NoPINResponse(key KeyScheme) Frame {
	return pinResponseFrame("", make([]byte, key.BlockSize()))
}

// Entry error codes the pad sends as <STX>73[code]<ETX> when Z60 cannot be served.
// The Mx800 guide announces this short form after table 71 but its code list was not
// legible in the copies consulted; these codes are those of the sibling DUKPT
// responses 71 and 75 (tables 80 and 84), which the same firmware uses.
const (
	EntryNoKey     byte = '1' // no DUKPT key loaded
	EntryAccount   byte = '2' // account number error
	EntryTooLong   byte = '3' // PIN too long
	EntryTooShort  byte = '4' // PIN too short or not decimal
	EntryNotDUKPT  byte = '5' // the pad is not in DUKPT mode
	EntryExhausted byte = '6' // over a million transactions: the key is used up
)

var entryErrorText = map[byte]string{
	EntryNoKey:     "no DUKPT key loaded",
	EntryAccount:   "account number refused",
	EntryTooLong:   "PIN too long",
	EntryTooShort:  "PIN too short or not decimal",
	EntryNotDUKPT:  "PIN pad not in DUKPT mode",
	EntryExhausted: "DUKPT key used up (over a million transactions)",
}

// EntryError is a pad's refusal of a PIN request: packet 73 with an error code.
type EntryError struct{ Code byte }

// Error says what the code means.
func (e *EntryError) Error() string {
	if text, ok := entryErrorText[e.Code]; ok {
		return fmt.Sprintf("PIN pad refused the PIN request: %s (code %c)", text, e.Code)
	}
	return fmt.Sprintf("PIN pad refused the PIN request with code %q", e.Code)
}

// PINErrorResponse is packet 73 carrying an entry error code.
func PINErrorResponse(code byte) (Frame, error) {
	if _, ok := entryErrorText[code]; !ok {
		return Frame{}, fmt.Errorf("%w: unknown entry error code %q", ErrBody, code)
	}
	return Frame{Framing: Text, Body: []byte{'7', '3', code}}, nil
}

// ParsePINResponse reads packet 73 answering a Z60 of scheme key: only a KSN and a
// block of that scheme's sizes are accepted. An error frame gives an *EntryError; a
// frame that is neither form gives an error wrapping ErrPacket.
func ParsePINResponse(f Frame, key KeyScheme) (PINResponse, error) {
	data, err := dataOf(f, Text, TypePINResponse)
	if err != nil {
		return PINResponse{}, err
	}
	if len(data) == 1 {
		if _, ok := entryErrorText[data[0]]; ok {
			return PINResponse{}, &EntryError{Code: data[0]}
		}
		return PINResponse{}, fmt.Errorf("%w: 73 with unknown error code %q", ErrPacket, data[0])
	}
	rest, ok := strings.CutPrefix(string(f.Body), pinResponsePrefix)
	if !ok {
		return PINResponse{}, fmt.Errorf("%w: 73 does not start with %q", ErrPacket, pinResponsePrefix)
	}
	blockLen := 2 * key.BlockSize()
	if len(rest) < blockLen {
		return PINResponse{}, fmt.Errorf("%w: 73 too short for a %v PIN block", ErrPacket, key)
	}
	ksnHex, blockHex := rest[:len(rest)-blockLen], rest[len(rest)-blockLen:]
	block, err := hex.DecodeString(blockHex)
	if err != nil {
		return PINResponse{}, fmt.Errorf("%w: PIN block is not hexadecimal", ErrPacket)
	}
	r := PINResponse{Key: key}
	switch {
	case ksnHex == "" && key == AES && !allZero(block):
		// The extension fixes the no-PIN block at zeros, which also keeps a TDES 73
		// with a 16-character KSN from reading as an AES "no PIN".
		return PINResponse{}, fmt.Errorf("%w: AES 73 without a KSN and with a non-zero block", ErrPacket)
	case ksnHex == "":
		return r, nil
	case key == AES:
		r.KSN, err = parseAESKSN(ksnHex)
	default:
		var ksn dukpt.KSN
		ksn, err = parseKSN(ksnHex)
		r.KSN = ksn[:]
	}
	if err != nil {
		return PINResponse{}, err
	}
	r.Block, r.Entered = block, true
	return r, nil
}

func allZero(b []byte) bool {
	for _, v := range b {
		if v != 0 {
			return false
		}
	}
	return true
}
