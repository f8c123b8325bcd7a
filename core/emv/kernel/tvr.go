package kernel

import (
	"fmt"
	"strings"
)

// TVR is the Terminal Verification Results (tag 95, EMV Book 3 Annex C5): five bytes
// of flags the terminal sets as checks fail.
type TVR [5]byte

// Bit is one flag of the TVR or TSI: a byte index (0-based) and a mask.
type Bit struct {
	Byte int
	Mask byte
	Name string
}

// The TVR bits of EMV Book 3 Annex C5 (EMV 4.3/4.4).
var (
	TVROfflineDataAuthNotPerformed = Bit{0, 0x80, "offline data authentication was not performed"}
	TVRSDAFailed                   = Bit{0, 0x40, "SDA failed"}
	TVRICCDataMissing              = Bit{0, 0x20, "ICC data missing"}
	TVRCardOnExceptionFile         = Bit{0, 0x10, "card appears on terminal exception file"}
	TVRDDAFailed                   = Bit{0, 0x08, "DDA failed"}
	TVRCDAFailed                   = Bit{0, 0x04, "CDA failed"}

	TVRDifferentVersions    = Bit{1, 0x80, "ICC and terminal have different application versions"}
	TVRExpiredApplication   = Bit{1, 0x40, "expired application"}
	TVRNotYetEffective      = Bit{1, 0x20, "application not yet effective"}
	TVRServiceNotAllowed    = Bit{1, 0x10, "requested service not allowed for card product"}
	TVRNewCard              = Bit{1, 0x08, "new card"}
	TVRCardholderVerifyFail = Bit{2, 0x80, "cardholder verification was not successful"}
	TVRUnrecognisedCVM      = Bit{2, 0x40, "unrecognised CVM"}
	TVRPINTryLimitExceeded  = Bit{2, 0x20, "PIN try limit exceeded"}
	TVRPINPadNotWorking     = Bit{2, 0x10, "PIN entry required and PIN pad not present or not working"}
	TVRPINNotEntered        = Bit{2, 0x08, "PIN entry required, PIN pad present, but PIN was not entered"}
	TVROnlinePINEntered     = Bit{2, 0x04, "online PIN entered"}

	TVRExceedsFloorLimit    = Bit{3, 0x80, "transaction exceeds floor limit"}
	TVRLCOLExceeded         = Bit{3, 0x40, "lower consecutive offline limit exceeded"}
	TVRUCOLExceeded         = Bit{3, 0x20, "upper consecutive offline limit exceeded"}
	TVRRandomlySelected     = Bit{3, 0x10, "transaction selected randomly for online processing"}
	TVRMerchantForcedOnline = Bit{3, 0x08, "merchant forced transaction online"}

	TVRDefaultTDOLUsed          = Bit{4, 0x80, "default TDOL used"}
	TVRIssuerAuthFailed         = Bit{4, 0x40, "issuer authentication failed"}
	TVRScriptFailedBeforeLastAC = Bit{4, 0x20, "script processing failed before final GENERATE AC"}
	TVRScriptFailedAfterLastAC  = Bit{4, 0x10, "script processing failed after final GENERATE AC"}
)

var allTVRBits = []Bit{
	TVROfflineDataAuthNotPerformed, TVRSDAFailed, TVRICCDataMissing, TVRCardOnExceptionFile, TVRDDAFailed, TVRCDAFailed,
	TVRDifferentVersions, TVRExpiredApplication, TVRNotYetEffective, TVRServiceNotAllowed, TVRNewCard,
	TVRCardholderVerifyFail, TVRUnrecognisedCVM, TVRPINTryLimitExceeded, TVRPINPadNotWorking, TVRPINNotEntered, TVROnlinePINEntered,
	TVRExceedsFloorLimit, TVRLCOLExceeded, TVRUCOLExceeded, TVRRandomlySelected, TVRMerchantForcedOnline,
	TVRDefaultTDOLUsed, TVRIssuerAuthFailed, TVRScriptFailedBeforeLastAC, TVRScriptFailedAfterLastAC,
}

// Set raises a bit.
func (t *TVR) Set(b Bit) { t[b.Byte] |= b.Mask }

// Has reports whether a bit is raised.
func (t TVR) Has(b Bit) bool { return t[b.Byte]&b.Mask != 0 }

// Matches reports whether any bit raised in the TVR is also set in an action code
// (TAC or IAC), the test of terminal action analysis (EMV Book 3 10.7).
func (t TVR) Matches(actionCode [5]byte) bool {
	for i := range t {
		if t[i]&actionCode[i] != 0 {
			return true
		}
	}
	return false
}

// String is the hexadecimal value followed by the names of the raised bits.
func (t TVR) String() string { return describeBits(t[:], allTVRBits) }

// TSI is the Transaction Status Information (tag 9B, EMV Book 3 Annex C6): which
// functions the terminal performed.
type TSI [2]byte

// The TSI bits of EMV Book 3 Annex C6.
var (
	TSIOfflineDataAuthPerformed = Bit{0, 0x80, "offline data authentication was performed"}
	TSICardholderVerified       = Bit{0, 0x40, "cardholder verification was performed"}
	TSICardRiskManagement       = Bit{0, 0x20, "card risk management was performed"}
	TSIIssuerAuthentication     = Bit{0, 0x10, "issuer authentication was performed"}
	TSITerminalRiskManagement   = Bit{0, 0x08, "terminal risk management was performed"}
	TSIScriptProcessing         = Bit{0, 0x04, "script processing was performed"}
)

var allTSIBits = []Bit{TSIOfflineDataAuthPerformed, TSICardholderVerified, TSICardRiskManagement,
	TSIIssuerAuthentication, TSITerminalRiskManagement, TSIScriptProcessing}

// Set raises a bit.
func (t *TSI) Set(b Bit) { t[b.Byte] |= b.Mask }

// Has reports whether a bit is raised.
func (t TSI) Has(b Bit) bool { return t[b.Byte]&b.Mask != 0 }

// String is the hexadecimal value followed by the names of the raised bits.
func (t TSI) String() string { return describeBits(t[:], allTSIBits) }

func describeBits(value []byte, bits []Bit) string {
	var names []string
	for _, b := range bits {
		if value[b.Byte]&b.Mask != 0 {
			names = append(names, b.Name)
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("%X", value)
	}
	return fmt.Sprintf("%X (%s)", value, strings.Join(names, "; "))
}
