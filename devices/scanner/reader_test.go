package scanner

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
)

// quietLog keeps the Reader's warnings out of the test output.
var quietLog = slog.New(slog.DiscardHandler)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// step is what one Read of a fakePort returns: data, a read timeout (no data, no
// error), or an error; the clock moves by advance first.
type step struct {
	data    string
	err     error
	advance time.Duration
}

// fakePort plays its steps to Read, then blocks until Close like a silent device.
type fakePort struct {
	clock  *fakeClock
	steps  chan step
	closed chan struct{}
	once   sync.Once
}

func newFakePort(clock *fakeClock, steps ...step) *fakePort {
	p := &fakePort{clock: clock, steps: make(chan step, len(steps)), closed: make(chan struct{})}
	for _, s := range steps {
		p.steps <- s
	}
	return p
}

func (p *fakePort) Read(b []byte) (int, error) {
	select {
	case s := <-p.steps:
		p.clock.advance(s.advance)
		return copy(b, s.data), s.err
	case <-p.closed:
		return 0, devices.Wrap("read", p.Name(), devices.ErrClosed)
	}
}

func (p *fakePort) Write(b []byte) (int, error)        { return len(b), nil }
func (p *fakePort) SetReadTimeout(time.Duration) error { return nil }
func (p *fakePort) Name() string                       { return "/dev/fake" }
func (p *fakePort) Close() error                       { p.once.Do(func() { close(p.closed) }); return nil }

// collect reads n scans from out, failing after a second.
func collect(t *testing.T, out <-chan Scan, n int) []Scan {
	t.Helper()
	var got []Scan
	for len(got) < n {
		select {
		case s := <-out:
			got = append(got, s)
		case <-time.After(time.Second):
			t.Fatalf("got %d scans %+v, want %d", len(got), got, n)
		}
	}
	return got
}

// start runs r in the background; stop cancels it and returns Run's error.
func start(t *testing.T, r *Reader) (out chan Scan, stop func() error) {
	t.Helper()
	out = make(chan Scan, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, out) }()
	return out, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Second):
			t.Fatal("Run did not return after cancel")
			return nil
		}
	}
}

func TestReaderPartialFrameThenTimeout(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		dec    *LineDecoder
		steps  []step
		want   []string
		wantAt []time.Duration // Scan.At - t0
	}{
		{"CR: a timeout mid-frame keeps the partial", &LineDecoder{Suffix: cr}, []step{
			{data: "400638", advance: 10 * ms}, {advance: 50 * ms}, {data: "1333931\r", advance: 10 * ms},
		}, []string{"4006381333931"}, []time.Duration{70 * ms}},
		{"none: the timeout ends the scan", &LineDecoder{}, []step{
			{data: "400638", advance: 10 * ms}, {data: "1333931", advance: 5 * ms}, {advance: 50 * ms},
			{data: "96385074", advance: 500 * ms}, {advance: 50 * ms},
		}, []string{"4006381333931", "96385074"}, []time.Duration{65 * ms, 615 * ms}},
		{"CR: a stale partial is dropped", &LineDecoder{Suffix: cr}, []step{
			{data: "\x02noise", advance: 10 * ms}, {advance: 50 * ms}, {advance: 2 * time.Second}, {data: "123\r", advance: 10 * ms},
		}, []string{"123"}, []time.Duration{2070 * ms}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: t0}
			port := newFakePort(clock, tc.steps...)
			out, stop := start(t, &Reader{Port: port, Decoder: tc.dec, Now: clock.Now, Log: quietLog})
			got := collect(t, out, len(tc.want))
			if err := stop(); err != nil {
				t.Fatalf("Run after cancel = %v, want nil", err)
			}
			for i, s := range got {
				if s.Data != tc.want[i] || s.Source != "/dev/fake" || s.At.Sub(t0) != tc.wantAt[i] {
					t.Errorf("scan %d = %+v, want %q at t0+%v", i, s, tc.want[i], tc.wantAt[i])
				}
			}
			select {
			case s := <-out:
				t.Errorf("extra scan %+v", s)
			default:
			}
		})
	}
}

func TestReaderPortFailure(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"unplugged", devices.Wrap("read", "/dev/fake", devices.ErrUnplugged), devices.ErrUnplugged},
		{"no error kind: taken as unplugged", io.EOF, devices.ErrUnplugged},
		{"closed by someone else", devices.Wrap("read", "/dev/fake", devices.ErrClosed), devices.ErrClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{}
			port := newFakePort(clock, step{data: "123\r"}, step{err: tc.err})
			out := make(chan Scan, 1)
			err := (&Reader{Port: port, Log: quietLog}).Run(context.Background(), out)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Run = %v, want %v", err, tc.want)
			}
			if s := <-out; s.Data != "123" {
				t.Fatalf("scan before the failure = %+v", s)
			}
			select {
			case <-port.closed:
			default:
				t.Error("Run returned without closing the port")
			}
		})
	}
}

func TestReaderCancelWhileBlockedOnOut(t *testing.T) {
	port := newFakePort(&fakeClock{}, step{data: "1\r2\r"})
	out := make(chan Scan) // nobody receives
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&Reader{Port: port, Log: quietLog}).Run(ctx, out) }()
	time.Sleep(20 * ms)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run blocked on a full channel after cancel")
	}
}

// ptyScanner is a simulated serial scanner opened by the till with the real serial
// adapter, and a Reader over it.
func ptyScanner(t *testing.T, suffix string) (*sim.Scanner, *Reader) {
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
	return s, &Reader{Port: p, Decoder: &LineDecoder{Suffix: []byte(suffix)}, Log: quietLog}
}

// noLeaks fails t if goroutines started during the test outlive it.
func noLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Errorf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(10 * ms)
		}
	})
}

func TestReaderOverPTY(t *testing.T) {
	noLeaks(t)
	s, r := ptyScanner(t, "\r\n")
	s.ByteDelay = sim.ByteTime9600
	out, stop := start(t, r)
	codes := []string{"4006381333931", "9780201379624", "96385074"}
	for _, c := range codes {
		if err := s.Scan(c); err != nil {
			t.Fatal(err)
		}
	}
	for i, got := range collect(t, out, len(codes)) {
		if got.Data != codes[i] || got.Source != s.Path() || time.Since(got.At) > 5*time.Second {
			t.Errorf("scan %d = %+v, want %q from %s", i, got, codes[i], s.Path())
		}
	}
	began := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	if d := time.Since(began); d > 200*ms {
		t.Errorf("Run took %v to return after cancel", d)
	}
}

func TestReaderCancelUnblocksRead(t *testing.T) {
	noLeaks(t)
	_, r := ptyScanner(t, "\r")
	r.ReadTimeout = time.Hour // only closing the port can end this Read
	_, stop := start(t, r)
	time.Sleep(50 * ms)
	began := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	if d := time.Since(began); d > 200*ms {
		t.Errorf("Run took %v to return after cancel", d)
	}
}

func TestReaderUnplugMidScan(t *testing.T) {
	noLeaks(t)
	s, r := ptyScanner(t, "\r")
	s.ByteDelay = 5 * ms
	out := make(chan Scan, 4)
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background(), out) }()
	go s.Scan("9780201379624")
	time.Sleep(25 * ms)
	unplugged := time.Now()
	s.Unplug()
	select {
	case err := <-done:
		if !errors.Is(err, devices.ErrUnplugged) {
			t.Fatalf("Run = %v, want ErrUnplugged", err)
		}
		var de *devices.Error
		if !errors.As(err, &de) || de.Port != s.Path() {
			t.Errorf("Run error %v does not name the port", err)
		}
		if d := time.Since(unplugged); d > time.Second {
			t.Errorf("Run noticed the unplug after %v", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after unplug")
	}
	if len(out) != 0 {
		t.Errorf("half a scan delivered: %+v", <-out)
	}
}

func TestReaderAlreadyCancelled(t *testing.T) {
	port := newFakePort(&fakeClock{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (&Reader{Port: port, Log: quietLog}).Run(ctx, make(chan Scan)); err != nil {
		t.Fatalf("Run with a cancelled ctx = %v, want nil", err)
	}
	select {
	case <-port.closed:
	default:
		t.Error("port left open")
	}
}
