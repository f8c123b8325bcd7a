package escpos

import (
	"errors"
	"testing"

	"tilldesk/devices"
)

// TestParseStatus uses the reply values of the Epson tables: 12h is a printer with
// nothing to report; 0Ch the near-end bits, 60h the paper-end bits and so on.
func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		n, b byte
		want Status
	}{
		{1, 0x12, Status{Online: true}},
		{1, 0x16, Status{Online: true, DrawerOpen: true}},
		{1, 0x1a, Status{}},
		{1, 0x1e, Status{DrawerOpen: true}},
		{2, 0x12, Status{}},
		{2, 0x16, Status{CoverOpen: true}},
		{2, 0x1a, Status{}}, // paper fed by the button: not a fault
		{2, 0x32, Status{PaperOut: true}},
		{2, 0x52, Status{Error: true}},
		{3, 0x12, Status{}},
		{3, 0x1a, Status{Error: true}}, // autocutter
		{3, 0x32, Status{Error: true}}, // unrecoverable
		{3, 0x52, Status{Error: true}}, // head too hot
		{3, 0x16, Status{}},            // bit 2 is undefined
		{4, 0x12, Status{}},
		{4, 0x1e, Status{PaperNearEnd: true}},
		{4, 0x16, Status{PaperNearEnd: true}}, // one of two near-end sensors
		{4, 0x72, Status{PaperOut: true}},
		{4, 0x7e, Status{PaperOut: true, PaperNearEnd: true}},
		{1, 0x13, Status{Online: true}}, // bit 0 is not checked
	} {
		got, err := ParseStatus(tc.n, tc.b)
		if err != nil || got != tc.want {
			t.Errorf("ParseStatus(%d, %#02x) = %+v, %v; want %+v", tc.n, tc.b, got, err, tc.want)
		}
	}
}

func TestParseStatusRejects(t *testing.T) {
	for _, tc := range []struct{ n, b byte }{
		{1, 0x00}, {1, 0x02}, {1, 0x10}, {1, 0x92}, {4, 0xff}, {2, 0x0d}, // fixed bits wrong
		{0, 0x12}, {5, 0x12}, {0xff, 0x12}, // no such status
	} {
		if _, err := ParseStatus(tc.n, tc.b); !errors.Is(err, devices.ErrProtocol) {
			t.Errorf("ParseStatus(%d, %#02x) = %v, want ErrProtocol", tc.n, tc.b, err)
		}
	}
}

func TestStatusFromReplies(t *testing.T) {
	// A printer that has run out of paper: offline, stopped at paper end, both sensors.
	got, err := StatusFromReplies(0x1a, 0x32, 0x7e)
	if want := (Status{PaperOut: true, PaperNearEnd: true}); err != nil || got != want {
		t.Errorf("out of paper = %+v, %v; want %+v", got, err, want)
	}
	got, err = StatusFromReplies(0x16, 0x12, 0x12)
	if want := (Status{Online: true, DrawerOpen: true}); err != nil || got != want {
		t.Errorf("ready = %+v, %v; want %+v", got, err, want)
	}
	if _, err := StatusFromReplies(0x12, 0x12, 0x00); !errors.Is(err, devices.ErrProtocol) {
		t.Errorf("bad paper reply: %v", err)
	}
}

func TestStatusReplyRoundTrips(t *testing.T) {
	for bits := range 1 << 6 {
		s := Status{Online: bits&1 != 0, CoverOpen: bits&2 != 0, PaperOut: bits&4 != 0,
			PaperNearEnd: bits&8 != 0, DrawerOpen: bits&16 != 0, Error: bits&32 != 0}
		got, err := StatusFromReplies(s.Reply(1), s.Reply(2), s.Reply(4))
		if err != nil || got != s {
			t.Errorf("%+v came back as %+v, %v", s, got, err)
		}
		if e, err := ParseStatus(3, s.Reply(3)); err != nil || e.Error != s.Error {
			t.Errorf("%+v error reply = %+v, %v", s, e, err)
		}
	}
}

func TestStatusString(t *testing.T) {
	if got := (Status{PaperOut: true, CoverOpen: true}).String(); got != "offline, cover open, paper out" {
		t.Errorf("String = %q", got)
	}
}
