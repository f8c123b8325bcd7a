package posmsg

import (
	"errors"
	"testing"
)

func TestSTANWraps(t *testing.T) {
	for _, tt := range []struct{ from, want STAN }{{0, 1}, {1, 2}, {41, 42}, {999998, 999999}, {999999, 1}} {
		if got := tt.from.Next(); got != tt.want {
			t.Errorf("STAN(%d).Next() = %d, want %d", tt.from, got, tt.want)
		}
	}
	if s := STAN(999999).Next().String(); s != "000001" {
		t.Errorf("999999 -> %q, want 000001", s)
	}
	if b := BatchNumber(999999).Next(); b != 1 {
		t.Errorf("batch 999999 -> %d", b)
	}
}

func TestParseCounters(t *testing.T) {
	if s, err := ParseSTAN("000403"); s != 403 || err != nil {
		t.Errorf("ParseSTAN = %d, %v", s, err)
	}
	for _, bad := range []string{"", "403", "000000", "00040A", "1000000"} {
		if _, err := ParseSTAN(bad); !errors.Is(err, ErrValue) {
			t.Errorf("ParseSTAN(%q) = %v", bad, err)
		}
	}
	if _, err := ParseBatchNumber("000024"); err != nil {
		t.Error(err)
	}
}

func TestParseRRN(t *testing.T) {
	if _, err := ParseRRN("100609010224"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", "10060901022", "1006090102245", "10060901022!"} {
		if _, err := ParseRRN(bad); !errors.Is(err, ErrValue) {
			t.Errorf("ParseRRN(%q) = %v", bad, err)
		}
	}
}

func TestField60(t *testing.T) {
	// DE60 of the published chip sale: type 22, batch 000024, network 000, then 600.
	f, err := ParseField60("22000024000600")
	if err != nil || f.TypeCode != "22" || f.Batch != 24 || f.NetworkCode != "000" || f.More != "600" {
		t.Errorf("ParseField60 = %+v, %v", f, err)
	}
	if f.String() != "22000024000600" {
		t.Errorf("String = %q", f.String())
	}
	for _, bad := range []string{"2200002", "220000240", "22A00024000"} {
		if _, err := ParseField60(bad); !errors.Is(err, ErrValue) {
			t.Errorf("ParseField60(%q) = %v", bad, err)
		}
	}
}

func TestOriginalDataLayout(t *testing.T) {
	o := OriginalData{MTI: "0200", STAN: 403, TransmissionTime: "0830093435", AcquirerID: "48020000", ForwarderID: "1234"}
	b, err := o.encode()
	if want := "0200" + "000403" + "0830093435" + "00048020000" + "00000001234"; err != nil || string(b) != want {
		t.Fatalf("DE90 = %q, %v, want %q", b, err, want)
	}
	var back OriginalData
	if err := back.decode(b); err != nil || back.STAN != 403 || back.AcquirerID != "00048020000" {
		t.Errorf("decode = %+v, %v", back, err)
	}
}
