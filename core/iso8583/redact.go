package iso8583

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// Fields whose content is cardholder data or secret: String never shows them whole.
const (
	fieldPAN      = 2
	fieldTrack2   = 35
	fieldTrack3   = 36
	fieldTrack1   = 45
	fieldPINBlock = 52
	fieldICCData  = 55
	// fieldPrivate62 is DE62 of the UnionPay dialect: security data in every use a
	// POS terminal makes of it (the KSN and an AES PIN block of a card request, the
	// working keys of a sign-on answer, a QR sale's payment code).
	fieldPrivate62 = 62
)

// String is a one-line dump safe to log: the PAN (DE2) shows its first 6 and last 4
// digits only, track data (DE35, DE36, DE45), the PIN block (DE52), ICC data (DE55)
// and the private security data of DE62 show only their length; other printable
// values are quoted, the rest hex.
func (m Message) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "MTI %q", m.MTI)
	for _, n := range m.FieldNumbers() {
		fmt.Fprintf(&b, " %03d=%s", n, redactedValue(n, m.Fields[n]))
	}
	return b.String()
}

// GoString makes %#v print the redacted dump too, so no format verb leaks card data.
func (m Message) GoString() string { return "iso8583.Message{" + m.String() + "}" }

// redactedValue renders one field for String.
func redactedValue(n int, v []byte) string {
	switch n {
	case fieldPAN:
		return fmt.Sprintf("%q", MaskPAN(string(v)))
	case fieldTrack1, fieldTrack2, fieldTrack3:
		return fmt.Sprintf("[track data, %d characters withheld]", len(v))
	case fieldPINBlock:
		return fmt.Sprintf("[PIN block, %d bytes withheld]", len(v))
	case fieldICCData:
		return fmt.Sprintf("[ICC data, %d bytes withheld]", len(v))
	case fieldPrivate62:
		return fmt.Sprintf("[private security data, %d bytes withheld]", len(v))
	}
	if printable(v) {
		return fmt.Sprintf("%q", v)
	}
	return "0x" + strings.ToUpper(hex.EncodeToString(v))
}

// MaskPAN keeps the first 6 and last 4 digits of a PAN and replaces the rest with
// '*'. A PAN of 10 characters or fewer is masked entirely.
func MaskPAN(pan string) string {
	if len(pan) <= 10 {
		return strings.Repeat("*", len(pan))
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}

// printable reports whether v is printable ASCII.
func printable(v []byte) bool {
	for _, c := range v {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}
