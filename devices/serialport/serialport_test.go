package serialport_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
)

func TestOverPseudoTerminal(t *testing.T) {
	pty, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	p, err := serialport.Open(serialport.Config{Path: pty.Path, Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	// Nothing sent: a read times out with (0, nil), not an error.
	p.SetReadTimeout(20 * time.Millisecond)
	buf := make([]byte, 16)
	if n, err := p.Read(buf); n != 0 || err != nil {
		t.Fatalf("idle read = %d, %v; want 0, nil", n, err)
	}
	// Device to till.
	pty.Master.Write([]byte("6936352322870\r"))
	if err := devices.ReadFull(p, buf[:14], time.Second, nil); err != nil || string(buf[:14]) != "6936352322870\r" {
		t.Fatalf("read %q, %v", buf[:14], err)
	}
	// Till to device.
	if _, err := p.Write([]byte{0x1b, 0x40}); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 2)
	pty.Master.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := pty.Master.Read(got); err != nil || got[0] != 0x1b || got[1] != 0x40 {
		t.Fatalf("device got %x, %v", got, err)
	}
	// A silent device: ReadFull gives ErrTimeout.
	if err := devices.ReadFull(p, buf[:1], 50*time.Millisecond, nil); !errors.Is(err, devices.ErrTimeout) {
		t.Fatalf("silent device: %v", err)
	}
	// Unplugged: the next read fails with ErrUnplugged, never (0, nil) forever.
	pty.Unplug()
	p.SetReadTimeout(time.Second)
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := p.Read(buf)
		if err != nil {
			if !errors.Is(err, devices.ErrUnplugged) {
				t.Fatalf("read after unplug: %v, want ErrUnplugged", err)
			}
			var de *devices.Error
			if !errors.As(err, &de) || de.Op != "read" || de.Port != pty.Path {
				t.Fatalf("error %#v lacks Op/Port", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("reads after unplug never failed")
		}
	}
	// After our own Close, reads say closed, not unplugged.
	p.Close()
	if _, err := p.Read(buf); errors.Is(err, devices.ErrUnplugged) {
		t.Fatalf("read after Close: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  serialport.Config
		want error
	}{
		{serialport.Config{Path: filepath.Join(t.TempDir(), "ttyNOPE")}, devices.ErrNotFound},
		{serialport.Config{Path: "/dev/null", Baud: 12345}, devices.ErrBadConfig},
		{serialport.Config{Path: "/dev/null", Parity: "mark?"}, devices.ErrBadConfig},
		{serialport.Config{Path: "/dev/null", StopBits: 3}, devices.ErrBadConfig},
		{serialport.Config{Path: "/dev/null", Flow: "xon"}, devices.ErrBadConfig},
		{serialport.Config{}, devices.ErrBadConfig},
	} {
		_, err := serialport.Open(tc.cfg)
		if !errors.Is(err, tc.want) {
			t.Errorf("serialport.Open(%+v) = %v, want %v", tc.cfg, err, tc.want)
		}
	}
}

func TestWireTime(t *testing.T) {
	// 9600 8N1: 10 bits a byte, 960 bytes a second.
	if got := (serialport.Config{Baud: 9600}).WireTime(960); got != time.Second {
		t.Errorf("WireTime = %v, want 1s", got)
	}
	if got := (serialport.Config{Baud: 9600, Parity: "even", StopBits: 2}).WireTime(1200); got != 1500*time.Millisecond {
		t.Errorf("8E2 WireTime = %v, want 1.5s", got)
	}
}
