// Package tlv is the BER-TLV codec of EMV Book 3 Annex B: the encoding of every data
// object a card returns (FCI, records, GENERATE AC responses) and of the ICC data the
// terminal sends on to the acquirer (ISO 8583 DE55).
//
// A data object is a tag (one to four bytes; the first byte's low five bits all set
// means more bytes follow, each with bit 8 set except the last), a length (one byte
// below 0x80, or 0x81, 0x82, 0x83 followed by one to three length bytes) and a value.
// Bit 6 of the first tag byte marks a constructed object, whose value is itself a
// list of data objects. Between objects, bytes 0x00 and 0xFF are padding and are
// skipped (EMV Book 3 Annex B, ISO/IEC 7816-4 5.2.2), so no tag may start with them.
//
// Decoding never panics and never reads past its input; a malformed input yields a
// *DecodeError saying which tag and offset went wrong, wrapping one of the Err*
// sentinels. Decoded values alias the input slice. This package never logs.
package tlv

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Tag is a BER-TLV tag with its bytes packed big-endian into an integer, so tag
// 9F02 is Tag(0x9F02) and tag DF8101 is Tag(0xDF8101).
type Tag uint32

// MaxTagBytes is the longest tag accepted: EMV uses at most three bytes, and four
// still fit a Tag.
const MaxTagBytes = 4

// Len is the number of bytes the tag occupies when encoded.
func (t Tag) Len() int {
	switch {
	case t > 0xFFFFFF:
		return 4
	case t > 0xFFFF:
		return 3
	case t > 0xFF:
		return 2
	default:
		return 1
	}
}

// Bytes is the tag as it is encoded.
func (t Tag) Bytes() []byte {
	return t.appendTo(nil)
}

func (t Tag) appendTo(dst []byte) []byte {
	for i := t.Len() - 1; i >= 0; i-- {
		dst = append(dst, byte(t>>(8*i)))
	}
	return dst
}

// first is the leading byte of the encoded tag, which carries class and form.
func (t Tag) first() byte {
	return byte(t >> (8 * (t.Len() - 1)))
}

// Constructed reports whether the tag is of a constructed data object (a template
// whose value is a list of data objects), from bit 6 of its first byte.
func (t Tag) Constructed() bool {
	return t.first()&0x20 != 0
}

// String is the tag in upper-case hexadecimal, as EMV writes it ("9F02").
func (t Tag) String() string {
	return strings.ToUpper(hex.EncodeToString(t.Bytes()))
}

// Valid reports whether the tag is well-formed BER: not a padding byte, multi-byte
// exactly when the first byte's low five bits are all set, every subsequent byte but
// the last with bit 8 set.
func (t Tag) Valid() bool {
	b := t.Bytes()
	if b[0] == 0x00 || b[0] == 0xFF {
		return false
	}
	if b[0]&0x1F != 0x1F {
		return len(b) == 1
	}
	if len(b) < 2 {
		return false
	}
	for i := 1; i < len(b)-1; i++ {
		if b[i]&0x80 == 0 {
			return false
		}
	}
	return b[len(b)-1]&0x80 == 0
}

// ParseTag reads a tag written in hexadecimal ("9F02", "df8101"); it must be a
// single well-formed tag.
func ParseTag(s string) (Tag, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > MaxTagBytes {
		return 0, fmt.Errorf("tlv: %q is not a tag in hexadecimal", s)
	}
	var t Tag
	for _, c := range b {
		t = t<<8 | Tag(c)
	}
	if !t.Valid() {
		return 0, fmt.Errorf("tlv: %q is not a well-formed BER tag", s)
	}
	return t, nil
}

// Sentinel errors wrapped by *DecodeError; test with errors.Is.
var (
	// ErrTruncatedTag: the input ends inside a tag.
	ErrTruncatedTag = errors.New("truncated tag")
	// ErrTagTooLong: a tag runs past MaxTagBytes.
	ErrTagTooLong = errors.New("tag too long")
	// ErrTruncatedLength: the input ends inside a length field.
	ErrTruncatedLength = errors.New("truncated length")
	// ErrBadLength: the length field is 0x80 (indefinite, not allowed in EMV) or
	// longer than 0x83 (more than three length bytes).
	ErrBadLength = errors.New("unsupported length form")
	// ErrLengthPastEnd: the length says the value runs past the end of its input or
	// its enclosing template.
	ErrLengthPastEnd = errors.New("length past end")
	// ErrTooDeep: constructed objects are nested deeper than MaxDepth.
	ErrTooDeep = errors.New("nesting too deep")
)

// DecodeError reports where and why an input failed to decode.
type DecodeError struct {
	Offset int    // offset in the whole input of the bad field (of the value, for ErrLengthPastEnd)
	Tag    Tag    // the tag being read; zero when the tag itself is the problem
	Err    error  // one of the Err* sentinels
	Detail string // the numbers behind it, for people
}

// Error reads like "tlv: tag 9F02 at offset 3: length past end: 0x83 bytes, 2 left".
func (e *DecodeError) Error() string {
	where := fmt.Sprintf("at offset %d", e.Offset)
	if e.Tag != 0 {
		where = fmt.Sprintf("tag %s %s", e.Tag, where)
	}
	if e.Detail == "" {
		return fmt.Sprintf("tlv: %s: %v", where, e.Err)
	}
	return fmt.Sprintf("tlv: %s: %v: %s", where, e.Err, e.Detail)
}

// Unwrap gives the sentinel, for errors.Is.
func (e *DecodeError) Unwrap() error { return e.Err }

// ReadTag reads one tag from the start of data and says how many bytes it took.
// Padding bytes are not skipped here: a leading 0x00 or 0xFF is returned as a
// one-byte tag for the caller to judge.
func ReadTag(data []byte) (Tag, int, error) {
	if len(data) == 0 {
		return 0, 0, &DecodeError{Err: ErrTruncatedTag, Detail: "no bytes left"}
	}
	t := Tag(data[0])
	if data[0]&0x1F != 0x1F {
		return t, 1, nil
	}
	for i := 1; ; i++ {
		if i >= MaxTagBytes {
			return 0, 0, &DecodeError{Err: ErrTagTooLong, Detail: fmt.Sprintf("% X... exceeds %d bytes", data[:i], MaxTagBytes)}
		}
		if i >= len(data) {
			return 0, 0, &DecodeError{Err: ErrTruncatedTag, Detail: fmt.Sprintf("% X then end of data", data[:i])}
		}
		t = t<<8 | Tag(data[i])
		if data[i]&0x80 == 0 {
			return t, i + 1, nil
		}
	}
}

// ReadLength reads one length field from the start of data: the value length and
// how many bytes the field took.
func ReadLength(data []byte) (int, int, error) {
	if len(data) == 0 {
		return 0, 0, &DecodeError{Err: ErrTruncatedLength, Detail: "no length byte"}
	}
	first := data[0]
	if first < 0x80 {
		return int(first), 1, nil
	}
	extra := int(first & 0x7F)
	if extra == 0 || extra > 3 {
		return 0, 0, &DecodeError{Err: ErrBadLength, Detail: fmt.Sprintf("length byte 0x%02X", first)}
	}
	if len(data) < 1+extra {
		return 0, 0, &DecodeError{Err: ErrTruncatedLength, Detail: fmt.Sprintf("0x%02X needs %d more bytes, %d left", first, extra, len(data)-1)}
	}
	n := 0
	for _, b := range data[1 : 1+extra] {
		n = n<<8 | int(b)
	}
	return n, 1 + extra, nil
}
