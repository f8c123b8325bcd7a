// Package pinpad drives a serial PIN pad of the VeriFone PINpad 1000SE / IPP family
// (protocol in devices/pinpad/ipp): it shows the amount and messages on the pad,
// asks the customer for a PIN and gets back the PIN block encrypted by the pad under
// its DUKPT key with the key serial number (KSN), cancels PIN entry, and checks the
// pad's DUKPT engine.
//
// The clear PIN never reaches the till: the pad builds the ISO 9564 block from the
// PIN and the PAN and encrypts it under the transaction's DUKPT PIN key: format 0
// under TDES DUKPT (ANSI X9.24-1), the vendor's packets, or, with Config.Key set to
// ipp.AES, format 4 under AES DUKPT (ANSI X9.24-3), Tilldesk's extension of the
// packet set (devices/pinpad/ipp, aes.go). The till passes the encrypted block and
// the KSN to the acquirer, who decrypts with the BDK. This package never logs a PAN (only its first six and last four digits),
// a PIN block or key material.
//
// Every read is bounded: ACKs by Config.AckTimeout, answers by ResponseTimeout, the
// customer by EntryTimeout, and all of them by the caller's context.
package pinpad

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/pinpad/ipp"
)

// Why a PIN request ended without a PIN block. Errors from the Pad wrap one of these
// or a devices error kind (ErrTimeout, ErrUnplugged, ErrProtocol, ...).
var (
	// ErrCancelled: PIN entry ended at the pad, by the customer's CANCEL key or by the
	// pad's own entry timer; the protocol answers both with EOT.
	ErrCancelled = errors.New("PIN entry cancelled at the PIN pad")
	// ErrNoPIN: the customer pressed ENTER without typing a PIN.
	ErrNoPIN = errors.New("no PIN entered")
	// ErrAborted: the till cancelled PIN entry (Cancel).
	ErrAborted = errors.New("PIN entry cancelled by the till")
	// ErrRefused: the pad would not serve the request (an error code in packet 73, or
	// EOT instead of ACK).
	ErrRefused = errors.New("PIN pad refused the request")
	// ErrInvalidPAN: the account number is not 8 to 19 digits.
	ErrInvalidPAN = errors.New("invalid account number")
	// ErrDisplayText: the text is not printable ASCII fitting the pad's display.
	ErrDisplayText = errors.New("text does not fit the PIN pad's display")
)

// EncryptedPIN is the pad's answer to a PIN request: the ISO 9564 PIN block
// encrypted under the DUKPT PIN key of the transaction that KSN identifies. Under
// TDES DUKPT the block is 8 bytes of format 0 and the KSN 10 bytes; under AES DUKPT
// 16 bytes of format 4 and 12. The block is opaque to the till; String and logs never
// show it.
type EncryptedPIN struct {
	Key   ipp.KeyScheme
	KSN   []byte
	Block []byte
}

// Format is the ISO 9564 format of the block: 0 (TDES) or 4 (AES).
func (e EncryptedPIN) Format() byte { return e.Key.Format() }

// String shows the scheme and the KSN only.
func (e EncryptedPIN) String() string {
	return fmt.Sprintf("encrypted PIN block (%v), KSN %X", e.Key, e.KSN)
}

// LogValue keeps the PIN block out of structured logs.
func (e EncryptedPIN) LogValue() slog.Value { return slog.StringValue(e.String()) }

// Config is how the till talks to the pad. Zero fields take the defaults.
type Config struct {
	// AckTimeout bounds the wait for the pad's ACK or NAK to each frame, and for a
	// resent frame after the till's NAK. 0 means DefaultAckTimeout.
	AckTimeout time.Duration
	// ResponseTimeout bounds the wait for an answer that needs no customer (packet
	// 25). 0 means DefaultResponseTimeout.
	ResponseTimeout time.Duration
	// EntryTimeout is how long the customer has to enter the PIN before the till
	// cancels. 0 means DefaultEntryTimeout.
	EntryTimeout time.Duration
	// Key is the DUKPT scheme the pad holds, which every PIN request asks for: ipp.TDES
	// (the zero value) or ipp.AES.
	Key ipp.KeyScheme
	// Currency is the code shown before amounts (the pad shows ASCII only, so not
	// "¥"). "" means "CNY".
	Currency string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives what the driver does; nil means slog.Default().
	Logger *slog.Logger
}

// Defaults applied by New.
const (
	// DefaultAckTimeout: the pad ACKs at once; a frame of 50 bytes takes 52 ms on
	// the wire at 9600 baud.
	DefaultAckTimeout = 2 * time.Second
	// DefaultResponseTimeout bounds answers that need no customer.
	DefaultResponseTimeout = 3 * time.Second
	// DefaultEntryTimeout: a minute for the customer. IPP-compatible pads default
	// to 270 s (Uniform PP791 manual, message Z60), which is long at a till.
	DefaultEntryTimeout = time.Minute
	defaultCurrency     = "CNY"
)

// Pad is a PIN pad on a port. It is safe for concurrent use; operations run one at a
// time, except Cancel, which interrupts a PIN request in progress. The caller owns
// the port and closes it.
type Pad struct {
	cfg  Config
	link *link
	log  *slog.Logger
	// turn holds one token; an operation takes it to use the port.
	turn      chan struct{}
	abortMu   sync.Mutex
	aborts    map[int]context.CancelCauseFunc // end the PIN requests in progress or waiting
	nextAbort int
}

// New returns a driver for the pad on port.
func New(port devices.Port, cfg Config) *Pad {
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = DefaultAckTimeout
	}
	if cfg.ResponseTimeout <= 0 {
		cfg.ResponseTimeout = DefaultResponseTimeout
	}
	if cfg.EntryTimeout <= 0 {
		cfg.EntryTimeout = DefaultEntryTimeout
	}
	if cfg.Currency == "" {
		cfg.Currency = defaultCurrency
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("device", "pinpad", "port", port.Name())
	p := &Pad{
		cfg:  cfg,
		link: newLink(port, cfg.AckTimeout, cfg.Now, log),
		log:  log,
		turn: make(chan struct{}, 1),
	}
	p.turn <- struct{}{}
	return p
}

// job runs fn with the port to itself, after stale input is cleared. Errors come back
// as "pinpad: <op>: ...".
func (p *Pad) job(ctx context.Context, op string, fn func() error) error {
	select {
	case <-p.turn:
	case <-ctx.Done():
		return fmt.Errorf("pinpad: %s: %w", op, context.Cause(ctx))
	}
	defer func() { p.turn <- struct{}{} }()
	p.link.Discard()
	if err := fn(); err != nil {
		if errors.Is(err, devices.ErrUnplugged) || errors.Is(err, devices.ErrProtocol) || errors.Is(err, devices.ErrTimeout) {
			p.log.Warn("PIN pad operation failed", "op", op, "err", err)
		}
		return fmt.Errorf("pinpad: %s: %w", op, err)
	}
	return nil
}

// abortable returns a context that Cancel ends with ErrAborted, and the function
// that releases it when the PIN request is over.
func (p *Pad) abortable(ctx context.Context) (context.Context, func()) {
	entry, abort := context.WithCancelCause(ctx)
	p.abortMu.Lock()
	defer p.abortMu.Unlock()
	if p.aborts == nil {
		p.aborts = make(map[int]context.CancelCauseFunc)
	}
	id := p.nextAbort
	p.nextAbort++
	p.aborts[id] = abort
	return entry, func() {
		p.abortMu.Lock()
		delete(p.aborts, id)
		p.abortMu.Unlock()
		abort(nil)
	}
}

// Cancel ends PIN entry: a PIN request in progress, or waiting for its turn,
// returns an error wrapping ErrAborted. Then, or when the pad was idle, it sends
// packet 72 so that the pad is idle whatever it was doing.
func (p *Pad) Cancel(ctx context.Context) error {
	p.abortMu.Lock()
	for _, abort := range p.aborts {
		abort(ErrAborted)
	}
	p.abortMu.Unlock()
	return p.job(ctx, "cancel", func() error { return p.link.cancelSession(ctx) })
}

// maskPAN keeps the first six and last four digits, as a receipt may show them.
func maskPAN(pan string) string {
	if len(pan) <= 10 {
		return fmt.Sprintf("(%d digits)", len(pan))
	}
	masked := []byte(pan)
	for i := 6; i < len(pan)-4; i++ {
		masked[i] = '*'
	}
	return string(masked)
}
