package app

import (
	"encoding/json"
	"errors"
	"fmt"

	"tilldesk/core/users"
)

// operatorRecord is the data of the operator.* records.
type operatorRecord struct {
	Operator string     `json:"operator"`
	Name     string     `json:"name,omitempty"`
	Role     users.Role `json:"role,omitempty"`
	By       string     `json:"by,omitempty"` // the manager who made the change; "" for the first manager
	First    bool       `json:"first,omitempty"`
}

// NeedsFirstManager reports whether no operator exists yet, so the login screen must
// create the first manager. A journal that cannot be read says false (and is logged):
// the login that follows reports the error.
func (a *Auth) NeedsFirstManager() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	exists, err := a.anyOperator()
	if err != nil {
		a.log.Error("operators unreadable", "err", err)
		return false
	}
	return !exists
}

var errStopOperators = errors.New("stop")

func (a *Auth) anyOperator() (bool, error) {
	found := false
	err := a.j().EachState(operatorsBucket, func(string, []byte) error { found = true; return errStopOperators })
	if err != nil && !errors.Is(err, errStopOperators) {
		return false, fmt.Errorf("operators: %w", err)
	}
	return found, nil
}

// CreateFirstManager creates the first operator, a manager, on a till that has none;
// once any operator exists it returns ErrExists. It does not log the manager in.
func (a *Auth) CreateFirstManager(id, name, pin string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	exists, err := a.anyOperator()
	if err != nil {
		return err
	}
	if exists {
		return fmt.Errorf("first manager: operators already exist: %w", ErrExists)
	}
	return a.create("", id, name, users.Manager, pin)
}

// CreateOperator adds an operator of any role; by must hold ManageOperators.
func (a *Auth) CreateOperator(by OperatorSession, id, name string, role users.Role, pin string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.authorize(by, users.ManageOperators); err != nil {
		return err
	}
	if _, found, err := a.load(id); err != nil {
		return err
	} else if found {
		return fmt.Errorf("operator %s: %w", id, ErrExists)
	}
	return a.create(by.Operator, id, name, role, pin)
}

func (a *Auth) create(by, id, name string, role users.Role, pin string) error {
	op, err := users.New(id, name, role, pin, a.params, a.rand, a.now())
	if err != nil {
		return fmt.Errorf("new operator: %w", err)
	}
	rec, err := a.record(KindOperatorCreated, operatorRecord{Operator: op.ID, Name: op.Name, Role: op.Role, By: by, First: by == ""}, op)
	if err != nil {
		return err
	}
	a.log.Info("operator created", "operator", op.ID, "role", op.Role, "by", by, "seq", rec.Seq)
	return nil
}

// DisableOperator stops operator id from logging in or approving; by must hold
// ManageOperators. Nobody may disable themselves, so the manager disabling someone
// stays active (there is always an active manager) and the operator disabled is never
// the one logged in.
func (a *Auth) DisableOperator(by OperatorSession, id string) error {
	return a.change(by, id, KindOperatorDisabled, func(op users.Operator) (users.Operator, error) {
		if op.ID == by.Operator {
			return op, ErrSelf
		}
		op.Disabled = true
		return op, nil
	})
}

// EnableOperator lets a disabled operator log in again; by must hold ManageOperators.
func (a *Auth) EnableOperator(by OperatorSession, id string) error {
	return a.change(by, id, KindOperatorEnabled, func(op users.Operator) (users.Operator, error) {
		op.Disabled = false
		return op, nil
	})
}

// ResetPIN gives operator id a new PIN and lifts any lockout; by must hold
// ManageOperators.
func (a *Auth) ResetPIN(by OperatorSession, id, pin string) error {
	return a.change(by, id, KindPINReset, func(op users.Operator) (users.Operator, error) {
		if err := users.CheckPIN(op.ID, pin); err != nil {
			return op, err
		}
		hash, err := a.params.Hash(pin, a.rand)
		if err != nil {
			return op, err
		}
		op = op.Unlock()
		op.PINHash = hash
		return op, nil
	})
}

// change applies edit to operator id on behalf of by (who must hold ManageOperators)
// and journals it as kind.
func (a *Auth) change(by OperatorSession, id, kind string, edit func(users.Operator) (users.Operator, error)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.authorize(by, users.ManageOperators); err != nil {
		return err
	}
	op, found, err := a.load(id)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%s: operator %s: %w", kind, id, ErrUnknownOperator)
	}
	op, err = edit(op)
	if err != nil {
		return fmt.Errorf("%s: operator %s: %w", kind, id, err)
	}
	rec, err := a.record(kind, operatorRecord{Operator: op.ID, Role: op.Role, By: by.Operator}, op)
	if err != nil {
		return err
	}
	a.log.Info("operator changed", "kind", kind, "operator", op.ID, "by", by.Operator, "seq", rec.Seq)
	return nil
}

// authorize checks that by is the session of the logged-in operator (a session kept
// after its logout, or after someone else logged in, no longer counts) and that its
// operator, as stored now rather than as when it logged in, is enabled and holds p.
func (a *Auth) authorize(by OperatorSession, p users.Permission) (users.Operator, error) {
	if !by.issued || by != a.current {
		return users.Operator{}, fmt.Errorf("%s: %w", p, ErrNotLoggedIn)
	}
	op, found, err := a.load(by.Operator)
	if err != nil {
		return op, err
	}
	if !found || !op.Can(p) {
		return op, fmt.Errorf("%s: operator %s: %w", p, by.Operator, ErrNoPermission)
	}
	return op, nil
}

// each calls fn with every stored operator, in ID order.
func (a *Auth) each(fn func(users.Operator)) error {
	return a.j().EachState(operatorsBucket, func(id string, raw []byte) error {
		var op users.Operator
		if err := json.Unmarshal(raw, &op); err != nil {
			return fmt.Errorf("operators: %s unreadable: %w", id, err)
		}
		fn(op)
		return nil
	})
}

// Operators lists the operators in ID order, without their PIN hashes.
func (a *Auth) Operators() ([]users.Operator, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []users.Operator
	err := a.each(func(op users.Operator) { out = append(out, op.Redacted()) })
	return out, err
}
