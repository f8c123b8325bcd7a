// Package cardreader is the till's card acceptance hardware as the EMV kernel sees it:
// card readers of any kind (PC/SC readers through pcscd or WinSCard, serial readers of
// the Creator CRT family through devices/cardreader/crt) behind one Service that
// watches them for cards inserted, tapped and removed, polls the contactless field
// while a payment waits for a card, and hands the payment a Card whose Transmit is
// the kernel's kernel.Card; and the PIN pad as the kernel's kernel.PINPad.
//
// Every call to a reader is bounded by Config.Timeout. A card pulled out in the middle
// of a transaction makes Transmit fail with an error wrapping ErrCardRemoved inside a
// *devices.Error that names the reader, so the kernel ends the transaction at once
// (wrapping it in kernel.ErrCard) and the till can say "the card was removed". Nothing
// here logs card data: APDUs are never logged, only their count and the reader's name.
package cardreader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices"
)

// What the service's errors wrap, besides the devices error kinds.
var (
	// ErrCardRemoved: the card was taken out of the reader, or out of the field,
	// while it was in use.
	ErrCardRemoved = errors.New("the card was removed")
	// ErrNoReader: the service has no reader to wait on.
	ErrNoReader = errors.New("no card reader is set up")
)

// Backend is one physical reader. The Service calls it from one goroutine at a time,
// with a deadline on every context.
type Backend interface {
	// Name is the reader as the person at the till knows it (the PC/SC reader name,
	// the serial port).
	Name() string
	// Present reports whether a card is in the reader now: inserted, or, when field is
	// set and the reader has an antenna, in the field (polling it once).
	Present(ctx context.Context, field bool) (bool, error)
	// Connect powers up the present card (the inserted one first) and says through
	// which interface it answered. Contactless is offered only when field is set.
	Connect(ctx context.Context, field bool) (Conn, kernel.Interface, error)
}

// Conn is a powered card on a backend. Its errors wrap ErrCardRemoved when the card is
// gone.
type Conn interface {
	Transmit(apdu []byte) ([]byte, error)
	ATR() []byte
	// Close powers the card down (resetting it, so that nothing of the transaction
	// survives into the next).
	Close() error
}

// Config tunes the service. Zero fields take the defaults.
type Config struct {
	// PollInterval is how often idle readers are asked whether a card came or went;
	// 0 means DefaultPollInterval.
	PollInterval time.Duration
	// Timeout bounds every call to a reader: presence, power-up, each APDU; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives reader events (never card data); nil means slog.Default().
	Logger *slog.Logger
}

// Defaults applied by New.
const (
	DefaultPollInterval = 200 * time.Millisecond
	DefaultTimeout      = 5 * time.Second
)

// EventKind is what happened at a reader.
type EventKind int

// The events.
const (
	CardInserted EventKind = iota + 1 // a card is in the reader (or in the field)
	CardRemoved                       // it is gone
	ReaderFailed                      // the reader stopped answering (Event.Err says why)
	ReaderReady                       // it answers again
)

// String names the event kind.
func (k EventKind) String() string {
	switch k {
	case CardInserted:
		return "card inserted"
	case CardRemoved:
		return "card removed"
	case ReaderFailed:
		return "reader failed"
	case ReaderReady:
		return "reader ready"
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// Event is a change at one reader.
type Event struct {
	Reader string
	Kind   EventKind
	Err    error
	At     time.Time
}

// Service watches the readers and hands out cards. Start it with Run.
type Service struct {
	cfg     Config
	log     *slog.Logger
	readers []*readerState
	events  chan Event

	mu      sync.Mutex
	waiter  *waiter
	current *Card
	wake    chan struct{}
}

// readerState is what the service knows of one backend; the poll goroutine owns it.
type readerState struct {
	backend Backend
	present bool
	failed  bool
	// refused is a card present that the waiting payment cannot take (tapped when
	// it must be inserted): it is not offered again until it leaves.
	refused bool
	busy    bool // a Card on it is in use: not polled until closed
	// goneEarly: the card in use was found pulled out and CardRemoved already sent;
	// the poll that sees the slot empty sends it no second time. Guarded by
	// Service.mu, like busy.
	goneEarly bool
}

// waiter is a payment waiting for a card (or, with tapOnly, a screen waiting for a
// tapped card's UID).
type waiter struct {
	field   bool
	tapOnly bool // an inserted card is refused until it leaves
	got     chan *Card
}

// New returns a service over the backends.
func New(cfg Config, backends ...Backend) *Service {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Service{cfg: cfg, log: log.With("device", "card readers"), events: make(chan Event, 32), wake: make(chan struct{}, 1)}
	for _, b := range backends {
		s.readers = append(s.readers, &readerState{backend: b})
	}
	return s
}

// Events are the readers' changes. The channel is never closed; events that find it
// full are dropped (the poller never waits for a slow screen).
func (s *Service) Events() <-chan Event { return s.events }

// Readers are the names of the readers.
func (s *Service) Readers() []string {
	names := make([]string, 0, len(s.readers))
	for _, r := range s.readers {
		names = append(names, r.backend.Name())
	}
	return names
}

// Run polls the readers until ctx ends: it emits events and serves WaitCard.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	for {
		s.poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.wake:
		}
	}
}

// WaitCard waits until the customer presents a card and returns it powered up: an
// inserted card always, a tapped one only when contactless is set (the field is
// polled only then). A card still in use from an earlier WaitCard is closed first:
// one transaction at a time. It ends with ctx's error when ctx ends first.
func (s *Service) WaitCard(ctx context.Context, contactless bool) (*Card, error) {
	return s.wait(ctx, &waiter{field: contactless})
}

// WaitTap is WaitCard for a tapped card only: an inserted card is left alone (not
// powered up again and again) until it is taken out. For reading a store card's UID.
func (s *Service) WaitTap(ctx context.Context) (*Card, error) {
	return s.wait(ctx, &waiter{field: true, tapOnly: true})
}

// wait serves w: it closes the card still in use, waits for the next card w takes,
// and returns it powered up.
func (s *Service) wait(ctx context.Context, w *waiter) (*Card, error) {
	if len(s.readers) == 0 {
		return nil, ErrNoReader
	}
	if err := ctx.Err(); err != nil { // a wait already over takes nothing from another
		return nil, err
	}
	w.got = make(chan *Card, 1)
	s.mu.Lock()
	prev := s.current
	s.mu.Unlock()
	if prev != nil {
		if err := prev.Close(); err != nil {
			s.log.Debug("closing the previous card", "reader", prev.reader, "err", err)
		}
	}
	s.mu.Lock()
	s.waiter = w
	s.mu.Unlock()
	s.poke()
	defer func() {
		s.mu.Lock()
		if s.waiter == w {
			s.waiter = nil
		}
		s.mu.Unlock()
	}()
	select {
	case c := <-w.got:
		return c, nil
	case <-ctx.Done():
		s.mu.Lock()
		if s.waiter == w { // a newer wait is not this one's to end
			s.waiter = nil
		}
		s.mu.Unlock()
		select { // a card handed over just now is not lost: close it
		case c := <-w.got:
			_ = c.Close()
		default:
		}
		return nil, ctx.Err()
	}
}

// poke makes Run poll now.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// poll asks every idle reader for its card, emits what changed, and hands a card to a
// waiting payment.
func (s *Service) poll(ctx context.Context) {
	s.mu.Lock()
	w := s.waiter
	s.mu.Unlock()
	for _, r := range s.readers {
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		busy, goneEarly := r.busy, r.goneEarly
		r.goneEarly = false
		s.mu.Unlock()
		if busy {
			continue
		}
		if goneEarly {
			r.present = false
		}
		field := w != nil && w.field
		pctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		present, err := r.backend.Present(pctx, field)
		cancel()
		if s.readerHealth(r, err) != nil {
			continue
		}
		if present != r.present {
			r.present, r.refused = present, false
			s.emit(r, map[bool]EventKind{true: CardInserted, false: CardRemoved}[present], nil)
		}
		if present && w != nil && !r.refused && s.handOver(ctx, r, w) {
			w = nil
		}
	}
}

// readerHealth emits ReaderFailed when a reader starts failing and ReaderReady when it
// recovers, and returns err.
func (s *Service) readerHealth(r *readerState, err error) error {
	switch {
	case err != nil && !r.failed:
		r.failed = true
		s.log.Warn("card reader not answering", "reader", r.backend.Name(), "err", err)
		s.emit(r, ReaderFailed, err)
	case err == nil && r.failed:
		r.failed = false
		s.log.Info("card reader answers again", "reader", r.backend.Name())
		s.emit(r, ReaderReady, nil)
	}
	return err
}

// handOver powers up the card in r for the waiter; a card through the wrong interface
// is refused until it leaves.
func (s *Service) handOver(ctx context.Context, r *readerState, w *waiter) bool {
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	conn, iface, err := r.backend.Connect(cctx, w.field)
	cancel()
	if err != nil {
		s.log.Info("card could not be powered up", "reader", r.backend.Name(), "err", err)
		return false
	}
	if (iface == kernel.Contactless && !w.field) || (iface == kernel.Contact && w.tapOnly) {
		r.refused = true
		_ = conn.Close()
		return false
	}
	c := &Card{svc: s, reader: r, conn: conn, iface: iface, atr: conn.ATR(), timeout: s.cfg.Timeout}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiter != w {
		_ = conn.Close()
		return false
	}
	r.busy, s.current, s.waiter = true, c, nil
	w.got <- c
	s.log.Info("card ready", "reader", r.backend.Name(), "interface", interfaceName(iface))
	return true
}

// emit sends an event without waiting.
func (s *Service) emit(r *readerState, kind EventKind, err error) {
	ev := Event{Reader: r.backend.Name(), Kind: kind, Err: err, At: s.cfg.Now()}
	select {
	case s.events <- ev:
	default:
		s.log.Debug("reader event dropped: nobody listens", "event", kind.String())
	}
}

// released is called by a Card when it is closed: its reader is polled again.
func (s *Service) released(c *Card) {
	s.mu.Lock()
	c.reader.busy = false
	if s.current == c {
		s.current = nil
	}
	s.mu.Unlock()
	s.poke()
}

// cardGone tells the screens at once that the card in use was pulled out.
func (s *Service) cardGone(c *Card) {
	s.log.Info("card removed during the transaction", "reader", c.reader.backend.Name())
	s.mu.Lock()
	c.reader.goneEarly = true
	s.mu.Unlock()
	s.emit(c.reader, CardRemoved, nil)
}

// Release closes the card the last WaitCard returned, if it is still open, so that
// its reader is watched again (a card left in after the payment is then seen taken
// out).
func (s *Service) Release() error {
	s.mu.Lock()
	c := s.current
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.Close()
}

func interfaceName(i kernel.Interface) string {
	if i == kernel.Contactless {
		return "contactless"
	}
	return "contact"
}

// wrapDevice names the reader in err, unless err already is a devices error.
func wrapDevice(op, reader string, err error) error {
	var de *devices.Error
	if errors.As(err, &de) {
		return err
	}
	return devices.Wrap(op, reader, err)
}
