package ipp

import (
	"encoding/hex"
	"fmt"
	"strings"

	"tilldesk/core/dukpt"
)

// PINResponse is what packet 73 carries: the KSN of the transaction and the PIN
// block encrypted under its DUKPT PIN key. Entered is false when the customer
// pressed ENTER without a PIN (the packet then has no KSN, Mx800 guide table 71:
// "Presented only if a PIN is entered; length is 0 if no PIN is entered").
type PINResponse struct {
	KSN     dukpt.KSN
	Block   [8]byte // ISO 9564 PIN block, encrypted: opaque to the till
	Entered bool
}

// pinResponsePrefix starts a successful 73: packet type, '.' delimiter and the
// five-digit field the Mx800 guide fixes at 00000 (table 71).
const pinResponsePrefix = TypePINResponse + ".00000"

// PINBlockResponse is packet 73 for an entered PIN:
// <STX>73.00000[KSN][PIN block]<ETX>, KSN and block in upper-case hex.
func PINBlockResponse(ksn dukpt.KSN, block [8]byte) Frame {
	body := pinResponsePrefix + hexKSN(ksn) + strings.ToUpper(hex.EncodeToString(block[:]))
	return Frame{Framing: Text, Body: []byte(body)}
}

// NoPINResponse is packet 73 when the customer pressed ENTER with no digits: no KSN
// and, since table 71 still counts 16 characters of PIN block in the packet's minimum
// length of 27, a block of zeros (the guide does not say what the pad puts there).
func NoPINResponse() Frame {
	return Frame{Framing: Text, Body: []byte(pinResponsePrefix + strings.Repeat("0", 16))}
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

// ParsePINResponse reads packet 73. An error frame gives an *EntryError; a frame
// that is neither form gives an error wrapping ErrPacket.
func ParsePINResponse(f Frame) (PINResponse, error) {
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
	if len(rest) < 16 {
		return PINResponse{}, fmt.Errorf("%w: 73 too short for a PIN block", ErrPacket)
	}
	var r PINResponse
	ksnHex, blockHex := rest[:len(rest)-16], rest[len(rest)-16:]
	if _, err := hex.Decode(r.Block[:], []byte(blockHex)); err != nil {
		return PINResponse{}, fmt.Errorf("%w: PIN block is not hexadecimal", ErrPacket)
	}
	if ksnHex == "" {
		return PINResponse{}, nil
	}
	if r.KSN, err = parseKSN(ksnHex); err != nil {
		return PINResponse{}, err
	}
	r.Entered = true
	return r, nil
}
