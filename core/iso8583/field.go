package iso8583

import (
	"bytes"
	"errors"
)

// encodeField writes one data element: length prefix (if any) and data. Values
// shorter than a fixed length are padded the ISO way: numbers with leading zeros,
// an/ans text with trailing spaces; other length mismatches are errors.
func encodeField(f FieldSpec, value []byte) ([]byte, error) {
	value, err := fitFixedLength(f, value)
	if err != nil {
		return nil, err
	}
	if len(value) > f.Max {
		return nil, failf(ErrLength, "length %d exceeds max %d", len(value), f.Max)
	}
	data, err := encodeData(f, value)
	if err != nil {
		return nil, err
	}
	if f.Length == Fixed {
		return data, nil
	}
	prefix := encodeNumber(len(value), f.Length.prefixDigits(), f.LengthEncoding)
	return append(prefix, data...), nil
}

// fitFixedLength pads a short value of a fixed field where ISO allows it.
func fitFixedLength(f FieldSpec, value []byte) ([]byte, error) {
	if f.Length != Fixed || len(value) == f.Max {
		return value, nil
	}
	if pad := f.Max - len(value); pad > 0 {
		switch f.Type {
		case Numeric:
			return append(bytes.Repeat([]byte{'0'}, pad), value...), nil
		case Alphanumeric, Text:
			return append(append([]byte(nil), value...), bytes.Repeat([]byte{' '}, pad)...), nil
		}
	}
	return nil, failf(ErrLength, "length %d, fixed length is %d", len(value), f.Max)
}

// encodeData writes the data part of a field whose length is already checked.
func encodeData(f FieldSpec, value []byte) ([]byte, error) {
	switch {
	case f.Type.digits() && f.Encoding == BCD:
		return packBCD(value, f.Type, f.Align)
	case f.Type.digits():
		return normalizeDigits(value, f.Type)
	case f.Type == Alphanumeric:
		if err := checkAlphanumeric(value); err != nil {
			return nil, err
		}
	}
	return append([]byte(nil), value...), nil
}

// decodeField reads one data element from the start of b and returns its value and
// the number of bytes read.
func decodeField(f FieldSpec, b []byte) ([]byte, int, error) {
	units, read := f.Max, 0
	if f.Length != Fixed {
		n, size, err := decodeNumber(b, f.Length.prefixDigits(), f.LengthEncoding)
		if err != nil {
			if !errors.Is(err, ErrTruncated) {
				err = failf(ErrLength, "%s prefix: %v", f.Length, err)
			}
			return nil, 0, err
		}
		if n > f.Max {
			return nil, 0, failf(ErrLength, "%s length %d exceeds max %d", f.Length, n, f.Max)
		}
		units, read = n, size
	}
	size := units
	if f.Type.digits() && f.Encoding == BCD {
		size = (units + 1) / 2
	}
	if len(b)-read < size {
		return nil, 0, failf(ErrTruncated, "need %d bytes of data, have %d", size, len(b)-read)
	}
	raw := b[read : read+size]
	value, err := decodeData(f, raw, units)
	if err != nil {
		return nil, 0, err
	}
	return value, read + size, nil
}

// decodeData turns the data bytes of a field into its value (a fresh slice).
func decodeData(f FieldSpec, raw []byte, units int) ([]byte, error) {
	switch {
	case f.Type.digits() && f.Encoding == BCD:
		return unpackBCD(raw, units, f.Type, f.Align)
	case f.Type.digits():
		return normalizeDigits(raw, f.Type)
	case f.Type == Alphanumeric:
		if err := checkAlphanumeric(raw); err != nil {
			return nil, err
		}
	}
	return append([]byte(nil), raw...), nil
}

// checkAlphanumeric accepts letters, digits and spaces (the an padding).
func checkAlphanumeric(value []byte) error {
	for i, c := range value {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == ' ') {
			return badChar(c, i, Alphanumeric)
		}
	}
	return nil
}
