package iso8583

import (
	"bytes"
	"errors"
	"testing"

	"tilldesk/core/iso8583/internal/isotest"
)

// Malformed input: each case names the error it must wrap and, where the brief fixes
// it, the exact message.
func TestUnpackRejectsMalformedInput(t *testing.T) {
	tests := []struct {
		name string
		spec *Spec
		data string // hex for UnionPay, text for ISO87ASCII
		want error
		text string
	}{
		{"track 2 longer than its max", UnionPay, "0200 0000000020000000 40" + "1234567890123456D12345678901234567890000", ErrLength,
			"iso8583: field 35: LL length 40 exceeds max 37"},
		{"LL prefix not BCD", UnionPay, "0200 4000000000000000 1A 1234567890", ErrLength, ""},
		{"LLL prefix not BCD", UnionPay, "0200 0000000000000010 0A00", ErrLength, ""},
		{"field data cut short", UnionPay, "0200 2000000000000000 0000", ErrTruncated,
			"iso8583: field 3: need 3 bytes of data, have 2"},
		{"LLL prefix cut short", UnionPay, "0200 0000000000000010 00", ErrTruncated, ""},
		{"bitmap names an undefined field", UnionPay, "0200 0800000000000000 000000000000", ErrUndefinedField,
			"iso8583: field 5: the bitmap names field 5, which the UnionPay POS spec does not define"},
		{"secondary bitmap names an undefined field", UnionPay, "0200 8000000000000000 4000000000000000 00", ErrUndefinedField, ""},
		{"non-digit nibble in a numeric field", UnionPay, "0200 2000000000000000 00A000", ErrCharacter,
			"iso8583: field 3: nibble A at digit 2 not allowed in a BCD n field"},
		{"bad pad nibble", UnionPay, "0200 0000040000000000 0715", ErrCharacter, ""},
		{"non-alphanumeric in an an field", UnionPay, "0200 0000000002000000 3021", ErrCharacter, ""},
		{"trailing bytes", UnionPay, "0200 2000000000000000 000000 FF", ErrTrailingData,
			"iso8583: 1 bytes after the last field"},
		{"MTI not BCD digits", UnionPay, "02A0 0000000000000000", ErrMTI, ""},
		{"empty input", UnionPay, "", ErrMTI, ""},
		{"primary bitmap cut short", UnionPay, "0200 00000000", ErrTruncated, ""},
		{"secondary bitmap cut short", UnionPay, "0200 8000000000000000 0000", ErrTruncated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.spec.Unpack(isotest.Hex(t, tt.data))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Unpack = %v, want %v", err, tt.want)
			}
			if tt.text != "" && err.Error() != tt.text {
				t.Errorf("error text %q, want %q", err.Error(), tt.text)
			}
		})
	}
}

// The ASCII layout rejects the same faults in its own encoding. The pyiso8583 howto
// messages with "cardholder PAN" and "PAN" in DE2 (its sample spec does not check
// digits; this one does) must fail as non-digits.
func TestUnpackASCIIRejectsMalformedInput(t *testing.T) {
	tests := []struct {
		name, data string
		want       error
	}{
		{"letters in numeric DE2 (pyiso8583 howto)", "0200600008000000000014cardholder PAN111111021", ErrCharacter},
		{"letters in numeric DE2 (pyiso8583 howto JSON)", "0200400000000000000003PAN", ErrCharacter},
		{"bitmap not hex", "0200400000000000000G101234567890", ErrCharacter},
		{"LL prefix not digits", "02004000000000000000x01234567890", ErrLength},
		{"LL length over max", "0200400000000000000020" + "12345678901234567890", ErrLength},
		{"MTI not digits", "02X04000000000000000", ErrMTI},
		{"data cut short", "02004000000000000000101234", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ISO87ASCII.Unpack([]byte(tt.data)); !errors.Is(err, tt.want) {
				t.Fatalf("Unpack = %v, want %v", err, tt.want)
			}
		})
	}
}

// Every prefix of a published message is truncated: Unpack must say so and not panic.
func TestUnpackEveryPrefixOfAPublishedMessage(t *testing.T) {
	body := isotest.Hex(t, isotest.SaleFrame)[isotest.FrameHeaderSize:]
	for n := range len(body) {
		_, err := UnionPay.Unpack(body[:n])
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMTI) {
			t.Fatalf("Unpack of the first %d bytes = %v, want a truncation error", n, err)
		}
	}
}

func TestPackRejectsBadValues(t *testing.T) {
	tests := []struct {
		name  string
		field int
		value string
		want  error
	}{
		{"too long for LLVAR", 2, "12345678901234567890", ErrLength},
		{"too long for fixed", 3, "0000000", ErrLength},
		{"short binary", 52, "1234567", ErrLength},
		{"letter in numeric", 4, "00000000001A", ErrCharacter},
		{"letter in track", 35, "1234X5678", ErrCharacter},
		{"symbol in an", 39, "0!", ErrCharacter},
		{"undefined field", 5, "000000000000", ErrUndefinedField},
		{"secondary bitmap set by hand", 1, "00000000", ErrUndefinedField},
		{"out of range", 129, "00", ErrUndefinedField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMessage("0200")
			m.Set(tt.field, tt.value)
			_, err := UnionPay.Pack(m)
			var fe *FieldError
			if !errors.Is(err, tt.want) || !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Pack = %v, want %v in field %d", err, tt.want, tt.field)
			}
		})
	}
	for _, mti := range []string{"", "020", "02000", "02a0"} {
		if _, err := UnionPay.Pack(NewMessage(mti)); !errors.Is(err, ErrMTI) {
			t.Errorf("Pack(MTI %q) = %v, want ErrMTI", mti, err)
		}
	}
}

// Short fixed values are padded the ISO way; the padded form is what Unpack returns.
func TestPackPadsShortFixedValues(t *testing.T) {
	m := NewMessage("0200")
	m.Set(4, "100") // n12: leading zeros
	m.Set(41, "T1") // ans8: trailing spaces
	m.Set(22, "5")  // n3, left-aligned: 005 packed 00 50
	packed, err := UnionPay.Pack(m)
	if err != nil {
		t.Fatal(err)
	}
	want := isotest.Hex(t, "0200 1000040000800000 000000000100 0050 5431202020202020")
	if !bytes.Equal(packed, want) {
		t.Fatalf("Pack = %X, want %X", packed, want)
	}
	got, err := UnionPay.Unpack(packed)
	if err != nil {
		t.Fatal(err)
	}
	if got.Get(4) != "000000000100" || got.Get(41) != "T1      " || got.Get(22) != "005" {
		t.Errorf("Unpack = %v", got)
	}
}

// Round trip (not a published vector): a secondary bitmap appears exactly when a
// field above 64 is present, in both layouts.
func TestRoundTripSecondaryBitmap(t *testing.T) {
	for _, spec := range []*Spec{UnionPay, ISO87ASCII} {
		m := NewMessage("0400")
		m.Set(3, "000000")
		m.Set(11, "000123")
		m.Set(90, "020000012301021530450000000000100000000000")
		m.SetBytes(128, []byte{1, 2, 3, 4, 5, 6, 7, 8})
		packed, err := spec.Pack(m)
		if err != nil {
			t.Fatalf("%s: %v", spec.Name(), err)
		}
		got, err := spec.Unpack(packed)
		if err != nil {
			t.Fatalf("%s: %v", spec.Name(), err)
		}
		if !got.Equal(m) {
			t.Errorf("%s: round trip %v, want %v", spec.Name(), got, m)
		}
		m.Delete(90)
		m.Delete(128)
		short, err := spec.Pack(m)
		if err != nil {
			t.Fatal(err)
		}
		bitmapSize := map[*Spec]int{UnionPay: 8, ISO87ASCII: 16}[spec]
		if len(packed)-len(short) <= bitmapSize {
			t.Errorf("%s: secondary bitmap not added for fields above 64", spec.Name())
		}
	}
}

// Unpack copies values: changing the input afterwards does not change the message.
func TestUnpackDoesNotAliasInput(t *testing.T) {
	data := isotest.Hex(t, "0200 4000000000000000 16 6224242900000113")
	m, err := UnionPay.Unpack(data)
	if err != nil {
		t.Fatal(err)
	}
	clear(data)
	if m.Get(2) != "6224242900000113" {
		t.Errorf("DE2 changed with the input: %q", m.Get(2))
	}
}

func TestNewSpecRejectsBadTables(t *testing.T) {
	bad := []map[int]FieldSpec{
		{1: {Type: Binary, Length: Fixed, Max: 8}},
		{65: {Type: Binary, Length: Fixed, Max: 8}},
		{2: {Type: Numeric, Length: LLVar, Max: 100, Encoding: BCD, LengthEncoding: BCD}},
		{2: {Type: Numeric, Length: Fixed, Max: 0, Encoding: BCD}},
		{2: {Type: Numeric, Length: Fixed, Max: 6}},
		{2: {Type: Text, Length: LLLVar, Max: 10}},
		{2: {Type: 0, Length: Fixed, Max: 6}},
	}
	for i, fields := range bad {
		if _, err := NewSpec("bad", BCD, BinaryBitmap, fields); !errors.Is(err, ErrSpec) {
			t.Errorf("table %d: NewSpec = %v, want ErrSpec", i, err)
		}
	}
	if _, err := NewSpec("bad", 0, BinaryBitmap, nil); !errors.Is(err, ErrSpec) {
		t.Errorf("no MTI encoding: %v", err)
	}
	if _, err := NewSpec("bad", BCD, 0, nil); !errors.Is(err, ErrSpec) {
		t.Errorf("no bitmap encoding: %v", err)
	}
}
