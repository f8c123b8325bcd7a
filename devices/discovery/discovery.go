// Package discovery finds the till's devices and keeps them connected.
//
// A configured device is named by its USB identity (an [ID]: vendor ID, product ID and,
// optionally, serial number) rather than by its port, because the port is not stable:
// Windows may give a re-plugged scanner COM7 instead of COM3, and Linux may give it
// ttyACM1 instead of ttyACM0. [Lister]s enumerate what is attached ([SerialLister],
// [HIDLister], [MultiLister]), [Resolve] picks the configured device out of a listing,
// a [Watcher] polls a Lister and reports devices coming and going, and a [Supervisor]
// keeps one device role (the scanner, the printer) connected across unplugs.
package discovery

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"tilldesk/devices"
)

// Device kinds, as found in [Device.Kind].
const (
	KindSerial = "serial" // a serial port: RS-232, USB CDC-ACM, USB-serial adapter, pty
	KindHID    = "hid"    // a USB HID interface
)

// Device is one attached device as a Lister sees it.
type Device struct {
	Kind         string // KindSerial or KindHID
	Path         string // what to open: "/dev/ttyACM0", "COM3", or a HID path
	VID, PID     uint16 // USB vendor and product ID; zero when not a USB device
	Serial       string // USB serial number, if the device has one
	Product      string // USB product string, if known
	Manufacturer string // USB manufacturer string, if known
	USB          bool   // whether the device is on USB (and VID/PID are meaningful)
}

// ID is the device's USB identity, for the config file.
func (d Device) ID() ID { return ID{VID: d.VID, PID: d.PID, Serial: d.Serial} }

// String describes the device for logs and error messages, e.g.
// `serial /dev/ttyACM0 0483:5740:ABC123 "STM32 Virtual ComPort"`.
func (d Device) String() string {
	var b strings.Builder
	b.WriteString(d.Kind)
	b.WriteByte(' ')
	b.WriteString(d.Path)
	if d.USB || d.VID != 0 || d.PID != 0 {
		b.WriteByte(' ')
		b.WriteString(d.ID().String())
	}
	if d.Product != "" {
		fmt.Fprintf(&b, " %q", d.Product)
	}
	return b.String()
}

// ID identifies a configured device across re-plugs and port renumbering. Serial is
// optional: empty matches any serial number, which is fine while only one device of
// that model is attached. Beware that for devices without a real USB serial number,
// Windows reports an instance ID that changes with the USB socket; leave Serial empty
// for those.
//
// In the config file an ID is written "VID:PID" or "VID:PID:SERIAL" with VID and PID
// in hex ("0483:5740", "0x0483:0x5740:ABC123"); ID implements encoding.TextMarshaler
// and TextUnmarshaler so it can be a config field directly.
type ID struct {
	VID, PID uint16
	Serial   string
}

// IsZero reports whether the ID is unset (no vendor ID).
func (id ID) IsZero() bool { return id.VID == 0 && id.PID == 0 && id.Serial == "" }

// Matches reports whether d is the device id names: same VID and PID and, when the ID
// has a serial number, the same serial number (compared ignoring case, because
// Windows upper-cases the serial numbers it reports). A zero ID matches nothing.
func (id ID) Matches(d Device) bool {
	if id.VID == 0 {
		return false
	}
	if d.VID != id.VID || d.PID != id.PID {
		return false
	}
	return id.Serial == "" || strings.EqualFold(id.Serial, d.Serial)
}

// String formats the ID as ParseID reads it: lower-case hex "0483:5740" or
// "0483:5740:ABC123".
func (id ID) String() string {
	s := fmt.Sprintf("%04x:%04x", id.VID, id.PID)
	if id.Serial != "" {
		s += ":" + id.Serial
	}
	return s
}

// ParseID reads "VID:PID" or "VID:PID:SERIAL". VID and PID are 1 to 4 hex digits with
// an optional 0x prefix; the serial number is everything after the second colon
// (colons included). Surrounding white space is ignored. Errors wrap
// devices.ErrBadConfig.
func ParseID(s string) (ID, error) {
	in := s
	s = strings.TrimSpace(s)
	if s == "" {
		return ID{}, fmt.Errorf("device ID is empty, want VID:PID[:SERIAL] like 0483:5740: %w", devices.ErrBadConfig)
	}
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 {
		return ID{}, fmt.Errorf("device ID %q: want VID:PID[:SERIAL] like 0483:5740: %w", in, devices.ErrBadConfig)
	}
	vid, err := parseHex16(parts[0])
	if err != nil {
		return ID{}, fmt.Errorf("device ID %q: vendor ID: %w", in, err)
	}
	if vid == 0 {
		return ID{}, fmt.Errorf("device ID %q: vendor ID 0000 is not a USB vendor: %w", in, devices.ErrBadConfig)
	}
	pid, err := parseHex16(parts[1])
	if err != nil {
		return ID{}, fmt.Errorf("device ID %q: product ID: %w", in, err)
	}
	id := ID{VID: vid, PID: pid}
	if len(parts) == 3 {
		if err := checkSerial(parts[2]); err != nil {
			return ID{}, fmt.Errorf("device ID %q: serial number: %w", in, err)
		}
		id.Serial = parts[2]
	}
	return id, nil
}

// parseHex16 reads a 16-bit USB ID: 1 to 4 hex digits, optional 0x prefix.
func parseHex16(s string) (uint16, error) {
	h := s
	if len(h) > 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X') {
		h = h[2:]
	}
	if len(h) == 0 || len(h) > 4 {
		return 0, fmt.Errorf("%q: want 4 hex digits like 0483 or 0x0483: %w", s, devices.ErrBadConfig)
	}
	for _, c := range h {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return 0, fmt.Errorf("%q: want 4 hex digits like 0483 or 0x0483: %w", s, devices.ErrBadConfig)
		}
	}
	v, err := strconv.ParseUint(h, 16, 16)
	if err != nil { // cannot happen after the checks above
		return 0, fmt.Errorf("%q: %w: %w", s, err, devices.ErrBadConfig)
	}
	return uint16(v), nil
}

// checkSerial rejects serial numbers that could not have come from a device or would
// not survive a round trip through the config file.
func checkSerial(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty after the second ':' (leave out the colon for any serial): %w", devices.ErrBadConfig)
	case !utf8.ValidString(s):
		return fmt.Errorf("%q is not valid UTF-8: %w", s, devices.ErrBadConfig)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("%q contains control characters: %w", s, devices.ErrBadConfig)
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("%q has leading or trailing spaces: %w", s, devices.ErrBadConfig)
	}
	return nil
}

// MarshalText writes the ID as String does; a zero ID is written as "".
func (id ID) MarshalText() ([]byte, error) {
	if id.IsZero() {
		return []byte{}, nil
	}
	return []byte(id.String()), nil
}

// UnmarshalText reads the ID as ParseID does; "" (or only spaces) leaves a zero ID,
// meaning "not configured".
func (id *ID) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*id = ID{}
		return nil
	}
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ErrAmbiguous is wrapped by the error Resolve returns when more than one attached
// device matches the ID.
var ErrAmbiguous = errors.New("more than one device matches")

// AmbiguousError is Resolve's error when several devices match an ID. It wraps
// ErrAmbiguous and devices.ErrBadConfig (the setting needs a serial number, or the
// devices need telling apart some other way).
type AmbiguousError struct {
	ID      ID
	Matches []Device
}

func (e *AmbiguousError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d devices match %s", len(e.Matches), e.ID)
	for i, d := range e.Matches {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(d.String())
		if d.Serial != "" {
			fmt.Fprintf(&b, " (serial %q)", d.Serial)
		}
	}
	if e.ID.Serial == "" {
		b.WriteString("; add the serial number to the setting (VID:PID:SERIAL) to pick one")
	} else {
		b.WriteString("; they cannot be told apart by VID, PID and serial number")
	}
	return b.String()
}

// Unwrap returns ErrAmbiguous and devices.ErrBadConfig.
func (e *AmbiguousError) Unwrap() []error { return []error{ErrAmbiguous, devices.ErrBadConfig} }

// Resolve finds the device id names among devs. It fails with an error wrapping
// devices.ErrNotFound when none matches, and with an *AmbiguousError when several do.
func Resolve(id ID, devs []Device) (Device, error) {
	if id.VID == 0 {
		return Device{}, devices.Wrap("find", id.String(), fmt.Errorf("no device ID set: %w", devices.ErrBadConfig))
	}
	var found []Device
	for _, d := range devs {
		if id.Matches(d) {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return Device{}, devices.Wrap("find", id.String(),
			fmt.Errorf("not among the %d attached devices: %w", len(devs), devices.ErrNotFound))
	case 1:
		return found[0], nil
	}
	return Device{}, devices.Wrap("find", id.String(), &AmbiguousError{ID: id, Matches: found})
}
