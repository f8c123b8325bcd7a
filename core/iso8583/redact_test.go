package iso8583

import (
	"fmt"
	"strings"
	"testing"

	"tilldesk/core/iso8583/internal/isotest"
)

// The dump of a published chip sale shows no card secret in any format verb.
func TestStringMasksCardData(t *testing.T) {
	m, err := UnionPay.Unpack(isotest.Hex(t, isotest.SaleFrame)[isotest.FrameHeaderSize:])
	if err != nil {
		t.Fatal(err)
	}
	for _, dump := range []string{m.String(), fmt.Sprint(m), fmt.Sprintf("%v", m), fmt.Sprintf("%+v", m), fmt.Sprintf("%#v", m), fmt.Sprintf("%s", &m)} {
		for _, secret := range []string{"6224242900000113", "28062013949031013", "D1EEF419", "\xd1\xee", "95BBE372"} {
			if strings.Contains(dump, secret) {
				t.Errorf("dump contains %q: %s", secret, dump)
			}
		}
		for _, shown := range []string{`002="622424******0113"`, "[track data, 34 characters withheld]",
			"[PIN block, 8 bytes withheld]", "[ICC data, 139 bytes withheld]", `064="8F651B26"`} {
			if !strings.Contains(dump, shown) {
				t.Errorf("dump lacks %s: %s", shown, dump)
			}
		}
	}
}

func TestMaskPAN(t *testing.T) {
	for pan, want := range map[string]string{
		"6224242900000113":    "622424******0113",
		"6212345678901234567": "621234*********4567",
		"4111111111":          "**********",
		"":                    "",
	} {
		if got := MaskPAN(pan); got != want {
			t.Errorf("MaskPAN(%q) = %q, want %q", pan, got, want)
		}
	}
}

// DE62 carries the KSN and an AES PIN block of a card request (and a sign-on's keys,
// a QR sale's payment code): the dump shows its length only.
func TestStringWithholdsDE62(t *testing.T) {
	m := NewMessage("0200")
	m.Set(62, "123456789012345600000001A912150391AB65A67E52883D81CE2D15")
	if dump := m.String(); strings.Contains(dump, "A91215") || !strings.Contains(dump, "[private security data, 56 bytes withheld]") {
		t.Errorf("dump %s", dump)
	}
}
