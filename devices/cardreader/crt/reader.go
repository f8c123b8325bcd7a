package crt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"tilldesk/devices"
)

// Commands (CM PM) the reader driver sends (F3 manual p. 12-19, 35-37, 43).
const (
	cmInitialize   = 0x30 // PM 33H: reset the reader, keep the card where it is
	cmStatus       = 0x31 // PM 30H: st0 st1 st2
	cmContactCard  = 0x51 // CPU card in the contact station
	cmContactless  = 0x60 // ISO/IEC 14443 card in the antenna's field
	pmKeepCard     = 0x33
	pmStatus       = 0x30
	pmColdReset    = 0x30 // 51H: Vcc follows (30H: 5 V, EMV mode)
	pmPowerDown    = 0x31 // 51H
	pmAPDUAuto     = 0x39 // 51H: by the card's own protocol, T=0 or T=1
	pmActivate     = 0x30 // 60H: Set1 Set2 follow
	pmDeactivate   = 0x31 // 60H
	pmAPDUTypeA    = 0x34 // 60H: ISO/IEC 14443-4 type A
	vccEMV         = 0x30
	protocolT0     = 0x30
	protocolT1     = 0x31
	rTypeA         = 'A'
	activateTypeA  = 'A'
	activateNoMore = '0'
)

// What can go wrong with the card, besides the devices error kinds of the line.
var (
	// ErrNoCard: there is no card to power on, or none answered in the field.
	ErrNoCard = errors.New("no card in the reader")
	// ErrCardRemoved: the card was taken out (or left the field) while in use.
	ErrCardRemoved = errors.New("card removed")
	// ErrCardFailed: the card stopped answering or broke the transport protocol, and
	// the reader powered it down.
	ErrCardFailed = errors.New("the card stopped answering")
	// ErrRefused: the reader answered a command negatively (see RefusalError).
	ErrRefused = errors.New("the card reader refused the command")
)

// RefusalError is a negative response: which command, and the reader's error code.
type RefusalError struct {
	CM, PM byte
	Code   ErrorCode
}

func (e *RefusalError) Error() string {
	return fmt.Sprintf("command %02X %02X refused with error %s", e.CM, e.PM, e.Code)
}

// Unwrap makes a refusal ErrRefused.
func (e *RefusalError) Unwrap() error { return ErrRefused }

// Config is how the host talks to the reader. Zero fields take the defaults.
type Config struct {
	// Address is the reader's address (F3 manual p. 6, 00H-0FH by its DIP switches);
	// 0 means DefaultAddress (0FH), so a reader set to 00H is not reachable.
	Address byte
	// AckTimeout bounds the wait for the reader's ACK to a command; 0 means
	// DefaultAckTimeout (the manual's 300 ms).
	AckTimeout time.Duration
	// CommandTimeout bounds the wait for the response to each command, and so every
	// APDU exchange; 0 means DefaultCommandTimeout.
	CommandTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives what the driver does (never card data); nil means
	// slog.Default().
	Logger *slog.Logger
}

// Defaults applied by New.
const (
	DefaultAckTimeout     = 300 * time.Millisecond
	DefaultCommandTimeout = 5 * time.Second
)

// Reader is a card reader on a serial port. It is safe for concurrent use: commands
// run one at a time. The caller owns the port and closes it.
type Reader struct {
	cfg  Config
	mu   sync.Mutex
	link *link
	log  *slog.Logger
}

// New returns a driver for the reader on port.
func New(port devices.Port, cfg Config) *Reader {
	if cfg.Address == 0 {
		cfg.Address = DefaultAddress
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = DefaultAckTimeout
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = DefaultCommandTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("device", "card reader", "port", port.Name())
	return &Reader{cfg: cfg, log: log, link: newLink(port, cfg.Address, cfg.AckTimeout, cfg.Now, log)}
}

// Name is the reader's port.
func (r *Reader) Name() string { return r.link.Port().Name() }

// command runs one command; a negative response is a *RefusalError. Errors are
// wrapped with the operation and the port.
func (r *Reader) command(ctx context.Context, op string, cmd Command) (Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	resp, err := r.link.exchange(ctx, cmd, r.cfg.CommandTimeout)
	if err != nil {
		return Response{}, r.wrap(op, err)
	}
	if !resp.Positive {
		return resp, r.wrap(op, &RefusalError{CM: cmd.CM, PM: cmd.PM, Code: resp.Error})
	}
	return resp, nil
}

// wrap names the operation and the port, unless err already is a devices error.
func (r *Reader) wrap(op string, err error) error {
	var de *devices.Error
	if errors.As(err, &de) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return devices.Wrap(op, r.Name(), err)
}

// Initialize resets the reader, leaving a card where it is, and returns the
// firmware version it reports. It is the first command after the reader powers up.
func (r *Reader) Initialize(ctx context.Context) (string, error) {
	resp, err := r.command(ctx, "initialize", Command{CM: cmInitialize, PM: pmKeepCard})
	return strings.TrimSpace(string(resp.Data)), err
}

// Status asks where the card is (st0 st1 st2).
func (r *Reader) Status(ctx context.Context) (Status, error) {
	resp, err := r.command(ctx, "status", Command{CM: cmStatus, PM: pmStatus})
	return resp.Status, err
}

// PowerOn cold-resets the card in the contact station (5 V, EMV mode) and returns it
// with its ATR. With no card in, it gives ErrNoCard.
func (r *Reader) PowerOn(ctx context.Context) (*Card, error) {
	resp, err := r.command(ctx, "power on", Command{CM: cmContactCard, PM: pmColdReset, Data: []byte{vccEMV}})
	if err != nil {
		return nil, r.noCardIfEmpty(ctx, err)
	}
	if len(resp.Data) < 3 || (resp.Data[0] != protocolT0 && resp.Data[0] != protocolT1) || resp.Data[1] != 0x3B && resp.Data[1] != 0x3F {
		return nil, devices.Wrap("power on", r.Name(), fmt.Errorf("%w: answer to reset of %d bytes", ErrPacket, len(resp.Data)))
	}
	t := 0
	if resp.Data[0] == protocolT1 {
		t = 1
	}
	r.log.Info("card powered on", "protocol", fmt.Sprintf("T=%d", t))
	return &Card{reader: r, atr: append([]byte(nil), resp.Data[1:]...), protocol: t}, nil
}

// noCardIfEmpty turns a refused command into ErrNoCard when the reader says no card
// is in.
func (r *Reader) noCardIfEmpty(ctx context.Context, err error) error {
	if !errors.Is(err, ErrRefused) {
		return err
	}
	if st, serr := r.Status(ctx); serr == nil && !st.CardIn() {
		return fmt.Errorf("%w: %w", ErrNoCard, err)
	}
	return err
}

// Activate polls the antenna's field once for an ISO/IEC 14443 type A card and
// activates it (REQA, anticollision, select, RATS). With no card in the field it
// gives ErrNoCard.
func (r *Reader) Activate(ctx context.Context) (*Card, error) {
	resp, err := r.command(ctx, "activate", Command{CM: cmContactless, PM: pmActivate, Data: []byte{activateTypeA, activateNoMore}})
	if errors.Is(err, ErrRefused) {
		return nil, fmt.Errorf("%w: %w", ErrNoCard, err)
	}
	if err != nil {
		return nil, err
	}
	act, err := ParseActivation(resp.Data)
	if err != nil {
		return nil, devices.Wrap("activate", r.Name(), err)
	}
	r.log.Info("contactless card activated", "uid_bytes", len(act.UID))
	return &Card{reader: r, contactless: true, atr: act.ATR(), uid: act.UID, protocol: 1}, nil
}
