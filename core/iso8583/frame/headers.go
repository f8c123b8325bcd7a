package frame

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// TPDUID is the first byte of every TPDU.
const TPDUID = 0x60

// TPDU is the transport protocol data unit UnionPay terminals send before the
// application header: ID 0x60, a 2-byte destination address and a 2-byte source
// address (e.g. 60 0006 0000: to network access point 0006 from 0000). A host
// answers with the addresses swapped.
type TPDU [TPDUSize]byte

// NewTPDU builds a TPDU addressed from source to destination.
func NewTPDU(destination, source uint16) TPDU {
	t := TPDU{TPDUID}
	binary.BigEndian.PutUint16(t[1:3], destination)
	binary.BigEndian.PutUint16(t[3:5], source)
	return t
}

// Destination is the destination address.
func (t TPDU) Destination() uint16 { return binary.BigEndian.Uint16(t[1:3]) }

// Source is the source address.
func (t TPDU) Source() uint16 { return binary.BigEndian.Uint16(t[3:5]) }

// Reply is the TPDU of an answer to t: destination and source swapped.
func (t TPDU) Reply() TPDU { return NewTPDU(t.Source(), t.Destination()) }

// Check reports whether the TPDU starts with TPDUID.
func (t TPDU) Check() error {
	if t[0] != TPDUID {
		return fmt.Errorf("frame: %w: ID %02X, want %02X", ErrTPDU, t[0], TPDUID)
	}
	return nil
}

// String is the TPDU in hexadecimal, e.g. "6000060000".
func (t TPDU) String() string { return fmt.Sprintf("%X", t[:]) }

// Header is the 6-byte UnionPay application header, in BCD: application category
// (1 byte, "60"), software total version (1 byte), terminal status (high nibble) and
// processing requirement (low nibble), and the software sub-version (3 bytes). The
// layout is the one the Gowos/Wireshark-8583-plugin dissector decodes ("Class",
// "Soft Total Version", "Terminal Status", "Processing Requirements", "Soft Sep
// Version"); a host sets the processing requirement in a reply to ask the terminal
// for an action such as signing on again.
type Header [HeaderSize]byte

// NewHeader builds a header; category, version and subVersion are 2, 2 and 6 digits,
// status and processing single digits.
func NewHeader(category, version string, status, processing byte, subVersion string) (Header, error) {
	var h Header
	if len(category) != 2 || len(version) != 2 || len(subVersion) != 6 || status > 9 || processing > 9 {
		return h, fmt.Errorf("frame: header needs 2+2 digits, two single digits and 6 digits")
	}
	text := category + version + string([]byte{'0' + status, '0' + processing}) + subVersion
	if !allDigits(text) {
		return h, fmt.Errorf("frame: header fields must be decimal digits")
	}
	b, _ := hex.DecodeString(text) // decimal digits: always valid hex
	copy(h[:], b)
	return h, nil
}

// Category is the application category, two digits ("60").
func (h Header) Category() string { return fmt.Sprintf("%02X", h[0]) }

// Version is the software total version, two digits.
func (h Header) Version() string { return fmt.Sprintf("%02X", h[1]) }

// TerminalStatus is the terminal status digit (high nibble of byte 3).
func (h Header) TerminalStatus() byte { return h[2] >> 4 }

// ProcessingRequirement is the processing requirement digit (low nibble of byte 3).
func (h Header) ProcessingRequirement() byte { return h[2] & 0x0F }

// SubVersion is the software sub-version, six digits.
func (h Header) SubVersion() string { return fmt.Sprintf("%X", h[3:]) }

// String is the header in hex.
func (h Header) String() string { return fmt.Sprintf("%X", h[:]) }

// allDigits reports whether s is decimal digits only.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
