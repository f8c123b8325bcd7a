package tlv

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic, and whatever
// it accepts must encode and decode back to the same tree (the encoding itself may
// differ: padding is dropped and lengths come out in their shortest form). The seed
// corpus is in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{pseFCI, pseRecord, mastercardFCI, "9C8101FF", "E0039C8101C001FF"} {
		f.Add(unhex(f, seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := Decode(data)
		if err != nil {
			return
		}
		encoded, err := Encode(objs...)
		if err != nil {
			t.Fatalf("decoded %X but cannot encode it back: %v", data, err)
		}
		again, err := Decode(encoded)
		if err != nil {
			t.Fatalf("re-encoding %X gave undecodable %X: %v", data, encoded, err)
		}
		if !sameTree(objs, again) {
			t.Fatalf("%X decodes differently after encoding as %X", data, encoded)
		}
		if twice, _ := Encode(again...); !bytes.Equal(twice, encoded) {
			t.Fatalf("encoding is not stable: %X then %X", encoded, twice)
		}
	})
}

func sameTree(a, b []TLV) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Tag != b[i].Tag || len(a[i].Children) != len(b[i].Children) {
			return false
		}
		if a[i].Tag.Constructed() {
			if !sameTree(a[i].Children, b[i].Children) {
				return false
			}
		} else if !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}
