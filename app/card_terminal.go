package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"tilldesk/core/emv/kernel"
	"tilldesk/core/money"
	"tilldesk/devices/cardreader"
	"tilldesk/devices/pinpad"
)

// The card terminal at the till: card payments' CardTerminal over the devices. The
// card reader and the PIN pad reach card payments through slots that the devices fill
// while the device is connected and empty when it goes; the slots themselves never
// change, so a reader unplugged and plugged back, or replaced in the devices screen,
// needs nothing from card payments.

// Errors of the card terminal.
var (
	// ErrCardReaderMissing: no card reader is connected now.
	ErrCardReaderMissing = errors.New("the card reader is not connected")
	// ErrPINPadMissing: no PIN pad is connected now.
	ErrPINPadMissing = errors.New("the PIN pad is not connected")
	// ErrCardTerminalConfig: the [emv] configuration was refused, so the kernel has
	// no configuration and card payments are unavailable.
	ErrCardTerminalConfig = errors.New("the card terminal's EMV configuration is refused: card payments are unavailable")
)

func init() {
	cardErrorKeys[ErrCardReaderMissing] = "card.err.reader_missing"
	cardErrorKeys[ErrPINPadMissing] = "card.err.pinpad_missing"
	cardErrorKeys[ErrCardTerminalConfig] = "card.err.terminal_config"
}

// AttachCardTerminal gives the session's card payments the card reader and PIN pad
// that devs runs, with the EMV kernel configured from [emv]. A configuration the kernel
// refuses leaves card payments unavailable with the reason (logged, and shown in the
// status bar through CardPayments.Readiness); the till still sells by other tenders.
func AttachCardTerminal(s *Session, devs *Devices) error {
	if s.Cards == nil || devs == nil {
		return nil
	}
	k, err := s.Config.EMVKernelConfig()
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrCardTerminalConfig, err)
		s.Log.Error("card payments unavailable", "err", err)
		s.Cards.SetTerminalProblem(err)
		return err
	}
	s.Cards.SetTerminal(&CardTerminal{Kernel: k, Cards: devs.CardReader(), PINPad: devs.PINPad()})
	s.Log.Info("card terminal attached", "aids", len(k.AIDs), "capks", len(k.CAPKs))
	return nil
}

// deviceSlot is a device the devices may replace at any time; changed is closed and
// replaced whenever they do.
type deviceSlot[T any] struct {
	mu      sync.Mutex
	device  *T
	changed chan struct{}
}

// set installs device (nil: none) and wakes whoever waits on the old one.
func (s *deviceSlot[T]) set(device *T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.device = device
	if s.changed != nil {
		close(s.changed)
	}
	s.changed = make(chan struct{})
}

// current is the device installed now (nil: none) and a channel closed when it changes.
func (s *deviceSlot[T]) current() (*T, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.device, s.changed
}

// CardReaderSlot is the till's card reader as card payments see it (their
// CardSource): whichever reader the devices run now.
type CardReaderSlot struct {
	slot deviceSlot[cardreader.Service]
}

var _ CardSource = (*CardReaderSlot)(nil)

func (r *CardReaderSlot) set(svc *cardreader.Service) { r.slot.set(svc) }

// Ready is nil while a card reader is connected, else ErrCardReaderMissing.
func (r *CardReaderSlot) Ready() error {
	if svc, _ := r.slot.current(); svc == nil {
		return ErrCardReaderMissing
	}
	return nil
}

// PresentCard waits for a card on the reader connected now; a reader that goes or is
// replaced meanwhile is waited on afresh. With no reader it fails at once.
func (r *CardReaderSlot) PresentCard(ctx context.Context, contactless bool) (kernel.Card, kernel.Interface, error) {
	c, err := r.waitOn(ctx, func(svc *cardreader.Service, ctx context.Context) (*cardreader.Card, error) {
		return svc.WaitCard(ctx, contactless)
	})
	if err != nil {
		return nil, 0, err
	}
	return c, c.Interface(), nil
}

// waitOn runs wait on the reader connected now; a reader that goes or is replaced
// meanwhile is waited on afresh. With no reader it fails at once.
func (r *CardReaderSlot) waitOn(ctx context.Context, wait func(*cardreader.Service, context.Context) (*cardreader.Card, error)) (*cardreader.Card, error) {
	for {
		svc, changed := r.slot.current()
		if svc == nil {
			return nil, ErrCardReaderMissing
		}
		wctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-changed:
				cancel()
			case <-wctx.Done():
			}
		}()
		c, err := wait(svc, wctx)
		replaced := err != nil && wctx.Err() != nil && ctx.Err() == nil
		cancel()
		if !replaced {
			return c, err
		}
		// The reader changed under the wait: wait on the new one.
	}
}

// Release powers down the card of the payment that just ended, so that its reader is
// watched again.
func (r *CardReaderSlot) Release() error {
	if svc, _ := r.slot.current(); svc != nil {
		return svc.Release()
	}
	return nil
}

// PINPadSlot is the till's PIN pad as card payments see it (the kernel's PINPad, and
// the customer's display): whichever pad the devices run now.
type PINPadSlot struct {
	slot  deviceSlot[pinpad.Pad]
	inUse atomic.Int32 // PIN requests and displays in progress
}

var _ kernel.PINPad = (*PINPadSlot)(nil)

func (p *PINPadSlot) set(pad *pinpad.Pad) { p.slot.set(pad) }

// busy reports a PIN request or display in progress (the health check waits).
func (p *PINPadSlot) busy() bool { return p.inUse.Load() > 0 }

// Ready is nil while a PIN pad is connected, else ErrPINPadMissing.
func (p *PINPadSlot) Ready() error {
	if pad, _ := p.slot.current(); pad == nil {
		return ErrPINPadMissing
	}
	return nil
}

// use runs fn with the pad connected now, counted as in use.
func (p *PINPadSlot) use(fn func(*pinpad.Pad) error) error {
	pad, _ := p.slot.current()
	if pad == nil {
		return ErrPINPadMissing
	}
	p.inUse.Add(1)
	defer p.inUse.Add(-1)
	return fn(pad)
}

// OnlinePIN asks the customer for the PIN on the pad connected now; the pad returns
// only the PIN block it encrypted.
func (p *PINPadSlot) OnlinePIN(ctx context.Context, req kernel.PINRequest) (kernel.EncipheredPIN, error) {
	var out kernel.EncipheredPIN
	err := p.use(func(pad *pinpad.Pad) error {
		var err error
		out, err = cardreader.PINPad{Pad: pad}.OnlinePIN(ctx, req)
		return err
	})
	return out, err
}

// ShowAmount shows the customer the amount to pay.
func (p *PINPadSlot) ShowAmount(ctx context.Context, amount money.Amount) error {
	return p.use(func(pad *pinpad.Pad) error { return pad.ShowAmount(ctx, amount) })
}

// Show shows the customer up to two lines of ASCII text.
func (p *PINPadSlot) Show(ctx context.Context, lines ...string) error {
	return p.use(func(pad *pinpad.Pad) error { return pad.Show(ctx, lines...) })
}

// CardReader is the card reader slot card payments take cards from.
func (d *Devices) CardReader() *CardReaderSlot { return d.cardReader }

// PINPad is the PIN pad slot card payments take PINs from.
func (d *Devices) PINPad() *PINPadSlot { return d.pinPad }
