package emvcard

import "encoding/binary"

// Status words the card answers with (ISO/IEC 7816-4, EMV Book 3 Annex A).
const (
	swOK                  = 0x9000
	swFileInvalidated     = 0x6283 // the selected application is blocked
	swAuthFailed          = 0x6300 // issuer authentication failed
	swWrongPIN            = 0x63C0 // | tries left
	swWrongLength         = 0x6700
	swMethodBlocked       = 0x6983 // PIN try limit exceeded
	swConditionsNotMet    = 0x6985
	swSMDataIncorrect     = 0x6988 // a script command's MAC does not verify
	swWrongData           = 0x6A80
	swFunctionUnsupported = 0x6A81 // the card is blocked
	swFileNotFound        = 0x6A82
	swRecordNotFound      = 0x6A83
	swWrongP1P2           = 0x6A86
	swDataNotFound        = 0x6A88
	swINSUnsupported      = 0x6D00
	swCLAUnsupported      = 0x6E00
)

// command is a parsed short command APDU.
type command struct {
	raw           []byte
	cla, ins      byte
	p1, p2        byte
	data          []byte
	hasData       bool
	le            int // -1: absent; 0 in the APDU means 256
	extendedOrBad bool
}

// parseCommand reads the four ISO/IEC 7816-3 cases of a short APDU. Extended APDUs
// (Lc byte 00 followed by more) and lengths that do not add up are marked bad, and
// so are commands shorter than a header.
func parseCommand(apdu []byte) command {
	c := command{raw: apdu, le: -1}
	if len(apdu) < 4 {
		c.extendedOrBad = true
		return c
	}
	c.cla, c.ins, c.p1, c.p2 = apdu[0], apdu[1], apdu[2], apdu[3]
	body := apdu[4:]
	switch {
	case len(body) == 0: // case 1
	case len(body) == 1: // case 2
		c.le = int(body[0])
	case body[0] == 0:
		c.extendedOrBad = true
	case len(body) == 1+int(body[0]): // case 3
		c.data, c.hasData = body[1:], true
	case len(body) == 2+int(body[0]): // case 4
		c.data, c.hasData, c.le = body[1:len(body)-1], true, int(body[len(body)-1])
	default:
		c.extendedOrBad = true
	}
	return c
}

// respond is a response APDU: data and status word.
func respond(data []byte, sw uint16) []byte {
	return binary.BigEndian.AppendUint16(append([]byte(nil), data...), sw)
}

// status is a response with no data.
func status(sw uint16) []byte { return respond(nil, sw) }
