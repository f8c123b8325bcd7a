package sim_test

import (
	"errors"
	"testing"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
)

// openScanner starts a simulated scanner and opens it as the till does.
func openScanner(t *testing.T, suffix string) (*sim.Scanner, *serialport.Port) {
	t.Helper()
	s, err := sim.StartScanner(suffix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	p, err := serialport.Open(serialport.Config{Path: s.Path()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return s, p
}

func TestScannerSendsPrefixCodeSuffix(t *testing.T) {
	for _, tc := range []struct {
		name, prefix, suffix string
		delay                time.Duration
	}{
		{"CR", "", "\r", 0},
		{"CRLF with AIM prefix", "]E0", "\r\n", 0},
		{"no suffix", "", "", 0},
		{"9600 baud pacing", "", "\r", sim.ByteTime9600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, p := openScanner(t, tc.suffix)
			s.Prefix, s.ByteDelay = tc.prefix, tc.delay
			const code = "4006381333931"
			start := time.Now()
			if err := s.Scan(code); err != nil {
				t.Fatal(err)
			}
			want := tc.prefix + code + tc.suffix
			if min := time.Duration(len(want)-1) * tc.delay; time.Since(start) < min {
				t.Errorf("paced scan took %v, want at least %v", time.Since(start), min)
			}
			got := make([]byte, len(want))
			if err := devices.ReadFull(p, got, time.Second, nil); err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("till got %q, want %q", got, want)
			}
		})
	}
}

func TestScannerUnplugMidScan(t *testing.T) {
	s, p := openScanner(t, "\r")
	s.ByteDelay = 5 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- s.Scan("9780201379624") }()
	time.Sleep(20 * time.Millisecond)
	if err := s.Unplug(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Scan after unplug succeeded")
		}
	case <-time.After(time.Second):
		t.Fatal("Scan did not stop after unplug")
	}
	if err := s.Scan("1"); err == nil {
		t.Error("Scan on an unplugged scanner succeeded")
	}
	// The till drains what was sent, then sees the device gone.
	p.SetReadTimeout(100 * time.Millisecond)
	buf := make([]byte, 64)
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := p.Read(buf)
		if err != nil {
			if !errors.Is(err, devices.ErrUnplugged) {
				t.Fatalf("read after unplug: %v, want ErrUnplugged", err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("reads after unplug never failed")
		}
	}
}
