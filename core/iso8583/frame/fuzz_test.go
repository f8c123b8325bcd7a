package frame

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"tilldesk/core/iso8583/internal/isotest"
)

// FuzzReadFrame reads frames from arbitrary bytes in the UnionPay format: it must
// never panic, stop with io.EOF or one of the package's errors, and every frame it
// reads must write back to exactly the bytes it consumed. The seed corpus is in
// testdata/fuzz/FuzzReadFrame.
func FuzzReadFrame(f *testing.F) {
	f.Add(isotest.Hex(f, isotest.SaleFrame))
	f.Add(isotest.Hex(f, isotest.QRSaleFrame))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.NewReader(data)
		r := NewReader(in, UnionPayFormat)
		for {
			before := in.Len()
			fr, err := r.ReadFrame()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrTooShort) && !errors.Is(err, ErrTPDU) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("unexpected error: %v", err)
				}
				if errors.Is(err, ErrTooLarge) || errors.Is(err, io.ErrUnexpectedEOF) {
					return
				}
				continue
			}
			consumed := data[len(data)-before : len(data)-in.Len()]
			var out bytes.Buffer
			if err := NewWriter(&out, UnionPayFormat).WriteFrame(fr); err != nil {
				t.Fatalf("frame read from %X does not write: %v", consumed, err)
			}
			if !bytes.Equal(out.Bytes(), consumed) {
				t.Fatalf("frame read from %X writes as %X", consumed, out.Bytes())
			}
		}
	})
}
