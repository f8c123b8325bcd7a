package pinpad

import (
	"testing"
	"time"

	"tilldesk/core/money"
)

// A balance and what was paid, as the simulated pad's display shows them: label and
// amount at the ends of each 16-column line, the currency left out where it does not
// fit; an amount that leaves no room for the label is shown alone.
func TestShowAmounts(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx := timeout(t, 10*time.Second)
	for _, tc := range []struct {
		amounts []LabelledAmount
		want    string
	}{
		{[]LabelledAmount{{"BALANCE", 8800}}, "BALANCE    88.00\n"},
		{[]LabelledAmount{{"PAID", 1200}, {"BALANCE", 7600}}, "PAID   CNY 12.00\nBALANCE    76.00"},
		{[]LabelledAmount{{"BALANCE", money.Amount(12345678901)}}, "CNY 123456789.01\n"},
	} {
		if err := r.pad.ShowAmounts(ctx, tc.amounts...); err != nil {
			t.Fatalf("ShowAmounts(%v): %v", tc.amounts, err)
		}
		if got := r.sim.Display(); got != tc.want {
			t.Errorf("ShowAmounts(%v): display %q, want %q", tc.amounts, got, tc.want)
		}
	}
}
