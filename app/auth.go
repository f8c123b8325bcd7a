package app

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/users"
)

// Errors of the Auth use case. Screens tell them apart with errors.Is.
var (
	ErrBadPIN          = errors.New("wrong PIN")
	ErrLocked          = errors.New("operator is locked after too many wrong PINs")
	ErrNoPermission    = errors.New("operator may not do this")
	ErrUnknownOperator = errors.New("no such operator")
	ErrExists          = errors.New("operator already exists")
	ErrDisabled        = errors.New("operator is disabled")
	ErrNotLoggedIn     = errors.New("no operator is logged in")
	ErrSelf            = errors.New("operators cannot disable themselves")
)

// LockedError says until when an operator is locked; it matches ErrLocked.
type LockedError struct {
	Operator string
	Until    time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("operator %s: locked after too many wrong PINs until %s", e.Operator, e.Until.Format(time.RFC3339))
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// Journal record kinds written by Auth. No record ever holds a PIN or a PIN hash.
const (
	KindLogin            = "auth.login"
	KindLogout           = "auth.logout"
	KindLoginFailed      = "auth.failed"
	KindLockout          = "auth.lockout"
	KindOperatorCreated  = "operator.created"
	KindOperatorDisabled = "operator.disabled"
	KindOperatorEnabled  = "operator.enabled"
	KindPINReset         = "operator.pin_reset"
	KindOverride         = "override"
)

// Why an attempt was refused, as journaled.
const (
	refusedUnknown  = "unknown_operator"
	refusedDisabled = "disabled"
	refusedLocked   = "locked"
	refusedBadPIN   = "bad_pin"
	refusedNotAllow = "not_allowed"
)

// operatorsBucket is the journal state bucket holding one JSON users.Operator per ID.
const operatorsBucket = "operators"

// OperatorSession is a logged-in operator. Only Auth issues sessions: a zero or
// hand-made value is not logged in and holds no permission.
type OperatorSession struct {
	Operator string     // operator ID
	Name     string     // as when logged in
	Role     users.Role // as when logged in
	Since    time.Time
	issued   bool
}

// LoggedIn reports whether Auth issued the session.
func (s OperatorSession) LoggedIn() bool { return s.issued }

// Can reports whether the session's role holds p. Auth re-checks the stored operator
// for its own admin actions; screens use Can to decide whether to ask for an override.
func (s OperatorSession) Can(p users.Permission) bool { return s.issued && s.Role.Can(p) }

// Approval is a manager's approval of one cashier action, journaled as an "override"
// record with sequence number Seq. Keep Seq with the action's own record.
type Approval struct {
	Permission  users.Permission
	Manager     string // approving operator's ID
	ManagerName string
	Cashier     string // operator logged in when it was approved
	Reason      users.Reason
	Seq         uint64
	Time        time.Time
}

// AuthOptions configure NewAuth; zero fields take the production defaults.
type AuthOptions struct {
	Now    func() time.Time // time.Now
	Rand   io.Reader        // crypto/rand.Reader: salts
	Params users.Params     // users.DefaultParams: new PIN hashes
	Policy users.Policy     // users.DefaultPolicy: lockout
	Log    *slog.Logger     // slog.Default()
}

// Auth is the operators use case: first-run setup, login with lockout, logout,
// managers' overrides for cashiers, and operator management. Operators live in the
// journal's "operators" state bucket; every change to them and every login, logout,
// failed attempt, lockout and override is a journal record committed in the same
// transaction as the state it changes. PINs are never logged or journaled. Auth is
// safe for concurrent use.
type Auth struct {
	j      func() *journal.Journal // the journal in force (it is replaced by re-registration and deregistration)
	now    func() time.Time
	rand   io.Reader
	params users.Params
	policy users.Policy
	log    *slog.Logger

	mu      sync.Mutex
	current OperatorSession // zero when nobody is logged in
}

// NewAuth returns the Auth use case over a fixed journal.
func NewAuth(j *journal.Journal, opt AuthOptions) *Auth {
	return newAuth(func() *journal.Journal { return j }, opt)
}

// NewTillAuth returns the Auth use case over the till's journal, whichever file that
// is when it is used.
func NewTillAuth(t *Till, opt AuthOptions) *Auth { return newAuth(t.Journal, opt) }

func newAuth(j func() *journal.Journal, opt AuthOptions) *Auth {
	a := &Auth{j: j, now: opt.Now, rand: opt.Rand, params: opt.Params, policy: opt.Policy, log: opt.Log}
	if a.now == nil {
		a.now = time.Now
	}
	if a.rand == nil {
		a.rand = rand.Reader
	}
	if a.params == (users.Params{}) {
		a.params = users.DefaultParams
	}
	if a.policy.Validate() != nil {
		a.policy = users.DefaultPolicy
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.log = a.log.With("use_case", "auth")
	return a
}

// authRecord is the data of login, logout, failed-login and lockout records.
type authRecord struct {
	Operator    string     `json:"operator,omitempty"` // not journaled for an unknown ID: it may be a mistyped PIN
	Role        users.Role `json:"role,omitempty"`
	Refusal     string     `json:"refusal,omitempty"`
	Failures    int        `json:"failures,omitempty"`
	LockedUntil time.Time  `json:"locked_until,omitzero"`
	Via         string     `json:"via,omitempty"` // lockout: "login" or "override"
	Switched    bool       `json:"switched,omitempty"`
}

// overrideRecord is the data of an override record, approved or refused.
type overrideRecord struct {
	Permission users.Permission `json:"perm"`
	Manager    string           `json:"manager,omitempty"` // as authRecord.Operator
	Cashier    string           `json:"cashier"`
	users.Reason
	Approved bool   `json:"approved"`
	Refusal  string `json:"refusal,omitempty"`
}

// Current returns the logged-in operator, if any.
func (a *Auth) Current() (OperatorSession, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current, a.current.issued
}

// Login checks id and pin and makes that operator the logged-in one (logging out
// whoever was). A locked operator gets a *LockedError without the PIN being tried;
// the wrong PIN that reaches the policy's limit locks the operator and also returns
// a *LockedError. Every attempt is journaled.
func (a *Auth) Login(id, pin string) (OperatorSession, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	refused := func(opID, refusal string, failures int) any {
		return authRecord{Operator: opID, Refusal: refusal, Failures: failures}
	}
	op, err := a.usable(id, KindLoginFailed, refused)
	if err != nil {
		return OperatorSession{}, err
	}
	next, err := a.tryPIN(op, pin, "login", KindLoginFailed, refused)
	if err != nil {
		return OperatorSession{}, err
	}
	if a.current.issued {
		if err := a.logout(true); err != nil {
			return OperatorSession{}, err
		}
	}
	rec, err := a.record(KindLogin, authRecord{Operator: op.ID, Role: op.Role}, next)
	if err != nil {
		return OperatorSession{}, err
	}
	a.current = OperatorSession{Operator: op.ID, Name: op.Name, Role: op.Role, Since: rec.Time, issued: true}
	a.log.Info("operator logged in", "operator", op.ID, "role", op.Role, "seq", rec.Seq)
	return a.current, nil
}

// Logout ends the current session; with nobody logged in it does nothing.
func (a *Auth) Logout() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.current.issued {
		return nil
	}
	return a.logout(false)
}

func (a *Auth) logout(switched bool) error {
	s := a.current
	if _, err := a.record(KindLogout, authRecord{Operator: s.Operator, Role: s.Role, Switched: switched}); err != nil {
		return err
	}
	a.current = OperatorSession{}
	a.log.Info("operator logged out", "operator", s.Operator, "switched", switched)
	return nil
}

// Override asks manager managerID, with their PIN, to approve perm for the logged-in
// operator, for reason. It returns the approval, or why not: ErrUnknownOperator,
// ErrDisabled, ErrBadPIN, a *LockedError, or ErrNoPermission when the approver's role
// does not hold perm (a cashier typing their own PIN). Wrong PINs count toward the
// approver's lockout as at login. Approvals and refusals are journaled alike; a
// reason that fails users.Reason.Clean is refused before anything is tried.
func (a *Auth) Override(perm users.Permission, managerID, pin string, reason users.Reason) (Approval, error) {
	if !perm.Valid() {
		return Approval{}, fmt.Errorf("override: %w: %q", users.ErrBadPermission, perm)
	}
	reason, err := reason.Clean()
	if err != nil {
		return Approval{}, fmt.Errorf("override %s: %w", perm, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.current.issued {
		return Approval{}, fmt.Errorf("override %s: %w", perm, ErrNotLoggedIn)
	}
	refused := func(opID, refusal string, _ int) any {
		return overrideRecord{Permission: perm, Manager: opID, Cashier: a.current.Operator, Reason: reason, Refusal: refusal}
	}
	op, err := a.usable(managerID, KindOverride, refused)
	if err != nil {
		return Approval{}, fmt.Errorf("override %s: %w", perm, err)
	}
	next, err := a.tryPIN(op, pin, "override", KindOverride, refused)
	if err != nil {
		return Approval{}, fmt.Errorf("override %s: %w", perm, err)
	}
	data := overrideRecord{Permission: perm, Manager: op.ID, Cashier: a.current.Operator, Reason: reason, Approved: op.Can(perm)}
	if !data.Approved {
		data.Refusal = refusedNotAllow
	}
	rec, err := a.record(KindOverride, data, next)
	if err != nil {
		return Approval{}, err
	}
	if !data.Approved {
		a.log.Warn("override refused", "perm", perm, "approver", op.ID, "role", op.Role, "cashier", data.Cashier, "seq", rec.Seq)
		return Approval{}, fmt.Errorf("override %s: operator %s (%s): %w", perm, op.ID, op.Role, ErrNoPermission)
	}
	a.log.Info("override approved", "perm", perm, "manager", op.ID, "cashier", data.Cashier, "reason", reason.Code, "seq", rec.Seq)
	return Approval{Permission: perm, Manager: op.ID, ManagerName: op.Name, Cashier: data.Cashier,
		Reason: reason, Seq: rec.Seq, Time: rec.Time}, nil
}

// authRefusal makes the data of a refused attempt's record: opID is "" for an unknown ID
// (what was typed may be a PIN in the wrong field, so it is not journaled).
type authRefusal func(opID, reason string, failures int) any

// usable loads operator id for a PIN attempt. An unknown or disabled operator is
// journaled as kind with the data refused makes, and refused with its error.
func (a *Auth) usable(id, kind string, refused authRefusal) (users.Operator, error) {
	op, found, err := a.load(id)
	if err != nil {
		return op, err
	}
	if found && !op.Disabled {
		return op, nil
	}
	reason, refuse := refusedUnknown, ErrUnknownOperator
	if found {
		reason, refuse = refusedDisabled, fmt.Errorf("operator %s: %w", id, ErrDisabled)
	}
	if _, err := a.record(kind, refused(op.ID, reason, 0)); err != nil {
		return op, err
	}
	a.log.Warn("PIN attempt refused", "kind", kind, "refusal", reason, "operator", op.ID)
	return op, refuse
}

// tryPIN applies a PIN attempt (via "login" or "override") to op under the lockout
// policy and returns the operator to store with the caller's success record: failures
// cleared and, if the hash parameters changed since, the PIN rehashed. A locked
// operator's PIN is not even tried. A refused attempt is journaled as kind with the
// data refused makes and the operator's new failure count or lock in the same
// transaction, then, if it locked the operator, a lockout record; its error (ErrBadPIN
// or a *LockedError) is returned.
func (a *Auth) tryPIN(op users.Operator, pin, via, kind string, refused authRefusal) (users.Operator, error) {
	now := a.now()
	if op.Locked(now) {
		if _, err := a.record(kind, refused(op.ID, refusedLocked, 0)); err != nil {
			return op, err
		}
		a.log.Warn("PIN attempt while locked", "via", via, "operator", op.ID, "until", op.LockedUntil)
		return op, &LockedError{Operator: op.ID, Until: op.LockedUntil}
	}
	ok, err := users.VerifyPIN(op.PINHash, pin)
	if err != nil { // a damaged record: a manager must reset the PIN
		a.log.Error("stored PIN hash unusable", "operator", op.ID, "err", err)
		return op, fmt.Errorf("operator %s: stored PIN hash: %w", op.ID, err)
	}
	next, outcome := a.policy.Attempt(op, ok, now)
	if outcome == users.Granted {
		if users.NeedsRehash(op.PINHash, a.params) {
			if hash, err := a.params.Hash(pin, a.rand); err != nil {
				a.log.Warn("PIN rehash failed; keeping the old hash", "operator", op.ID, "err", err)
			} else {
				next.PINHash = hash
			}
		}
		return next, nil
	}
	if _, err := a.record(kind, refused(op.ID, refusedBadPIN, next.Failures), next); err != nil {
		return op, err
	}
	if outcome != users.LockedNow {
		a.log.Warn("wrong PIN", "via", via, "operator", op.ID, "failures", next.Failures)
		return next, fmt.Errorf("operator %s: %w", op.ID, ErrBadPIN)
	}
	lock := authRecord{Operator: op.ID, Role: op.Role, Failures: a.policy.MaxFailures, LockedUntil: next.LockedUntil, Via: via}
	if _, err := a.record(KindLockout, lock, next); err != nil {
		return op, err
	}
	a.log.Warn("operator locked out", "via", via, "operator", op.ID, "until", next.LockedUntil)
	return next, &LockedError{Operator: op.ID, Until: next.LockedUntil}
}

// load reads operator id from the state bucket.
func (a *Auth) load(id string) (users.Operator, bool, error) {
	var op users.Operator
	raw, err := a.j().GetState(operatorsBucket, id)
	if err != nil {
		return op, false, fmt.Errorf("operators: read %s: %w", id, err)
	}
	if raw == nil {
		return op, false, nil
	}
	if err := json.Unmarshal(raw, &op); err != nil {
		return op, false, fmt.Errorf("operators: %s unreadable: %w", id, err)
	}
	return op, true, nil
}

// record appends a journal record of kind with data, storing ops in the operators
// bucket in the same transaction. A failure is logged and wrapped in ErrNotRecorded.
func (a *Auth) record(kind string, data any, ops ...users.Operator) (journal.Record, error) {
	changes := make([]journal.StateChange, 0, len(ops))
	for _, op := range ops {
		raw, err := json.Marshal(op)
		if err != nil {
			return journal.Record{}, fmt.Errorf("operators: encode %s: %w", op.ID, err)
		}
		changes = append(changes, journal.StateChange{Bucket: operatorsBucket, Key: op.ID, Value: raw})
	}
	rec, err := a.j().AppendWith(kind, data, changes...)
	if err != nil {
		a.log.Error("journal append failed", "kind", kind, "err", err)
		return rec, fmt.Errorf("%s %w: %v", kind, ErrNotRecorded, err)
	}
	return rec, nil
}
