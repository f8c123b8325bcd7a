package tlv

import (
	"bytes"
	"testing"
)

// Card responses recorded in openemv/emv-utils tests/emv_build_candidate_list_test.c
// (status words 9000 removed).
const (
	// FCI of SELECT 1PAY.SYS.DDF01 (PSE): 6F > 84, A5 > 88, 5F2D, 9F11.
	pseFCI = "6F20 840E315041592E5359532E4444463031 A50E 880101 5F2D046E6C656E 9F110101"
	// PSE record: 70 > 61 > 4F, 50, 87, 9F12.
	pseRecord = "7029 6127 4F07A0000000031010 500B56495341204352454449 54 870101 9F120B56495341204352454449 54"
	// FCI of SELECT A0000000041010 with FCI issuer discretionary data (BF0C).
	mastercardFCI = "6F45 8408A000000004101010 A539 50094D43204352454449 54 5F2D046E6C656E 870101 9F110101 " +
		"9F120A4D415354455243415244 BF0C10 9F4D020B0A 9F0A080001050200000000"
)

func TestRecordedResponsesDecodeAndEncodeBack(t *testing.T) {
	for _, in := range []string{pseFCI, pseRecord, mastercardFCI} {
		raw := unhex(t, in)
		objs, err := Decode(raw)
		if err != nil {
			t.Fatalf("Decode(%s): %v", in, err)
		}
		again, err := Encode(objs...)
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("encode back: %X, %v; want %X", again, err, raw)
		}
	}
}

func TestFind(t *testing.T) {
	tests := []struct {
		name  string
		resp  string
		path  []Tag
		value string
	}{
		{"PSE SFI", pseFCI, []Tag{0x6F, 0xA5, 0x88}, "01"},
		{"PSE DF name", pseFCI, []Tag{0x6F, 0x84}, "315041592E5359532E4444463031"},
		{"record AID", pseRecord, []Tag{0x70, 0x61, 0x4F}, "A0000000031010"},
		{"record label", pseRecord, []Tag{0x70, 0x61, 0x50}, "56495341204352454449 54"},
		{"log entry in BF0C", mastercardFCI, []Tag{0x6F, 0xA5, 0xBF0C, 0x9F4D}, "0B0A"},
		{"three-level path", mastercardFCI, []Tag{0x6F, 0xA5, 0xBF0C, 0x9F0A}, "0001050200000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode(unhex(t, tt.resp))
			if err != nil {
				t.Fatal(err)
			}
			want := unhex(t, tt.value)
			byPath, ok := FindPath(objs, tt.path...)
			if !ok || !bytes.Equal(byPath.Value, want) {
				t.Fatalf("FindPath = %X, %v; want %X", byPath.Value, ok, want)
			}
			leaf := tt.path[len(tt.path)-1]
			if v, ok := Value(objs, leaf); !ok || !bytes.Equal(v, want) {
				t.Fatalf("Value(%s) = %X, %v; want %X", leaf, v, ok, want)
			}
		})
	}
}

func TestFindMisses(t *testing.T) {
	objs, err := Decode(unhex(t, mastercardFCI))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := FindPath(objs, 0xA5); ok {
		t.Error("FindPath must start at the top level")
	}
	if _, ok := FindPath(objs); ok {
		t.Error("empty path")
	}
	if _, ok := Find(objs, 0x5A); ok {
		t.Error("found an absent tag")
	}
	if _, ok := Value(objs, 0xA5); ok {
		t.Error("Value of a template")
	}
	if a5, ok := Find(objs, 0xA5); !ok || len(a5.Children) != 6 {
		t.Errorf("A5 = %+v", a5)
	}
}

func TestFindAll(t *testing.T) {
	// Two applications in one PSE record; openemv/emv-utils
	// tests/emv_build_candidate_list_test.c, test_pse_multi_app_supported.
	objs, err := Decode(unhex(t, "7044 6120 4F07A0000000032020 500556205041 59 870101 730B9F0A080001050100000000"+
		"6120 4F07A0000000032010 500556205041 59 870102 730B9F0A080001050100000000"))
	if err != nil {
		t.Fatal(err)
	}
	aids := FindAll(objs, 0x4F)
	if len(aids) != 2 || !bytes.Equal(aids[0].Value, unhex(t, "A0000000032020")) || !bytes.Equal(aids[1].Value, unhex(t, "A0000000032010")) {
		t.Fatalf("AIDs = %+v", aids)
	}
}
