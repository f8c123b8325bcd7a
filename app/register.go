package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tilldesk/core/dereg"
	"tilldesk/core/journal"
)

// Terminal registration: the first-run wizard records who the terminal is (merchant ID,
// terminal ID, acquirer host) in the journal's "terminal" state bucket, audited by a
// journal record in the same transaction. The sign-on with the acquirer (keys, 0800
// sign-on) is recorded as pending until the acquirer link exists. A deregistered
// terminal takes no sales until it is registered again.

// Journal record kinds and state of the registration.
const (
	KindTerminalRegistered = "terminal.registered"
	KindTerminalRekeyed    = "terminal.rekeyed" // the journal was started afresh for a new terminal ID
	terminalBucket         = "terminal"
	terminalIdentityKey    = "identity"
	// SignOnPending is the sign-on state until the acquirer link exists.
	SignOnPending = "pending"
)

// TerminalStatus is where the terminal stands.
type TerminalStatus string

// Terminal statuses. Deregistering is not stored: it is derived from the
// deregistration wizard's progress (past its preconditions).
const (
	StatusUnregistered  TerminalStatus = "unregistered"
	StatusRegistered    TerminalStatus = "registered"
	StatusDeregistering TerminalStatus = "deregistering"
	StatusDeregistered  TerminalStatus = "deregistered"
)

// Errors of registration and of the sales gate.
var (
	ErrInvalidRegistration = errors.New("registration details are not valid")
	ErrAlreadyRegistered   = errors.New("the terminal is already registered: deregister it first")
	ErrTerminalMismatch    = errors.New("the journal belongs to another terminal ID")
	ErrJournalHasSales     = errors.New("the journal holds sales: deregister the terminal before giving it a new terminal ID")
	ErrNotRegistered       = errors.New("the terminal is not registered: register it in the manager settings")
	ErrDeregistering       = errors.New("the terminal is being deregistered: it takes no sales")
	ErrDeregistered        = errors.New("the terminal is deregistered: it takes no sales until it is registered again")
)

// RegistrationForm is what the first-run wizard asks for.
type RegistrationForm struct {
	MerchantID   string // 15 digits (商户号)
	TerminalID   string // 8 letters or digits (终端号)
	AcquirerHost string // host:port of the acquirer's ISO 8583 host
}

// FieldError names the form field that is wrong; it matches ErrInvalidRegistration.
type FieldError struct {
	Field  string // "merchant", "terminal" or "acquirer"
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// Unwrap makes errors.Is(err, ErrInvalidRegistration) true.
func (e *FieldError) Unwrap() error { return ErrInvalidRegistration }

var merchantIDPattern = regexp.MustCompile(`^[0-9]{15}$`)

// Normalized returns the form with spaces trimmed and full-width characters folded.
func (f RegistrationForm) Normalized() RegistrationForm {
	return RegistrationForm{MerchantID: dereg.Normalize(f.MerchantID), TerminalID: dereg.Normalize(f.TerminalID), AcquirerHost: dereg.Normalize(f.AcquirerHost)}
}

// Validate checks the (normalized) form and returns every wrong field, joined.
func (f RegistrationForm) Validate() error {
	var errs []error
	if !merchantIDPattern.MatchString(f.MerchantID) {
		errs = append(errs, &FieldError{"merchant", "must be 15 digits"})
	}
	if !terminalIDPattern.MatchString(f.TerminalID) {
		errs = append(errs, &FieldError{"terminal", "must be 8 letters or digits"})
	}
	host, port, err := net.SplitHostPort(f.AcquirerHost)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || strings.ContainsAny(host, " /") || perr != nil || n < 1 || n > 65535 {
		errs = append(errs, &FieldError{"acquirer", "must be host:port"})
	}
	return errors.Join(errs...)
}

// TerminalIdentity is who the terminal is, as shown in settings and on certificates.
type TerminalIdentity struct {
	Merchant     string         `json:"merchant"`
	Terminal     string         `json:"terminal"`
	Acquirer     string         `json:"acquirer,omitempty"`
	PINPadSerial string         `json:"pinpad_serial,omitempty"` // empty until a PIN pad is paired
	Registered   time.Time      `json:"registered,omitzero"`
	RegisteredBy string         `json:"registered_by,omitempty"`
	SignOn       string         `json:"sign_on,omitempty"` // SignOnPending until the acquirer link exists
	Status       TerminalStatus `json:"status"`
	Deregistered time.Time      `json:"deregistered,omitzero"`
	DeregRun     string         `json:"dereg_run,omitempty"`
}

// change is the journal state change that stores the identity.
func (id TerminalIdentity) change() (journal.StateChange, error) {
	raw, err := json.Marshal(id)
	if err != nil {
		return journal.StateChange{}, fmt.Errorf("registration: encode: %w", err)
	}
	return journal.StateChange{Bucket: terminalBucket, Key: terminalIdentityKey, Value: raw}, nil
}

// Registration is the terminal's registration over the till's journal. Its SalesAllowed
// is the till's sales gate for registration: install it with Till.AddSalesGate.
type Registration struct {
	till   *Till
	mu     sync.Mutex                     // one registration change at a time
	status atomic.Pointer[TerminalStatus] // cached for the sales gate
}

// NewRegistration reads the terminal's registration from the till's journal.
func NewRegistration(t *Till) (*Registration, error) {
	r := &Registration{till: t}
	return r, r.Refresh()
}

// Identity returns the stored identity; an unregistered terminal has the journal's
// terminal ID, the configured merchant ID and StatusUnregistered.
func (r *Registration) Identity() (TerminalIdentity, error) {
	j := r.till.Journal()
	raw, err := j.GetState(terminalBucket, terminalIdentityKey)
	if err != nil {
		return TerminalIdentity{}, fmt.Errorf("registration: %w", err)
	}
	if raw == nil {
		return TerminalIdentity{Terminal: j.Terminal(), Merchant: r.till.Config().Terminal.MerchantID, Status: StatusUnregistered}, nil
	}
	var id TerminalIdentity
	if err := json.Unmarshal(raw, &id); err != nil {
		return id, fmt.Errorf("registration: stored identity unreadable: %w", err)
	}
	return id, nil
}

// Status is the terminal's status, including StatusDeregistering while a
// deregistration is past its preconditions.
func (r *Registration) Status() TerminalStatus {
	if s := r.status.Load(); s != nil {
		return *s
	}
	return StatusUnregistered
}

// Refresh re-reads the status from the journal (the wizard calls it after each step).
func (r *Registration) Refresh() error {
	id, err := r.Identity()
	if err != nil {
		return err
	}
	st := id.Status
	if d, ok, err := dereg.Load(r.till.Journal()); err != nil {
		return err
	} else if ok && st != StatusDeregistered && d.InProgress() && d.Step > dereg.Preconditions {
		st = StatusDeregistering
	}
	r.status.Store(&st)
	return nil
}

// SalesAllowed is nil when the terminal may sell: it is registered, or unregistered in
// demo mode. While it is being deregistered, and once it is, it refuses.
func (r *Registration) SalesAllowed() error {
	switch r.Status() {
	case StatusDeregistered:
		return ErrDeregistered
	case StatusDeregistering:
		return ErrDeregistering
	case StatusUnregistered:
		if !r.till.Config().Terminal.Demo {
			return ErrNotRegistered
		}
	}
	return nil
}

// Register records the terminal's registration by operator. The terminal ID must be
// the journal's (Session.RegisterTerminal starts a journal for a new ID). A terminal
// that is registered, or being deregistered, cannot be registered again.
func (r *Registration) Register(f RegistrationForm, operator string) (TerminalIdentity, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f = f.Normalized()
	if err := f.Validate(); err != nil {
		return TerminalIdentity{}, err
	}
	j := r.till.Journal()
	if f.TerminalID != j.Terminal() {
		return TerminalIdentity{}, fmt.Errorf("%w: the journal is terminal %s's, the form says %s", ErrTerminalMismatch, j.Terminal(), f.TerminalID)
	}
	if err := r.Refresh(); err != nil {
		return TerminalIdentity{}, err
	}
	switch r.Status() {
	case StatusRegistered:
		return TerminalIdentity{}, ErrAlreadyRegistered
	case StatusDeregistering:
		return TerminalIdentity{}, ErrDeregistering
	}
	if d, ok, err := dereg.Load(j); err != nil {
		return TerminalIdentity{}, err
	} else if ok && d.Step != dereg.Done {
		return TerminalIdentity{}, fmt.Errorf("%w: a deregistration (%s, at %s) must be finished or cancelled first", ErrDeregistering, d.Run, d.Step)
	}
	id := TerminalIdentity{
		Merchant: f.MerchantID, Terminal: f.TerminalID, Acquirer: f.AcquirerHost,
		Registered: r.till.now().UTC(), RegisteredBy: operator, SignOn: SignOnPending, Status: StatusRegistered,
	}
	change, err := id.change()
	if err != nil {
		return id, err
	}
	// A finished deregistration's state is dropped: its record lives on in
	// deregistrations.jsonl and in its backup.
	if _, err := j.AppendWith(KindTerminalRegistered, id, change, dereg.Forget()); err != nil {
		return id, fmt.Errorf("registration %w: %v", ErrNotRecorded, err)
	}
	r.till.log.Info("terminal registered", "terminal", id.Terminal, "merchant", id.Merchant, "acquirer", id.Acquirer, "operator", operator)
	return id, r.Refresh()
}

// RegisterTerminal registers the terminal through r and keeps the config file's
// terminal and merchant IDs in step. When the form's terminal ID is not the journal's,
// the journal is started afresh for the new ID (its state carried over, the old file
// kept beside it as journal-<old ID>-<time>.db) — allowed only while it holds no
// sales, or once the terminal has been deregistered and its journal cleared.
// It changes the Session's and the Till's config and journal: with a till screen
// open, call it on the UI goroutine.
func (s *Session) RegisterTerminal(r *Registration, f RegistrationForm, operator string) (TerminalIdentity, error) {
	f = f.Normalized()
	if err := f.Validate(); err != nil {
		return TerminalIdentity{}, err
	}
	if f.TerminalID != s.Journal.Terminal() {
		if err := s.rekeyJournal(r, f.TerminalID, operator); err != nil {
			return TerminalIdentity{}, err
		}
	}
	id, err := r.Register(f, operator)
	if err != nil {
		return id, err
	}
	cfg := s.Config
	cfg.Terminal.ID, cfg.Terminal.MerchantID = id.Terminal, id.Merchant
	if cfg != s.Config {
		if s.Paths.Config != "" {
			if err := writeConfig(s.Paths.Config, cfg); err != nil {
				return id, fmt.Errorf("registered, but the config file was not updated: %w", err)
			}
		}
		s.Config, s.Till.cfg = cfg, cfg
	}
	return id, nil
}

// rekeyJournal replaces the journal with a fresh one for terminal.
func (s *Session) rekeyJournal(r *Registration, terminal, operator string) error {
	switch r.Status() {
	case StatusRegistered:
		return ErrAlreadyRegistered
	case StatusDeregistering:
		return ErrDeregistering
	case StatusUnregistered:
		if err := journalHasNoSales(s.Journal); err != nil {
			return err
		}
	}
	old := s.Journal.Terminal()
	path := s.Journal.Path()
	built := path + ".new"
	archive := filepath.Join(filepath.Dir(path), fmt.Sprintf("journal-%s-%s.db", old, s.Till.now().UTC().Format("20060102T150405Z")))
	data := map[string]string{"from": old, "to": terminal, "operator": operator, "archived": filepath.Base(archive)}
	keepAll := func(string, string) bool { return true }
	if err := freshJournal(built, s.Journal, terminal, journal.Link{}, s.Till.now, keepAll, KindTerminalRekeyed, data); err != nil {
		return err
	}
	err := s.reopenJournal(terminal, func(path string) error { return installJournal(built, path, archive) }, nil, nil)
	if err != nil {
		return fmt.Errorf("new terminal ID %s: %w", terminal, err)
	}
	s.Log.Info("journal started for a new terminal ID", "from", old, "to", terminal, "archived", archive, "operator", operator)
	return r.Refresh()
}

// journalHasNoSales fails when the journal holds a sale, payment or refund, or a
// held sale.
func journalHasNoSales(j *journal.Journal) error {
	held, err := j.Held()
	if err != nil {
		return err
	}
	found := len(held) > 0
	err = j.Each(journal.Filter{}, func(rec journal.Record) error {
		if strings.HasPrefix(rec.Kind, "sale.") || strings.HasPrefix(rec.Kind, "refund") || rec.Kind == journal.KindPayment {
			found = true
			return journal.ErrStop
		}
		return nil
	})
	if err != nil {
		return err
	}
	if found {
		return fmt.Errorf("%w (terminal %s)", ErrJournalHasSales, j.Terminal())
	}
	return nil
}
