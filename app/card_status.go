package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"tilldesk/app/acquirer"
	"tilldesk/core/money"
)

// The card terminal's readiness for the status bar ("card: ready", "reader missing",
// "host unreachable", "reversals pending"), and what the card terminal shows the
// customer on the PIN pad besides the PIN prompt.

// Card terminal states (CardReadiness.State).
const (
	CardReady            = "ready"
	CardUnavailable      = "unavailable" // no terminal: no devices, or [emv] refused
	CardReaderMissing    = "reader_missing"
	CardPINPadMissing    = "pinpad_missing"
	CardRecovering       = "recovering" // unfinished payments being resolved
	CardUnresolved       = "unresolved"
	CardNoHost           = "no_host"
	CardHostUnreachable  = "host_unreachable"
	CardReversalsPending = "reversals_pending"
)

// CardReadiness is the card terminal at a glance.
type CardReadiness struct {
	State  string // one of the Card* states
	Reason error  // why it is not ready (nil when ready)
	Status CardStatus
}

// Key is the state's message key for the status bar ("card.status.ready").
func (r CardReadiness) Key() string { return "card.status." + r.State }

// cardWatch is the link's last outcome and the change callback.
type cardWatch struct {
	mu       sync.Mutex
	linkErr  error // the last exchange's link failure; nil after an answer
	onChange func()
}

// SetOnChange sets the function called (from any goroutine) when the readiness may
// have changed: the link went down or came back, a payment ended, a reversal fell due,
// a batch was settled. It must not block: hand the work to the UI goroutine.
func (d *CardPayments) SetOnChange(f func()) {
	d.watch.mu.Lock()
	d.watch.onChange = f
	d.watch.mu.Unlock()
}

// changed calls the change callback.
func (d *CardPayments) changed() {
	d.watch.mu.Lock()
	f := d.watch.onChange
	d.watch.mu.Unlock()
	if f != nil {
		f()
	}
}

// noteLink remembers whether the host answered the last exchange.
func (d *CardPayments) noteLink(err error) {
	var linkErr error
	if errors.Is(err, acquirer.ErrUnreachable) || errors.Is(err, acquirer.ErrTimeout) || errors.Is(err, acquirer.ErrConnectionLost) {
		linkErr = err
	}
	d.watch.mu.Lock()
	flipped := (d.watch.linkErr == nil) != (linkErr == nil)
	d.watch.linkErr = linkErr
	d.watch.mu.Unlock()
	if flipped {
		d.changed()
	}
}

// SetTerminalProblem records why card payments have no terminal (the [emv]
// configuration refused): card tenders refuse with it, and Readiness shows it.
func (d *CardPayments) SetTerminalProblem(err error) {
	d.terminalMu.Lock()
	d.terminalProblem = err
	d.terminalMu.Unlock()
	d.changed()
}

// terminalFor is the terminal for a payment, or why there is none.
func (d *CardPayments) terminalFor() (*CardTerminal, error) {
	if t := d.cardTerminal(); t != nil {
		return t, nil
	}
	d.terminalMu.Lock()
	defer d.terminalMu.Unlock()
	if d.terminalProblem != nil {
		return nil, d.terminalProblem
	}
	return nil, ErrNoCardTerminal
}

// readyDevice is a card reader or PIN pad that knows whether it is connected.
type readyDevice interface{ Ready() error }

// Readiness says whether a card payment can be taken now, and if not, the first
// reason: no terminal, a device missing, unfinished payments, no host or no answer
// from it, reversals waiting.
func (d *CardPayments) Readiness() CardReadiness {
	st, err := d.Status()
	r := CardReadiness{Status: st}
	term, terr := d.terminalFor()
	d.watch.mu.Lock()
	linkErr := d.watch.linkErr
	d.watch.mu.Unlock()
	device := func(dev any) error {
		if rd, ok := dev.(readyDevice); ok {
			return rd.Ready()
		}
		return nil
	}
	switch {
	case terr != nil:
		r.State, r.Reason = CardUnavailable, terr
	case err != nil:
		r.State, r.Reason = CardUnavailable, err
	case device(term.Cards) != nil:
		r.State, r.Reason = CardReaderMissing, device(term.Cards)
	case errors.Is(st.Problem, ErrCardRecovering):
		r.State, r.Reason = CardRecovering, st.Problem
	case st.Problem != nil:
		r.State, r.Reason = CardUnresolved, st.Problem
	case st.Host == "":
		r.State, r.Reason = CardNoHost, errors.New("no acquirer host configured or registered")
	case st.PendingReversals > 0:
		r.State, r.Reason = CardReversalsPending, fmt.Errorf("%w (%d)", ErrReversalPending, st.PendingReversals)
	case linkErr != nil:
		r.State, r.Reason = CardHostUnreachable, linkErr
	case term.PINPad == nil || device(term.PINPad) != nil:
		r.State, r.Reason = CardPINPadMissing, ErrPINPadMissing
	default:
		r.State = CardReady
	}
	return r
}

// customerDisplay is a PIN pad that also shows the customer the amount and the
// outcome (PINPadSlot).
type customerDisplay interface {
	ShowAmount(ctx context.Context, amount money.Amount) error
	Show(ctx context.Context, lines ...string) error
}

// padDisplayTimeout bounds what the PIN pad is asked to show besides the PIN prompt:
// the payment never waits long on a display.
const padDisplayTimeout = 2 * time.Second

// showAmount shows the customer the amount to pay, when the PIN pad can.
func (t *CardTerminal) showAmount(ctx context.Context, amount money.Amount) {
	if pad, ok := t.PINPad.(customerDisplay); ok {
		sctx, cancel := context.WithTimeout(ctx, padDisplayTimeout)
		defer cancel()
		_ = pad.ShowAmount(sctx, amount) // a pad that cannot show it still takes the PIN
	}
}

// showOutcome tells the customer on the PIN pad whether the payment went through.
func (t *CardTerminal) showOutcome(ctx context.Context, err error) {
	pad, ok := t.PINPad.(customerDisplay)
	if !ok {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), padDisplayTimeout)
	defer cancel()
	lines := []string{"APPROVED", "THANK YOU"}
	if err != nil {
		lines = []string{"NOT APPROVED"}
	}
	_ = pad.Show(sctx, lines...)
}

// release powers down the card of the payment that ended, when the reader can, so
// that it is seen taken out.
func (t *CardTerminal) release(log *slog.Logger) {
	if r, ok := t.Cards.(interface{ Release() error }); ok {
		if err := r.Release(); err != nil {
			log.Debug("card not powered down", "err", err)
		}
	}
}
