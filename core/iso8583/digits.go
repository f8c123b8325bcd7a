package iso8583

import "strconv"

// Digit strings: the values of n and z fields, the MTI and length prefixes. In a
// Message they are ASCII text; on the wire they are ASCII or packed BCD.

// trackSeparator is how the track field separator is written in values.
const trackSeparator = '='

// separatorNibble is the separator's BCD nibble.
const separatorNibble = 0xD

// digitNibble maps one value character to its BCD nibble, or reports that the
// character is not allowed in a field of type t.
func digitNibble(c byte, t DataType) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case t == Track && (c == trackSeparator || c == 'D' || c == 'd'):
		return separatorNibble, true
	}
	return 0, false
}

// nibbleDigit maps a BCD nibble back to a value character.
func nibbleDigit(n byte, t DataType) (byte, bool) {
	switch {
	case n <= 9:
		return '0' + n, true
	case t == Track && n == separatorNibble:
		return trackSeparator, true
	}
	return 0, false
}

// isPadNibble reports whether n may fill the unused half byte of an odd digit count:
// 0 by the UnionPay and ISO rules, F as many hosts write it.
func isPadNibble(n byte) bool { return n == 0 || n == 0xF }

// badChar describes a character a field type does not allow, without quoting the
// rest of the value (it may be a PAN).
func badChar(c byte, pos int, t DataType) error {
	return failf(ErrCharacter, "character %s at position %d not allowed in an %s field", strconv.QuoteRuneToASCII(rune(c)), pos, t)
}

// normalizeDigits checks a digit-string value and returns it with track separators
// written as '='. The input is not modified.
func normalizeDigits(value []byte, t DataType) ([]byte, error) {
	out := make([]byte, len(value))
	for i, c := range value {
		nib, ok := digitNibble(c, t)
		if !ok {
			return nil, badChar(c, i, t)
		}
		out[i], _ = nibbleDigit(nib, t)
	}
	return out, nil
}

// packBCD packs a digit-string value into (len+1)/2 bytes, padding an odd count with
// a 0 nibble on the side align says.
func packBCD(value []byte, t DataType, align Align) ([]byte, error) {
	n := len(value)
	out := make([]byte, (n+1)/2)
	offset := 0 // nibble position of the first digit
	if n%2 == 1 && align == AlignRight {
		offset = 1
	}
	for i, c := range value {
		nib, ok := digitNibble(c, t)
		if !ok {
			return nil, badChar(c, i, t)
		}
		pos := i + offset
		if pos%2 == 0 {
			out[pos/2] |= nib << 4
		} else {
			out[pos/2] |= nib
		}
	}
	return out, nil
}

// unpackBCD reads count digits from packed, which holds exactly (count+1)/2 bytes.
func unpackBCD(packed []byte, count int, t DataType, align Align) ([]byte, error) {
	offset := 0
	padPos := -1
	if count%2 == 1 {
		if align == AlignRight {
			offset, padPos = 1, 0
		} else {
			padPos = count
		}
	}
	if padPos >= 0 {
		if nib := nibbleAt(packed, padPos); !isPadNibble(nib) {
			return nil, failf(ErrCharacter, "pad nibble %X in an odd-length %s field, want 0 or F", nib, t)
		}
	}
	out := make([]byte, count)
	for i := range count {
		nib := nibbleAt(packed, i+offset)
		c, ok := nibbleDigit(nib, t)
		if !ok {
			return nil, failf(ErrCharacter, "nibble %X at digit %d not allowed in a BCD %s field", nib, i, t)
		}
		out[i] = c
	}
	return out, nil
}

// nibbleAt is the pos-th half byte of b, high half first.
func nibbleAt(b []byte, pos int) byte {
	if pos%2 == 0 {
		return b[pos/2] >> 4
	}
	return b[pos/2] & 0x0F
}

// encodeNumber writes a non-negative number as digits decimal digits in enc.
func encodeNumber(v, digits int, enc Encoding) []byte {
	text := []byte(strconv.Itoa(v))
	for len(text) < digits {
		text = append([]byte{'0'}, text...)
	}
	if enc == ASCII {
		return text
	}
	packed, _ := packBCD(text, Numeric, AlignRight) // digits only: cannot fail
	return packed
}

// decodeNumber reads a digits-long decimal number in enc from the start of b and
// returns it with the number of bytes read.
func decodeNumber(b []byte, digits int, enc Encoding) (int, int, error) {
	size := digits
	if enc == BCD {
		size = (digits + 1) / 2
	}
	if len(b) < size {
		return 0, 0, failf(ErrTruncated, "need %d bytes, have %d", size, len(b))
	}
	var text []byte
	if enc == BCD {
		var err error
		text, err = unpackBCD(b[:size], digits, Numeric, AlignRight)
		if err != nil {
			return 0, 0, err
		}
	} else {
		text = b[:size]
		for i, c := range text {
			if c < '0' || c > '9' {
				return 0, 0, badChar(c, i, Numeric)
			}
		}
	}
	v := 0
	for _, c := range text {
		v = v*10 + int(c-'0')
	}
	return v, size, nil
}
