package issuer

import "fmt"

// ACType is the kind of application cryptogram, coded as in the cryptogram information
// data (tag 9F27, bits 8-7).
type ACType byte

// The application cryptogram types.
const (
	AAC  ACType = 0x00 // application authentication cryptogram: declined
	TC   ACType = 0x40 // transaction certificate: approved
	ARQC ACType = 0x80 // authorisation request cryptogram: go online
)

// ACTypeOf reads the type from cryptogram information data (or a GENERATE AC P1).
func ACTypeOf(cid byte) ACType { return ACType(cid & 0xC0) }

// String is "AAC", "TC", "ARQC" or "RFU".
func (t ACType) String() string {
	switch t {
	case AAC:
		return "AAC"
	case TC:
		return "TC"
	case ARQC:
		return "ARQC"
	}
	return "RFU"
}

// CVR is the card verification results: what the card's own risk management saw,
// carried to the issuer in the issuer application data. The bits are those of the
// Visa/PBOC CVR (3 bytes after a length byte); the Mastercard-style scheme carries
// the same three bytes followed by three zero bytes.
type CVR struct {
	FirstAC                    ACType // returned in the first GENERATE AC
	SecondACRequested          bool   // a second GENERATE AC was answered
	SecondAC                   ACType // returned in the second GENERATE AC (TC or AAC)
	IssuerAuthFailed           bool   // issuer authentication performed and failed
	OfflinePINPerformed        bool
	OfflinePINFailed           bool
	UnableToGoOnline           bool
	LastOnlineNotCompleted     bool
	PINTryLimitExceeded        bool
	VelocityExceeded           bool // consecutive offline transactions over the limit
	NewCard                    bool // never online yet
	IssuerAuthFailedLastOnline bool
	IssuerAuthNotPerformed     bool // online authorisation without issuer authentication
	BlockedByPINTryLimit       bool
	ScriptCommandsLast         int // issuer script commands processed in the last online transaction (0-15)
	ScriptFailedLast           bool
	DDAPerformed               bool
}

// Bytes encodes the three CVR bytes.
func (c CVR) Bytes() [3]byte {
	var b [3]byte
	second := byte(0x80) // "second GENERATE AC not requested"
	if c.SecondACRequested {
		second = byte(c.SecondAC)
	}
	b[0] = second | byte(c.FirstAC)>>2
	b[0] |= bit(c.IssuerAuthFailed, 0x08) | bit(c.OfflinePINPerformed, 0x04) | bit(c.OfflinePINFailed, 0x02) | bit(c.UnableToGoOnline, 0x01)
	b[1] = bit(c.LastOnlineNotCompleted, 0x80) | bit(c.PINTryLimitExceeded, 0x40) | bit(c.VelocityExceeded, 0x20) |
		bit(c.NewCard, 0x10) | bit(c.IssuerAuthFailedLastOnline, 0x08) | bit(c.IssuerAuthNotPerformed, 0x04) |
		bit(c.BlockedByPINTryLimit, 0x02)
	scripts := c.ScriptCommandsLast
	scripts = max(0, min(scripts, 15))
	b[2] = byte(scripts)<<4 | bit(c.ScriptFailedLast, 0x08) | bit(c.DDAPerformed, 0x02)
	return b
}

// ParseCVR decodes the three CVR bytes.
func ParseCVR(b [3]byte) CVR {
	c := CVR{FirstAC: ACType(b[0] << 2 & 0xC0)}
	if b[0]&0xC0 != 0x80 {
		c.SecondACRequested, c.SecondAC = true, ACType(b[0]&0xC0)
	}
	c.IssuerAuthFailed, c.OfflinePINPerformed = b[0]&0x08 != 0, b[0]&0x04 != 0
	c.OfflinePINFailed, c.UnableToGoOnline = b[0]&0x02 != 0, b[0]&0x01 != 0
	c.LastOnlineNotCompleted, c.PINTryLimitExceeded = b[1]&0x80 != 0, b[1]&0x40 != 0
	c.VelocityExceeded, c.NewCard = b[1]&0x20 != 0, b[1]&0x10 != 0
	c.IssuerAuthFailedLastOnline, c.IssuerAuthNotPerformed = b[1]&0x08 != 0, b[1]&0x04 != 0
	c.BlockedByPINTryLimit = b[1]&0x02 != 0
	c.ScriptCommandsLast, c.ScriptFailedLast, c.DDAPerformed = int(b[2]>>4), b[2]&0x08 != 0, b[2]&0x02 != 0
	return c
}

func bit(set bool, mask byte) byte {
	if set {
		return mask
	}
	return 0
}

// IssuerApplicationData is the content of tag 9F10 the schemes here use.
type IssuerApplicationData struct {
	DKI byte // derivation key index: which issuer master key
	CVN byte // cryptogram version number
	CVR CVR
}

// cvrSpan is where the CVR sits in the scheme's issuer application data (for the
// PBOC and Visa layouts it includes the CVR's own length byte, as the cryptogram
// data does).
func (s Scheme) cvrSpan() (from, to int) {
	if s == MastercardCSK {
		return 2, 8
	}
	return 3, 7
}

// IssuerApplicationData encodes tag 9F10 in the scheme's layout:
// PBOC 07 DKI CVN 03 CVR 01 (the last byte is the algorithm, 01 for TDES);
// Visa 06 DKI CVN 03 CVR; Mastercard-style DKI CVN CVR 00 00 00 00 00.
func (s Scheme) IssuerApplicationData(dki byte, cvr CVR) []byte {
	c := cvr.Bytes()
	switch s {
	case UnionPayCVN01:
		return []byte{0x07, dki, s.CVN(), 0x03, c[0], c[1], c[2], 0x01}
	case MastercardCSK:
		return []byte{dki, s.CVN(), c[0], c[1], c[2], 0, 0, 0, 0, 0}
	default:
		return []byte{0x06, dki, s.CVN(), 0x03, c[0], c[1], c[2]}
	}
}

// ParseIssuerApplicationData reads tag 9F10 written in the scheme's layout and
// checks that it names the scheme's cryptogram version.
func (s Scheme) ParseIssuerApplicationData(iad []byte) (IssuerApplicationData, error) {
	_, to := s.cvrSpan()
	if len(iad) < to {
		return IssuerApplicationData{}, fmt.Errorf("issuer: %s issuer application data is %d bytes, want at least %d", s, len(iad), to)
	}
	var out IssuerApplicationData
	if s == MastercardCSK {
		out.DKI, out.CVN = iad[0], iad[1]
	} else {
		out.DKI, out.CVN = iad[1], iad[2]
	}
	cvrAt := to - 3 // after the CVR's length byte (03 c1 c2 c3)
	if s == MastercardCSK {
		cvrAt = 2 // c1 c2 c3 00 00 00
	}
	out.CVR = ParseCVR([3]byte(iad[cvrAt : cvrAt+3]))
	if out.CVN != s.CVN() {
		return out, fmt.Errorf("issuer: issuer application data says cryptogram version %02X, the account is %s (%02X)", out.CVN, s, s.CVN())
	}
	return out, nil
}
