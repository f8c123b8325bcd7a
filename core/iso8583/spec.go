package iso8583

import "fmt"

// DataType is the content class ISO 8583 gives a data element.
type DataType uint8

// Data types. Numeric and Track fields are digit strings, BCD-packed or ASCII as the
// field's Encoding says; the others travel as bytes.
const (
	// Numeric (n): the digits 0-9.
	Numeric DataType = iota + 1
	// Track (z): magnetic-stripe track 2/3 data, digits and the field separator,
	// written '=' in values (BCD nibble D; 'D' is accepted on input).
	Track
	// Alphanumeric (an): letters, digits and the space used as padding.
	Alphanumeric
	// Text (ans): letters, digits and special characters; any byte is accepted, since
	// hosts put GBK text in private fields.
	Text
	// Binary (b): raw bytes.
	Binary
)

// String is the ISO abbreviation of the type.
func (t DataType) String() string {
	switch t {
	case Numeric:
		return "n"
	case Track:
		return "z"
	case Alphanumeric:
		return "an"
	case Text:
		return "ans"
	case Binary:
		return "b"
	}
	return fmt.Sprintf("DataType(%d)", uint8(t))
}

// digits reports whether values of the type are digit strings (BCD-packable).
func (t DataType) digits() bool { return t == Numeric || t == Track }

// LengthKind says how a field's length is known.
type LengthKind uint8

// Length kinds.
const (
	// Fixed: the field always has FieldSpec.Max units.
	Fixed LengthKind = iota + 1
	// LLVar: a two-digit length prefix (one BCD byte or two ASCII digits), at most 99.
	LLVar
	// LLLVar: a three-digit length prefix (two BCD bytes or three ASCII digits), at most 999.
	LLLVar
)

// String is the conventional name of the length kind.
func (k LengthKind) String() string {
	switch k {
	case Fixed:
		return "fixed"
	case LLVar:
		return "LL"
	case LLLVar:
		return "LLL"
	}
	return fmt.Sprintf("LengthKind(%d)", uint8(k))
}

// prefixDigits is the number of digits in the length prefix.
func (k LengthKind) prefixDigits() int {
	switch k {
	case LLVar:
		return 2
	case LLLVar:
		return 3
	}
	return 0
}

// Encoding is how digits are written: the digits of n and z fields, of the MTI and of
// length prefixes.
type Encoding uint8

// Encodings.
const (
	// BCD packs two digits per byte.
	BCD Encoding = iota + 1
	// ASCII writes one character per digit.
	ASCII
)

// String names the encoding.
func (e Encoding) String() string {
	switch e {
	case BCD:
		return "BCD"
	case ASCII:
		return "ASCII"
	}
	return fmt.Sprintf("Encoding(%d)", uint8(e))
}

// Align places an odd number of BCD digits in whole bytes.
type Align uint8

// Alignments.
const (
	// AlignRight pads with a 0 nibble on the left ("右靠"): ISO's rule for numbers.
	AlignRight Align = iota
	// AlignLeft pads with a 0 nibble on the right ("左靠"), as the UnionPay dialect does
	// for variable-length numeric and track fields and for DE22.
	AlignLeft
)

// BitmapEncoding is how the primary and secondary bitmaps are written.
type BitmapEncoding uint8

// Bitmap encodings.
const (
	// BinaryBitmap: 8 bytes per bitmap.
	BinaryBitmap BitmapEncoding = iota + 1
	// HexBitmap: 16 hexadecimal ASCII characters per bitmap.
	HexBitmap
)

// FieldSpec describes one data element.
type FieldSpec struct {
	// Name is the element's name, for documentation and dumps.
	Name string
	// Type is the content class.
	Type DataType
	// Length says whether the field is fixed or has an LL / LLL prefix.
	Length LengthKind
	// Max is the fixed length, or the largest allowed length, counted in digits (n, z),
	// characters (an, ans) or bytes (b), the unit the length prefix counts.
	Max int
	// Encoding is how the digits of an n or z field are written; other types travel
	// as bytes and ignore it.
	Encoding Encoding
	// LengthEncoding is how an LL / LLL prefix is written.
	LengthEncoding Encoding
	// Align places an odd number of BCD digits.
	Align Align
}

// check reports whether the spec is usable for field n.
func (f FieldSpec) check(n int) error {
	switch {
	case n < 2 || n > 128 || n == 65:
		return failf(ErrSpec, "field %d cannot be defined (1 and 65 are bitmaps)", n)
	case f.Type < Numeric || f.Type > Binary:
		return failf(ErrSpec, "field %d: unknown data type %d", n, f.Type)
	case f.Length < Fixed || f.Length > LLLVar:
		return failf(ErrSpec, "field %d: unknown length kind %d", n, f.Length)
	case f.Max <= 0:
		return failf(ErrSpec, "field %d: max length %d", n, f.Max)
	case f.Length == LLVar && f.Max > 99, f.Length == LLLVar && f.Max > 999:
		return failf(ErrSpec, "field %d: max %d does not fit a %s prefix", n, f.Max, f.Length)
	case f.Type.digits() && f.Encoding != BCD && f.Encoding != ASCII:
		return failf(ErrSpec, "field %d: %s field needs an encoding", n, f.Type)
	case f.Length != Fixed && f.LengthEncoding != BCD && f.LengthEncoding != ASCII:
		return failf(ErrSpec, "field %d: length prefix needs an encoding", n)
	}
	return nil
}

// Spec is a message specification: how the MTI and bitmaps are written and which
// fields exist with which format. A Spec is immutable once built by NewSpec.
type Spec struct {
	name   string
	mti    Encoding
	bitmap BitmapEncoding
	fields [129]*FieldSpec
}

// NewSpec checks and builds a specification. Fields 2-128 may be defined except 65
// (the tertiary bitmap bit, not supported); field 1 is the secondary bitmap, which
// the codec manages.
func NewSpec(name string, mti Encoding, bitmap BitmapEncoding, fields map[int]FieldSpec) (*Spec, error) {
	if mti != BCD && mti != ASCII {
		return nil, failf(ErrSpec, "%s: unknown MTI encoding %d", name, mti)
	}
	if bitmap != BinaryBitmap && bitmap != HexBitmap {
		return nil, failf(ErrSpec, "%s: unknown bitmap encoding %d", name, bitmap)
	}
	s := &Spec{name: name, mti: mti, bitmap: bitmap}
	for n, f := range fields {
		if err := f.check(n); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		f := f
		s.fields[n] = &f
	}
	return s, nil
}

// mustSpec builds one of the package's static tables; a mistake in a table is a
// programming error caught by the first test run.
func mustSpec(name string, mti Encoding, bitmap BitmapEncoding, fields map[int]FieldSpec) *Spec {
	s, err := NewSpec(name, mti, bitmap, fields)
	if err != nil {
		panic(err)
	}
	return s
}

// Name is the specification's name.
func (s *Spec) Name() string { return s.name }

// Field returns the specification of field n and whether it is defined.
func (s *Spec) Field(n int) (FieldSpec, bool) {
	if n < 0 || n >= len(s.fields) || s.fields[n] == nil {
		return FieldSpec{}, false
	}
	return *s.fields[n], true
}
