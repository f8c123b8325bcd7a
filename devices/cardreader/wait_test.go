package cardreader

import (
	"context"
	"errors"
	"testing"
	"time"
)

// WaitTap powers an inserted card up once, finds it is not a tap, and leaves it
// alone until it is taken out; a tapped card is handed over.
func TestWaitTapLeavesAnInsertedCardAlone(t *testing.T) {
	f := &fakeReader{}
	s := startFake(t, f, time.Second)
	f.set(&fakeConn{}, false)
	if _, err := s.WaitTap(within(t, 200*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an inserted card for a tap: %v", err)
	}
	f.mu.Lock()
	connects := f.connects
	f.mu.Unlock()
	if connects != 1 {
		t.Errorf("the inserted card was powered up %d times, want once", connects)
	}
	f.set(nil, false)
	waitEvent(t, s, CardRemoved)
	f.set(&fakeConn{}, true)
	c, err := s.WaitTap(within(t, 2*time.Second))
	if err != nil || c.Interface() != 1 {
		t.Fatalf("a tapped card: %v, %v", c, err)
	}
	_ = c.Close()
}

// A wait that ends (its context cancelled) after a newer one began does not end the
// newer one: it still gets the next card.
func TestAStaleWaitLeavesTheNewerOne(t *testing.T) {
	f := &fakeReader{}
	s := startFake(t, f, time.Second)
	first, cancel := context.WithCancel(context.Background())
	firstDone := make(chan error, 1)
	go func() { _, err := s.WaitCard(first, false); firstDone <- err }()
	time.Sleep(20 * time.Millisecond) // the first wait is registered
	second := make(chan error, 1)
	go func() {
		c, err := s.WaitCard(within(t, 5*time.Second), false)
		if err == nil {
			_ = c.Close()
		}
		second <- err
	}()
	time.Sleep(20 * time.Millisecond) // the second wait replaced the first
	cancel()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("first wait: %v", err)
	}
	f.set(&fakeConn{}, false)
	if err := <-second; err != nil {
		t.Fatalf("the newer wait got no card: %v", err)
	}
}
