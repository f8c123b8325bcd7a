// Package dol reads Data Object Lists (PDOL, CDOL1, CDOL2, DDOL, TDOL) and builds the
// data a card asked for with them, by the rules of EMV Book 3 5.4:
//
//   - an entry whose data element the terminal does not have, or whose tag is a
//     constructed template, is filled with hexadecimal zeros of the listed length;
//   - a numeric (n) value longer than listed is cut on the left, shorter is padded
//     on the left with hexadecimal zeros;
//   - a compressed numeric (cn) value is cut on the right or padded on the right with
//     hexadecimal 'FF';
//   - any other value (an, ans, b) is cut on the right or padded on the right with
//     hexadecimal zeros;
//   - an entry of length zero contributes nothing.
//
// The format of a tag comes from core/emv/tags; a tag the dictionary does not know
// but the source has is treated as binary. This package never logs.
package dol

import (
	"bytes"
	"fmt"

	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// Entry is one element of a DOL: a tag and the length the card wants.
type Entry struct {
	Tag    tlv.Tag
	Length int
}

// Parse reads a DOL: tags each followed by a one-byte length. Padding bytes are not
// allowed inside a DOL.
func Parse(dol []byte) ([]Entry, error) {
	var entries []Entry
	for i := 0; i < len(dol); {
		tag, n, err := tlv.ReadTag(dol[i:])
		if err != nil {
			return nil, fmt.Errorf("dol: entry %d at offset %d: %w", len(entries)+1, i, err)
		}
		if !tag.Valid() {
			return nil, fmt.Errorf("dol: entry %d at offset %d: %s is not a valid tag", len(entries)+1, i, tag)
		}
		i += n
		if i >= len(dol) {
			return nil, fmt.Errorf("dol: entry %d (tag %s): no length byte", len(entries)+1, tag)
		}
		entries = append(entries, Entry{Tag: tag, Length: int(dol[i])})
		i++
	}
	return entries, nil
}

// DataLength is how many bytes the data built for the entries will take.
func DataLength(entries []Entry) int {
	n := 0
	for _, e := range entries {
		n += e.Length
	}
	return n
}

// Source gives the value of a data element the terminal has, or false.
type Source func(tag tlv.Tag) ([]byte, bool)

// FromMap is a source backed by a map.
func FromMap(values map[tlv.Tag][]byte) Source {
	return func(tag tlv.Tag) ([]byte, bool) {
		v, ok := values[tag]
		return v, ok
	}
}

// FromTLV is a source that finds primitive data objects in decoded TLV (at any depth),
// for instance the card's records and the terminal's data.
func FromTLV(objs []tlv.TLV) Source {
	return func(tag tlv.Tag) ([]byte, bool) {
		return tlv.Value(objs, tag)
	}
}

// Chain asks each source in turn and takes the first answer.
func Chain(sources ...Source) Source {
	return func(tag tlv.Tag) ([]byte, bool) {
		for _, s := range sources {
			if s == nil {
				continue
			}
			if v, ok := s(tag); ok {
				return v, true
			}
		}
		return nil, false
	}
}

// Build concatenates, for each entry, the data element from the source fitted to the
// entry's length by the rules above.
func Build(entries []Entry, source Source) []byte {
	out := make([]byte, 0, DataLength(entries))
	for _, e := range entries {
		out = append(out, Fit(e, source)...)
	}
	return out
}

// BuildFromDOL parses a DOL and builds its data in one step.
func BuildFromDOL(dol []byte, source Source) ([]byte, error) {
	entries, err := Parse(dol)
	if err != nil {
		return nil, err
	}
	return Build(entries, source), nil
}

// Fit is the value of one entry: the source's data element padded or cut to the
// entry's length according to its format, or zeros.
func Fit(e Entry, source Source) []byte {
	if e.Length == 0 {
		return nil
	}
	var value []byte
	ok := false
	if source != nil && !e.Tag.Constructed() {
		value, ok = source(e.Tag)
	}
	if !ok {
		return make([]byte, e.Length)
	}
	format := tags.Binary
	if info, known := tags.Lookup(e.Tag); known {
		format = info.Format
	}
	return fit(value, e.Length, format)
}

func fit(value []byte, length int, format tags.Format) []byte {
	switch {
	case len(value) == length:
		return bytes.Clone(value)
	case format == tags.Numeric && len(value) > length:
		return bytes.Clone(value[len(value)-length:])
	case format == tags.Numeric:
		return append(make([]byte, length-len(value)), value...)
	case len(value) > length:
		return bytes.Clone(value[:length])
	case format == tags.CompressedNumeric:
		return append(bytes.Clone(value), bytes.Repeat([]byte{0xFF}, length-len(value))...)
	default:
		return append(bytes.Clone(value), make([]byte, length-len(value))...)
	}
}
