package pinpad

import (
	"context"
	"fmt"

	"tilldesk/core/money"
)

// LabelledAmount is one display line of the pad: a short ASCII label and an amount,
// shown as "BALANCE  CNY 88.00".
type LabelledAmount struct {
	Label  string // e.g. "PAID", "BALANCE"; printable ASCII
	Amount money.Amount
}

// ShowAmounts shows up to two labelled amounts, one a line, in the pad's currency:
// what a stored-value card holds after a balance enquiry, or what was paid from it
// and what is left. A label too long for the line leaves the amount alone on it.
func (p *Pad) ShowAmounts(ctx context.Context, amounts ...LabelledAmount) error {
	lines := make([]string, len(amounts))
	for i, a := range amounts {
		lines[i] = labelledLine(a.Label, p.cfg.Currency, a.Amount)
	}
	if err := p.Show(ctx, lines...); err != nil {
		return fmt.Errorf("pinpad: show amounts: %w", err)
	}
	return nil
}
