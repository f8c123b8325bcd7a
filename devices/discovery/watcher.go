package discovery

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"tilldesk/devices"
)

// EventKind says whether a device came or went.
type EventKind int

// Event kinds.
const (
	Added EventKind = iota + 1
	Removed
)

func (k EventKind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is a device appearing or disappearing between two polls.
type Event struct {
	Kind   EventKind
	Device Device
}

func (e Event) String() string { return e.Kind.String() + " " + e.Device.String() }

// DefaultInterval is how often a Watcher polls when neither Interval nor Tick is set.
const DefaultInterval = time.Second

// Watcher polls a Lister and reports the devices that came and went since the previous
// poll. A device is the same device while its kind, path, VID, PID and serial number
// stay the same; a device that comes back on another port is one Removed and one
// Added event.
//
// When the Lister fails, the Watcher keeps its list: it reports the devices that the
// (partial) listing shows as new, but no removals, since a failing Lister may simply
// not have seen a device. Removals are reported at the next successful poll.
//
// Events are delivered to subscribers (see Subscribe) without blocking the Watcher; a
// subscriber that falls more than its buffer behind loses events, so treat them as
// hints and List as the truth. The first poll reports every attached device as Added.
//
// Set the fields before calling Run or Poll, and do not change them afterwards.
type Watcher struct {
	// Lister is what to poll.
	Lister Lister
	// Interval is the polling period Run uses when Tick is nil (DefaultInterval if 0).
	Interval time.Duration
	// Tick, when set, drives Run's polls instead of a ticker (tests; a shared ticker).
	// Run stops when Tick is closed.
	Tick <-chan time.Time
	// OnError is called, from the polling goroutine, with each failed poll's error.
	OnError func(error)
	// Logger receives device events and listing failures; nil means slog.Default().
	Logger *slog.Logger

	pollMu sync.Mutex // serializes polls

	mu      sync.Mutex // guards the fields below
	known   map[deviceKey]Device
	subs    map[*subscription]struct{}
	lastErr string // the last logged listing error, to log each distinct failure once
}

// deviceKey is what makes a device the same device from one poll to the next.
type deviceKey struct {
	kind, path string
	vid, pid   uint16
	serial     string
}

func keyOf(d Device) deviceKey {
	return deviceKey{kind: d.Kind, path: d.Path, vid: d.VID, pid: d.PID, serial: d.Serial}
}

type subscription struct{ ch chan Event }

// Subscribe returns a channel that receives the events of every later poll, with room
// for buffer events (at least 1), and a function that ends the subscription and closes
// the channel.
func (w *Watcher) Subscribe(buffer int) (<-chan Event, func()) {
	sub := &subscription{ch: make(chan Event, max(buffer, 1))}
	w.mu.Lock()
	if w.subs == nil {
		w.subs = make(map[*subscription]struct{})
	}
	w.subs[sub] = struct{}{}
	w.mu.Unlock()
	var once sync.Once
	return sub.ch, func() {
		once.Do(func() {
			w.mu.Lock()
			delete(w.subs, sub)
			close(sub.ch)
			w.mu.Unlock()
		})
	}
}

// List returns the devices as of the last poll, without listing anything: a Watcher is
// a Lister, so Supervisors can resolve their devices against it.
func (w *Watcher) List() ([]Device, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	devs := make([]Device, 0, len(w.known))
	for _, d := range w.known {
		devs = append(devs, d)
	}
	sortDevices(devs)
	return devs, nil
}

// Poll lists the devices once, updates the Watcher's list, delivers the events to the
// subscribers and returns them. A listing error is returned (and passed to OnError);
// see Watcher for how the list is kept then.
func (w *Watcher) Poll() ([]Event, error) {
	w.pollMu.Lock()
	defer w.pollMu.Unlock()
	log := logger(w.Logger)

	if w.Lister == nil {
		err := fmt.Errorf("device watcher has no lister: %w", devices.ErrBadConfig)
		w.failed(log, err)
		return nil, err
	}
	devs, err := w.Lister.List()

	w.mu.Lock()
	events := w.apply(devs, err == nil)
	for sub := range w.subs {
		for _, ev := range events {
			select {
			case sub.ch <- ev:
			default:
				log.Debug("device event dropped: subscriber is not keeping up", "event", ev.String())
			}
		}
	}
	w.mu.Unlock()

	for _, ev := range events {
		log.Info("device "+ev.Kind.String(), "kind", ev.Device.Kind, "path", ev.Device.Path,
			"id", ev.Device.ID().String(), "product", ev.Device.Product)
	}
	if err != nil {
		w.failed(log, err)
		return events, err
	}
	w.mu.Lock()
	if w.lastErr != "" {
		log.Info("device listing works again")
		w.lastErr = ""
	}
	w.mu.Unlock()
	return events, nil
}

// failed reports a failed poll: OnError every time, the log once per distinct error.
func (w *Watcher) failed(log *slog.Logger, err error) {
	w.mu.Lock()
	fresh := w.lastErr != err.Error()
	w.lastErr = err.Error()
	w.mu.Unlock()
	if fresh {
		log.Warn("device listing failed; keeping the previous list", "err", err)
	}
	if w.OnError != nil {
		w.OnError(err)
	}
}

// apply diffs devs against the known list and updates it. Without complete, devices
// missing from devs are kept. Called with w.mu held.
func (w *Watcher) apply(devs []Device, complete bool) []Event {
	seen := make(map[deviceKey]Device, len(devs))
	for _, d := range devs {
		seen[keyOf(d)] = d
	}
	var added, removed []Device
	for k, d := range seen {
		if _, ok := w.known[k]; !ok {
			added = append(added, d)
		}
	}
	if complete {
		for k, d := range w.known {
			if _, ok := seen[k]; !ok {
				removed = append(removed, d)
			}
		}
	}
	if w.known == nil {
		w.known = make(map[deviceKey]Device)
	}
	for _, d := range removed {
		delete(w.known, keyOf(d))
	}
	for k, d := range seen {
		w.known[k] = d // refresh product strings etc.
	}
	sortDevices(removed)
	sortDevices(added)
	events := make([]Event, 0, len(removed)+len(added))
	for _, d := range removed {
		events = append(events, Event{Kind: Removed, Device: d})
	}
	for _, d := range added {
		events = append(events, Event{Kind: Added, Device: d})
	}
	return events
}

// Run polls at once and then on every tick until ctx is cancelled (returning
// ctx.Err()) or Tick is closed (returning nil). A poll in progress is not interrupted,
// so Run returns within one listing's time of the cancel.
func (w *Watcher) Run(ctx context.Context) error {
	tick := w.Tick
	if tick == nil {
		interval := w.Interval
		if interval <= 0 {
			interval = DefaultInterval
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	w.Poll() //nolint:errcheck // reported through OnError and the log
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-tick:
			if !ok {
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			w.Poll() //nolint:errcheck // reported through OnError and the log
		}
	}
}
