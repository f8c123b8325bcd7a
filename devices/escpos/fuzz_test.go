package escpos

import (
	"errors"
	"reflect"
	"testing"

	"tilldesk/devices"
)

// decodeAll is Decode, but feeding the stream in pieces of the given size.
func decodeAll(data []byte, piece int) []Document {
	d := NewDecoder(32)
	for i := 0; i < len(data); i += piece {
		d.Write(data[i:min(i+piece, len(data))])
	}
	return append(d.Documents(), d.Current())
}

// FuzzDecode feeds the Decoder arbitrary bytes: it must not panic, must decode the
// same whether the stream comes whole or a byte at a time, and what it decodes must
// render. The seed corpus is in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add(Receipt(sampleRows(), 32, "https://tilldesk.example/r/1", true))
	f.Add([]byte("\x1dv0\x00\x01\x00\x02\x00\x80\x01\x1dV\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := decodeAll(data, len(data)+1)
		if bytewise := decodeAll(data, 1); !reflect.DeepEqual(whole, bytewise) {
			t.Fatalf("byte-at-a-time decoding differs:\n%+v\n%+v", whole, bytewise)
		}
		if thirds := decodeAll(data, len(data)/3+1); !reflect.DeepEqual(whole, thirds) {
			t.Fatalf("decoding in thirds differs")
		}
		for _, doc := range whole {
			_ = doc.Text()
			if len(data) <= 512 { // rendering is slow; keep the fuzzer quick
				if _, err := doc.Image(); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// FuzzParseStatus checks every reply byte: a valid one parses to a Status whose own
// reply parses the same; anything else is ErrProtocol. The seed corpus is in
// testdata/fuzz/FuzzParseStatus.
func FuzzParseStatus(f *testing.F) {
	f.Add(byte(1), byte(0x12))
	f.Add(byte(4), byte(0x7e))
	f.Fuzz(func(t *testing.T, n, b byte) {
		s, err := ParseStatus(n, b)
		if err != nil {
			if !errors.Is(err, devices.ErrProtocol) {
				t.Fatalf("ParseStatus(%d, %#02x) error %v is not ErrProtocol", n, b, err)
			}
			return
		}
		again, err := ParseStatus(n, s.Reply(n))
		if err != nil || again != s {
			t.Fatalf("ParseStatus(%d, %#02x) = %+v; its reply %#02x parses as %+v, %v", n, b, s, s.Reply(n), again, err)
		}
	})
}
