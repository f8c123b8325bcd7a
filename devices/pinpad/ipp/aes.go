package ipp

import (
	"encoding/hex"
	"fmt"

	"tilldesk/core/dukpt"
)

// AES DUKPT mode is Tilldesk's own extension of the IPP packet set, not a VeriFone
// packet. The guides cited in frame.go define DUKPT for TDES only: packet 73 carries
// "the 64-bit encrypted PIN block represented as 16 hexadecimal digits" after a KSN
// of 10 to 20 hex characters (Mx800 guide table 71). Public documentation searched
// for a serial PIN pad command set that returns an AES DUKPT PIN block found none
// that defines one: VeriFone VIPA's online PIN command (DE D6, answer tags DFED6C
// for the block and DFED03 for the KSN) is public only in TDES test scripts, and ID
// TECH SmartPIN "Get Encrypted PIN" (75 46 07) and MagTek DynaPro "Request PIN
// Entry" (report 0x04) document TDES DUKPT answers only. So AES mode keeps this
// protocol's framing, LRC, ACK/NAK/EOT exchange and packet numbers and changes two
// fields; a real IPP pad does not understand it:
//
//   - Z60 carries "AES DUKPT ENCRYPTION" where the guide has "DUKPT ENCRYPTION":
//     <STX>Z60.pan<FS>AES DUKPT ENCRYPTION<ETX>{LRC}.
//   - 73 carries the 12-byte KSN of ANSI X9.24-3 as exactly 24 hex characters (no
//     Fs suppressed: an AES initial key ID may begin with F) and the ISO 9564-1
//     format 4 block enciphered under the AES DUKPT PIN encryption key as 32 hex
//     characters: <STX>73.00000[KSN 24AH][block 32AH]<ETX>{LRC}, 64 characters where
//     the guide's longest 73 is 47. With no PIN entered there is no KSN, as in TDES
//     mode, and the block is 32 zeros (required: any other 32 characters would be a
//     TDES 73 with a 16-character KSN).
//
// A pad asked for the scheme it does not hold answers entry error 5 ("not in DUKPT
// mode"), as it answers any request it cannot serve; packet 25 is the same in both.

// KeyScheme is the DUKPT key a PIN pad holds and a PIN request asks it to use.
type KeyScheme int

// The two schemes. The zero value is TDES, the vendor's.
const (
	// TDES is TDES DUKPT (ANSI X9.24-1) with ISO 9564 format 0 blocks of 8 bytes and
	// 10-byte KSNs: the packets of the Mx800 guide.
	TDES KeyScheme = iota
	// AES is AES DUKPT (ANSI X9.24-3) with ISO 9564 format 4 blocks of 16 bytes and
	// 12-byte KSNs: the extension described above.
	AES
)

// aesDUKPTField is what the extended Z60 carries instead of dukptField.
const aesDUKPTField = "AES " + dukptField

// String names the scheme for logs and errors.
func (k KeyScheme) String() string {
	switch k {
	case TDES:
		return "TDES DUKPT"
	case AES:
		return "AES DUKPT"
	}
	return fmt.Sprintf("KeyScheme(%d)", int(k))
}

// Valid reports whether k is TDES or AES.
func (k KeyScheme) Valid() bool { return k == TDES || k == AES }

// Format is the ISO 9564-1 format of the scheme's PIN blocks: 0 for TDES, 4 for AES.
func (k KeyScheme) Format() byte {
	if k == AES {
		return 4
	}
	return 0
}

// BlockSize is the length in bytes of the scheme's PIN blocks: 8 or 16.
func (k KeyScheme) BlockSize() int {
	if k == AES {
		return 16
	}
	return 8
}

// KSNSize is the length in bytes of the scheme's key serial numbers: 10 or 12.
func (k KeyScheme) KSNSize() int {
	if k == AES {
		return len(dukpt.AESKSN{})
	}
	return len(dukpt.KSN{})
}

// requestField is what Z60 carries after the account number for the scheme.
func (k KeyScheme) requestField() string {
	if k == AES {
		return aesDUKPTField
	}
	return dukptField
}

// schemeOfField is the scheme a Z60 key field asks for.
func schemeOfField(field string) (KeyScheme, bool) {
	switch field {
	case dukptField:
		return TDES, true
	case aesDUKPTField:
		return AES, true
	}
	return 0, false
}

// AESPINBlockResponse is the extended packet 73 for an entered PIN in AES mode:
// <STX>73.00000[KSN][PIN block]<ETX>, the 24-character KSN and the 32-character
// format 4 block in upper-case hex.
func AESPINBlockResponse(ksn dukpt.AESKSN, block [16]byte) Frame {
	return pinResponseFrame(ksn.String(), block[:])
}

// parseAESKSN reads the 24 hex characters of an AES KSN.
func parseAESKSN(s string) ([]byte, error) {
	if len(s) != 2*len(dukpt.AESKSN{}) {
		return nil, fmt.Errorf("%w: AES KSN of %d hex characters, want %d", ErrPacket, len(s), 2*len(dukpt.AESKSN{}))
	}
	ksn, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: KSN is not hexadecimal", ErrPacket)
	}
	return ksn, nil
}
