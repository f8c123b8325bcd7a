// Package iso8583 packs and unpacks ISO 8583:1987 messages from table-driven field
// specifications: fixed, LLVAR and LLLVAR fields; numeric and track data as packed
// BCD or ASCII; alphanumeric, text and binary fields; BCD or ASCII message type
// indicators; binary or hexadecimal primary and secondary bitmaps.
//
// Two specifications come with the package: UnionPay, the China UnionPay POS
// terminal dialect the till speaks (BCD numbers, binary bitmap), and ISO87ASCII, the
// all-ASCII layout, which shows the codec does not depend on one encoding.
//
// Unpack never panics on malformed input; every error names the field and wraps a
// sentinel (ErrTruncated, ErrLength, ErrCharacter, ErrUndefinedField, ErrMTI,
// ErrTrailingData). Errors never quote field values, and Message.String masks card
// data, so messages can be logged.
package iso8583

import (
	"bytes"
	"encoding/hex"
	"slices"
)

// Message is one ISO 8583 message: its type indicator and its data elements by field
// number (2-128). Values of n and z fields are ASCII digit strings (track separators
// written '='); an and ans values are their bytes; b values are raw bytes. Bitmaps
// are not fields: the codec derives them from which fields are present.
type Message struct {
	MTI    string
	Fields map[int][]byte
}

// NewMessage is an empty message of type mti.
func NewMessage(mti string) Message {
	return Message{MTI: mti, Fields: make(map[int][]byte)}
}

// Set sets field n to a text value.
func (m *Message) Set(n int, value string) { m.SetBytes(n, []byte(value)) }

// SetBytes sets field n to a copy of value.
func (m *Message) SetBytes(n int, value []byte) {
	if m.Fields == nil {
		m.Fields = make(map[int][]byte)
	}
	m.Fields[n] = bytes.Clone(value)
	if m.Fields[n] == nil {
		m.Fields[n] = []byte{}
	}
}

// Get returns field n as text ("" when absent).
func (m Message) Get(n int) string { return string(m.Fields[n]) }

// Bytes returns field n (nil when absent). The slice is the message's own.
func (m Message) Bytes(n int) []byte { return m.Fields[n] }

// Has reports whether field n is present.
func (m Message) Has(n int) bool {
	_, ok := m.Fields[n]
	return ok
}

// Delete removes field n.
func (m *Message) Delete(n int) { delete(m.Fields, n) }

// FieldNumbers lists the present fields in ascending order.
func (m Message) FieldNumbers() []int {
	nums := make([]int, 0, len(m.Fields))
	for n := range m.Fields {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	return nums
}

// Clone returns a deep copy of the message.
func (m Message) Clone() Message {
	c := NewMessage(m.MTI)
	for n, v := range m.Fields {
		c.Fields[n] = bytes.Clone(v)
	}
	return c
}

// Equal reports whether two messages have the same type and the same fields.
func (m Message) Equal(o Message) bool {
	if m.MTI != o.MTI || len(m.Fields) != len(o.Fields) {
		return false
	}
	for n, v := range m.Fields {
		w, ok := o.Fields[n]
		if !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// Pack encodes m: MTI, primary bitmap, secondary bitmap when a field above 64 is
// present, then the fields in order.
func (s *Spec) Pack(m Message) ([]byte, error) {
	out, err := s.packMTI(m.MTI)
	if err != nil {
		return nil, err
	}
	nums := m.FieldNumbers()
	var bitmap [16]byte
	for _, n := range nums {
		if _, ok := s.Field(n); !ok {
			return nil, fieldError(n, failf(ErrUndefinedField, "not defined by the %s spec (bitmaps are set by the codec)", s.name))
		}
		setBit(bitmap[:], n)
	}
	size := 8
	if len(nums) > 0 && nums[len(nums)-1] > 64 {
		setBit(bitmap[:], 1)
		size = 16
	}
	out = append(out, s.encodeBitmap(bitmap[:size])...)
	for _, n := range nums {
		f, _ := s.Field(n)
		data, err := encodeField(f, m.Fields[n])
		if err != nil {
			return nil, fieldError(n, err)
		}
		out = append(out, data...)
	}
	return out, nil
}

// Unpack decodes one whole message. Field values are fresh copies, not aliases of
// data. It fails if data ends early, names an undefined field or has bytes left over.
func (s *Spec) Unpack(data []byte) (Message, error) {
	mti, pos, err := s.unpackMTI(data)
	if err != nil {
		return Message{}, err
	}
	bitmap, n, err := s.decodeBitmap(data[pos:], "primary")
	if err != nil {
		return Message{}, err
	}
	pos += n
	if bitSet(bitmap, 1) {
		second, n, err := s.decodeBitmap(data[pos:], "secondary")
		if err != nil {
			return Message{}, err
		}
		pos += n
		bitmap = append(bitmap, second...)
	}
	m := NewMessage(mti)
	for field := 2; field <= len(bitmap)*8; field++ {
		if !bitSet(bitmap, field) {
			continue
		}
		f, ok := s.Field(field)
		if !ok {
			return Message{}, fieldError(field, failf(ErrUndefinedField, "the bitmap names field %d, which the %s spec does not define", field, s.name))
		}
		value, n, err := decodeField(f, data[pos:])
		if err != nil {
			return Message{}, fieldError(field, err)
		}
		m.Fields[field] = value
		pos += n
	}
	if pos != len(data) {
		return Message{}, messageError(failf(ErrTrailingData, "%d bytes after the last field", len(data)-pos))
	}
	return m, nil
}

// packMTI checks and encodes the message type indicator.
func (s *Spec) packMTI(mti string) ([]byte, error) {
	if len(mti) != 4 {
		return nil, messageError(failf(ErrMTI, "MTI has %d characters, want 4 digits", len(mti)))
	}
	if _, err := normalizeDigits([]byte(mti), Numeric); err != nil {
		return nil, messageError(failf(ErrMTI, "MTI: %v", err))
	}
	return encodeData(FieldSpec{Type: Numeric, Encoding: s.mti}, []byte(mti))
}

// unpackMTI reads the message type indicator and returns it with its size in bytes.
func (s *Spec) unpackMTI(data []byte) (string, int, error) {
	f := FieldSpec{Type: Numeric, Length: Fixed, Max: 4, Encoding: s.mti}
	value, n, err := decodeField(f, data)
	if err != nil {
		return "", 0, messageError(failf(ErrMTI, "MTI: %v", err))
	}
	return string(value), n, nil
}

// encodeBitmap writes bitmap bytes in the spec's bitmap encoding.
func (s *Spec) encodeBitmap(b []byte) []byte {
	if s.bitmap == BinaryBitmap {
		return bytes.Clone(b)
	}
	return bytes.ToUpper([]byte(hex.EncodeToString(b)))
}

// decodeBitmap reads one 64-bit bitmap and returns it with its size on the wire.
func (s *Spec) decodeBitmap(data []byte, which string) ([]byte, int, error) {
	size := 8
	if s.bitmap == HexBitmap {
		size = 16
	}
	if len(data) < size {
		return nil, 0, messageError(failf(ErrTruncated, "%s bitmap: need %d bytes, have %d", which, size, len(data)))
	}
	if s.bitmap == BinaryBitmap {
		return bytes.Clone(data[:size]), size, nil
	}
	b := make([]byte, 8)
	if _, err := hex.Decode(b, data[:size]); err != nil {
		return nil, 0, messageError(failf(ErrCharacter, "%s bitmap is not hexadecimal", which))
	}
	return b, size, nil
}

// setBit sets field n's bit (1-based, most significant bit first).
func setBit(bitmap []byte, n int) { bitmap[(n-1)/8] |= 0x80 >> ((n - 1) % 8) }

// bitSet reports whether field n's bit is set.
func bitSet(bitmap []byte, n int) bool { return bitmap[(n-1)/8]&(0x80>>((n-1)%8)) != 0 }
