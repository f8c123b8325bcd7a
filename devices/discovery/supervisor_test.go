package discovery

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tilldesk/devices"
)

// rig is a Supervisor wired to fakes, recording what happens.
type rig struct {
	sup    *Supervisor
	clock  *fakeClock
	lister *fakeLister
	wake   chan Event
	served chan *fakePort // every port Serve is called with

	mu     sync.Mutex
	ports  map[string]*fakePort
	states []State

	cancel context.CancelFunc
	done   chan error
}

func newRig(t *testing.T, serve func(ctx context.Context, p devices.Port) error) *rig {
	r := &rig{
		clock:  newFakeClock(),
		lister: &fakeLister{},
		wake:   make(chan Event, 4),
		served: make(chan *fakePort, 100),
		ports:  map[string]*fakePort{},
	}
	if serve == nil {
		serve = readUntilError
	}
	r.sup = &Supervisor{
		Role:   "scanner",
		ID:     ID{VID: 0x0483, PID: 0x5740},
		Lister: r.lister,
		Open: func(d Device) (devices.Port, error) {
			p := newFakePort(d.Path)
			r.mu.Lock()
			r.ports[d.Path] = p
			r.mu.Unlock()
			return p, nil
		},
		Serve: func(ctx context.Context, p devices.Port) error {
			r.served <- p.(*fakePort)
			return serve(ctx, p)
		},
		Wake:  r.wake,
		Clock: r.clock,
		OnState: func(s State) {
			r.mu.Lock()
			r.states = append(r.states, s)
			r.mu.Unlock()
		},
	}
	return r
}

// readUntilError is a scanner read loop: it reads until the port fails.
func readUntilError(ctx context.Context, p devices.Port) error {
	buf := make([]byte, 64)
	for {
		if _, err := p.Read(buf); err != nil {
			return err
		}
	}
}

func (r *rig) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.sup.Run(ctx) }()
}

// stop cancels and waits for Run to return context.Canceled.
func (r *rig) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if st := r.sup.State(); st.Status != StatusDisconnected || st.Err != nil {
		t.Fatalf("state after stop = %+v, want disconnected with no error", st)
	}
}

func (r *rig) nextServed(t *testing.T) *fakePort {
	t.Helper()
	select {
	case p := <-r.served:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("Serve was not called")
		return nil
	}
}

func (r *rig) statuses() []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Status
	for _, s := range r.states {
		if len(out) == 0 || out[len(out)-1] != s.Status {
			out = append(out, s.Status)
		}
	}
	return out
}

func TestSupervisorReconnectsOnNewPath(t *testing.T) {
	for _, how := range []string{"watcher event", "polling"} {
		t.Run(how, func(t *testing.T) {
			baseline := runtime.NumGoroutine()
			r := newRig(t, nil)
			r.lister.set(nil, scanner("COM3"))
			r.start()

			p3 := r.nextServed(t)
			if p3.Name() != "COM3" {
				t.Fatalf("served %s, want COM3", p3.Name())
			}
			if st := r.sup.State(); st.Status != StatusConnected || st.Path != "COM3" || st.Role != "scanner" {
				t.Fatalf("state = %+v, want connected on COM3", st)
			}

			// Unplug: the port fails and the device leaves the listing.
			r.lister.set(nil)
			p3.unplug()
			if d := r.clock.nextAfter(t); d != DefaultMinBackoff {
				t.Fatalf("first wait %v, want %v", d, DefaultMinBackoff)
			}
			st := r.sup.State()
			if st.Status != StatusDisconnected || !errors.Is(st.Err, devices.ErrUnplugged) || st.Path != "COM3" {
				t.Fatalf("state after unplug = %+v, want disconnected, unplugged, COM3", st)
			}
			if !p3.isClosed() {
				t.Fatal("unplugged port was not closed")
			}

			// Still gone at the next attempt.
			r.clock.Advance(DefaultMinBackoff)
			if d := r.clock.nextAfter(t); d != 2*DefaultMinBackoff {
				t.Fatalf("second wait %v, want %v", d, 2*DefaultMinBackoff)
			}
			if st := r.sup.State(); st.Status != StatusDisconnected || !errors.Is(st.Err, devices.ErrNotFound) {
				t.Fatalf("state while absent = %+v, want disconnected, not found", st)
			}

			// Back, as COM7.
			r.lister.set(nil, scanner("COM7"))
			if how == "watcher event" {
				r.wake <- Event{Kind: Removed, Device: scanner("COM3")} // ignored
				r.wake <- Event{Kind: Added, Device: Device{Kind: KindSerial, Path: "COM1"}}
				r.wake <- Event{Kind: Added, Device: scanner("COM7")}
			} else {
				r.clock.Advance(2 * DefaultMinBackoff)
			}
			p7 := r.nextServed(t)
			if p7.Name() != "COM7" {
				t.Fatalf("served %s, want COM7", p7.Name())
			}
			st = r.sup.State()
			if st.Status != StatusConnected || st.Path != "COM7" || st.Err != nil || st.Device.Serial != "SN1" {
				t.Fatalf("state = %+v, want connected on COM7", st)
			}

			r.stop(t)
			if !p7.isClosed() {
				t.Fatal("port not closed on stop")
			}
			want := []Status{StatusConnecting, StatusConnected, StatusDisconnected, StatusConnecting, StatusConnected, StatusDisconnected}
			if got := r.statuses(); !slices.Equal(got, want) {
				t.Fatalf("status changes %v, want %v", got, want)
			}
			checkGoroutines(t, baseline)
		})
	}
}

func TestSupervisorFailingServeDoesNotSpin(t *testing.T) {
	baseline := runtime.NumGoroutine()
	var calls atomic.Int32
	protoErr := devices.Wrap("read", "COM3", devices.ErrProtocol)
	r := newRig(t, func(context.Context, devices.Port) error {
		calls.Add(1)
		return protoErr
	})
	r.lister.set(nil, scanner("COM3"))
	r.start()

	want := []time.Duration{200, 400, 800, 1600, 3200, 5000, 5000, 5000}
	for i, w := range want {
		w *= time.Millisecond
		d := r.clock.nextAfter(t)
		if d != w {
			t.Fatalf("wait %d = %v, want %v", i, d, w)
		}
		if n := calls.Load(); n != int32(i+1) {
			t.Fatalf("after wait %d Serve ran %d times, want %d", i, n, i+1)
		}
		st := r.sup.State()
		if st.Status != StatusError || !errors.Is(st.Err, devices.ErrProtocol) || st.RetryIn != w {
			t.Fatalf("state = %+v, want error, protocol, retry in %v", st, w)
		}
		r.clock.noMoreAfters(t) // it waits for the clock instead of spinning
		if n := calls.Load(); n != int32(i+1) {
			t.Fatalf("Serve ran %d times without the clock moving", n)
		}
		r.clock.Advance(w)
	}
	r.nextServed(t)
	r.stop(t)
	checkGoroutines(t, baseline)
}

func TestSupervisorBackoffResetsAfterStableConnection(t *testing.T) {
	r := newRig(t, nil)
	r.lister.set(nil, scanner("COM3"))
	var fail atomic.Bool
	open := r.sup.Open
	r.sup.Open = func(d Device) (devices.Port, error) {
		if fail.Load() {
			return nil, devices.Wrap("open", d.Path, devices.ErrBusy)
		}
		return open(d)
	}
	fail.Store(true)
	r.start()
	for _, w := range []time.Duration{200, 400, 800} {
		d := r.clock.nextAfter(t)
		if d != w*time.Millisecond {
			t.Fatalf("wait %v, want %v", d, w*time.Millisecond)
		}
		if st := r.sup.State(); st.Status != StatusError || !errors.Is(st.Err, devices.ErrBusy) {
			t.Fatalf("state = %+v, want error, busy", st)
		}
		if w == 800 {
			fail.Store(false)
		}
		r.clock.Advance(d)
	}
	p := r.nextServed(t)
	r.clock.Advance(DefaultResetAfter) // a stable connection
	p.unplug()
	if d := r.clock.nextAfter(t); d != DefaultMinBackoff {
		t.Fatalf("wait after a stable connection %v, want %v", d, DefaultMinBackoff)
	}
	r.stop(t)
}

func TestSupervisorStopsOnCancel(t *testing.T) {
	tests := []struct {
		name  string
		setup func(r *rig)
		ready func(t *testing.T, r *rig)
	}{
		{
			name:  "while connected, Serve blocked in Read",
			setup: func(r *rig) { r.lister.set(nil, scanner("COM3")) },
			ready: func(t *testing.T, r *rig) { r.nextServed(t) },
		},
		{
			name:  "while waiting for the device",
			setup: func(r *rig) {},
			ready: func(t *testing.T, r *rig) { r.clock.nextAfter(t) },
		},
		{
			name: "Serve ignoring ctx but reading",
			setup: func(r *rig) {
				r.lister.set(nil, scanner("COM3"))
				r.sup.Serve = func(_ context.Context, p devices.Port) error {
					r.served <- p.(*fakePort)
					return readUntilError(context.Background(), p)
				}
			},
			ready: func(t *testing.T, r *rig) { r.nextServed(t) },
		},
		{
			name: "fixed path (simulator pty)",
			setup: func(r *rig) {
				r.sup.ID, r.sup.Lister, r.sup.Path = ID{}, nil, "/dev/pts/7"
			},
			ready: func(t *testing.T, r *rig) {
				if p := r.nextServed(t); p.Name() != "/dev/pts/7" {
					t.Fatalf("served %s", p.Name())
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			baseline := runtime.NumGoroutine()
			r := newRig(t, nil)
			tt.setup(r)
			r.start()
			tt.ready(t, r)
			r.stop(t)
			r.mu.Lock()
			for name, p := range r.ports {
				if !p.isClosed() {
					t.Errorf("port %s left open", name)
				}
			}
			r.mu.Unlock()
			checkGoroutines(t, baseline)
		})
	}
}

func TestSupervisorStatusAndErrors(t *testing.T) {
	t.Run("ambiguous setting is an error state", func(t *testing.T) {
		r := newRig(t, nil)
		two := scanner("COM9")
		two.Serial = "SN2"
		r.lister.set(nil, scanner("COM3"), two)
		r.start()
		r.clock.nextAfter(t)
		st := r.sup.State()
		if st.Status != StatusError || !errors.Is(st.Err, ErrAmbiguous) || !contains(st.Err, "COM3", "COM9") {
			t.Fatalf("state = %+v, want error naming both ports", st)
		}
		r.stop(t)
	})
	t.Run("kind filter", func(t *testing.T) {
		r := newRig(t, nil)
		hid := scanner("0001:0004:00")
		hid.Kind = KindHID
		r.lister.set(nil, hid, scanner("COM3"))
		r.sup.Kind = KindSerial
		r.start()
		if p := r.nextServed(t); p.Name() != "COM3" {
			t.Fatalf("served %s, want COM3", p.Name())
		}
		r.stop(t)
	})
	t.Run("listing error is mentioned when not found", func(t *testing.T) {
		r := newRig(t, nil)
		r.lister.set(errors.New("sysfs unreadable"))
		r.start()
		r.clock.nextAfter(t)
		if st := r.sup.State(); !errors.Is(st.Err, devices.ErrNotFound) || !contains(st.Err, "sysfs unreadable") {
			t.Fatalf("state = %+v", st)
		}
		r.stop(t)
	})
	t.Run("Serve returning nil reconnects", func(t *testing.T) {
		r := newRig(t, func(context.Context, devices.Port) error { return nil })
		r.lister.set(nil, scanner("COM3"))
		r.start()
		r.clock.nextAfter(t)
		if st := r.sup.State(); st.Status != StatusDisconnected || !errors.Is(st.Err, errEnded) {
			t.Fatalf("state = %+v", st)
		}
		r.stop(t)
	})
	t.Run("Serve panic becomes an error", func(t *testing.T) {
		r := newRig(t, func(context.Context, devices.Port) error { panic("driver bug") })
		r.lister.set(nil, scanner("COM3"))
		r.start()
		r.clock.nextAfter(t)
		if st := r.sup.State(); st.Status != StatusError || !contains(st.Err, "driver bug") {
			t.Fatalf("state = %+v", st)
		}
		r.stop(t)
	})
	t.Run("closed Wake channel does not spin", func(t *testing.T) {
		r := newRig(t, nil)
		close(r.wake)
		r.start()
		if d := r.clock.nextAfter(t); d != DefaultMinBackoff {
			t.Fatalf("wait %v", d)
		}
		r.clock.noMoreAfters(t)
		r.clock.Advance(DefaultMinBackoff)
		if d := r.clock.nextAfter(t); d != 2*DefaultMinBackoff {
			t.Fatalf("wait %v", d)
		}
		r.lister.mu.Lock()
		calls := r.lister.calls
		r.lister.mu.Unlock()
		if calls != 2 {
			t.Fatalf("listed %d times, want 2", calls)
		}
		r.stop(t)
	})
	t.Run("bad setup", func(t *testing.T) {
		for _, s := range []*Supervisor{
			{Role: "x"},
			{Role: "x", Open: func(Device) (devices.Port, error) { return nil, nil }, Serve: readUntilError},
			{Role: "x", ID: ID{VID: 1}, Open: func(Device) (devices.Port, error) { return nil, nil }, Serve: readUntilError},
		} {
			if err := s.Run(context.Background()); !errors.Is(err, devices.ErrBadConfig) {
				t.Errorf("Run = %v, want ErrBadConfig", err)
			}
		}
	})
	t.Run("second Run refused", func(t *testing.T) {
		r := newRig(t, nil)
		r.lister.set(nil, scanner("COM3"))
		r.start()
		r.nextServed(t)
		if err := r.sup.Run(context.Background()); !errors.Is(err, devices.ErrBadConfig) {
			t.Fatalf("second Run = %v", err)
		}
		r.stop(t)
	})
}

func TestBackoff(t *testing.T) {
	lo, hi := 200*time.Millisecond, 5*time.Second
	for attempt, want := range []time.Duration{200, 400, 800, 1600, 3200, 5000, 5000} {
		if got := backoff(attempt, lo, hi); got != want*time.Millisecond {
			t.Errorf("backoff(%d) = %v, want %v", attempt, got, want*time.Millisecond)
		}
	}
	if got := backoff(1000, lo, hi); got != hi {
		t.Errorf("backoff(1000) = %v, want %v", got, hi)
	}
}
