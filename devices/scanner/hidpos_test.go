package scanner

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"tilldesk/devices"
)

// Two reports captured from a Honeywell scanner in HID POS mode (the last two of its
// REVINF reply, from github.com/HenkVanAsselt/python_hon_usbhid): the first carries
// 56 bytes and the continued flag, the second 9 bytes and no flag.
var (
	honeywellMore = mustHex("02385d583020547970653a204e2f412020205265766973696f6e3a204e2f4120202053657269616c204e756d6265723a204e2f41202020436865636b733f0001")
	honeywellLast = mustHex("02095d5830756d3a204e2f410d0a00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003f0000")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// report builds a 64-byte Scanned Data Report by hand: id, length byte, AIM, data,
// flags byte.
func report(id, n byte, aim, data string, flags byte) []byte {
	r := make([]byte, 64)
	r[0], r[1], r[63] = id, n, flags
	copy(r[2:5], aim)
	copy(r[5:61], data)
	return r
}

func TestDecodeHIDReport(t *testing.T) {
	for _, tc := range []struct {
		name     string
		report   []byte
		chunk    string
		complete bool
		err      error
	}{
		{"EAN-13, one report", report(2, 13, "]E0", "4006381333931", 0), "4006381333931", true, nil},
		{"continued flag", report(2, 56, "]Q1", strings.Repeat("Q", 56), 1), strings.Repeat("Q", 56), false, nil},
		{"other flag bits ignored", report(2, 3, "]E0", "123", 0xfe), "123", true, nil},
		{"captured, more follows", honeywellMore, " Type: N/A   Revision: N/A   Serial Number: N/A   Checks", false, nil},
		{"captured, last", honeywellLast, "um: N/A\r\n", true, nil},
		{"zero length", report(2, 0, "", "", 0), "", true, nil},
		{"short report without flag byte", []byte{2, 3, ']', 'E', '0', '1', '2', '3'}, "123", true, nil},
		{"trigger report", []byte{4, 1}, "", false, ErrNotScanData},
		{"empty", nil, "", false, devices.ErrProtocol},
		{"truncated header", []byte{2, 3, ']'}, "", false, devices.ErrProtocol},
		{"length over 56", report(2, 57, "]E0", "", 0), "", false, devices.ErrProtocol},
		{"length past the end", []byte{2, 9, ']', 'E', '0', '1'}, "", false, devices.ErrProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chunk, complete, err := DecodeHIDReport(tc.report)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if string(chunk) != tc.chunk || complete != tc.complete {
				t.Errorf("= %q, %v; want %q, %v", chunk, complete, tc.chunk, tc.complete)
			}
		})
	}
}

func TestHIDSymbology(t *testing.T) {
	if got := HIDSymbology(honeywellMore); got != "]X0" {
		t.Errorf("captured symbology = %q, want ]X0", got)
	}
	if got := HIDSymbology(report(2, 1, "", "1", 0)); got != "" {
		t.Errorf("no symbology = %q", got)
	}
	if got := HIDSymbology([]byte{4, 1}); got != "" {
		t.Errorf("trigger report symbology = %q", got)
	}
}

func TestHIDAssembler(t *testing.T) {
	long := strings.Repeat("0123456789", 15) // 150 bytes: three reports
	for _, tc := range []struct {
		name     string
		max      int
		reports  [][]byte
		want     []string
		wantErrs int
	}{
		{"one report", 0, [][]byte{report(2, 13, "]E0", "4006381333931", 0)}, []string{"4006381333931"}, 0},
		{"captured multi-report", 0, [][]byte{honeywellMore, honeywellLast},
			[]string{" Type: N/A   Revision: N/A   Serial Number: N/A   Checksum: N/A"}, 0},
		{"QR in three reports", 0, HIDReports("]Q1", []byte(long)), []string{long}, 0},
		{"trigger reports between chunks skipped", 0, [][]byte{
			report(2, 56, "]Q1", long[:56], 1), {4, 1}, report(2, 4, "]Q1", "tail", 0),
		}, []string{long[:56] + "tail"}, 0},
		{"two scans", 0, [][]byte{report(2, 3, "]E0", "111", 0), report(2, 3, "]E0", "222", 0)}, []string{"111", "222"}, 0},
		{"broken chain drops the code, not the next", 0, [][]byte{
			report(2, 56, "]Q1", long[:56], 1), report(2, 99, "", "", 1), report(2, 4, "]Q1", "tail", 0),
			report(2, 3, "]E0", "333", 0),
		}, []string{"333"}, 1},
		{"over-long dropped", 100, HIDReports("]Q1", []byte(long)), nil, 1},
		{"control bytes dropped", 0, [][]byte{report(2, 5, "]E0", "12\x0034", 0)}, []string{"1234"}, 1},
		{"empty scan", 0, [][]byte{report(2, 0, "]E0", "", 0)}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := HIDAssembler{MaxLen: tc.max}
			var got []string
			for _, r := range tc.reports {
				got = append(got, a.Feed(r)...)
			}
			got = append(got, a.Flush()...)
			if !slices.Equal(got, tc.want) {
				t.Errorf("scans = %q, want %q", got, tc.want)
			}
			if n, last := a.Errors(); n != tc.wantErrs {
				t.Errorf("errors = %d (last %v), want %d", n, last, tc.wantErrs)
			}
		})
	}
}

func TestHIDAssemblerReset(t *testing.T) {
	var a HIDAssembler
	a.Feed(report(2, 56, "]Q1", strings.Repeat("x", 56), 1))
	if n := a.Reset(); n != 56 {
		t.Fatalf("Reset dropped %d, want 56", n)
	}
	if got := a.Feed(report(2, 3, "]E0", "123", 0)); !slices.Equal(got, []string{"123"}) {
		t.Fatalf("after Reset: %q", got)
	}
}

func TestHIDReports(t *testing.T) {
	for _, n := range []int{0, 1, 55, 56, 57, 112, 113} {
		code := bytes.Repeat([]byte{'7'}, n)
		rs := HIDReports("]E0", code)
		if want := max(1, (n+55)/56); len(rs) != want {
			t.Fatalf("%d bytes: %d reports, want %d", n, len(rs), want)
		}
		var got []byte
		for i, r := range rs {
			chunk, complete, err := DecodeHIDReport(r)
			if err != nil || complete != (i == len(rs)-1) || len(r) != HIDReportSize {
				t.Fatalf("%d bytes, report %d: complete=%v err=%v len=%d", n, i, complete, err, len(r))
			}
			got = append(got, chunk...)
		}
		if !bytes.Equal(got, code) {
			t.Fatalf("%d bytes: round trip %q", n, got)
		}
	}
}
