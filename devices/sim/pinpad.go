package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"tilldesk/core/dukpt"
	"tilldesk/devices/pinpad/ipp"
)

// PINPad simulates a VeriFone PINpad 1000SE / IPP PIN pad on a pseudo-terminal,
// speaking the protocol of devices/pinpad/ipp: it ACKs and NAKs frames by their LRC,
// resends its own frames on NAK or silence and gives up with EOT after three tries,
// shows Z2 text, takes a PIN for Z60 from its keypad (which the tests or the demo
// window press), and answers with packet 73: the ISO 9564 PIN block encrypted under
// the DUKPT PIN key of the next transaction counter, with its KSN. A pad loaded with
// TDES DUKPT keys sends format 0 blocks in the vendor's packet 73; one loaded with
// AES DUKPT keys (PINPadConfig.Key ipp.AES) sends format 4 blocks in Tilldesk's
// extended 73 (devices/pinpad/ipp, aes.go). A Z60 asking for the other scheme is
// refused with entry error 5.
//
// Like a real pad it holds only its future DUKPT keys (a dukpt.TDESOriginator loaded
// from an IPEK, or a dukpt.AESOriginator loaded from an AES initial key), never the
// BDK; the clear PIN exists only inside it and is erased as soon as the block is
// encrypted. Nothing it logs or returns shows a PIN or a PAN.
//
// Faults for tests: CorruptNext (bad LRC), IgnoreNext (no answer), NAKNext (NAK
// storm), SendGarbage, and Unplug.
type PINPad struct {
	pty  *PTY
	log  *slog.Logger
	cfg  PINPadConfig
	keys chan padKey
	in   chan []byte   // bytes from the till, read by readLoop
	quit chan struct{} // closed by Unplug
	done chan struct{} // closed when both goroutines have returned
	once sync.Once

	mu      sync.Mutex // guards the session state below and in pinpad_session.go
	session padSession
	changed chan struct{} // closed and replaced when the display or state changes
}

// PINPadConfig sets up a simulated PIN pad.
type PINPadConfig struct {
	// Key is the DUKPT scheme of the keys injected: ipp.TDES (the zero value) loads
	// IPEK and KSN, ipp.AES loads AESInitialKey and AESInitialKeyID.
	Key ipp.KeyScheme
	// IPEK and KSN are the TDES initial key and key serial number injected into the
	// pad (the counter bits of KSN are ignored).
	IPEK [16]byte
	KSN  dukpt.KSN
	// AESInitialKey (16, 24 or 32 bytes) and AESInitialKeyID are the AES DUKPT
	// initial key and its initial key ID (ANSI X9.24-3). The PIN encryption key the
	// pad derives has the initial key's type.
	AESInitialKey   []byte
	AESInitialKeyID [8]byte
	// Random fills format 4 PIN fields; nil means crypto/rand.
	Random io.Reader
	// Engine is the DUKPT engine packet 25 reports: '0' (the default), '1' or '2'.
	Engine byte
	// EntryTimeout is the pad's own PIN entry timer: when it runs out the pad ends
	// entry with EOT. 0 means none: the pad waits for the customer or the till.
	EntryTimeout time.Duration
	// AckTimeout is how long the pad waits for the till's ACK before sending a frame
	// again. 0 means 5 s, what IPP-compatible pads use (Uniform PP791 manual,
	// section 4, "Time-out").
	AckTimeout time.Duration
	// Logger receives what the pad does (never PINs or PANs). nil: slog.Default().
	Logger *slog.Logger
}

const defaultPadAckTimeout = 5 * time.Second

// PINPadTestKeys returns the test BDK and initial KSN of ANSI X9.24-1:2009 Annex
// A.4 (BDK 0123456789ABCDEFFEDCBA9876543210, KSN FFFF9876543210E00000): the issuer
// side of the tests and the demo's sandbox acquirer decrypt with them.
func PINPadTestKeys() (bdk [16]byte, ksn dukpt.KSN) {
	bdk = [16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}
	ksn = dukpt.KSN{0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE0, 0x00, 0x00}
	return bdk, ksn
}

// TestPINPadConfig is a pad loaded with the IPEK derived from the test BDK and KSN
// of PINPadTestKeys, as a key injection facility would load it.
func TestPINPadConfig() PINPadConfig {
	bdk, ksn := PINPadTestKeys()
	ipek := dukpt.DeriveIPEK(bdk, ksn)
	clear(bdk[:])
	return PINPadConfig{IPEK: ipek, KSN: ksn}
}

// StartPINPad opens a pseudo-terminal and starts a simulated PIN pad on it; the till
// opens Path().
func StartPINPad(cfg PINPadConfig) (*PINPad, error) {
	pty, err := OpenPTY()
	if err != nil {
		return nil, err
	}
	p, err := NewPINPad(pty, cfg)
	if err != nil {
		pty.Close()
		return nil, err
	}
	return p, nil
}

// NewPINPad starts a simulated PIN pad on pty. It loads the keys of cfg.Key's scheme
// into the pad's DUKPT originator and erases cfg.AESInitialKey; the caller should
// zero its own copies of the keys afterwards.
func NewPINPad(pty *PTY, cfg PINPadConfig) (*PINPad, error) {
	if cfg.Engine == 0 {
		cfg.Engine = '0'
	}
	if _, err := ipp.EngineCheckResponse(cfg.Engine); err != nil {
		return nil, fmt.Errorf("sim pinpad: %w", err)
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = defaultPadAckTimeout
	}
	keys, err := loadPadKeys(&cfg)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	p := &PINPad{
		pty: pty, cfg: cfg, log: log.With("device", "sim-pinpad", "port", pty.Path),
		keys: make(chan padKey, 64), in: make(chan []byte, 16),
		quit: make(chan struct{}), done: make(chan struct{}), changed: make(chan struct{}),
	}
	p.session.keys = keys
	p.session.display = [2]string{"WELCOME"}
	read := make(chan struct{})
	go func() { defer close(read); p.readLoop() }()
	go func() { defer close(p.done); p.run(); <-read }()
	return p, nil
}

// Path is the device the till opens, e.g. /dev/pts/5.
func (p *PINPad) Path() string { return p.pty.Path }

// padKey is a key on the keypad: a digit '0'-'9' or one of the function keys.
type padKey byte

// The function keys of the 1000SE keypad.
const (
	keyEnter  padKey = 'E'
	keyClear  padKey = 'C' // erases the digits typed so far
	keyCancel padKey = 'X' // ends PIN entry: the pad sends EOT
)

// errPadUnplugged is returned by keypad presses after Unplug.
var errPadUnplugged = errors.New("sim pinpad: unplugged")

// PressDigits types digits on the keypad. Keys pressed while the pad is not taking
// a PIN are ignored, as on a real pad: wait with WaitForEntry first.
func (p *PINPad) PressDigits(digits string) error {
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return fmt.Errorf("sim pinpad: key %d is not a digit", i+1)
		}
	}
	for i := 0; i < len(digits); i++ {
		if err := p.press(padKey(digits[i])); err != nil {
			return err
		}
	}
	return nil
}

// PressEnter presses ENTER: with 4 to 12 digits typed the pad sends the encrypted
// PIN block; with none, packet 73 without a PIN; with 1 to 3 it keeps waiting.
func (p *PINPad) PressEnter() error { return p.press(keyEnter) }

// PressClear presses CLEAR: the digits typed so far are erased.
func (p *PINPad) PressClear() error { return p.press(keyClear) }

// PressCancel presses CANCEL: PIN entry ends and the pad sends EOT.
func (p *PINPad) PressCancel() error { return p.press(keyCancel) }

func (p *PINPad) press(k padKey) error {
	select {
	case <-p.quit:
		return errPadUnplugged
	default:
	}
	select {
	case p.keys <- k:
		return nil
	case <-p.quit:
		return errPadUnplugged
	}
}

// Display is what the pad's two-line display shows, lines joined by "\n" and
// trailing spaces trimmed. During PIN entry line 2 shows one asterisk per digit.
func (p *PINPad) Display() string {
	return padRead(p, func(s *padSession) string {
		return strings.TrimRight(s.display[0], " ") + "\n" + strings.TrimRight(s.display[1], " ")
	})
}

// Changed is closed at the next change of the display or of the pad's state, for a
// demo window to redraw.
func (p *PINPad) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// InEntry reports whether the pad is taking a PIN.
func (p *PINPad) InEntry() bool {
	return padRead(p, func(s *padSession) bool { return s.state == padEntering })
}

// PINBlocks counts the PIN blocks the pad has encrypted since it started.
func (p *PINPad) PINBlocks() int { return padRead(p, func(s *padSession) int { return s.blocks }) }

// padRead reads the session with p.mu held.
func padRead[T any](p *PINPad, get func(*padSession) T) T {
	p.mu.Lock()
	defer p.mu.Unlock()
	return get(&p.session)
}

// WaitForEntry waits until the pad is taking a PIN (it has accepted a Z60).
func (p *PINPad) WaitForEntry(ctx context.Context) error {
	return p.waitFor(ctx, func() bool { return p.session.state == padEntering })
}

// WaitForEntryAfter waits until the pad is taking a PIN for an entry begun after the
// first after ones, and returns that entry's number (counting from 1). A test's
// customer waits with the number of the last entry it served: it never types twice
// into one entry, and misses no entry however quickly the pad went idle and back.
func (p *PINPad) WaitForEntryAfter(ctx context.Context, after int) (int, error) {
	var n int
	err := p.waitFor(ctx, func() bool {
		n = p.session.entries
		return p.session.state == padEntering && n > after
	})
	return n, err
}

// WaitForIdle waits until the pad is neither taking a PIN nor awaiting the till's
// ACK to a frame.
func (p *PINPad) WaitForIdle(ctx context.Context) error {
	return p.waitFor(ctx, func() bool { return p.session.state == padIdle && p.session.outstanding == nil })
}

// waitFor waits until cond, evaluated with p.mu held, is true.
func (p *PINPad) waitFor(ctx context.Context, cond func() bool) error {
	for {
		p.mu.Lock()
		ok, changed := cond(), p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("sim pinpad: %w", ctx.Err())
		case <-p.quit:
			return errPadUnplugged
		}
	}
}

// notify wakes waiters; p.mu is held.
func (p *PINPad) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// CorruptNext sends the pad's next n frames (first transmissions and resends) with a
// wrong LRC.
func (p *PINPad) CorruptNext(n int) { p.setFault(func(s *padSession) { s.corruptNext = n }) }

// IgnoreNext makes the pad give no answer at all (not even ACK or NAK) to the next n
// frames from the till.
func (p *PINPad) IgnoreNext(n int) { p.setFault(func(s *padSession) { s.ignoreNext = n }) }

// NAKNext makes the pad NAK the next n frames from the till whatever their LRC (and
// send EOT after every third NAK in a row, as for bad LRCs).
func (p *PINPad) NAKNext(n int) { p.setFault(func(s *padSession) { s.nakNext = n }) }

// SendGarbage makes the pad send garbage instead of its next answer (an ACK, NAK,
// EOT or frame).
func (p *PINPad) SendGarbage(garbage []byte) {
	p.setFault(func(s *padSession) { s.garbage = append([]byte(nil), garbage...) })
}

func (p *PINPad) setFault(set func(*padSession)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	set(&p.session)
}

// Unplug pulls the cable: the pseudo-terminal closes, the till's next read fails,
// and the pad stops. Its keys are erased.
func (p *PINPad) Unplug() error {
	var err error
	p.once.Do(func() {
		close(p.quit)
		// The master is a blocking file: closing it while readLoop is blocked in
		// Read takes effect only when that Read returns, and until then the till's
		// end stays open. A byte written to the device end wakes the Read.
		if _, werr := p.pty.slave.Write([]byte{0}); werr != nil {
			p.log.Debug("cannot wake the reader", "err", werr)
		}
		err = p.pty.Unplug()
	})
	return err
}

// Close unplugs the pad and waits for its goroutines to end.
func (p *PINPad) Close() error {
	err := p.Unplug()
	<-p.done
	p.mu.Lock()
	p.session.erase()
	p.mu.Unlock()
	return err
}
