package wallet

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// EMVCo merchant-presented QR ("EMV QR Code Specification for Payment Systems:
// Merchant-Presented Mode", v1.0/1.1, EMVCo): a string of data objects, each a two-digit
// ID, a two-digit length counted in characters, and the value. Some objects are
// templates holding data objects of their own. The payload starts with "000201" and
// ends with "6304" and a CRC-16/CCITT-FALSE of everything before it, "6304" included,
// as four upper-case hex digits. UnionPay QR uses this format with its merchant
// account information (ID 15, or a template in 26-51).

// ErrBadQR is returned for a payload that is not a valid merchant-presented QR.
var ErrBadQR = errors.New("wallet: not a valid EMVCo merchant-presented QR payload")

// DataObject is one ID-length-value entry; a template's entries are in Sub.
type DataObject struct {
	ID    string
	Value string       // the value as written (for a template, its encoded entries)
	Sub   []DataObject // parsed entries of a template, nil otherwise
}

// Object builds a primitive data object.
func Object(id, value string) DataObject { return DataObject{ID: id, Value: value} }

// Template builds a template data object from its entries.
func Template(id string, sub ...DataObject) DataObject {
	return DataObject{ID: id, Value: EncodeObjects(sub), Sub: sub}
}

// EncodeObjects writes data objects in order (lengths in characters).
func EncodeObjects(objs []DataObject) string {
	var b strings.Builder
	for _, o := range objs {
		fmt.Fprintf(&b, "%s%02d%s", o.ID, utf8.RuneCountInString(o.Value), o.Value)
	}
	return b.String()
}

// isTemplate says which top-level IDs hold data objects: merchant account
// information 26-51, additional data 62, language template 64, unreserved 80-99.
func isTemplate(id int) bool {
	return (id >= 26 && id <= 51) || id == 62 || id == 64 || id >= 80
}

// ParseObjects splits s into data objects; with templates set, the entries of
// template IDs are parsed too.
func ParseObjects(s string, templates bool) ([]DataObject, error) {
	rs := []rune(s)
	var out []DataObject
	for i := 0; i < len(rs); {
		if len(rs)-i < 4 {
			return nil, fmt.Errorf("%w: %d characters left over at %d", ErrBadQR, len(rs)-i, i)
		}
		id, idOK := twoDigits(rs[i : i+2])
		n, nOK := twoDigits(rs[i+2 : i+4])
		if !idOK || !nOK {
			return nil, fmt.Errorf("%w: ID or length not two digits at %d", ErrBadQR, i)
		}
		if i+4+n > len(rs) {
			return nil, fmt.Errorf("%w: object %02d claims %d characters, %d left", ErrBadQR, id, n, len(rs)-i-4)
		}
		o := DataObject{ID: string(rs[i : i+2]), Value: string(rs[i+4 : i+4+n])}
		if templates && isTemplate(id) {
			sub, err := ParseObjects(o.Value, false)
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", o.ID, err)
			}
			o.Sub = sub
		}
		out = append(out, o)
		i += 4 + n
	}
	return out, nil
}

func twoDigits(r []rune) (int, bool) {
	if r[0] < '0' || r[0] > '9' || r[1] < '0' || r[1] > '9' {
		return 0, false
	}
	return int(r[0]-'0')*10 + int(r[1]-'0'), true
}

// CRC16CCITTFalse is CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no
// reflection, no final XOR (check value 0x29B1 for "123456789").
func CRC16CCITTFalse(data []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range data {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// AppendCRC finishes a payload: it appends "6304" and the CRC over the UTF-8 bytes of
// everything up to and including "6304".
func AppendCRC(body string) string {
	body += "6304"
	return body + fmt.Sprintf("%04X", CRC16CCITTFalse([]byte(body)))
}

// ParseMPM reads a merchant-presented payload: data objects, templates parsed, the
// payload format indicator first, the CRC last and matching, every top-level ID once,
// and the mandatory objects present and well-formed (see MerchantQR.check).
func ParseMPM(payload string) (MerchantQR, []DataObject, error) {
	if !utf8.ValidString(payload) {
		return MerchantQR{}, nil, fmt.Errorf("%w: not UTF-8", ErrBadQR)
	}
	objs, err := ParseObjects(payload, true)
	if err != nil {
		return MerchantQR{}, nil, err
	}
	if len(objs) < 2 || objs[0].ID != "00" || objs[0].Value != "01" {
		return MerchantQR{}, nil, fmt.Errorf("%w: does not start with payload format indicator 000201", ErrBadQR)
	}
	last := objs[len(objs)-1]
	if last.ID != "63" || len(last.Value) != 4 {
		return MerchantQR{}, nil, fmt.Errorf("%w: does not end with the CRC (6304....)", ErrBadQR)
	}
	want := fmt.Sprintf("%04X", CRC16CCITTFalse([]byte(payload[:len(payload)-4])))
	if last.Value != want {
		return MerchantQR{}, nil, fmt.Errorf("%w: CRC %s, computed %s", ErrBadQR, last.Value, want)
	}
	seen := map[string]bool{}
	for _, o := range objs {
		if seen[o.ID] {
			return MerchantQR{}, nil, fmt.Errorf("%w: object %s twice", ErrBadQR, o.ID)
		}
		seen[o.ID] = true
	}
	m := merchantFrom(objs[1 : len(objs)-1])
	if err := m.check(); err != nil {
		return MerchantQR{}, nil, err
	}
	return m, objs, nil
}

// ParseAmount reads a transaction amount (ID 54) in fen: digits, at most one '.', at
// most two decimals (CNY has two).
func ParseAmount(s string) (int64, error) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(s) > 13 || (dot && (frac == "" || len(frac) > 2)) || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, fmt.Errorf("%w: amount %q", ErrBadQR, s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: amount %q", ErrBadQR, s)
	}
	return n, nil
}
