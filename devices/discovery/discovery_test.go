package discovery

import (
	"errors"
	"testing"

	"tilldesk/devices"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want ID
		str  string
	}{
		{"0483:5740", ID{VID: 0x0483, PID: 0x5740}, "0483:5740"},
		{"0x0483:0x5740", ID{VID: 0x0483, PID: 0x5740}, "0483:5740"},
		{"0X0483:0XABCD", ID{VID: 0x0483, PID: 0xabcd}, "0483:abcd"},
		{"  0483:5740  ", ID{VID: 0x0483, PID: 0x5740}, "0483:5740"},
		{"483:1", ID{VID: 0x0483, PID: 0x0001}, "0483:0001"},
		{"0483:0000", ID{VID: 0x0483}, "0483:0000"},
		{"05f9:4204:S/N 123", ID{VID: 0x05f9, PID: 0x4204, Serial: "S/N 123"}, "05f9:4204:S/N 123"},
		{"05F9:4204:ab:cd:ef", ID{VID: 0x05f9, PID: 0x4204, Serial: "ab:cd:ef"}, "05f9:4204:ab:cd:ef"},
		{"ffff:ffff:Ω", ID{VID: 0xffff, PID: 0xffff, Serial: "Ω"}, "ffff:ffff:Ω"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseID(tt.in)
			if err != nil {
				t.Fatalf("ParseID(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseID(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
			again, err := ParseID(got.String())
			if err != nil || again != got {
				t.Errorf("round trip: ParseID(%q) = %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}
}

func TestParseIDBad(t *testing.T) {
	tests := []struct{ in, mention string }{
		{"", "empty"},
		{"   ", "empty"},
		{"0483", "VID:PID"},
		{"0483-5740", "VID:PID"},
		{":5740", "vendor ID"},
		{"0483:", "product ID"},
		{"0x:5740", "vendor ID"},
		{"12345:5740", "vendor ID"},
		{"00000483:5740", "vendor ID"},
		{"0483:57g0", "product ID"},
		{"+483:5740", "vendor ID"},
		{"0483:-1", "product ID"},
		{"0_483:5740", "vendor ID"},
		{"0000:5740", "not a USB vendor"},
		{"0483:5740:", "serial"},
		{"0483:5740: SN1", "spaces"},
		{"0483:5740:SN\x001", "control"},
		{"0483:5740:SN\t1", "control"},
		{"0483:5740:\xff", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, err := ParseID(tt.in)
			if err == nil {
				t.Fatalf("ParseID(%q) = %+v, want an error", tt.in, id)
			}
			if !errors.Is(err, devices.ErrBadConfig) {
				t.Errorf("error %v does not wrap ErrBadConfig", err)
			}
			if !contains(err, tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestIDText(t *testing.T) {
	var id ID
	if err := id.UnmarshalText([]byte("0x0483:0x5740:SN1")); err != nil {
		t.Fatal(err)
	}
	if want := (ID{VID: 0x0483, PID: 0x5740, Serial: "SN1"}); id != want {
		t.Fatalf("UnmarshalText = %+v, want %+v", id, want)
	}
	b, err := id.MarshalText()
	if err != nil || string(b) != "0483:5740:SN1" {
		t.Fatalf("MarshalText = %q, %v", b, err)
	}
	if err := id.UnmarshalText([]byte(" ")); err != nil || !id.IsZero() {
		t.Fatalf("UnmarshalText(blank) = %+v, %v; want zero ID", id, err)
	}
	if b, _ := (ID{}).MarshalText(); len(b) != 0 {
		t.Fatalf("zero ID MarshalText = %q, want empty", b)
	}
	if err := id.UnmarshalText([]byte("nonsense")); !errors.Is(err, devices.ErrBadConfig) {
		t.Fatalf("UnmarshalText(nonsense) = %v, want ErrBadConfig", err)
	}
}

func TestIDMatches(t *testing.T) {
	dev := scanner("COM3")
	tests := []struct {
		name string
		id   ID
		dev  Device
		want bool
	}{
		{"vid pid", ID{VID: 0x0483, PID: 0x5740}, dev, true},
		{"vid pid serial", ID{VID: 0x0483, PID: 0x5740, Serial: "SN1"}, dev, true},
		{"serial case-insensitive", ID{VID: 0x0483, PID: 0x5740, Serial: "sn1"}, dev, true},
		{"other serial", ID{VID: 0x0483, PID: 0x5740, Serial: "SN2"}, dev, false},
		{"serial wanted, device has none", ID{VID: 0x0483, PID: 0x5740, Serial: "SN1"}, Device{VID: 0x0483, PID: 0x5740}, false},
		{"other pid", ID{VID: 0x0483, PID: 0x5741}, dev, false},
		{"other vid", ID{VID: 0x0484, PID: 0x5740}, dev, false},
		{"zero id matches nothing", ID{}, Device{Kind: KindSerial, Path: "/dev/ttyS0"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.id.Matches(tt.dev); got != tt.want {
				t.Errorf("%v.Matches(%v) = %v, want %v", tt.id, tt.dev, got, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	other := Device{Kind: KindSerial, Path: "COM1"}
	printer := Device{Kind: KindSerial, Path: "COM4", VID: 0x0416, PID: 0x5011, USB: true}
	second := scanner("COM9")
	second.Serial = "SN2"
	byModel := ID{VID: 0x0483, PID: 0x5740}

	tests := []struct {
		name     string
		id       ID
		devs     []Device
		wantPath string
		wantErr  []error
		mention  []string
	}{
		{"found where configured", byModel, []Device{other, scanner("COM3"), printer}, "COM3", nil, nil},
		{"found after moving from COM3 to COM7", byModel, []Device{other, scanner("COM7"), printer}, "COM7", nil, nil},
		{"serial picks one of two", ID{VID: 0x0483, PID: 0x5740, Serial: "SN2"}, []Device{scanner("COM7"), second}, "COM9", nil, nil},
		{"not found", byModel, []Device{other, printer}, "", []error{devices.ErrNotFound}, []string{"0483:5740", "2 attached"}},
		{"not found in empty list", byModel, nil, "", []error{devices.ErrNotFound}, nil},
		{"serial not found", ID{VID: 0x0483, PID: 0x5740, Serial: "SN3"}, []Device{scanner("COM7"), second}, "", []error{devices.ErrNotFound}, nil},
		{"ambiguous without serial", byModel, []Device{scanner("COM7"), second}, "",
			[]error{ErrAmbiguous, devices.ErrBadConfig}, []string{"2 devices match 0483:5740", "COM7", "COM9", `"SN2"`, "add the serial number"}},
		{"ambiguous with serial", ID{VID: 0x0483, PID: 0x5740, Serial: "SN1"}, []Device{scanner("/dev/ttyACM0"), scanner("/dev/ttyACM1")}, "",
			[]error{ErrAmbiguous}, []string{"/dev/ttyACM0", "/dev/ttyACM1", "cannot be told apart"}},
		{"no id", ID{}, []Device{other}, "", []error{devices.ErrBadConfig}, []string{"no device ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.id, tt.devs)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Resolve: %v", err)
				}
				if got.Path != tt.wantPath {
					t.Fatalf("Resolve = %v, want path %s", got, tt.wantPath)
				}
				return
			}
			if err == nil {
				t.Fatalf("Resolve = %v, want an error", got)
			}
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("error %v does not wrap %v", err, want)
				}
			}
			var de *devices.Error
			if !errors.As(err, &de) || de.Op != "find" {
				t.Errorf("error %v is not a devices.Error for op find", err)
			}
			for _, m := range tt.mention {
				if !contains(err, m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestDeviceString(t *testing.T) {
	if got, want := scanner("COM3").String(), `serial COM3 0483:5740:SN1 "Scanner"`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := (Device{Kind: KindSerial, Path: "/dev/ttyS0"}).String(), "serial /dev/ttyS0"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"0483:5740", "0x0483:0x5740:SN1", "05f9:4204:a:b", " 1:2 ", "", ":", "0483:5740:", "0000:0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if !errors.Is(err, devices.ErrBadConfig) {
				t.Fatalf("ParseID(%q) error %v does not wrap ErrBadConfig", s, err)
			}
			return
		}
		if id.VID == 0 {
			t.Fatalf("ParseID(%q) accepted vendor ID 0", s)
		}
		again, err := ParseID(id.String())
		if err != nil {
			t.Fatalf("ParseID(%q) = %+v, but its String %q does not parse: %v", s, id, id.String(), err)
		}
		if again != id {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v", s, id, id.String(), again)
		}
		if !id.Matches(Device{VID: id.VID, PID: id.PID, Serial: id.Serial}) {
			t.Fatalf("%+v does not match its own device", id)
		}
	})
}
