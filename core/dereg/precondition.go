package dereg

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// Precondition is one thing that must be true before a terminal may be deregistered.
// Each feature registers its own: no open sale, shift closed, card batch settled, no
// pending reversals or advices, no open wallet payment intents.
type Precondition interface {
	// Name is a stable ID ("no_open_sale"); the screens show it translated as
	// "dereg.pre.<name>" when there is such a message, else as is.
	Name() string
	// Check returns nil when the condition holds, else why not.
	Check() error
	// Action tells the operator what to do when Check fails ("settle the batch now").
	// The screens translate it, so it may be a message key.
	Action() string
}

// Result is the outcome of one precondition.
type Result struct {
	Name   string `json:"name"`
	Action string `json:"action,omitempty"`
	Err    error  `json:"-"`
}

// OK reports whether the precondition holds.
func (r Result) OK() bool { return r.Err == nil }

// MarshalJSON includes the failure's text, for the audit record.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	v := struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain: plain(r)}
	if r.Err != nil {
		v.Error = r.Err.Error()
	}
	return json.Marshal(v)
}

// Failing returns the results that did not pass.
func Failing(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if !r.OK() {
			out = append(out, r)
		}
	}
	return out
}

// Registry holds the preconditions, in the order they were registered. It is safe for
// concurrent use.
type Registry struct {
	mu   sync.Mutex
	list []Precondition
}

// Register adds p, replacing an earlier precondition of the same name.
func (r *Registry) Register(p Precondition) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, q := range r.list {
		if q.Name() == p.Name() {
			r.list[i] = p
			return
		}
	}
	r.list = append(r.list, p)
}

// All returns the registered preconditions.
func (r *Registry) All() []Precondition {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Precondition(nil), r.list...)
}

// Check runs every precondition (outside the lock: a check may take a moment) and
// returns their results in order. A check that panics counts as failing.
func (r *Registry) Check() []Result {
	all := r.All()
	out := make([]Result, len(all))
	for i, p := range all {
		out[i] = Result{Name: p.Name(), Action: p.Action(), Err: safeCheck(p)}
	}
	return out
}

func safeCheck(p Precondition) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("check %s failed: %v", p.Name(), v)
		}
	}()
	return p.Check()
}

// funcPrecondition adapts a function to Precondition.
type funcPrecondition struct {
	name, action string
	check        func() error
}

func (f funcPrecondition) Name() string   { return f.name }
func (f funcPrecondition) Action() string { return f.action }
func (f funcPrecondition) Check() error   { return f.check() }

// Func makes a Precondition from a check function.
func Func(name, action string, check func() error) Precondition {
	return funcPrecondition{name: name, action: action, check: check}
}

// Built-in precondition errors.
var (
	ErrOpenSale  = errors.New("a sale is open at the till")
	ErrHeldSales = errors.New("sales are held (parked) at the till")
)

// NoOpenSale holds when open reports no sale in progress.
func NoOpenSale(open func() bool) Precondition {
	return Func("no_open_sale", "dereg.action.finish_sale", func() error {
		if open() {
			return ErrOpenSale
		}
		return nil
	})
}

// NoHeldSales holds when held (the journal's Held) lists no parked sale.
func NoHeldSales(held func() (map[string]json.RawMessage, error)) Precondition {
	return Func("no_held_sales", "dereg.action.recall_held", func() error {
		m, err := held()
		if err != nil {
			return fmt.Errorf("held sales unreadable: %w", err)
		}
		if len(m) > 0 {
			return fmt.Errorf("%w: %d", ErrHeldSales, len(m))
		}
		return nil
	})
}
