package posmsg

import (
	"errors"
	"slices"
	"testing"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/internal/isotest"
	"tilldesk/core/iso8583/mac"
)

// A reversal of the published chip sale repeats its identifying fields, adds the
// reason, and carries no track, PIN or original chip data.
func TestReversalOfPublishedSale(t *testing.T) {
	sale := publishedMessage(t, isotest.SaleFrame)
	r := Reversal{Original: sale, Reason: ReasonNoResponse, ICC: []byte{0x95, 0x05, 0, 0, 0, 0, 0}}
	m, err := r.Message()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.FieldNumbers(), []int{2, 3, 4, 11, 14, 22, 23, 25, 39, 41, 42, 49, 55, 60}; !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	for _, n := range []int{2, 3, 4, 11, 22, 41, 42, 60} {
		if m.Get(n) != sale.Get(n) {
			t.Errorf("DE%d = %q, original %q", n, m.Get(n), sale.Get(n))
		}
	}
	if m.MTI != MTIReversal || m.Get(39) != "98" || KindOf(m) != KindReversal {
		t.Errorf("reversal %v", m)
	}
	roundTrip(t, m)
	back, err := ParseReversal(m)
	if err != nil || back.Reason != "98" || back.OriginalData != nil || back.Original.Get(11) != "000403" {
		t.Errorf("ParseReversal = %+v, %v", back, err)
	}
}

// The ISO way (round trip, not a vector): DE90 names the original, so the message
// has a secondary bitmap and mac.Sign puts the MAC in DE128.
func TestReversalWithOriginalDataElements(t *testing.T) {
	sale, err := Sale{testTransaction()}.Message()
	if err != nil {
		t.Fatal(err)
	}
	od := &OriginalData{MTI: "0200", STAN: 42, TransmissionTime: "0312153045", AcquirerID: "48020000", ForwarderID: "0"}
	m, err := Reversal{Original: sale, Reason: ReasonTerminalFault, AuthCode: "A1B2C3", OriginalData: od}.Message()
	if err != nil {
		t.Fatal(err)
	}
	key, err := mac.NewRetail(isotest.Hex(t, "0123456789ABCDEFFEDCBA9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	packed, err := mac.Sign(iso8583.UnionPay, &m, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := mac.Verify(iso8583.UnionPay, packed, key)
	if err != nil || !got.Has(128) || got.Has(64) || got.Get(38) != "A1B2C3" {
		t.Fatalf("Verify = %v, %v", got, err)
	}
	back, err := ParseReversal(got)
	if err != nil || back.OriginalData == nil || *back.OriginalData != (OriginalData{MTI: "0200", STAN: 42, TransmissionTime: "0312153045", AcquirerID: "00048020000", ForwarderID: "00000000000"}) {
		t.Errorf("ParseReversal = %+v, %v", back.OriginalData, err)
	}
}

func TestReversalRejects(t *testing.T) {
	refund, err := Refund{testTransaction(), "123456789012", Original{Batch: 1, STAN: 1}, ""}.Message()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Reversal{Original: refund, Reason: ReasonOther}).Message(); !errors.Is(err, ErrKind) {
		t.Errorf("reversal of a refund: %v, want ErrKind", err)
	}
	sale, _ := Sale{testTransaction()}.Message()
	if _, err := (Reversal{Original: sale}).Message(); !errors.Is(err, ErrMissing) {
		t.Errorf("reversal without a reason: %v, want ErrMissing", err)
	}
	sale.Delete(4)
	if _, err := (Reversal{Original: sale, Reason: ReasonOther}).Message(); !errors.Is(err, ErrMissing) {
		t.Errorf("original without an amount: %v, want ErrMissing", err)
	}
}
