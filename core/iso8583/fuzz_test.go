package iso8583

import (
	"errors"
	"testing"

	"tilldesk/core/iso8583/internal/isotest"
)

// The seed corpora are in testdata/fuzz/FuzzUnpackUnionPay and
// testdata/fuzz/FuzzUnpackISO87ASCII: the published messages, their truncations and
// hand-made malformed cases.

// FuzzUnpackUnionPay feeds arbitrary bytes to the UnionPay decoder.
func FuzzUnpackUnionPay(f *testing.F) {
	f.Add(isotest.Hex(f, isotest.SaleFrame)[isotest.FrameHeaderSize:])
	f.Add(isotest.Hex(f, isotest.QRSaleFrame)[isotest.FrameHeaderSize:])
	fuzzUnpack(f, UnionPay)
}

// FuzzUnpackISO87ASCII feeds arbitrary bytes to the ASCII decoder.
func FuzzUnpackISO87ASCII(f *testing.F) {
	f.Add([]byte("02008000080000000000000000000400000005106111111"))
	fuzzUnpack(f, ISO87ASCII)
}

// fuzzUnpack checks that Unpack never panics, fails only with the package's
// sentinels, and that whatever it accepts packs, unpacks to the same message and
// packs again to the same bytes.
func fuzzUnpack(f *testing.F, spec *Spec) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := spec.Unpack(data)
		if err != nil {
			if !knownError(err) {
				t.Fatalf("Unpack error wraps no sentinel: %v", err)
			}
			return
		}
		packed, err := spec.Pack(m)
		if err != nil {
			t.Fatalf("accepted %X but cannot pack it back: %v", data, err)
		}
		again, err := spec.Unpack(packed)
		if err != nil {
			t.Fatalf("packed %X is not unpackable: %v", packed, err)
		}
		if !again.Equal(m) {
			t.Fatalf("%X unpacks differently after packing as %X", data, packed)
		}
		if twice, _ := spec.Pack(again); string(twice) != string(packed) {
			t.Fatalf("packing is not stable: %X then %X", packed, twice)
		}
	})
}

func knownError(err error) bool {
	for _, sentinel := range []error{ErrTruncated, ErrLength, ErrCharacter, ErrUndefinedField, ErrMTI, ErrTrailingData} {
		if errors.Is(err, sentinel) {
			return true
		}
	}
	return false
}
