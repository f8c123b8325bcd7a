package discovery

import (
	"bytes"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"go.bug.st/serial/enumerator"
)

func TestSerialListerConvertsPortDetails(t *testing.T) {
	var logBuf bytes.Buffer
	l := SerialLister{
		Enumerate: func() ([]*enumerator.PortDetails, error) {
			return []*enumerator.PortDetails{
				{Name: "COM7", IsUSB: true, VID: "0483", PID: "5740", SerialNumber: "SN1", Product: "Scanner", Manufacturer: "ACME"},
				{Name: "COM1"},
				nil,
				{}, // go.bug.st/serial returns these for ttys whose sysfs entry vanished
				{Name: "COM9", IsUSB: true, VID: "zz", PID: "5740"},
				{Name: "/dev/ttyUSB0", IsUSB: true, VID: "0x0403", PID: "6001"},
			}, nil
		},
		Logger: slog.New(slog.NewTextHandler(&logBuf, nil)),
	}
	got, err := l.List()
	if err != nil {
		t.Fatal(err)
	}
	want := []Device{
		{Kind: KindSerial, Path: "/dev/ttyUSB0", VID: 0x0403, PID: 0x6001, USB: true},
		{Kind: KindSerial, Path: "COM1"},
		{Kind: KindSerial, Path: "COM7", VID: 0x0483, PID: 0x5740, Serial: "SN1", Product: "Scanner", Manufacturer: "ACME", USB: true},
		{Kind: KindSerial, Path: "COM9", USB: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List =\n%+v\nwant\n%+v", got, want)
	}
	if !strings.Contains(logBuf.String(), "COM9") {
		t.Errorf("bad VID on COM9 not logged; log:\n%s", logBuf.String())
	}
}

func TestSerialListerError(t *testing.T) {
	cause := errors.New("no /sys/class/tty")
	l := SerialLister{Enumerate: func() ([]*enumerator.PortDetails, error) { return nil, cause }}
	devs, err := l.List()
	if !errors.Is(err, cause) || !contains(err, "list serial ports") {
		t.Fatalf("List error = %v, want it to wrap the cause with context", err)
	}
	if len(devs) != 0 {
		t.Fatalf("List devices = %v, want none", devs)
	}
}

func TestMultiLister(t *testing.T) {
	hidErr := errors.New("hid broke")
	serialErr := errors.New("serial broke")
	a := scanner("COM3")
	b := Device{Kind: KindHID, Path: "0001:0004:00", VID: 0x05e0, PID: 0x1200, USB: true}
	c := Device{Kind: KindSerial, Path: "COM1"}
	ok := func(devs ...Device) Lister { return ListerFunc(func() ([]Device, error) { return devs, nil }) }
	bad := func(err error, devs ...Device) Lister {
		return ListerFunc(func() ([]Device, error) { return devs, err })
	}

	tests := []struct {
		name    string
		m       MultiLister
		want    []Device
		wantErr []error
	}{
		{"all fine, sorted", MultiLister{ok(a), ok(b), ok(c)}, []Device{b, c, a}, nil},
		{"one fails, others still listed", MultiLister{ok(a, c), bad(hidErr)}, []Device{c, a}, []error{hidErr}},
		{"partial result kept", MultiLister{bad(serialErr, a), ok(b)}, []Device{b, a}, []error{serialErr}},
		{"both fail", MultiLister{bad(serialErr), bad(hidErr)}, nil, []error{serialErr, hidErr}},
		{"nil lister skipped", MultiLister{nil, ok(a)}, []Device{a}, nil},
		{"empty", MultiLister{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.m.List()
			if len(got) != 0 || len(tt.want) != 0 {
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("List = %v, want %v", got, tt.want)
				}
			}
			if tt.wantErr == nil && err != nil {
				t.Errorf("List error = %v, want none", err)
			}
			for _, w := range tt.wantErr {
				if !errors.Is(err, w) {
					t.Errorf("List error = %v, want it to include %v", err, w)
				}
			}
		})
	}
}

func TestHIDListerUnavailableIsNotAnError(t *testing.T) {
	if HIDAvailable() == nil {
		t.Skip("HID is available on this machine")
	}
	if err := HIDAvailable(); !errors.Is(err, ErrHIDUnavailable) {
		t.Fatalf("HIDAvailable() = %v, want ErrHIDUnavailable", err)
	}
	var logBuf bytes.Buffer
	hidNote.Lock()
	hidNote.logged = ""
	hidNote.Unlock()
	l := HIDLister{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))}
	for range 3 {
		devs, err := l.List()
		if err != nil || len(devs) != 0 {
			t.Fatalf("List = %v, %v; want no devices and no error", devs, err)
		}
	}
	if n := strings.Count(logBuf.String(), "HID devices will not be listed"); n != 1 {
		t.Errorf("unavailability logged %d times, want once; log:\n%s", n, logBuf.String())
	}
	t.Logf("HID unavailable: %v", HIDAvailable())
}

// TestListersSmoke runs the real listers on this machine: they must return without
// panicking, whatever is (not) attached.
func TestListersSmoke(t *testing.T) {
	for _, l := range []struct {
		name string
		l    Lister
	}{
		{"serial", SerialLister{}},
		{"hid", HIDLister{}},
		{"both", MultiLister{SerialLister{}, HIDLister{}}},
	} {
		t.Run(l.name, func(t *testing.T) {
			devs, err := l.l.List()
			t.Logf("%d devices, err=%v", len(devs), err)
			for _, d := range devs {
				t.Logf("  %v", d)
			}
		})
	}
	t.Logf("HIDAvailable: %v", HIDAvailable())
}
