package app

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/sale"
	"tilldesk/core/users"
)

// PrepaidConfig is the store's prepaid card programme ([prepaid] in the config file).
type PrepaidConfig struct {
	Enabled      bool   `toml:"enabled"`
	CardPrefix   string `toml:"card_prefix"`        // issuer prefix of the store's card numbers
	NumberLength int    `toml:"card_number_length"` // digits, check digit included
	// MaxBalanceFen bounds a card's balance after an issue or top-up (fen).
	MaxBalanceFen int64 `toml:"max_balance_fen"`
	// ExpiryMonths is how long a card is valid from its issue or renewal.
	ExpiryMonths int `toml:"expiry_months"`
	// RequirePIN asks for the card PIN for scanned and tapped cards too (a typed card
	// number always needs it); cards are then issued with a PIN.
	RequirePIN     bool `toml:"require_pin"`
	PINMaxFailures int  `toml:"pin_max_failures"`
	PINLockMinutes int  `toml:"pin_lock_minutes"`
}

// DefaultPrepaidConfig is prepaid.DefaultPolicy: 19-digit numbers starting 990001,
// ¥5,000 per card, three years' validity, PIN locked for 30 minutes after 5 wrong.
func DefaultPrepaidConfig() PrepaidConfig {
	p := prepaid.DefaultPolicy
	return PrepaidConfig{Enabled: true, CardPrefix: p.Prefix, NumberLength: p.Length, MaxBalanceFen: int64(p.MaxBalance),
		ExpiryMonths: p.ExpiryMonths, PINMaxFailures: p.PINLockout.MaxFailures, PINLockMinutes: int(p.PINLockout.LockFor / time.Minute)}
}

// Policy is the ledger policy the configuration describes.
func (c PrepaidConfig) Policy() prepaid.Policy {
	return prepaid.Policy{
		Numbering:    prepaid.Numbering{Prefix: c.CardPrefix, Length: c.NumberLength},
		MaxBalance:   money.Amount(c.MaxBalanceFen),
		ExpiryMonths: c.ExpiryMonths,
		PINLockout:   users.Policy{MaxFailures: c.PINMaxFailures, LockFor: time.Duration(c.PINLockMinutes) * time.Minute},
		PINParams:    users.DefaultParams,
	}
}

// Validate checks the section, naming the settings.
func (c PrepaidConfig) Validate() error {
	if err := c.Policy().Validate(); err != nil {
		return fmt.Errorf("prepaid (card_prefix, card_number_length, max_balance_fen, expiry_months, pin_max_failures, pin_lock_minutes): %w", err)
	}
	return nil
}

// Errors of the prepaid use cases (core/prepaid adds the ledger's: prepaid.ErrFrozen,
// prepaid.ErrInsufficient, prepaid.ErrWrongPIN, ...).
var (
	ErrPrepaidOff        = errors.New("prepaid cards are switched off in the configuration")
	ErrPrepaidUnresolved = errors.New("prepaid card payments of an unfinished sale could not be given back: see the log, then restart the till")
	ErrPINNeeded         = errors.New("type the card PIN")
	ErrTopUpWithCard     = errors.New("prepaid cards are sold for other tenders, not paid for with a prepaid card")
	ErrNotPrepaidRef     = errors.New("not a prepaid card payment reference")
)

// PrepaidOptions configure NewPrepaidDesk.
type PrepaidOptions struct {
	Now  func() time.Time // the till's clock when nil
	Rand io.Reader        // crypto/rand when nil
	Log  *slog.Logger     // the till's logger when nil
	// PINParams override the argon2id parameters of new card PINs (tests).
	PINParams *users.Params
}

// PrepaidDesk is the prepaid card use cases at one till: identify a card and show its
// balance, pay from it (Tender), sell cards and top-ups as sale lines, give payments
// back (Reverser, TenderRefunder), manage cards, report. It wires itself into the till
// (a sales gate, the reverser, the completion hook). Safe for concurrent use.
type PrepaidDesk struct {
	till   *Till
	cfg    PrepaidConfig
	ledger *prepaid.Ledger
	rand   io.Reader
	log    *slog.Logger

	mu      sync.Mutex
	problem error // start-up resolution failed: no sales until it succeeds

	display balanceDisplay // the PIN pad, where the customer reads the balance
}

// NewPrepaidDesk builds the desk over the till's journal and registers it with the till.
func NewPrepaidDesk(t *Till, cfg PrepaidConfig, opt PrepaidOptions) (*PrepaidDesk, error) {
	if opt.Now == nil {
		opt.Now = t.now
	}
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	if opt.Log == nil {
		opt.Log = t.log
	}
	pol := cfg.Policy()
	if opt.PINParams != nil {
		pol.PINParams = *opt.PINParams
	}
	l, err := prepaid.New(t.Journal, prepaid.Options{Policy: pol, Terminal: t.cfg.Terminal.ID, Now: opt.Now, Rand: opt.Rand, Log: opt.Log})
	if err != nil {
		return nil, fmt.Errorf("prepaid: %w", err)
	}
	d := &PrepaidDesk{till: t, cfg: cfg, ledger: l, rand: opt.Rand, log: opt.Log.With("use", "prepaid")}
	t.AddSalesGate(d.salesGate)
	t.RegisterReverser(sale.Prepaid, prepaidReverser{d})
	t.AddCompletion(d)
	return d, nil
}

// StartPrepaid is the session's start-up wiring: it builds the desk over the till and
// resolves what a stopped till left (Resolve). A failure is logged and kept: the desk
// is still returned, and its sales gate refuses sales until Resolve succeeds. The
// session calls it once, after the till is built and before any sale:
//
//	s.Prepaid = StartPrepaid(s)
func StartPrepaid(s *Session) *PrepaidDesk {
	d, err := NewPrepaidDesk(s.Till, s.Config.Prepaid, PrepaidOptions{Log: s.Log})
	if err != nil { // the configuration was validated on load: only a broken build gets here
		s.Log.Error("prepaid cards unavailable", "err", err)
		cfg := DefaultPrepaidConfig()
		cfg.Enabled = false
		d, _ = NewPrepaidDesk(s.Till, cfg, PrepaidOptions{Log: s.Log})
	}
	_ = d.Resolve() // logged, and shown through the sales gate
	return d
}

// Ledger is the prepaid ledger (for tools and tests; screens use the desk's methods).
func (d *PrepaidDesk) Ledger() *prepaid.Ledger { return d.ledger }

// Enabled reports whether the store runs a prepaid card programme here.
func (d *PrepaidDesk) Enabled() bool { return d.cfg.Enabled }

// Resolve settles what a stopped till left behind, before any new sale: every pending
// card payment is given back (its sale died with the process: a completed sale would
// have settled it in its own record), orders of sales that are neither open nor held
// are dropped, and cards past their expiry date are marked expired. Until it succeeds
// the sales gate refuses sales. Call it again after fixing the cause, or when the
// deregistration wizard finds pending payments (those of the sale in progress, if any,
// are kept).
func (d *PrepaidDesk) Resolve() error {
	keep := d.openSale() // "" at start-up: every pending payment's sale is gone
	revs, err := d.ledger.ReversePending(func(p prepaid.Pending) bool { return p.Sale != keep }, "sale not completed")
	for _, m := range revs {
		d.log.Warn("prepaid payment of an unfinished sale given back", "movement", m)
	}
	if err == nil {
		err = d.dropAbandonedOrders(keep)
	}
	if err == nil {
		_, err = d.ledger.ExpireDue()
	}
	d.mu.Lock()
	d.problem = err
	d.mu.Unlock()
	if err != nil {
		d.log.Error("prepaid start-up resolution failed: sales refused", "err", err)
		return fmt.Errorf("%w: %w", ErrPrepaidUnresolved, err)
	}
	return nil
}

// salesGate refuses sales while Resolve has not succeeded.
func (d *PrepaidDesk) salesGate() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.problem != nil {
		return ErrPrepaidUnresolved
	}
	return nil
}

// Problem is why sales are refused, or nil.
func (d *PrepaidDesk) Problem() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.problem
}

// journal is the till's current journal.
func (d *PrepaidDesk) journal() *journal.Journal { return d.till.Journal() }

// openSale is the ID of the till's sale in progress, or "".
func (d *PrepaidDesk) openSale() string {
	if s := d.till.current; s != nil && s.State == sale.Open {
		return s.ID
	}
	return ""
}
