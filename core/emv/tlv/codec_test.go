package tlv

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"tilldesk/core/emv/emvtest"
)

var unhex = emvtest.Hex

// Decoding single primitive objects in every length form.
// Source: knovichikhin/pyemv tests/test_tlv.py, test_decode_tag. Two of its cases are
// deliberately rejected here (see TestDecodeRejectsNonEMVLengthForms).
func TestDecodeLengthForms(t *testing.T) {
	tests := []struct {
		in    string
		tag   Tag
		value string
	}{
		{"9C00", 0x9C, ""},
		{"9C01FF", 0x9C, "FF"},
		{"9C8101FF", 0x9C, "FF"},
		{"9F0200", 0x9F02, ""},
		{"9F0201FF", 0x9F02, "FF"},
		{"9F820100", 0x9F8201, ""},
		{"9F820101FF", 0x9F8201, "FF"},
		{"9C8100", 0x9C, ""},
		{"9C820000", 0x9C, ""},
		{"9C83000000", 0x9C, ""},
		{"9C820001FF", 0x9C, "FF"},
		{"9C83000001FF", 0x9C, "FF"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			objs, err := Decode(unhex(t, tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != 1 || objs[0].Tag != tt.tag || !bytes.Equal(objs[0].Value, unhex(t, tt.value)) {
				t.Fatalf("got %+v, want one %s = %s", objs, tt.tag, tt.value)
			}
		})
	}
}

// pyemv accepts 0x80 (BER indefinite length) and 0x84 (four length bytes); EMV Book 3
// Annex B allows neither (lengths are one byte, or 81/82/83 plus one to three bytes),
// so they are refused here on purpose.
func TestDecodeRejectsNonEMVLengthForms(t *testing.T) {
	for _, in := range []string{"9C80", "9C8400000001FF"} {
		_, err := Decode(unhex(t, in))
		if !errors.Is(err, ErrBadLength) {
			t.Errorf("Decode(%s) = %v, want ErrBadLength", in, err)
		}
	}
}

// Source: knovichikhin/pyemv tests/test_tlv.py, test_decode_nested.
func TestDecodeNested(t *testing.T) {
	objs, err := Decode(unhex(t, "9F0201FF E003 9F0300 9F0400"))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 3 || objs[0].Tag != 0x9F02 || objs[1].Tag != 0xE0 || objs[2].Tag != 0x9F04 {
		t.Fatalf("top level = %+v", objs)
	}
	if kids := objs[1].Children; len(kids) != 1 || kids[0].Tag != 0x9F03 || len(kids[0].Value) != 0 {
		t.Fatalf("E0 children = %+v", kids)
	}
}

// Malformed inputs: the sentinel, the offset and the tag named.
// Source: knovichikhin/pyemv tests/test_tlv.py, test_decode_exception (its offsets; the
// "tag" column there is the partial bytes read, here it is the tag whose length or
// value is bad, zero when the tag itself is bad).
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		in     string
		err    error
		offset int
		tag    Tag
	}{
		{"9F", ErrTruncatedTag, 0, 0},
		{"9FF0", ErrTruncatedTag, 0, 0},
		{"9C", ErrTruncatedLength, 1, 0x9C},
		{"9C81", ErrTruncatedLength, 1, 0x9C},
		{"9C8200", ErrTruncatedLength, 1, 0x9C},
		{"9C01", ErrLengthPastEnd, 2, 0x9C},
		{"9C0200", ErrLengthPastEnd, 2, 0x9C},
		{"E001", ErrLengthPastEnd, 2, 0xE0},
		{"E0019F0001FF", ErrTruncatedTag, 2, 0},
		{"E0019C01FF", ErrTruncatedLength, 3, 0x9C},
		{"E0029C8101FF", ErrTruncatedLength, 3, 0x9C},
		{"E0039C8201FF", ErrTruncatedLength, 3, 0x9C},
		{"E0039C8101C001FF", ErrLengthPastEnd, 5, 0x9C},
		{"E0049C810200C001FF", ErrLengthPastEnd, 5, 0x9C},
		{"9C01FFAA", ErrTruncatedLength, 4, 0xAA},
		{"E0039C01FFAA", ErrTruncatedLength, 6, 0xAA},
		// Not from pyemv: a five-byte tag, and lengths EMV does not use.
		{"9FFFFFFF01", ErrTagTooLong, 0, 0},
		{"5A80", ErrBadLength, 1, 0x5A},
		{"5A8500", ErrBadLength, 1, 0x5A},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Decode(unhex(t, tt.in))
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if de.Offset != tt.offset || de.Tag != tt.tag {
				t.Fatalf("err = %v: offset %d tag %s, want offset %d tag %s", err, de.Offset, de.Tag, tt.offset, tt.tag)
			}
		})
	}
}

func TestDecodeErrorMessageNamesTagAndOffset(t *testing.T) {
	_, err := Decode(unhex(t, "9F02830100"))
	const want = "tlv: tag 9F02 at offset 2: truncated length: 0x83 needs 3 more bytes, 2 left"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestDecodeTooDeep(t *testing.T) {
	// MaxDepth+1 nested E0 templates around an empty 9C.
	inner := unhex(t, "9C00")
	for i := 0; i <= MaxDepth; i++ {
		inner = append([]byte{0xE0, byte(len(inner))}, inner...)
	}
	if _, err := Decode(inner); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v, want ErrTooDeep", err)
	}
	if _, err := Decode(inner[2:]); err != nil {
		t.Fatalf("MaxDepth levels must decode: %v", err)
	}
}

// Bytes 00 and FF before, between and after objects carry no meaning (EMV Book 3
// Annex B; ISO/IEC 7816-4 5.2.2). Test derived from that rule, not a published vector.
func TestDecodeSkipsPadding(t *testing.T) {
	objs, err := Decode(unhex(t, "00 9F0201FF 0000FF E006 00 9C0101 FF00 FF"))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].Tag != 0x9F02 || objs[1].Tag != 0xE0 {
		t.Fatalf("got %+v", objs)
	}
	if kids := objs[1].Children; len(kids) != 1 || kids[0].Tag != 0x9C {
		t.Fatalf("E0 children = %+v", kids)
	}
	if objs, err := Decode(unhex(t, "0000FFFF")); err != nil || len(objs) != 0 {
		t.Fatalf("padding only: %v, %+v", objs, err)
	}
}

// Source: knovichikhin/pyemv tests/test_tlv.py, test_encode.
func TestEncode(t *testing.T) {
	ff := func(n int) []byte { return bytes.Repeat([]byte{0xFF}, n) }
	tests := []struct {
		name string
		objs []TLV
		want string
	}{
		{"empty", nil, ""},
		{"9C empty", []TLV{New(0x9C, nil)}, "9C00"},
		{"9C one byte", []TLV{New(0x9C, ff(1))}, "9C01FF"},
		{"two-byte tag", []TLV{New(0x9F00, ff(1))}, "9F0001FF"},
		{"three-byte tag", []TLV{New(0x9F8001, ff(1))}, "9F800101FF"},
		{"length 81", []TLV{New(0x9C, ff(128))}, "9C8180" + strings.Repeat("FF", 128)},
		{"length 82", []TLV{New(0x9C, ff(511))}, "9C8201FF" + strings.Repeat("FF", 511)},
		{"empty template", []TLV{NewTemplate(0xE0)}, "E000"},
		{"template", []TLV{NewTemplate(0xE0, New(0x9C, nil))}, "E0029C00"},
		{"template value", []TLV{NewTemplate(0xE0, New(0x9C, ff(1)))}, "E0039C01FF"},
		{"template two-byte", []TLV{NewTemplate(0xE0, New(0x9F00, ff(1)))}, "E0049F0001FF"},
		{"template then object", []TLV{NewTemplate(0xE0, New(0x9F00, ff(1))), New(0x9C, ff(1))}, "E0049F0001FF9C01FF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.objs...)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("got %X, want %X", got, want)
			}
		})
	}
}

func TestEncodeLength83(t *testing.T) {
	got := AppendLength(nil, 0x10000)
	if !bytes.Equal(got, []byte{0x83, 0x01, 0x00, 0x00}) {
		t.Fatalf("got %X", got)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		obj  TLV
		want string
	}{
		{"padding tag", New(0x00, nil), "tag 00 is not a well-formed"},
		{"unfinished tag", New(0x9F, nil), "tag 9F is not a well-formed"},
		{"continuation missing", New(0x9F0101, nil), "tag 9F0101 is not a well-formed"},
		{"primitive with children", TLV{Tag: 0x9C, Children: []TLV{New(0x9C, nil)}}, "primitive but has 1 children"},
		{"bad child", NewTemplate(0x70, New(0x1F, nil)), "in template 70: tlv: tag 1F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.obj.Encode()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseTag(t *testing.T) {
	for in, want := range map[string]Tag{"9F02": 0x9F02, "5a": 0x5A, "DF8101": 0xDF8101, "BF0C": 0xBF0C} {
		if got, err := ParseTag(in); err != nil || got != want {
			t.Errorf("ParseTag(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "9F", "XYZ", "0102", "9F020304", "FF"} {
		if _, err := ParseTag(in); err == nil {
			t.Errorf("ParseTag(%q) accepted", in)
		}
	}
	if (Tag(0x70)).Constructed() != true || Tag(0x9F02).Constructed() || !Tag(0xBF0C).Constructed() {
		t.Error("Constructed from bit 6 of the first byte")
	}
}

func TestDecodeOne(t *testing.T) {
	obj, rest, err := DecodeOne(unhex(t, "00 9F360200 1C 9000"))
	if err != nil || obj.Tag != 0x9F36 || !bytes.Equal(obj.Value, []byte{0x00, 0x1C}) || !bytes.Equal(rest, []byte{0x90, 0x00}) {
		t.Fatalf("got %+v rest %X err %v", obj, rest, err)
	}
}
