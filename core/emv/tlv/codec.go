package tlv

import (
	"fmt"
)

// MaxDepth is how deeply constructed objects may nest. EMV templates nest four deep
// at most (6F > A5 > BF0C > 61); anything far deeper is malformed or hostile.
const MaxDepth = 16

// MaxLength is the largest value length that can be encoded (three length bytes).
const MaxLength = 0xFFFFFF

// TLV is one data object. For a primitive object Value is its value. For a
// constructed object Children are the objects inside it; Value then holds the
// encoded children exactly as decoded (what offline data authentication hashes) and
// is ignored by Encode, which encodes Children.
type TLV struct {
	Tag      Tag
	Value    []byte
	Children []TLV
}

// New is a primitive data object.
func New(tag Tag, value []byte) TLV {
	return TLV{Tag: tag, Value: value}
}

// NewTemplate is a constructed data object holding children.
func NewTemplate(tag Tag, children ...TLV) TLV {
	return TLV{Tag: tag, Children: children}
}

// Decode reads a list of data objects, recursing into constructed ones, skipping
// 0x00 and 0xFF padding between objects. The values alias data.
func Decode(data []byte) ([]TLV, error) {
	return decodeList(data, 0, 0)
}

// DecodeOne reads the first data object of data (after any padding) and returns it
// with the bytes that follow it.
func DecodeOne(data []byte) (TLV, []byte, error) {
	start := skipPadding(data, 0)
	obj, end, err := decodeObject(data, start, 0, 0)
	if err != nil {
		return TLV{}, nil, err
	}
	return obj, data[end:], nil
}

func skipPadding(data []byte, i int) int {
	for i < len(data) && (data[i] == 0x00 || data[i] == 0xFF) {
		i++
	}
	return i
}

// decodeList decodes data, which starts at offset base of the whole input.
func decodeList(data []byte, base, depth int) ([]TLV, error) {
	var list []TLV
	for i := skipPadding(data, 0); i < len(data); i = skipPadding(data, i) {
		obj, next, err := decodeObject(data, i, base, depth)
		if err != nil {
			return nil, err
		}
		list = append(list, obj)
		i = next
	}
	return list, nil
}

// decodeObject decodes the object starting at data[i] and returns the index after it.
func decodeObject(data []byte, i, base, depth int) (TLV, int, error) {
	tag, n, err := ReadTag(data[i:])
	if err != nil {
		return TLV{}, 0, at(err, base+i, 0)
	}
	lengthAt := i + n
	length, m, err := ReadLength(data[lengthAt:])
	if err != nil {
		return TLV{}, 0, at(err, base+lengthAt, tag)
	}
	valueAt := lengthAt + m
	if left := len(data) - valueAt; length > left {
		return TLV{}, 0, &DecodeError{Offset: base + valueAt, Tag: tag, Err: ErrLengthPastEnd,
			Detail: fmt.Sprintf("0x%X bytes, %d left", length, left)}
	}
	obj := TLV{Tag: tag, Value: data[valueAt : valueAt+length : valueAt+length]}
	if tag.Constructed() {
		if depth+1 > MaxDepth {
			return TLV{}, 0, &DecodeError{Offset: base + i, Tag: tag, Err: ErrTooDeep,
				Detail: fmt.Sprintf("more than %d levels", MaxDepth)}
		}
		children, err := decodeList(obj.Value, base+valueAt, depth+1)
		if err != nil {
			return TLV{}, 0, err
		}
		if children == nil {
			children = []TLV{}
		}
		obj.Children = children
	}
	return obj, valueAt + length, nil
}

// at places an error from ReadTag or ReadLength in the whole input.
func at(err error, offset int, tag Tag) error {
	if de, ok := err.(*DecodeError); ok {
		de.Offset = offset
		de.Tag = tag
		return de
	}
	return err
}

// Encode encodes data objects one after another.
func Encode(objs ...TLV) ([]byte, error) {
	var out []byte
	for _, obj := range objs {
		var err error
		if out, err = obj.AppendTo(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Encode encodes the data object.
func (t TLV) Encode() ([]byte, error) {
	return t.AppendTo(nil)
}

// AppendTo appends the encoded data object to dst.
func (t TLV) AppendTo(dst []byte) ([]byte, error) {
	if !t.Tag.Valid() {
		return nil, fmt.Errorf("tlv: tag %s is not a well-formed BER tag", t.Tag)
	}
	value := t.Value
	if t.Tag.Constructed() {
		var err error
		if value, err = Encode(t.Children...); err != nil {
			return nil, fmt.Errorf("tlv: in template %s: %w", t.Tag, err)
		}
	} else if len(t.Children) > 0 {
		return nil, fmt.Errorf("tlv: tag %s is primitive but has %d children", t.Tag, len(t.Children))
	}
	if len(value) > MaxLength {
		return nil, fmt.Errorf("tlv: tag %s: value of %d bytes exceeds the %d a length field can say", t.Tag, len(value), MaxLength)
	}
	dst = t.Tag.appendTo(dst)
	dst = AppendLength(dst, len(value))
	return append(dst, value...), nil
}

// AppendLength appends the shortest length field for n (0 <= n <= MaxLength).
func AppendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	default:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
}
