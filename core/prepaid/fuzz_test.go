package prepaid

import (
	"strings"
	"testing"

	"tilldesk/core/pan"
)

var fuzzNumbering = DefaultPolicy.Numbering

// checkNumber asserts what every accepted card number is.
func checkNumber(t *testing.T, number string) {
	t.Helper()
	if len(number) != fuzzNumbering.Length || !strings.HasPrefix(number, fuzzNumbering.Prefix) || !pan.Valid(number) {
		t.Fatalf("accepted %q", number)
	}
	for _, again := range []func() (string, error){
		func() (string, error) { return fuzzNumbering.Parse(Format(number)) },
		func() (string, error) { return fuzzNumbering.ParseScan(number) },
		func() (string, error) { return fuzzNumbering.ParseQR(QRPayload(number)) },
	} {
		if got, err := again(); err != nil || got != number {
			t.Fatalf("%q does not read back: %q %v", number, got, err)
		}
	}
}

// A typed card number: never a panic; what is accepted is a valid number of the
// store that reads back from its printed and scanned forms; errors never echo it.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"9900010000000000018", "9900 0100 0000 0000 018", "9900-0100-0000-0000-018",
		"9900010000000000017", " 9900010000000000018", "9900  0100 0000 0000 018", "99000100000000000180", "１２３"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		number, err := fuzzNumbering.Parse(s)
		if err != nil {
			if len(s) >= 8 && strings.Contains(err.Error(), s) {
				t.Fatalf("error echoes the input: %v", err)
			}
			return
		}
		checkNumber(t, number)
	})
}

// A scan: a QR payload is accepted only in exactly the TDPC:1: form, a barcode only
// as bare digits; nothing else reads as a card.
func FuzzParseScan(f *testing.F) {
	for _, s := range []string{"TDPC:1:9900010000000000018", "TDPC:2:9900010000000000018", "TDPC:1:9900010000000000018\r",
		"tdpc:1:9900010000000000018", "TDPC:1: 9900010000000000018", "9900010000000000018", "TDPC:1:", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		number, err := fuzzNumbering.ParseScan(s)
		if err != nil {
			return
		}
		checkNumber(t, number)
		if s != number && s != QRPayload(number) {
			t.Fatalf("scan %q read as %q", s, number)
		}
	})
}

// A contactless UID: accepted ones are 4, 7 or 10 bytes of upper-case hex, and
// normalising again changes nothing.
func FuzzNormalizeUID(f *testing.F) {
	for _, s := range []string{"04A1B2C3", "04:a1:b2:c3:d4:e5:f6", "04-A1-B2-C3-D4-E5-F6-07-08-09", "04::A1:B2:C3", "04A1B2C", ":04A1B2C3", "04 A1 B2 C3 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		uid, err := NormalizeUID(s)
		if err != nil {
			return
		}
		if n := len(uid); n != 8 && n != 14 && n != 20 || strings.Trim(uid, "0123456789ABCDEF") != "" {
			t.Fatalf("%q accepted as %q", s, uid)
		}
		if again, err := NormalizeUID(uid); err != nil || again != uid {
			t.Fatalf("%q normalised again: %q %v", uid, again, err)
		}
	})
}
