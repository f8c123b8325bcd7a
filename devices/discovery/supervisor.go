package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"tilldesk/devices"
)

// Status is where a Supervisor's device stands, for the status bar.
type Status int

// Supervisor statuses.
const (
	// StatusDisconnected: the device is absent or was unplugged; the Supervisor waits
	// for it to come back. Also the status before Run and after Run returns.
	StatusDisconnected Status = iota
	// StatusConnecting: the device was found and is being opened.
	StatusConnecting
	// StatusConnected: the device is open and the Serve function is running.
	StatusConnected
	// StatusError: the device is there but failed in a way that needs attention (busy,
	// no permission, ambiguous setting, protocol trouble); the Supervisor retries.
	StatusError
)

func (s Status) String() string {
	switch s {
	case StatusDisconnected:
		return "disconnected"
	case StatusConnecting:
		return "connecting"
	case StatusConnected:
		return "connected"
	case StatusError:
		return "error"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// State is a Supervisor's view of its device.
type State struct {
	Role    string        // the Supervisor's Role
	Status  Status        // where the device stands
	Path    string        // the port in use, or last used or tried
	Device  Device        // the device in use, or last used or tried
	Err     error         // why the device is not connected (nil when connected, or when stopped)
	Since   time.Time     // when Status last changed
	RetryIn time.Duration // the wait before the next attempt, while Disconnected or Error
}

// Supervisor keeps the device for one role connected: it finds the device (by ID
// through Lister, or at the fixed Path), opens it, runs Serve on it, and when Serve
// returns (the device was unplugged, or failed) closes it, waits with capped
// exponential backoff, and starts over. A device that comes back on another port is
// found again by its ID. An Added event on Wake for the device ends the wait early.
//
// Set the fields, then call Run once. Open and Lister calls are not interrupted by
// cancellation, so they should return promptly.
type Supervisor struct {
	// Role names the device for logs and the status bar ("scanner", "printer").
	Role string
	// ID is the device to find through Lister. Ignored when Path is set.
	ID ID
	// Path is a fixed port to open instead of looking the device up by ID (a
	// simulator's /dev/pts/N, an RS-232 port).
	Path string
	// Kind restricts the lookup to KindSerial or KindHID devices ("" = any); with
	// Path, it is the Kind of the Device passed to Open (KindSerial if "").
	Kind string
	// Lister lists the attached devices; a Watcher (whose List is its last poll) or a
	// SerialLister. Needed unless Path is set.
	Lister Lister
	// Open opens the device. Required.
	Open func(Device) (devices.Port, error)
	// Serve uses the open port until it fails or ctx is cancelled (e.g. the scanner
	// read loop). The Supervisor closes the port when ctx is cancelled, which ends a
	// blocked Read, and again after Serve returns. Required.
	Serve func(ctx context.Context, p devices.Port) error
	// Wake, optional, is a Watcher subscription: an Added event for this device ends a
	// reconnection wait at once.
	Wake <-chan Event
	// Clock times the waits; nil means SystemClock.
	Clock Clock
	// MinBackoff and MaxBackoff bound the wait between attempts, which doubles with
	// each failed attempt (DefaultMinBackoff, DefaultMaxBackoff if 0).
	MinBackoff, MaxBackoff time.Duration
	// ResetAfter: a connection that lasted this long resets the backoff to MinBackoff
	// (DefaultResetAfter if 0).
	ResetAfter time.Duration
	// OnState, optional, is called from the Supervisor's goroutine with every state
	// change. It must not block (hand it to the UI thread).
	OnState func(State)
	// Logger receives connection events; nil means slog.Default().
	Logger *slog.Logger

	running atomic.Bool
	mu      sync.Mutex
	state   State
}

// errEnded is the reason recorded when Serve returns nil although ctx is still live.
var errEnded = errors.New("connection ended")

// State returns the current state.
func (s *Supervisor) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state
	st.Role = s.Role
	return st
}

// check validates the configuration.
func (s *Supervisor) check() error {
	switch {
	case s.Open == nil || s.Serve == nil:
		return fmt.Errorf("%s supervisor: Open and Serve are required: %w", s.Role, devices.ErrBadConfig)
	case s.Path == "" && s.ID.VID == 0:
		return fmt.Errorf("%s supervisor: neither a device ID nor a port is set: %w", s.Role, devices.ErrBadConfig)
	case s.Path == "" && s.Lister == nil:
		return fmt.Errorf("%s supervisor: a device ID needs a Lister: %w", s.Role, devices.ErrBadConfig)
	}
	return nil
}

// Run keeps the device connected until ctx is cancelled, and then returns ctx.Err()
// once the port is closed and Serve has returned. It returns at once with an error
// wrapping devices.ErrBadConfig if the Supervisor is not set up, or if it is already
// running.
func (s *Supervisor) Run(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	if !s.running.CompareAndSwap(false, true) {
		return fmt.Errorf("%s supervisor is already running: %w", s.Role, devices.ErrBadConfig)
	}
	defer s.running.Store(false)

	clk := s.Clock
	if clk == nil {
		clk = SystemClock{}
	}
	lo, hi, reset := s.MinBackoff, s.MaxBackoff, s.ResetAfter
	if lo <= 0 {
		lo = DefaultMinBackoff
	}
	if hi <= 0 {
		hi = DefaultMaxBackoff
	}
	hi = max(hi, lo)
	if reset <= 0 {
		reset = DefaultResetAfter
	}
	log := logger(s.Logger).With("role", s.Role)
	wake := s.Wake
	attempt := 0
	lastLogged := ""

	for {
		if ctx.Err() != nil {
			return s.stop(clk, log, ctx.Err())
		}
		drain(&wake) // events from before this attempt are stale: it lists afresh
		dev, port, err := s.connect(clk, log)
		if err == nil {
			s.update(clk, func(st *State) {
				st.Status, st.Device, st.Path, st.Err, st.RetryIn = StatusConnected, dev, port.Name(), nil, 0
			})
			log.Info("device connected", "path", port.Name(), "device", dev.String())
			lastLogged = ""
			started := clk.Now()
			err = s.serve(ctx, port, log)
			if ctx.Err() != nil {
				return s.stop(clk, log, ctx.Err())
			}
			if clk.Now().Sub(started) >= reset {
				attempt = 0
			}
			if err == nil {
				err = devices.Wrap("serve", port.Name(), errEnded)
			}
		}
		delay := backoff(attempt, lo, hi)
		attempt++
		status := statusOf(err)
		s.update(clk, func(st *State) { st.Status, st.Err, st.RetryIn = status, err, delay })
		if msg := status.String() + ": " + err.Error(); msg != lastLogged {
			// Once per distinct failure: an absent scanner would otherwise log every 5s.
			log.Warn("device not connected", "status", status.String(), "err", err, "retry_in", delay)
			lastLogged = msg
		} else {
			log.Debug("device still not connected", "err", err, "retry_in", delay)
		}
		if !s.wait(ctx, clk, delay, &wake, log) {
			return s.stop(clk, log, ctx.Err())
		}
	}
}

// connect finds and opens the device.
func (s *Supervisor) connect(clk Clock, log *slog.Logger) (Device, devices.Port, error) {
	dev := Device{Kind: s.Kind, Path: s.Path}
	if dev.Kind == "" {
		dev.Kind = KindSerial
	}
	if s.Path == "" {
		devs, lerr := s.Lister.List()
		if lerr != nil {
			log.Debug("device listing incomplete", "err", lerr)
		}
		if s.Kind != "" {
			devs = filterKind(devs, s.Kind)
		}
		var err error
		dev, err = Resolve(s.ID, devs)
		if err != nil {
			if lerr != nil && errors.Is(err, devices.ErrNotFound) {
				err = fmt.Errorf("%w (device listing failed: %w)", err, lerr)
			}
			return Device{}, nil, err
		}
	}
	s.update(clk, func(st *State) { st.Status, st.Device, st.Path = StatusConnecting, dev, dev.Path })
	port, err := s.Open(dev)
	if err == nil && port == nil {
		err = devices.Wrap("open", dev.Path, errors.New("Open returned no port and no error"))
	}
	if err != nil {
		return dev, nil, err
	}
	return dev, port, nil
}

// serve runs Serve, closing the port on cancel and afterwards, and turns a panic in
// Serve into an error so one bad driver does not take the till down.
func (s *Supervisor) serve(ctx context.Context, port devices.Port, log *slog.Logger) (err error) {
	var once sync.Once
	closePort := func() {
		once.Do(func() {
			if cerr := port.Close(); cerr != nil {
				log.Debug("closing port", "path", port.Name(), "err", cerr)
			}
		})
	}
	stop := context.AfterFunc(ctx, closePort)
	defer func() {
		if r := recover(); r != nil {
			log.Error("device driver panicked", "path", port.Name(), "panic", r, "stack", string(debug.Stack()))
			err = devices.Wrap("serve", port.Name(), fmt.Errorf("driver panic: %v", r))
		}
		stop()
		closePort() // waits for an AfterFunc close already under way
	}()
	return s.Serve(ctx, port)
}

// wait sleeps for d, or until ctx is cancelled (false), or until Wake announces this
// device.
func (s *Supervisor) wait(ctx context.Context, clk Clock, d time.Duration, wake *<-chan Event, log *slog.Logger) bool {
	timer := clk.After(d)
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timer:
			return true
		case ev, ok := <-*wake:
			if !ok {
				*wake = nil // closed subscription: rely on the timer
				continue
			}
			if ev.Kind == Added && s.wants(ev.Device) {
				log.Info("device plugged in", "path", ev.Device.Path)
				return true
			}
		}
	}
}

// drain discards the events waiting on wake (setting it to nil if it is closed).
func drain(wake *<-chan Event) {
	for {
		select {
		case _, ok := <-*wake:
			if !ok {
				*wake = nil
				return
			}
		default:
			return
		}
	}
}

// wants reports whether d is this Supervisor's device.
func (s *Supervisor) wants(d Device) bool {
	if s.Path != "" {
		return d.Path == s.Path
	}
	return (s.Kind == "" || d.Kind == s.Kind) && s.ID.Matches(d)
}

// stop records the final state and returns err.
func (s *Supervisor) stop(clk Clock, log *slog.Logger, err error) error {
	s.update(clk, func(st *State) { st.Status, st.Err, st.RetryIn = StatusDisconnected, nil, 0 })
	log.Info("device supervisor stopped")
	return err
}

// update changes the state and reports it to OnState.
func (s *Supervisor) update(clk Clock, change func(*State)) {
	s.mu.Lock()
	before := s.state.Status
	change(&s.state)
	if s.state.Status != before || s.state.Since.IsZero() {
		s.state.Since = clk.Now()
	}
	s.state.Role = s.Role
	st := s.state
	s.mu.Unlock()
	if s.OnState != nil {
		s.OnState(st)
	}
}

// statusOf says whether err means the device is away or that something needs fixing.
func statusOf(err error) Status {
	switch {
	case errors.Is(err, ErrAmbiguous):
		return StatusError
	case errors.Is(err, devices.ErrNotFound), errors.Is(err, devices.ErrUnplugged),
		errors.Is(err, devices.ErrClosed), errors.Is(err, devices.ErrTimeout),
		errors.Is(err, errEnded):
		return StatusDisconnected
	}
	return StatusError
}

// filterKind returns the devices of one kind.
func filterKind(devs []Device, kind string) []Device {
	out := devs[:0:0]
	for _, d := range devs {
		if d.Kind == kind {
			out = append(out, d)
		}
	}
	return out
}
