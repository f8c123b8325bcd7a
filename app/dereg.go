package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"tilldesk/core/backup"
	"tilldesk/core/dereg"
	"tilldesk/core/journal"
	"tilldesk/core/sale"
)

// The terminal deregistration wizard (DESIGN.md §2, issue 4): core/dereg decides which
// step may follow which; the DeregWizard does each step's work over the live session
// (backup to a chosen folder, acquirer sign-off, clearing and wiping, voiding,
// certificate) and saves the progress after every step, so a new DeregWizard over the
// same journal resumes where the last one stopped.

// BackupFile is the backup file being written (an *os.File, or a test's stand-in).
type BackupFile interface {
	io.Writer
	Sync() error
	Close() error
}

// DeregOptions tune a DeregWizard; the zero value is the production defaults.
type DeregOptions struct {
	// Preconditions are checked at the Preconditions step; DefaultPreconditions when nil.
	Preconditions *dereg.Registry
	// KDF is the backup's argon2id cost; backup.DefaultKDF when zero.
	KDF backup.KDFParams
	// Rand supplies the backup's salt and nonces; crypto/rand when nil.
	Rand io.Reader
	// CreateFile creates the backup file; exclusively, with mode 0600, when nil.
	CreateFile func(path string) (BackupFile, error)
	// SignOff signs the terminal off with the acquirer (0800). Nil means there is no
	// acquirer link: the sign-off is recorded as due at the acquirer. An error is
	// recorded the same way, with its text.
	SignOff func(ctx context.Context, id TerminalIdentity) error
	// KeepSettings lists "settings" state keys that survive the wipe; every other
	// state entry (operators, shift, counters, settings, secrets) is wiped.
	KeepSettings []string
	// AfterReopen is called with the new journal handle each time the wizard closes
	// and reopens the journal (backup, clear), for whatever else holds the old one.
	AfterReopen func(*journal.Journal)
	// OnUI runs a function on the UI goroutine and waits for it (fyne.DoAndWait). The
	// wizard's long steps run on a worker goroutine; the reopened journal is installed
	// in the Session and the Till (and AfterReopen called) through OnUI, so screens
	// reading Till.Journal() never race with the change. Nil runs it directly.
	OnUI func(func())
}

// DefaultPreconditions are the checks available today: no open sale at the till and
// no held sales. Other features register theirs on the returned registry. The checks
// read the till's state: run them on the UI goroutine.
func DefaultPreconditions(t *Till) *dereg.Registry {
	r := &dereg.Registry{}
	r.Register(dereg.NoOpenSale(func() bool {
		return t.current != nil && t.current.State == sale.Open && len(t.current.Lines) > 0
	}))
	r.Register(dereg.NoHeldSales(func() (map[string]json.RawMessage, error) { return t.Journal().Held() }))
	return r
}

// DeregWizard runs one terminal deregistration over a session. Its methods are the
// wizard's steps; each refuses unless the wizard is at its step, and saves the
// progress with an audit record before returning. Methods may be called from any
// goroutine, one at a time (a second call waits); Backup and ClearAndWipe take a
// while and close and reopen the journal, so the till must be idle meanwhile (the
// wizard's screen covers the cashier screen, and the till refuses sales once the
// preconditions are met).
type DeregWizard struct {
	s        *Session
	reg      *Registration
	operator string
	opt      DeregOptions
	log      *slog.Logger

	mu    sync.Mutex // one step at a time
	state dereg.State
}

// NewDeregWizard opens the wizard for operator, resuming the deregistration saved in
// the journal if there is one. reg must be the Registration whose SalesAllowed gates
// the till, so the till stops selling as the wizard proceeds.
func NewDeregWizard(s *Session, reg *Registration, operator string, opt DeregOptions) (*DeregWizard, error) {
	if operator == "" {
		return nil, errors.New("deregistration: no operator")
	}
	if opt.Preconditions == nil {
		opt.Preconditions = DefaultPreconditions(s.Till)
	}
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	if opt.CreateFile == nil {
		opt.CreateFile = func(path string) (BackupFile, error) {
			return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		}
	}
	w := &DeregWizard{s: s, reg: reg, operator: operator, opt: opt, log: s.Log.With("use", "deregistration", "operator", operator)}
	st, ok, err := dereg.Load(s.Journal)
	if err != nil {
		return nil, err
	}
	if ok {
		w.state = st
		w.log.Info("deregistration resumed", "run", st.Run, "step", st.Step.String())
		return w, nil
	}
	id, err := reg.Identity()
	if err != nil {
		return nil, err
	}
	w.state = dereg.New(dereg.Identity{Terminal: id.Terminal, Merchant: id.Merchant}, operator, s.Till.now())
	return w, nil
}

// State is the wizard's progress (a copy).
func (w *DeregWizard) State() dereg.State {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// Identity is the terminal as registered.
func (w *DeregWizard) Identity() (TerminalIdentity, error) { return w.reg.Identity() }

// Preconditions returns the registered preconditions' current results.
func (w *DeregWizard) Preconditions() []dereg.Result { return w.opt.Preconditions.Check() }

// commit saves next with its audit record (and extra state changes) and makes it the
// wizard's state. Callers hold w.mu.
func (w *DeregWizard) commit(next dereg.State, detail any, extra ...journal.StateChange) error {
	from := w.state.Step
	if _, err := dereg.Save(w.s.Journal, from, next, w.operator, detail, extra...); err != nil {
		w.log.Error("deregistration step not saved", "run", next.Run, "step", next.Step.String(), "err", err)
		return fmt.Errorf("deregistration %w: %v", ErrNotRecorded, err)
	}
	w.state = next
	w.log.Info("deregistration step done", "run", next.Run, "from", from.String(), "to", next.Step.String())
	deregTestHook("step." + next.Step.String())
	return w.reg.Refresh()
}

// step runs a pure transition under the lock and commits its result.
func (w *DeregWizard) step(move func(dereg.State) (dereg.State, error), detail any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	next, err := move(w.state)
	if err != nil {
		return err
	}
	return w.commit(next, detail)
}

// Start is the Identify step: the operator confirmed this is the terminal to
// deregister, for reason. A deregistered terminal cannot be deregistered again.
func (w *DeregWizard) Start(reason dereg.Reason) error {
	if w.reg.Status() == StatusDeregistered && w.State().Step == dereg.Identify {
		return ErrDeregistered
	}
	return w.step(func(s dereg.State) (dereg.State, error) { return s.Identified(reason, w.s.Till.now()) }, nil)
}

// CheckPreconditions is the Preconditions step: it runs every precondition and moves
// on only if all pass. The results are returned either way, for the screen to list
// each failing check with its action; failing checks are returned with
// dereg.ErrPreconditions and nothing is saved.
func (w *DeregWizard) CheckPreconditions() ([]dereg.Result, error) {
	results := w.Preconditions()
	return results, w.step(func(s dereg.State) (dereg.State, error) { return s.PreconditionsMet(results, w.s.Till.now()) }, results)
}

// ConfirmEnvironment is the SafeEnvironment step: confirmed lists the checklist items
// (dereg.Checklist) the operator ticked; all are needed.
func (w *DeregWizard) ConfirmEnvironment(confirmed []string) error {
	return w.step(func(s dereg.State) (dereg.State, error) { return s.EnvironmentConfirmed(confirmed, w.s.Till.now()) }, nil)
}

// ConfirmDetails is the ConfirmDetails step: the typed IDs must match the terminal's.
// A mismatch is refused with dereg.ErrDetailsMismatch and changes nothing.
func (w *DeregWizard) ConfirmDetails(terminal, merchant string) error {
	err := w.step(func(s dereg.State) (dereg.State, error) {
		return s.DetailsConfirmed(terminal, merchant, w.s.Till.now())
	}, nil)
	if errors.Is(err, dereg.ErrDetailsMismatch) {
		w.log.Warn("deregistration details mismatch", "err", err) // the typed values are not logged
	}
	return err
}

// SignOff is the SignOff step: the acquirer sign-off where there is an acquirer link,
// otherwise (or when it fails) a record that it must be done at the acquirer.
func (w *DeregWizard) SignOff(ctx context.Context) error {
	info := dereg.SignOffInfo{Status: dereg.SignOffAtAcquire, Note: "no acquirer link: sign the terminal off at the acquirer", At: w.s.Till.now().UTC()}
	if w.opt.SignOff != nil {
		id, err := w.reg.Identity()
		if err == nil {
			err = w.opt.SignOff(ctx, id)
		}
		if err == nil {
			info.Status, info.Note = dereg.SignOffDone, ""
		} else {
			info.Note = "sign-off failed, do it at the acquirer: " + err.Error()
			w.log.Warn("acquirer sign-off failed", "err", err)
		}
	}
	return w.step(func(s dereg.State) (dereg.State, error) { return s.SignedOff(info, w.s.Till.now()) }, info)
}

// Void is the Void step: the terminal is marked deregistered, in the same transaction
// as the step's record, and the till refuses sales from then on.
func (w *DeregWizard) Void() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	next, err := w.state.Voided(w.s.Till.now())
	if err != nil {
		return err
	}
	id, err := w.reg.Identity()
	if err != nil {
		return err
	}
	id.Status, id.Deregistered, id.DeregRun = StatusDeregistered, next.VoidedAt, next.Run
	change, err := id.change()
	if err != nil {
		return err
	}
	return w.commit(next, nil, change)
}

// Back returns to the previous step (allowed until the journal is cleared).
func (w *DeregWizard) Back() error {
	return w.step(func(s dereg.State) (dereg.State, error) { return s.Back(w.s.Till.now()) }, nil)
}

// Cancel abandons the deregistration (allowed before the journal is cleared). The
// backup file, if one was made, is left where it is.
func (w *DeregWizard) Cancel() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state.Step > dereg.Identify {
		if _, err := dereg.Cancel(w.s.Journal, w.state, w.operator); err != nil {
			return err
		}
		w.log.Info("deregistration cancelled", "run", w.state.Run, "at", w.state.Step.String())
	}
	w.state = dereg.New(w.state.Identity, w.operator, w.s.Till.now())
	return w.reg.Refresh()
}
