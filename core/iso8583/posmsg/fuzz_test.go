package posmsg

import (
	"reflect"
	"testing"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/internal/isotest"
)

// FuzzParseResponse runs the till's response handling on arbitrary bytes: unpack,
// ParseResponse, interpret the code. It must never panic, and an answer it accepts
// must build back into a message that parses to the same answer. The seed corpus is
// in testdata/fuzz/FuzzParseResponse.
func FuzzParseResponse(f *testing.F) {
	f.Add(isotest.Hex(f, isotest.SaleFrame)[isotest.FrameHeaderSize:])
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := iso8583.UnionPay.Unpack(data)
		if err != nil {
			return
		}
		r, err := ParseResponse(m)
		if err != nil {
			return
		}
		_ = r.Result()
		built, err := r.Message()
		if err != nil {
			t.Fatalf("accepted answer %v does not build: %v", m, err)
		}
		again, err := ParseResponse(built)
		if err != nil {
			t.Fatalf("built answer %v does not parse: %v", built, err)
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("answer changed: %+v then %+v", r, again)
		}
	})
}
