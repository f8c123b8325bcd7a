package cardreader

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices"
)

// fakeReader is a backend whose card and faults the test sets.
type fakeReader struct {
	mu          sync.Mutex
	card        *fakeConn // in the reader (inserted or tapped)
	tapped      bool
	fail        error         // Present fails
	stall       time.Duration // Present takes this long
	connects    int
	fieldPolled bool
}

func (f *fakeReader) Name() string { return "Fake Reader 00" }

func (f *fakeReader) Present(ctx context.Context, field bool) (bool, error) {
	f.mu.Lock()
	stall, fail := f.stall, f.fail
	f.fieldPolled = f.fieldPolled || field
	f.mu.Unlock()
	if stall > 0 {
		select {
		case <-time.After(stall):
		case <-ctx.Done():
			return false, devices.Wrap("status", f.Name(), devices.ErrTimeout)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if fail != nil {
		return false, fail
	}
	return f.card != nil && (!f.tapped || field), nil
}

func (f *fakeReader) Connect(context.Context, bool) (Conn, kernel.Interface, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connects++
	if f.card == nil {
		return nil, 0, errors.New("no card")
	}
	if f.tapped {
		return f.card, kernel.Contactless, nil
	}
	return f.card, kernel.Contact, nil
}

func (f *fakeReader) set(card *fakeConn, tapped bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.card, f.tapped = card, tapped
}

// fakeConn answers 9000, or hangs, or says it was removed.
type fakeConn struct {
	mu      sync.Mutex
	hang    time.Duration
	removed bool
	closes  int
}

func (c *fakeConn) ATR() []byte { return []byte{0x3B, 0x00} }

func (c *fakeConn) Transmit([]byte) ([]byte, error) {
	c.mu.Lock()
	hang, removed := c.hang, c.removed
	c.mu.Unlock()
	time.Sleep(hang)
	if removed {
		return nil, cardRemoved("transmit", "Fake Reader 00", errors.New("gone"))
	}
	return []byte{0x90, 0x00}, nil
}

func (c *fakeConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closes++
	return nil
}

func startFake(t *testing.T, f *fakeReader, timeout time.Duration) *Service {
	t.Helper()
	s := New(Config{PollInterval: 5 * time.Millisecond, Timeout: timeout, Logger: slog.New(slog.DiscardHandler)}, f)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return s
}

func waitEvent(t *testing.T, s *Service, want EventKind) Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-s.Events():
			if ev.Kind == want {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %v event", want)
		}
	}
}

func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestInsertRemoveEvents(t *testing.T) {
	f := &fakeReader{}
	s := startFake(t, f, time.Second)
	f.set(&fakeConn{}, false)
	if ev := waitEvent(t, s, CardInserted); ev.Reader != f.Name() {
		t.Fatalf("event %+v", ev)
	}
	f.set(nil, false)
	waitEvent(t, s, CardRemoved)
	f.mu.Lock()
	f.fail = devices.Wrap("status", f.Name(), devices.ErrUnplugged)
	f.mu.Unlock()
	if ev := waitEvent(t, s, ReaderFailed); !errors.Is(ev.Err, devices.ErrUnplugged) {
		t.Fatalf("failure event %+v", ev)
	}
	f.mu.Lock()
	f.fail = nil
	f.mu.Unlock()
	waitEvent(t, s, ReaderReady)
}

// A payment that wants the card inserted does not take a tapped one, and does not
// poll the field; one that allows a tap takes it.
func TestWaitCardInterfaces(t *testing.T) {
	f := &fakeReader{}
	s := startFake(t, f, time.Second)
	f.set(&fakeConn{}, true)
	if _, err := s.WaitCard(within(t, 100*time.Millisecond), false); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("insert-only wait took a tapped card: %v", err)
	}
	f.mu.Lock()
	polled := f.fieldPolled
	f.mu.Unlock()
	if polled {
		t.Fatal("the field was polled for an insert-only payment")
	}
	c, err := s.WaitCard(within(t, 5*time.Second), true)
	if err != nil || c.Interface() != kernel.Contactless || c.Reader() != f.Name() {
		t.Fatalf("tap: %v, %v", c, err)
	}
	if resp, err := c.Transmit([]byte{0x00, 0xA4, 0x04, 0x00}); err != nil || len(resp) != 2 {
		t.Fatalf("Transmit = % X, %v", resp, err)
	}
	// The next payment closes the card the last one left open.
	f.mu.Lock()
	conn := f.card
	f.mu.Unlock()
	f.set(&fakeConn{}, false)
	c2, err := s.WaitCard(within(t, 5*time.Second), false)
	conn.mu.Lock()
	closes := conn.closes
	conn.mu.Unlock()
	if err != nil || c2.Interface() != kernel.Contact || closes != 1 {
		t.Fatalf("insert: %v, %v; the tapped card closed %d times", c2, err, closes)
	}
	if _, err := c.Transmit([]byte{0x00, 0xA4, 0x04, 0x00}); !errors.Is(err, devices.ErrClosed) {
		t.Fatalf("Transmit on a closed card = %v", err)
	}
}

// Every call is bounded: a reader that hangs on presence is reported failed, a card
// that hangs on an APDU gives ErrTimeout naming the reader; a card pulled out gives
// ErrCardRemoved and answers nothing more.
func TestTimeoutsAndRemoval(t *testing.T) {
	f := &fakeReader{stall: time.Hour}
	s := startFake(t, f, 50*time.Millisecond)
	if ev := waitEvent(t, s, ReaderFailed); !errors.Is(ev.Err, devices.ErrTimeout) {
		t.Fatalf("hung reader: %+v", ev)
	}
	f.mu.Lock()
	f.stall = 0
	f.mu.Unlock()
	conn := &fakeConn{}
	f.set(conn, false)
	c, err := s.WaitCard(within(t, 5*time.Second), false)
	if err != nil {
		t.Fatal(err)
	}
	conn.mu.Lock()
	conn.hang = 200 * time.Millisecond
	conn.mu.Unlock()
	start := time.Now()
	_, err = c.Transmit([]byte{0x80, 0xAE, 0x80, 0x00})
	var de *devices.Error
	if !errors.Is(err, devices.ErrTimeout) || !errors.As(err, &de) || de.Port != f.Name() || time.Since(start) > 150*time.Millisecond {
		t.Fatalf("hung card: %v after %s", err, time.Since(start))
	}
	_ = c.Close()

	conn2 := &fakeConn{removed: true}
	f.set(conn2, false)
	c, err = s.WaitCard(within(t, 5*time.Second), false)
	if err != nil {
		t.Fatal(err)
	}
	for len(s.Events()) > 0 {
		<-s.Events()
	}
	if _, err := c.Transmit([]byte{0x80, 0xAE, 0x80, 0x00}); !errors.Is(err, ErrCardRemoved) || !errors.As(err, &de) || de.Port != f.Name() {
		t.Fatalf("pulled card: %v", err)
	}
	if ev := <-s.Events(); ev.Kind != CardRemoved {
		t.Fatalf("after the card was pulled: %v", ev.Kind)
	}
	f.set(nil, false)
	if err := s.Release(); err != nil {
		t.Fatalf("releasing a pulled card: %v", err)
	}
	select { // the removal was told once
	case ev := <-s.Events():
		t.Fatalf("unexpected %v", ev.Kind)
	case <-time.After(50 * time.Millisecond):
	}
	f.set(&fakeConn{}, false)
	if ev := <-s.Events(); ev.Kind != CardInserted {
		t.Fatalf("the next card: %v", ev.Kind)
	}
}

func TestNoReader(t *testing.T) {
	if _, err := New(Config{}).WaitCard(context.Background(), true); !errors.Is(err, ErrNoReader) {
		t.Fatalf("WaitCard without readers = %v", err)
	}
}

func TestContactlessATR(t *testing.T) {
	for atr, want := range map[string]bool{
		"\x3B\x88\x80\x01TILLDESK\x0D": true,
		"\x3B\x80\x80\x01\x01":         true,
		"\x3B\x68\x00\x00TILLDESK":     false,
		"\x3B\x88\x80\x01TILL":         false,
	} {
		if got := IsContactlessATR([]byte(atr)); got != want {
			t.Errorf("IsContactlessATR(% X) = %v", atr, got)
		}
	}
}
