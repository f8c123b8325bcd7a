package hid

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/karalabe/usb"

	"tilldesk/devices"
	"tilldesk/devices/scanner"
)

// fakeDevice is a HID device whose Read blocks like karalabe/usb's: until the test
// sends a report or an error, or the device is closed.
type fakeDevice struct {
	reports chan []byte // unbuffered: a send returns once Port's goroutine took it
	fail    chan error
	closed  chan struct{}
	once    sync.Once

	mu      sync.Mutex
	written [][]byte
}

func newFakeDevice() *fakeDevice {
	return &fakeDevice{reports: make(chan []byte), fail: make(chan error), closed: make(chan struct{})}
}

func (f *fakeDevice) Read(b []byte) (int, error) {
	select {
	case r := <-f.reports:
		return copy(b, r), nil
	case err := <-f.fail:
		return 0, err
	case <-f.closed:
		return 0, usb.ErrDeviceClosed
	}
}

func (f *fakeDevice) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.closed:
		return 0, usb.ErrDeviceClosed
	default:
	}
	f.written = append(f.written, slices.Clone(b))
	return len(b), nil
}

func (f *fakeDevice) Close() error {
	f.once.Do(func() { close(f.closed) })
	return nil
}

// open adapts a fake device, checking at the end that its goroutine is gone.
func open(t *testing.T) (*fakeDevice, *Port) {
	t.Helper()
	dev := newFakeDevice()
	p := New(dev, "Test Scanner (USB 0c2e:0b61)")
	t.Cleanup(func() {
		p.Close()
		select {
		case <-p.exited:
		case <-time.After(time.Second):
			t.Error("report goroutine still running after Close")
		}
	})
	return dev, p
}

func TestReadOneReportPerCall(t *testing.T) {
	dev, p := open(t)
	r1 := scanner.HIDReports("]E0", []byte("4006381333931"))[0]
	r2 := []byte{4, 1} // a trigger report: short reports come through as they are
	go func() {
		dev.reports <- r1
		dev.reports <- r2
	}()
	p.SetReadTimeout(time.Second)
	buf := make([]byte, 256)
	for _, want := range [][]byte{r1, r2} {
		n, err := p.Read(buf)
		if err != nil || !slices.Equal(buf[:n], want) {
			t.Fatalf("Read = % x, %v; want % x", buf[:n], err, want)
		}
	}
}

func TestReadTimeout(t *testing.T) {
	_, p := open(t)
	p.SetReadTimeout(30 * time.Millisecond)
	began := time.Now()
	n, err := p.Read(make([]byte, ReportSize))
	if n != 0 || err != nil {
		t.Fatalf("idle Read = %d, %v; want 0, nil", n, err)
	}
	if d := time.Since(began); d < 30*time.Millisecond || d > time.Second {
		t.Errorf("idle Read took %v, want about 30ms", d)
	}
	p.SetReadTimeout(0)
	if n, err := p.Read(make([]byte, ReportSize)); n != 0 || err != nil {
		t.Fatalf("polling Read = %d, %v; want 0, nil", n, err)
	}
}

func TestShortBuffer(t *testing.T) {
	dev, p := open(t)
	go func() { dev.reports <- make([]byte, ReportSize) }()
	n, err := p.Read(make([]byte, 8))
	if n != 8 || !errors.Is(err, devices.ErrProtocol) {
		t.Fatalf("Read into 8 bytes = %d, %v; want 8, ErrProtocol", n, err)
	}
}

func TestUnplug(t *testing.T) {
	dev, p := open(t)
	r := scanner.HIDReports("]E0", []byte("96385074"))[0]
	dev.reports <- r // queued before the failure
	dev.fail <- errors.New("hidapi: unknown failure")
	buf := make([]byte, ReportSize)
	if n, err := p.Read(buf); err != nil || !slices.Equal(buf[:n], r) {
		t.Fatalf("report read before the unplug = % x, %v", buf[:n], err)
	}
	for range 2 { // the failure sticks
		_, err := p.Read(buf)
		if !errors.Is(err, devices.ErrUnplugged) {
			t.Fatalf("Read after unplug = %v, want ErrUnplugged", err)
		}
		var de *devices.Error
		if !errors.As(err, &de) || de.Op != "read" || de.Port != p.Name() {
			t.Fatalf("error %v lacks Op/Port", err)
		}
	}
	if _, err := p.Write([]byte{0xfd, 3}); err != nil {
		// The fake still accepts writes; a real unplugged device would not.
		t.Fatalf("Write = %v", err)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	_, p := open(t)
	done := make(chan error, 1)
	go func() {
		_, err := p.Read(make([]byte, ReportSize)) // no timeout: blocks
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, devices.ErrClosed) {
			t.Fatalf("blocked Read after Close = %v, want ErrClosed", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Close did not unblock Read")
	}
	if _, err := p.Read(make([]byte, ReportSize)); !errors.Is(err, devices.ErrClosed) {
		t.Fatalf("Read after Close = %v", err)
	}
	if _, err := p.Write([]byte{1}); !errors.Is(err, devices.ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestCloseWithReportsPending(t *testing.T) {
	dev, p := open(t)
	for range 20 { // more than the channel holds: the goroutine blocks sending
		select {
		case dev.reports <- []byte{2, 0}:
		case <-time.After(100 * time.Millisecond):
		}
	}
	p.Close() // the cleanup checks the goroutine ended
}

func TestWrite(t *testing.T) {
	dev, p := open(t)
	cmd := []byte{0xfd, 0x03, 0x16, 0x54, 0x0d} // Honeywell: trigger
	if n, err := p.Write(cmd); n != len(cmd) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if !slices.Equal(dev.written[0], cmd) {
		t.Fatalf("device got % x", dev.written[0])
	}
}

// TestScannerOverHID runs the scanner Reader and HIDAssembler over a Port: a QR code
// in three reports, with a trigger report among them, becomes one Scan.
func TestScannerOverHID(t *testing.T) {
	dev, p := open(t)
	code := "https://tilldesk.example/p/0123456789012345678901234567890123456789-0123456789-0123456789"
	reports := scanner.HIDReports("]Q1", []byte(code))
	reports = slices.Insert(reports, 1, []byte{4, 1})
	out := make(chan scanner.Scan, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&scanner.Reader{Port: p, Decoder: &scanner.HIDAssembler{}}).Run(ctx, out)
	}()
	for _, r := range reports {
		dev.reports <- r
	}
	select {
	case s := <-out:
		if s.Data != code || s.Source != p.Name() {
			t.Fatalf("scan = %+v", s)
		}
	case <-time.After(time.Second):
		t.Fatal("no scan")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
}

func TestPick(t *testing.T) {
	kbd := usb.DeviceInfo{Path: "kbd", UsagePage: 0x01}
	pos := usb.DeviceInfo{Path: "pos", UsagePage: UsagePagePOSScanner}
	unknown := usb.DeviceInfo{Path: "linux"}
	for _, tc := range []struct {
		infos []usb.DeviceInfo
		want  string
		ok    bool
	}{
		{[]usb.DeviceInfo{kbd, pos}, "pos", true},
		{[]usb.DeviceInfo{unknown, pos}, "pos", true},
		{[]usb.DeviceInfo{kbd, unknown}, "linux", true},
		{[]usb.DeviceInfo{kbd}, "", false},
		{nil, "", false},
	} {
		got, ok := pick(tc.infos)
		if got.Path != tc.want || ok != tc.ok {
			t.Errorf("pick(%v) = %q, %v; want %q, %v", tc.infos, got.Path, ok, tc.want, tc.ok)
		}
	}
}

func TestDisplayName(t *testing.T) {
	in := usb.DeviceInfo{VendorID: 0x0c2e, ProductID: 0x0b61, Product: "Voyager 1250g"}
	if got := displayName(in); got != "Voyager 1250g (USB 0c2e:0b61)" {
		t.Errorf("displayName = %q", got)
	}
	in.Product = ""
	if got := displayName(in); got != "USB 0c2e:0b61" {
		t.Errorf("displayName without product = %q", got)
	}
}

func TestOpenMissingDevice(t *testing.T) {
	// No USB device has vendor 0xffff on a test machine (and without cgo there is
	// no USB at all): either way the person at the till hears "not found".
	_, err := Open(0xffff, 0xfffe)
	if !errors.Is(err, devices.ErrNotFound) {
		t.Fatalf("Open = %v, want ErrNotFound", err)
	}
}
