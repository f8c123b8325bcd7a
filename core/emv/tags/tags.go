// Package tags is the EMV data dictionary the kernel needs: for each data element its
// tag, name, format, permitted length and where it comes from (EMV Book 3 Annex A,
// with the contactless elements of EMV Book C-3 and the Mastercard/Visa elements a
// DE55 commonly carries). DOL building reads the format to pad and truncate values.
package tags

import (
	"fmt"

	"tilldesk/core/emv/tlv"
)

// Format is how a data element's value is coded (EMV Book 3 4.3).
type Format int

// The EMV data formats.
const (
	// Binary (b): bytes with no further structure.
	Binary Format = iota
	// Numeric (n): BCD digits, right-justified, leading hexadecimal zeros.
	Numeric
	// CompressedNumeric (cn): BCD digits, left-justified, trailing hexadecimal F.
	CompressedNumeric
	// Alphanumeric (an): letters and digits, one per byte.
	Alphanumeric
	// AlphanumericSpecial (ans): printable characters of ISO/IEC 8859, one per byte.
	AlphanumericSpecial
)

// String is the format's abbreviation in EMV ("n", "cn", "an", "ans", "b").
func (f Format) String() string {
	switch f {
	case Numeric:
		return "n"
	case CompressedNumeric:
		return "cn"
	case Alphanumeric:
		return "an"
	case AlphanumericSpecial:
		return "ans"
	default:
		return "b"
	}
}

// Source is who provides a data element.
type Source int

// The sources of data elements.
const (
	ICC      Source = iota // the card
	Terminal               // the terminal (or its configuration)
	Issuer                 // the issuer, in the authorisation response
)

// String is "ICC", "Terminal" or "Issuer".
func (s Source) String() string {
	switch s {
	case Terminal:
		return "Terminal"
	case Issuer:
		return "Issuer"
	default:
		return "ICC"
	}
}

// Info describes one data element. MinLen and MaxLen are in bytes of the value.
type Info struct {
	Tag    tlv.Tag
	Name   string
	Format Format
	MinLen int
	MaxLen int
	Source Source
}

// CheckLength says whether a value of n bytes fits the element's permitted length.
func (i Info) CheckLength(n int) error {
	if n < i.MinLen || n > i.MaxLen {
		if i.MinLen == i.MaxLen {
			return fmt.Errorf("tags: %s (%s) is %d bytes, must be %d", i.Tag, i.Name, n, i.MinLen)
		}
		return fmt.Errorf("tags: %s (%s) is %d bytes, must be %d to %d", i.Tag, i.Name, n, i.MinLen, i.MaxLen)
	}
	return nil
}

// Lookup gives what the dictionary knows about a tag.
func Lookup(tag tlv.Tag) (Info, bool) {
	info, ok := byTag[tag]
	return info, ok
}

// All lists the dictionary in tag order of its table.
func All() []Info {
	return append([]Info(nil), dictionary...)
}

var byTag = func() map[tlv.Tag]Info {
	m := make(map[tlv.Tag]Info, len(dictionary))
	for _, info := range dictionary {
		m[info.Tag] = info
	}
	return m
}()
