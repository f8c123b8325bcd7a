package ipp

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"tilldesk/core/dukpt"
	"tilldesk/devices"
)

// Packet types the till and the simulator use.
const (
	TypeDisplay     = "Z2"  // show a message (PP791 manual, message Z2)
	TypePINRequest  = "Z60" // accept and encrypt PIN, VISA mode (Mx800 guide p. 309)
	TypePINResponse = "73"  // transfer PIN block, DUKPT (Mx800 guide p. 327, table 71)
	TypeCancel      = "72"  // cancel the session (PP791 manual, message 72; Mx800 guide p. 339)
	TypeEngineCheck = "25"  // check the DUKPT engine (Mx800 guide p. 326-327, table 70)
)

// ErrPacket is wrapped by every parse error: a frame with a good LRC whose content is
// not the packet it claims to be. It wraps devices.ErrProtocol.
var ErrPacket = fmt.Errorf("malformed IPP packet: %w", devices.ErrProtocol)

// threeCharTypes are the Z packets with two digits after the Z (Mx800 guide, tables of
// packets Z42 to Z69); every other Z packet (Z0, Z2, Z3) has one.
var threeCharTypes = []string{"42", "43", "50", "51", "60", "62", "63", "66", "67", "69"}

// PacketType is the packet type at the start of a frame's body: two digits ("73"),
// Z and one or two digits for text frames ("Z2", "Z60"), a letter and two digits for
// letter-led management packets ("M04"). A body too short for its type is returned
// whole.
func PacketType(f Frame) string {
	body := f.Body
	n := 2
	switch {
	case len(body) == 0:
		return ""
	case f.Framing == Text && body[0] == 'Z':
		if len(body) >= 3 && slices.Contains(threeCharTypes, string(body[1:3])) {
			n = 3
		}
	case isLetter(body[0]):
		n = 3
	}
	return string(body[:min(n, len(body))])
}

// Display geometry assumed for the pad: two lines of 16 characters, the common size
// of serial PIN pads of this class. No page of the guides consulted states the
// 1000SE's; the PP791 manual allows Z2 text of up to 64 characters. Longer text is
// refused rather than cut.
const (
	DisplayColumns = 16
	DisplayLines   = 2
	MaxDisplayText = DisplayColumns * DisplayLines
)

// DisplayRequest is packet Z2, <STX>Z2<SUB>text<ETX> (PP791 manual, message Z2):
// clear the display and show text, printable ASCII filling line 1 then line 2. The
// pad only ACKs it. The leading SUB (clear first) is optional in the packet; the
// till always sends it so that no earlier text remains.
func DisplayRequest(text string) (Frame, error) {
	if len(text) > MaxDisplayText {
		return Frame{}, fmt.Errorf("%w: display text of %d characters, at most %d", ErrBody, len(text), MaxDisplayText)
	}
	for i := 0; i < len(text); i++ {
		if text[i] < 0x20 || text[i] > 0x7E {
			return Frame{}, fmt.Errorf("%w: display text byte %d is %#02x, not printable ASCII", ErrBody, i, text[i])
		}
	}
	return Frame{Framing: Text, Body: []byte(TypeDisplay + string(rune(SUB)) + text)}, nil
}

// ParseDisplayRequest reads a Z2 packet: its text and whether it clears the display.
func ParseDisplayRequest(f Frame) (text string, clearFirst bool, err error) {
	data, err := dataOf(f, Text, TypeDisplay)
	if err != nil {
		return "", false, err
	}
	if len(data) > 0 && data[0] == SUB {
		clearFirst, data = true, data[1:]
	}
	if len(data) > MaxDisplayText {
		return "", false, fmt.Errorf("%w: Z2 text of %d characters", ErrPacket, len(data))
	}
	return string(data), clearFirst, nil
}

// dukptField is what Z60 carries instead of a working key when the PIN is to be
// encrypted under DUKPT (Mx800 guide p. 309: "DUKPT ENCRYPTION (if DUKPT)").
const dukptField = "DUKPT ENCRYPTION"

// PAN lengths Z60 accepts (Mx800 guide tables 81 and 85: account 8-19N).
const (
	MinPANLength = 8
	MaxPANLength = 19
)

// PINRequest is packet Z60 in DUKPT mode, <STX>Z60.pan<FS>DUKPT ENCRYPTION<ETX>: the
// pad takes a PIN of 4 to 12 digits from the customer, echoing an asterisk for each,
// and answers with packet 73 (or EOT when the customer cancels). Z60 has no amount
// field: the amount is shown beforehand with Z2. With key AES the field is "AES
// DUKPT ENCRYPTION", Tilldesk's extension (aes.go).
func PINRequest(pan string, key KeyScheme) (Frame, error) {
	if err := checkPAN(pan); err != nil {
		return Frame{}, fmt.Errorf("%w: %w", ErrBody, err)
	}
	if !key.Valid() {
		return Frame{}, fmt.Errorf("%w: unknown key scheme %v", ErrBody, key)
	}
	return Frame{Framing: Text, Body: []byte(TypePINRequest + "." + pan + string(rune(FS)) + key.requestField())}, nil
}

// ParsePINRequest reads a Z60 packet and returns its PAN and the DUKPT scheme it
// asks for. A Z60 for master/session encryption (a working key instead of DUKPT
// ENCRYPTION) is an error: this protocol subset is DUKPT only.
func ParsePINRequest(f Frame) (pan string, key KeyScheme, err error) {
	data, err := dataOf(f, Text, TypePINRequest)
	if err != nil {
		return "", 0, err
	}
	rest, ok := bytes.CutPrefix(data, []byte("."))
	if !ok {
		return "", 0, fmt.Errorf("%w: Z60 without its '.' delimiter", ErrPacket)
	}
	account, field, _ := bytes.Cut(rest, []byte{FS}) // no FS: field is empty, refused below
	if key, ok = schemeOfField(string(field)); !ok {
		return "", 0, fmt.Errorf("%w: Z60 is not a DUKPT request", ErrPacket)
	}
	if err := checkPAN(string(account)); err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrPacket, err)
	}
	return string(account), key, nil
}

// checkPAN accepts 8 to 19 ASCII digits. Its errors never quote the PAN.
func checkPAN(pan string) error {
	if len(pan) < MinPANLength || len(pan) > MaxPANLength {
		return fmt.Errorf("account number of %d digits, want %d to %d", len(pan), MinPANLength, MaxPANLength)
	}
	for i := 0; i < len(pan); i++ {
		if pan[i] < '0' || pan[i] > '9' {
			return fmt.Errorf("account number has a non-digit at position %d", i+1)
		}
	}
	return nil
}

// CancelRequest is packet 72, <STX>72<ETX>: end PIN entry, which the pad answers
// with EOT, or, when idle, nothing, which it answers with ACK (PP791 manual, message
// 72; the Mx800 guide, p. 339, gives the ACK for 72 ending a MAC session).
func CancelRequest() Frame { return Frame{Framing: Text, Body: []byte(TypeCancel)} }

// EngineCheckRequest is packet 25, <SI>25<SO>: which DUKPT engine is active. The pad
// ACKs, answers <SI>25[a]<SO>, and after the till's ACK ends with EOT (Mx800 guide
// table 70).
func EngineCheckRequest() Frame { return Frame{Framing: Management, Body: []byte(TypeEngineCheck)} }

// EngineCheckResponse is the pad's answer to packet 25: engine is '0', '1' or '2', the
// engines packet 19 selects (Mx800 guide p. 324; the IPP8 emulation has three).
func EngineCheckResponse(engine byte) (Frame, error) {
	if engine < '0' || engine > '2' {
		return Frame{}, fmt.Errorf("%w: DUKPT engine %q, want '0' to '2'", ErrBody, engine)
	}
	return Frame{Framing: Management, Body: []byte{'2', '5', engine}}, nil
}

// ParseEngineCheckResponse reads the answer to packet 25 and returns the engine, 0-2.
func ParseEngineCheckResponse(f Frame) (int, error) {
	data, err := dataOf(f, Management, TypeEngineCheck)
	if err != nil {
		return 0, err
	}
	if len(data) != 1 || data[0] < '0' || data[0] > '2' {
		return 0, fmt.Errorf("%w: packet 25 answer %q, want one engine digit 0-2", ErrPacket, data)
	}
	return int(data[0] - '0'), nil
}

// dataOf returns the body after the packet type, checking framing and type.
func dataOf(f Frame, framing Framing, packetType string) ([]byte, error) {
	if f.Framing != framing {
		return nil, fmt.Errorf("%w: packet %s in a %v frame, want %v", ErrPacket, packetType, f.Framing, framing)
	}
	if got := PacketType(f); got != packetType {
		return nil, fmt.Errorf("%w: packet %q, want %s", ErrPacket, got, packetType)
	}
	return f.Body[len(packetType):], nil
}

func isLetter(b byte) bool { return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') }

// hexKSN is the KSN as packet 73 carries it: upper-case hex with leading Fs
// suppressed (Mx800 guide table 71), but never shorter than the 10 characters the
// table allows, so that a KSN of all Fs stays distinguishable from "no PIN".
func hexKSN(ksn dukpt.KSN) string {
	s := strings.ToUpper(hex.EncodeToString(ksn[:]))
	trimmed := strings.TrimLeft(s, "F")
	if len(trimmed) < 10 {
		trimmed = s[len(s)-10:]
	}
	return trimmed
}

// parseKSN restores a KSN from 10 to 20 hex characters by putting back the Fs.
func parseKSN(s string) (dukpt.KSN, error) {
	var ksn dukpt.KSN
	if len(s) < 10 || len(s) > 20 {
		return ksn, fmt.Errorf("%w: KSN of %d hex characters, want 10 to 20", ErrPacket, len(s))
	}
	full := strings.Repeat("F", 20-len(s)) + s
	if _, err := hex.Decode(ksn[:], []byte(full)); err != nil {
		return ksn, fmt.Errorf("%w: KSN is not hexadecimal", ErrPacket)
	}
	return ksn, nil
}
