package backup

import (
	"bytes"
	"testing"
)

// FuzzReadHeader feeds arbitrary bytes to the header parser: it must never panic or
// allocate beyond its limits, and a header it accepts must encode back to the same
// bytes. The seed corpus is in testdata/fuzz/FuzzReadHeader.
func FuzzReadHeader(f *testing.F) {
	f.Add(seal(f, payload(100))[:fixedHeaderSize+minSalt])
	f.Fuzz(func(t *testing.T, data []byte) {
		h, raw, err := readHeader(bytes.NewReader(data))
		if err != nil {
			return
		}
		if !bytes.Equal(raw, data[:len(raw)]) || !bytes.Equal(h.encode(), raw) {
			t.Fatalf("header %x re-encodes as %x", raw, h.encode())
		}
		if h.kdf.check() != nil || h.chunkSize < minChunk || h.chunkSize > maxChunk {
			t.Fatalf("accepted out-of-range header %+v", h)
		}
	})
}
