package discovery

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"tilldesk/devices"
)

// fakeClock is a manual Clock: time moves only on Advance, and every After call is
// reported on afters so a test can see what the code under test waits for.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
	afters chan time.Duration
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC), afters: make(chan time.Duration, 1000)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	}
	c.mu.Unlock()
	c.afters <- d
	return ch
}

// Advance moves time on and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			t.ch <- c.now
		} else {
			kept = append(kept, t)
		}
	}
	c.timers = kept
}

// nextAfter waits for the code under test to call After and returns the duration.
func (c *fakeClock) nextAfter(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.afters:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for a clock.After call")
		return 0
	}
}

// noMoreAfters checks that nothing else waits on the clock for a little while.
func (c *fakeClock) noMoreAfters(t *testing.T) {
	t.Helper()
	select {
	case d := <-c.afters:
		t.Fatalf("unexpected clock.After(%v): the loop did not wait for the clock", d)
	case <-time.After(50 * time.Millisecond):
	}
}

// fakeLister returns a settable list and error.
type fakeLister struct {
	mu    sync.Mutex
	devs  []Device
	err   error
	calls int
}

func (f *fakeLister) set(err error, devs ...Device) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.devs, f.err = devs, err
}

func (f *fakeLister) List() ([]Device, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return append([]Device(nil), f.devs...), f.err
}

// fakePort blocks in Read until unplugged or closed.
type fakePort struct {
	name      string
	gone      chan struct{}
	closed    chan struct{}
	unplugOne sync.Once
	closeOne  sync.Once
}

func newFakePort(name string) *fakePort {
	return &fakePort{name: name, gone: make(chan struct{}), closed: make(chan struct{})}
}

func (p *fakePort) unplug() { p.unplugOne.Do(func() { close(p.gone) }) }

func (p *fakePort) isClosed() bool {
	select {
	case <-p.closed:
		return true
	default:
		return false
	}
}

func (p *fakePort) Read(b []byte) (int, error) {
	select {
	case <-p.gone:
		return 0, devices.Wrap("read", p.name, devices.ErrUnplugged)
	case <-p.closed:
		return 0, devices.Wrap("read", p.name, devices.ErrClosed)
	}
}

func (p *fakePort) Write(b []byte) (int, error) {
	if p.isClosed() {
		return 0, devices.Wrap("write", p.name, devices.ErrClosed)
	}
	return len(b), nil
}

func (p *fakePort) Close() error {
	p.closeOne.Do(func() { close(p.closed) })
	return nil
}

func (p *fakePort) SetReadTimeout(time.Duration) error { return nil }
func (p *fakePort) Name() string                       { return p.name }

// checkGoroutines fails the test if the goroutine count does not settle back to
// baseline (taken at the start of the test).
func checkGoroutines(t *testing.T, baseline int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutine leak: %d goroutines, want at most %d\n%s", n, baseline, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// scanner is a test device: VID 0483, PID 5740, serial SN1.
func scanner(path string) Device {
	return Device{Kind: KindSerial, Path: path, VID: 0x0483, PID: 0x5740, Serial: "SN1", Product: "Scanner", USB: true}
}

// contains reports whether err's text mentions each of the words.
func contains(err error, words ...string) bool {
	if err == nil {
		return false
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			return false
		}
	}
	return true
}
