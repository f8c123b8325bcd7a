package app

import (
	"fmt"

	"tilldesk/core/journal"
)

// Admin actions journaled with no data of their own.
const (
	ActionNoSaleDrawer    = "drawer.no_sale"
	ActionSettingsChanged = "settings.changed"
)

// AdminAction is the journal record (kind "admin") of such an action.
type AdminAction struct {
	Action   string `json:"action"`
	Operator string `json:"operator,omitempty"`
	Section  string `json:"section,omitempty"`
}

// RecordAdmin journals an admin action before it is carried out; an error means it
// must not be.
func (t *Till) RecordAdmin(a AdminAction) error {
	if _, err := t.journal.Append(journal.KindAdmin, a); err != nil {
		return t.notRecorded(a.Action, fmt.Errorf("%w", err))
	}
	return nil
}
