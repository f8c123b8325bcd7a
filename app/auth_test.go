package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/users"
)

// Operators of the auth tests. The PINs are 8 digits so that the raw-file scan for
// them cannot hit a timestamp, a sequence number or a hex hash by chance.
const (
	authMgr, authMgrPIN         = "1001", "73915408"
	authCashier, authCashierPIN = "2001", "58203961"
	authOther, authOtherPIN     = "1002", "40617283"
)

// authTestParams hash PINs cheaply; TestAuthDefaultParams covers the production cost.
var authTestParams = users.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// authClock is a settable clock shared by the journal and Auth.
type authClock struct{ t time.Time }

func (c *authClock) now() time.Time          { return c.t }
func (c *authClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newAuthClock() *authClock               { return &authClock{t: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)} }
func authRand(seed byte) *rand.ChaCha8       { return rand.NewChaCha8([32]byte{seed}) }
func quietAuth(j *journal.Journal, c *authClock, p users.Params) *Auth {
	return NewAuth(j, AuthOptions{Now: c.now, Rand: authRand(1), Params: p, Log: quietLog()})
}

type authFixture struct {
	auth  *Auth
	j     *journal.Journal
	path  string
	clock *authClock
}

// newAuthFixture opens a journal in a temporary directory with a first manager and a
// cashier, nobody logged in.
func newAuthFixture(t *testing.T, params users.Params) *authFixture {
	t.Helper()
	f := &authFixture{path: filepath.Join(t.TempDir(), "journal.db"), clock: newAuthClock()}
	f.open(t, params)
	if err := f.auth.CreateFirstManager(authMgr, "王芳", authMgrPIN); err != nil {
		t.Fatal(err)
	}
	m := f.login(t, authMgr, authMgrPIN)
	if err := f.auth.CreateOperator(m, authCashier, "Li Wei", users.Cashier, authCashierPIN); err != nil {
		t.Fatal(err)
	}
	if err := f.auth.Logout(); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *authFixture) open(t *testing.T, params users.Params) {
	t.Helper()
	j, err := journal.Open(f.path, journal.Options{Terminal: "T1", Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	f.j, f.auth = j, quietAuth(j, f.clock, params)
}

func (f *authFixture) login(t *testing.T, id, pin string) OperatorSession {
	t.Helper()
	s, err := f.auth.Login(id, pin)
	if err != nil {
		t.Fatalf("Login(%s): %v", id, err)
	}
	return s
}

// records returns the data of the journal's records of kind, decoded as maps.
func (f *authFixture) records(t *testing.T, kind string) []map[string]any {
	t.Helper()
	var out []map[string]any
	err := f.j.Each(journal.Filter{Kind: kind}, func(r journal.Record) error {
		var m map[string]any
		if err := json.Unmarshal(r.Data, &m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *authFixture) operator(t *testing.T, id string) users.Operator {
	t.Helper()
	op, found, err := f.auth.load(id)
	if err != nil || !found {
		t.Fatalf("operator %s: found %v, %v", id, found, err)
	}
	return op
}

func TestAuthFirstManager(t *testing.T) {
	f := &authFixture{path: filepath.Join(t.TempDir(), "journal.db"), clock: newAuthClock()}
	f.open(t, authTestParams)
	if !f.auth.NeedsFirstManager() {
		t.Fatal("an empty journal needs no first manager")
	}
	for _, tc := range []struct{ id, name, pin string }{{"1", "A", authMgrPIN}, {authMgr, "", authMgrPIN}, {authMgr, "A", "1234"}} {
		if err := f.auth.CreateFirstManager(tc.id, tc.name, tc.pin); err == nil {
			t.Errorf("CreateFirstManager(%q, %q) accepted a bad field", tc.id, tc.name)
		}
	}
	if err := f.auth.CreateFirstManager(authMgr, "王芳", authMgrPIN); err != nil {
		t.Fatal(err)
	}
	if f.auth.NeedsFirstManager() {
		t.Error("still needs a first manager")
	}
	if err := f.auth.CreateFirstManager(authOther, "Zhao", authOtherPIN); !errors.Is(err, ErrExists) {
		t.Errorf("second first manager: %v, want ErrExists", err)
	}
	recs := f.records(t, KindOperatorCreated)
	if len(recs) != 1 || recs[0]["operator"] != authMgr || recs[0]["role"] != "manager" || recs[0]["first"] != true {
		t.Errorf("operator.created records = %v", recs)
	}
	if _, ok := f.auth.Current(); ok {
		t.Error("creating the first manager logged them in")
	}
}

func TestAuthLoginLogout(t *testing.T) {
	f := newAuthFixture(t, authTestParams)
	s := f.login(t, authCashier, authCashierPIN)
	if s.Operator != authCashier || s.Name != "Li Wei" || s.Role != users.Cashier || !s.LoggedIn() || !s.Since.Equal(f.clock.t) {
		t.Errorf("session = %+v", s)
	}
	if cur, ok := f.auth.Current(); !ok || cur != s {
		t.Errorf("Current = %+v, %v", cur, ok)
	}
	if s.Can(users.Refund) || (OperatorSession{Role: users.Manager}).Can(users.Refund) {
		t.Error("a cashier's or a hand-made session holds Refund")
	}
	// A manager logging in replaces the cashier, with a logout record for the cashier.
	f.login(t, authMgr, authMgrPIN)
	if err := f.auth.Logout(); err != nil {
		t.Fatal(err)
	}
	if err := f.auth.Logout(); err != nil { // nobody logged in: nothing to do
		t.Fatal(err)
	}
	if _, ok := f.auth.Current(); ok {
		t.Error("still logged in after Logout")
	}
	logins, logouts := f.records(t, KindLogin), f.records(t, KindLogout)
	if len(logins) != 3 || len(logouts) != 3 || logouts[1]["operator"] != authCashier || logouts[1]["switched"] != true {
		t.Errorf("logins %v, logouts %v", logins, logouts)
	}
	if _, err := f.auth.Login("9999", authCashierPIN); !errors.Is(err, ErrUnknownOperator) {
		t.Errorf("unknown ID: %v", err)
	}
	failed := f.records(t, KindLoginFailed)
	if len(failed) != 1 || failed[0]["refusal"] != "unknown_operator" || failed[0]["operator"] != nil {
		t.Errorf("an unknown ID's failure record = %v (the typed ID must not be journaled)", failed)
	}
}

// Five wrong PINs lock the operator for 15 minutes, even against the right PIN; the
// failure count survives a restart; after the lock the right PIN works.
func TestAuthLockout(t *testing.T) {
	f := newAuthFixture(t, authTestParams)
	for i := 1; i <= 3; i++ {
		if _, err := f.auth.Login(authCashier, "11112222"); !errors.Is(err, ErrBadPIN) {
			t.Fatalf("wrong PIN %d: %v, want ErrBadPIN", i, err)
		}
		f.clock.advance(10 * time.Second)
	}
	if got := f.operator(t, authCashier).Failures; got != 3 {
		t.Fatalf("failures stored = %d, want 3", got)
	}
	f.j.Close() // a restart does not forgive failures
	f.open(t, authTestParams)
	if _, err := f.auth.Login(authCashier, "11112222"); !errors.Is(err, ErrBadPIN) {
		t.Fatalf("wrong PIN 4: %v", err)
	}
	lockedAt := f.clock.t
	_, err := f.auth.Login(authCashier, "11112222")
	var locked *LockedError
	if !errors.As(err, &locked) || !errors.Is(err, ErrLocked) || !locked.Until.Equal(lockedAt.Add(15*time.Minute)) {
		t.Fatalf("wrong PIN 5: %v, want locked until %v", err, lockedAt.Add(15*time.Minute))
	}
	f.clock.advance(15*time.Minute - time.Second)
	if _, err := f.auth.Login(authCashier, authCashierPIN); !errors.Is(err, ErrLocked) {
		t.Fatalf("right PIN during the lock: %v, want ErrLocked", err)
	}
	f.clock.advance(time.Second)
	s := f.login(t, authCashier, authCashierPIN)
	if s.Operator != authCashier || f.operator(t, authCashier).Failures != 0 {
		t.Errorf("after the lock: %+v, failures %d", s, f.operator(t, authCashier).Failures)
	}
	failed := f.records(t, KindLoginFailed)
	if len(failed) != 6 || failed[4]["refusal"] != "bad_pin" || failed[5]["refusal"] != "locked" {
		t.Errorf("failed-login records = %v", failed)
	}
	lockouts := f.records(t, KindLockout)
	if len(lockouts) != 1 || lockouts[0]["operator"] != authCashier || lockouts[0]["via"] != "login" ||
		lockouts[0]["locked_until"] != lockedAt.Add(15*time.Minute).Format(time.RFC3339) {
		t.Errorf("lockout records = %v", lockouts)
	}
	if _, err := f.j.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestAuthOverride(t *testing.T) {
	f := newAuthFixture(t, authTestParams)
	reason := users.Reason{Code: users.WrongItem, Note: "scanned twice"}
	if _, err := f.auth.Override(users.Refund, authMgr, authMgrPIN, reason); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("override with nobody logged in: %v", err)
	}
	f.login(t, authCashier, authCashierPIN)
	before := len(f.records(t, KindOverride))
	for _, tc := range []struct {
		name       string
		perm       users.Permission
		reason     users.Reason
		want       error
		wantRecord bool
	}{
		{"unknown permission", "teleport", reason, users.ErrBadPermission, false},
		{"no reason", users.Refund, users.Reason{}, users.ErrBadReason, false},
		{"other without a note", users.Refund, users.Reason{Code: users.Other}, users.ErrNoNote, false},
	} {
		if _, err := f.auth.Override(tc.perm, authMgr, authMgrPIN, tc.reason); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if n := len(f.records(t, KindOverride)); n != before {
		t.Errorf("input errors wrote %d override records", n-before)
	}

	if _, err := f.auth.Override(users.Refund, authCashier, authCashierPIN, reason); !errors.Is(err, ErrNoPermission) {
		t.Errorf("a cashier's own PIN: %v, want ErrNoPermission", err)
	}
	if _, err := f.auth.Override(users.Refund, authMgr, "99990000", reason); !errors.Is(err, ErrBadPIN) {
		t.Errorf("a wrong manager PIN: %v, want ErrBadPIN", err)
	}
	if _, err := f.auth.Override(users.Refund, "8888", authMgrPIN, reason); !errors.Is(err, ErrUnknownOperator) {
		t.Errorf("an unknown manager: %v, want ErrUnknownOperator", err)
	}
	a, err := f.auth.Override(users.Refund, authMgr, authMgrPIN, reason)
	if err != nil {
		t.Fatal(err)
	}
	if a.Manager != authMgr || a.ManagerName != "王芳" || a.Cashier != authCashier || a.Permission != users.Refund || a.Reason != reason || a.Seq == 0 {
		t.Errorf("approval = %+v", a)
	}
	if f.operator(t, authMgr).Failures != 0 {
		t.Error("the manager's right PIN did not clear the earlier failure")
	}
	recs := f.records(t, KindOverride)
	want := []map[string]any{
		{"perm": "refund", "manager": authCashier, "cashier": authCashier, "reason": "wrong_item", "note": "scanned twice", "approved": false, "refusal": "not_allowed"},
		{"perm": "refund", "manager": authMgr, "cashier": authCashier, "reason": "wrong_item", "note": "scanned twice", "approved": false, "refusal": "bad_pin"},
		{"perm": "refund", "cashier": authCashier, "reason": "wrong_item", "note": "scanned twice", "approved": false, "refusal": "unknown_operator"},
		{"perm": "refund", "manager": authMgr, "cashier": authCashier, "reason": "wrong_item", "note": "scanned twice", "approved": true},
	}
	if got, _ := json.Marshal(recs); string(got) != authJSON(t, want) {
		t.Errorf("override records:\n%s\nwant\n%s", got, authJSON(t, want))
	}
	if cur, _ := f.auth.Current(); cur.Operator != authCashier {
		t.Errorf("an override changed the logged-in operator to %s", cur.Operator)
	}
	if _, err := f.j.Verify(); err != nil {
		t.Fatal(err)
	}
}

func authJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Wrong PINs at the override dialog count toward the approver's lockout, so the
// dialog is no way round it.
func TestAuthOverrideLockout(t *testing.T) {
	f := newAuthFixture(t, authTestParams)
	f.login(t, authCashier, authCashierPIN)
	reason := users.Reason{Code: users.Damaged}
	var err error
	for range 5 {
		_, err = f.auth.Override(users.VoidAfterPayment, authMgr, "99990000", reason)
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("fifth wrong manager PIN: %v, want ErrLocked", err)
	}
	if _, err := f.auth.Override(users.VoidAfterPayment, authMgr, authMgrPIN, reason); !errors.Is(err, ErrLocked) {
		t.Errorf("right PIN while locked: %v", err)
	}
	if _, err := f.auth.Login(authMgr, authMgrPIN); !errors.Is(err, ErrLocked) {
		t.Errorf("a manager locked at the override dialog can log in: %v", err)
	}
	lockouts := f.records(t, KindLockout)
	if len(lockouts) != 1 || lockouts[0]["via"] != "override" {
		t.Errorf("lockout records = %v", lockouts)
	}
}

func TestAuthManageOperators(t *testing.T) {
	f := newAuthFixture(t, authTestParams)
	cashier := f.login(t, authCashier, authCashierPIN)
	if err := f.auth.CreateOperator(cashier, authOther, "Zhao", users.Manager, authOtherPIN); !errors.Is(err, ErrNoPermission) {
		t.Errorf("a cashier creating an operator: %v", err)
	}
	if err := f.auth.CreateOperator(OperatorSession{Operator: authMgr, Role: users.Manager}, authOther, "Zhao", users.Manager, authOtherPIN); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("a hand-made manager session: %v", err)
	}
	m := f.login(t, authMgr, authMgrPIN)
	if err := f.auth.CreateOperator(m, authCashier, "Again", users.Cashier, authOtherPIN); !errors.Is(err, ErrExists) {
		t.Errorf("a duplicate ID: %v", err)
	}
	if err := f.auth.CreateOperator(m, authOther, "Zhao", "owner", authOtherPIN); !errors.Is(err, users.ErrBadRole) {
		t.Errorf("a bad role: %v", err)
	}
	if err := f.auth.CreateOperator(m, authOther, "Zhao", users.Cashier, authOther); !errors.Is(err, users.ErrWeakPIN) {
		t.Errorf("the ID as PIN: %v", err)
	}
	if err := f.auth.CreateOperator(m, "3001", "Tech", users.Technician, "24681357"); err != nil {
		t.Fatal(err)
	}
	if err := f.auth.DisableOperator(m, authMgr); !errors.Is(err, ErrSelf) {
		t.Errorf("disabling oneself: %v", err)
	}
	if err := f.auth.DisableOperator(m, "5555"); !errors.Is(err, ErrUnknownOperator) {
		t.Errorf("disabling nobody: %v", err)
	}
	if err := f.auth.DisableOperator(m, authCashier); err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.Login(authCashier, authCashierPIN); !errors.Is(err, ErrDisabled) {
		t.Errorf("a disabled cashier logs in: %v", err)
	}
	if err := f.auth.EnableOperator(m, authCashier); err != nil {
		t.Fatal(err)
	}
	tech := f.login(t, "3001", "24681357")
	if err := f.auth.DisableOperator(tech, authCashier); !errors.Is(err, ErrNoPermission) {
		t.Errorf("a technician disabling a cashier: %v", err)
	}
	if err := f.auth.ResetPIN(m, authCashier, "86420975"); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("the manager's session still works after the technician logged in: %v", err)
	}
	ops, err := f.auth.Operators()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, op := range ops {
		ids = append(ids, op.ID)
		if op.PINHash != "" {
			t.Errorf("Operators() shows %s's PIN hash", op.ID)
		}
	}
	if strings.Join(ids, ",") != "1001,2001,3001" {
		t.Errorf("operators = %v", ids)
	}
	for kind, n := range map[string]int{KindOperatorCreated: 3, KindOperatorDisabled: 1, KindOperatorEnabled: 1} {
		if got := len(f.records(t, kind)); got != n {
			t.Errorf("%d %s records, want %d", got, kind, n)
		}
	}
}

// A manager's PIN reset gives a locked operator a new PIN and lifts the lock.
func TestAuthResetPINUnlocks(t *testing.T) {
	f := newAuthFixture(t, authTestParams)
	for range 5 {
		f.auth.Login(authCashier, "11112222")
	}
	if !f.operator(t, authCashier).Locked(f.clock.t) {
		t.Fatal("cashier not locked")
	}
	m := f.login(t, authMgr, authMgrPIN)
	if err := f.auth.ResetPIN(m, authCashier, "1111"); !errors.Is(err, users.ErrWeakPIN) {
		t.Errorf("a weak new PIN: %v", err)
	}
	if err := f.auth.ResetPIN(m, "7777", "86420975"); !errors.Is(err, ErrUnknownOperator) {
		t.Errorf("resetting nobody's PIN: %v", err)
	}
	if err := f.auth.ResetPIN(m, authCashier, "86420975"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.Login(authCashier, authCashierPIN); !errors.Is(err, ErrBadPIN) {
		t.Errorf("the old PIN: %v", err)
	}
	f.login(t, authCashier, "86420975")
	recs := f.records(t, KindPINReset)
	if len(recs) != 1 || recs[0]["operator"] != authCashier || recs[0]["by"] != authMgr {
		t.Errorf("pin_reset records = %v", recs)
	}
}

// A hash made with older parameters is replaced at the next login.
func TestAuthRehashOnLogin(t *testing.T) {
	f := newAuthFixture(t, authTestParams)
	stronger := authTestParams
	stronger.Time = 2
	f.auth = quietAuth(f.j, f.clock, stronger)
	f.login(t, authCashier, authCashierPIN)
	if h := f.operator(t, authCashier).PINHash; users.NeedsRehash(h, stronger) {
		t.Errorf("hash not upgraded: %s", h)
	}
	f.login(t, authCashier, authCashierPIN)
}

// With the production hash cost, no PIN ever reaches the journal file and no PIN
// hash reaches a journal record (the hash lives in the operators state bucket of the
// same file, so the raw bytes hold it there and only there: records are checked).
func TestAuthDefaultParamsNeverJournalPINs(t *testing.T) {
	f := newAuthFixture(t, users.Params{})
	if h := f.operator(t, authMgr).PINHash; !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Fatalf("hash %s does not use the default parameters", h)
	}
	f.auth.Login(authCashier, "11112222")
	f.login(t, authCashier, authCashierPIN)
	f.auth.Override(users.NoSaleDrawer, authMgr, authMgrPIN, users.Reason{Code: users.Other, Note: "change for the float"})
	f.auth.Override(users.NoSaleDrawer, authMgr, "22223333", users.Reason{Code: users.Other, Note: "again"})
	m := f.login(t, authMgr, authMgrPIN)
	if err := f.auth.ResetPIN(m, authCashier, authOtherPIN); err != nil {
		t.Fatal(err)
	}
	f.auth.Logout()
	secrets := []string{authMgrPIN, authCashierPIN, authOtherPIN, "11112222", "22223333"}
	var hashes []string
	for _, id := range []string{authMgr, authCashier} {
		hashes = append(hashes, f.operator(t, id).PINHash)
	}
	if err := f.j.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, pin := range secrets {
		if bytes.Contains(raw, []byte(pin)) {
			t.Errorf("the journal file contains PIN %s", pin)
		}
	}
	f.open(t, users.Params{})
	n := 0
	err = f.j.Each(journal.Filter{}, func(r journal.Record) error {
		n++
		enc, _ := json.Marshal(r)
		for _, s := range append(hashes, "argon2", "pin_hash") {
			if strings.Contains(string(enc), s) {
				t.Errorf("record %d (%s) contains %q", r.Seq, r.Kind, s)
			}
		}
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("%d records, %v", n, err)
	}
	if _, err := f.j.Verify(); err != nil {
		t.Fatal(err)
	}
}

// When the journal cannot record an attempt, nobody gets in.
func TestAuthFailsClosedWithoutJournal(t *testing.T) {
	f := newAuthFixture(t, authTestParams)
	f.j.Close()
	if s, err := f.auth.Login(authMgr, authMgrPIN); err == nil || s.LoggedIn() {
		t.Errorf("login with a closed journal: %+v, %v", s, err)
	}
	if f.auth.NeedsFirstManager() {
		t.Error("an unreadable journal asks for a first manager")
	}
}
