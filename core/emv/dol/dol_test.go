package dol

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"tilldesk/core/emv/emvtest"
	"tilldesk/core/emv/tlv"
)

var unhex = emvtest.Hex

// The DOLs and data below are from openemv/emv-utils tests/emv_dol_test.c (tests 1 to 7).
const cdol = "9F0206 9F0306 9F1A02 9505 5F2A02 9A03 9C01 9F3704"

func TestParse(t *testing.T) {
	entries, err := Parse(unhex(t, cdol))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{0x9F02, 6}, {0x9F03, 6}, {0x9F1A, 2}, {0x95, 5}, {0x5F2A, 2}, {0x9A, 3}, {0x9C, 1}, {0x9F37, 4}}
	if len(entries) != len(want) {
		t.Fatalf("got %v", entries)
	}
	for i := range want {
		if entries[i] != want[i] {
			t.Fatalf("entry %d = %v, want %v", i, entries[i], want[i])
		}
	}
	if n := DataLength(entries); n != 6+6+2+5+2+3+1+4 {
		t.Fatalf("DataLength = %d", n)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, dol, want string
	}{
		// emv-utils test 2: a tag without its length at the end.
		{"missing length", "9F0206 9F0306 9F1A02 95", "dol: entry 4 (tag 95): no length byte"},
		// emv-utils tests 3 and 5: a two-byte tag without its length.
		{"missing length after two-byte tag", "9F0206 9F0306 9F1A02 9505 5F2A02 9A03 9C01 9F37", "dol: entry 8 (tag 9F37): no length byte"},
		{"truncated tag", "9F0206 9F", "dol: entry 2 at offset 3: tlv: at offset 0: truncated tag"},
		{"padding byte as tag", "9F0206 0004", "dol: entry 2 at offset 3: 00 is not a valid tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(unhex(t, tt.dol))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// The two sources of emv-utils tests 6 and 7: card-ish and terminal-ish values.
func testSources() Source {
	first := FromMap(map[tlv.Tag][]byte{
		0x9C:   {0x09},
		0x9A:   {0x24, 0x02, 0x17},
		0x5F2A: {0x09, 0x78},
		0x9F02: {0x00, 0x01, 0x23, 0x45, 0x67, 0x89},
		0x9F03: {0x00, 0x09, 0x87, 0x65, 0x43, 0x21},
	})
	second := FromMap(map[tlv.Tag][]byte{
		0x9F1A: {0x05, 0x28},
		0x9F37: {0xDE, 0xAD, 0xBE, 0xEF},
		0x95:   {0x12, 0x34, 0x55, 0x43, 0x21},
	})
	return Chain(first, nil, second)
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name, dol, want string
	}{
		// emv-utils test 6: every length as the data element's own.
		{"exact lengths", cdol, "000123456789 000987654321 0528 1234554321 0978 240217 09 DEADBEEF"},
		// emv-utils test 7: 9F02 (n) shorter keeps the right; 9F03 (n) longer pads on
		// the left; 95 (b) longer pads on the right; 9A of length 0 is left out; 9C (n)
		// longer pads on the left; 9F37 (b) shorter keeps the left.
		{"differing lengths", "9F0203 9F0307 9F1A02 9506 5F2A02 9A00 9C03 9F3703",
			"456789 00000987654321 0528 123455432100 0978 000009 DEADBE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BuildFromDOL(unhex(t, tt.dol), testSources())
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("got  %X\nwant %X", got, want)
			}
		})
	}
}

// Rules of EMV Book 3 5.4 not covered by the emv-utils vectors; expected values follow
// from the rules themselves, not from a published example.
func TestBuildRules(t *testing.T) {
	source := Chain(FromMap(map[tlv.Tag][]byte{
		0x5A:   unhex(t, "4761739001010119"), // PAN, cn
		0x5F20: []byte("DOE/JANE"),           // ans
		0xDF01: {0xAA, 0xBB},                 // not in the dictionary: binary rules
		0x70:   {0x01},                       // a template: never copied
		0x9F4E: []byte("TILLDESK SHANGHAI"),  // ans, cut on the right
	}))
	tests := []struct {
		name, dol, want string
	}{
		{"cn longer pads FF on the right", "5A0A", "4761739001010119 FFFF"},
		{"cn shorter cuts on the right", "5A04", "47617390"},
		{"ans longer pads zeros on the right", "5F200A", hex.EncodeToString([]byte("DOE/JANE")) + "0000"},
		{"ans shorter cuts on the right", "9F4E08", hex.EncodeToString([]byte("TILLDESK"))},
		{"unknown tag with data is binary", "DF0103", "AABB00"},
		{"absent data is zeros", "9F3704 9F0206", "00000000 000000000000"},
		{"constructed tag is zeros", "7002", "0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BuildFromDOL(unhex(t, tt.dol), source)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("got %X, want %X", got, want)
			}
		})
	}
}

func TestBuildDoesNotAliasSource(t *testing.T) {
	value := []byte{0x12, 0x34}
	got := Build([]Entry{{0x9F1A, 2}}, FromMap(map[tlv.Tag][]byte{0x9F1A: value}))
	got[0] = 0
	if value[0] != 0x12 {
		t.Fatal("Build returned the source's own slice")
	}
}

func TestFromTLV(t *testing.T) {
	objs, err := tlv.Decode(unhex(t, "7009 9F36020007 9F2701 80"))
	if err != nil {
		t.Fatal(err)
	}
	got := Build([]Entry{{0x9F36, 2}, {0x9F27, 1}, {0x9F26, 8}}, FromTLV(objs))
	if want := unhex(t, "0007 80 0000000000000000"); !bytes.Equal(got, want) {
		t.Fatalf("got %X", got)
	}
	if got := Build([]Entry{{0x9F02, 6}}, nil); !bytes.Equal(got, make([]byte, 6)) {
		t.Fatalf("nil source: %X", got)
	}
}
