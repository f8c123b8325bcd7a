package iso8583

import (
	"bytes"
	"errors"
	"testing"

	"tilldesk/core/iso8583/internal/isotest"
)

func TestPackBCDAlignment(t *testing.T) {
	tests := []struct {
		value string
		typ   DataType
		align Align
		want  string
	}{
		{"071", Numeric, AlignLeft, "0710"},
		{"001", Numeric, AlignRight, "0001"},
		{"123456", Numeric, AlignRight, "123456"},
		{"", Numeric, AlignRight, ""},
		{"6224=2806", Track, AlignLeft, "6224D28060"},
		{"6224D2806", Track, AlignLeft, "6224D28060"},
		{"6224d2806", Track, AlignRight, "06224D2806"},
	}
	for _, tt := range tests {
		got, err := packBCD([]byte(tt.value), tt.typ, tt.align)
		if err != nil || !bytes.Equal(got, isotest.Hex(t, tt.want)) {
			t.Errorf("packBCD(%q, %s, %d) = %X, %v, want %s", tt.value, tt.typ, tt.align, got, err, tt.want)
		}
	}
}

func TestUnpackBCDPadding(t *testing.T) {
	tests := []struct {
		packed string
		count  int
		typ    DataType
		align  Align
		want   string
	}{
		{"0710", 3, Numeric, AlignLeft, "071"},
		{"071F", 3, Numeric, AlignLeft, "071"}, // F pad, as some hosts write it
		{"0001", 3, Numeric, AlignRight, "001"},
		{"F001", 3, Numeric, AlignRight, "001"},
		{"6224D2806F", 9, Track, AlignLeft, "6224=2806"},
	}
	for _, tt := range tests {
		got, err := unpackBCD(isotest.Hex(t, tt.packed), tt.count, tt.typ, tt.align)
		if err != nil || string(got) != tt.want {
			t.Errorf("unpackBCD(%s, %d) = %q, %v, want %q", tt.packed, tt.count, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		packed string
		count  int
		typ    DataType
	}{
		{"0715", 3, Numeric},   // pad nibble 5
		{"6224D2", 6, Numeric}, // separator in a numeric field
		{"62E4", 4, Track},     // E is no track character
	} {
		if _, err := unpackBCD(isotest.Hex(t, bad.packed), bad.count, bad.typ, AlignLeft); !errors.Is(err, ErrCharacter) {
			t.Errorf("unpackBCD(%s) = %v, want ErrCharacter", bad.packed, err)
		}
	}
}

func TestLengthPrefixes(t *testing.T) {
	if got := encodeNumber(139, 3, BCD); !bytes.Equal(got, []byte{0x01, 0x39}) {
		t.Errorf("LLL BCD 139 = %X, want 0139", got)
	}
	if got := encodeNumber(37, 2, BCD); !bytes.Equal(got, []byte{0x37}) {
		t.Errorf("LL BCD 37 = %X, want 37", got)
	}
	if got := encodeNumber(5, 3, ASCII); string(got) != "005" {
		t.Errorf("LLL ASCII 5 = %q", got)
	}
	if v, n, err := decodeNumber([]byte{0x01, 0x53}, 3, BCD); v != 153 || n != 2 || err != nil {
		t.Errorf("decode LLL 0153 = %d, %d, %v", v, n, err)
	}
	if _, _, err := decodeNumber([]byte("1"), 2, ASCII); !errors.Is(err, ErrTruncated) {
		t.Errorf("short ASCII LL: %v", err)
	}
}
