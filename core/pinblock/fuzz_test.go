package pinblock

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary blocks and PANs to every PIN block decoder: none may
// panic, a PIN they return is 4 to 12 digits, and encoding it again (for the formats
// without random fill) gives the same block. The seed corpus is in
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add(unhex(f, "041274EDCBA9876F441234AAAAAAAAAA"), "4012345678909")
	f.Add(unhex(f, "241234FFFFFFFFFF4512345AAAAAAAAA"), "4111111111111111")
	f.Fuzz(func(t *testing.T, data []byte, pan string) {
		if len(data) < 16 {
			return
		}
		b8, b16 := [8]byte(data[:8]), [16]byte(data[:16])
		check := func(name string, pin []byte, err error, again func([]byte) ([8]byte, error)) {
			if err != nil {
				return
			}
			if checkPIN(pin) != nil {
				t.Fatalf("%s returned an invalid PIN of %d bytes", name, len(pin))
			}
			if again == nil {
				return
			}
			if back, err := again(pin); err != nil || back != b8 {
				t.Fatalf("%s: %X does not encode back (%X, %v)", name, b8, back, err)
			}
		}
		pin, err := DecodeFormat0(b8, pan)
		check("format 0", pin, err, func(p []byte) ([8]byte, error) { return EncodeFormat0(p, pan) })
		pin, err = DecodeFormat2(b8)
		check("format 2", pin, err, EncodeFormat2)
		pin, err = DecodeFormat1(b8)
		check("format 1", pin, err, nil)
		pin, err = DecodeFormat3(b8, pan)
		check("format 3", pin, err, nil)
		pin, err = DecodeFormat4PINField(b16)
		check("format 4", pin, err, nil)
		if err == nil {
			field, _ := Format4PINField(pin, bytes.NewReader(b16[8:]))
			if field != b16 {
				t.Fatalf("format 4 field %X encodes back as %X", b16, field)
			}
		}
		_, _ = DecipherFormat4(data[:16], b16, pan)
	})
}
