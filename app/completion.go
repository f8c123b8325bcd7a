package app

import (
	"fmt"

	"tilldesk/core/journal"
	"tilldesk/core/sale"
)

// SaleCompletion lets a feature commit its own state in the same durable write as a
// completed sale's journal record, so that both happen or neither does (the prepaid
// ledger: cards sold on the sale, and the sale's card payments settled). The till asks
// each registered SaleCompletion when a fully paid sale is about to be journaled.
type SaleCompletion interface {
	// PrepareCompletion returns what the feature adds to the completion of s. An error
	// stops the completion: the sale stays open, its payments stay on it.
	PrepareCompletion(s *sale.Sale) (CompletionPart, error)
}

// CompletionPart is one feature's share of a sale's completion record.
type CompletionPart struct {
	Name    string // key under the record's "extras"
	Extra   any    // stored under Name; nil adds nothing to the record
	Changes []journal.StateChange
	// Done, when set, is called once the record is committed (true) or not (false),
	// e.g. to release a lock taken by PrepareCompletion.
	Done func(committed bool)
}

// AddCompletion registers a feature's completion hook.
func (t *Till) AddCompletion(c SaleCompletion) { t.completions = append(t.completions, c) }

// prepareCompletion gathers the registered features' parts for s: the record's extras,
// the state changes, and done, which must be called with the record's fate.
func (t *Till) prepareCompletion(s *sale.Sale) (extras map[string]any, changes []journal.StateChange, done func(committed bool), err error) {
	var dones []func(bool)
	done = func(committed bool) {
		for _, d := range dones {
			d(committed)
		}
	}
	for _, c := range t.completions {
		part, err := c.PrepareCompletion(s)
		if part.Done != nil {
			dones = append(dones, part.Done)
		}
		if err != nil {
			done(false)
			return nil, nil, func(bool) {}, fmt.Errorf("complete sale %s: %w", s.ID, err)
		}
		if part.Extra != nil {
			if extras == nil {
				extras = map[string]any{}
			}
			extras[part.Name] = part.Extra
		}
		changes = append(changes, part.Changes...)
	}
	return extras, changes, done, nil
}
