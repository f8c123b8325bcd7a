package app

import (
	"context"
	"sync"

	"tilldesk/core/money"
	"tilldesk/devices/pinpad"
)

// The customer's side of a prepaid card: the PIN pad's display shows the customer
// their card's balance once the card is identified (never before its PIN, when one is
// asked), and after a payment from the card what was paid and what is left. The
// cashier's screen shows the same; the pad is what the customer reads across the
// counter. A pad that is missing, busy or slow never holds the look-up or the
// payment up: the display is updated in the background within padDisplayTimeout, and
// a failure is only logged.

// CustomerDisplay is the display the customer reads: the PIN pad (PINPadSlot).
type CustomerDisplay interface {
	ShowAmounts(ctx context.Context, amounts ...pinpad.LabelledAmount) error
}

// The labels the pad shows (ASCII: the pad has no Chinese characters).
const (
	padLabelBalance = "BALANCE"
	padLabelPaid    = "PAID"
)

// balanceDisplay is the desk's display, set once the devices run.
type balanceDisplay struct {
	mu      sync.Mutex
	display CustomerDisplay
	shows   sync.WaitGroup // displays being updated (Wait, for tests and shutdown)
}

// SetCustomerDisplay makes the desk show balances on display (nil: none).
func (d *PrepaidDesk) SetCustomerDisplay(display CustomerDisplay) {
	d.display.mu.Lock()
	defer d.display.mu.Unlock()
	d.display.display = display
}

// WaitCustomerDisplay waits until the displays already asked for are done (tests).
func (d *PrepaidDesk) WaitCustomerDisplay() { d.display.shows.Wait() }

// showCustomer puts amounts on the customer's display, in the background.
func (d *PrepaidDesk) showCustomer(amounts ...pinpad.LabelledAmount) {
	d.display.mu.Lock()
	display := d.display.display
	d.display.mu.Unlock()
	if display == nil {
		return
	}
	d.display.shows.Add(1)
	go func() {
		defer d.display.shows.Done()
		ctx, cancel := context.WithTimeout(context.Background(), padDisplayTimeout)
		defer cancel()
		if err := display.ShowAmounts(ctx, amounts...); err != nil {
			d.log.Info("prepaid balance not shown on the PIN pad", "err", err)
		}
	}()
}

// showBalance shows a card's balance to the customer.
func (d *PrepaidDesk) showBalance(balance money.Amount) {
	d.showCustomer(pinpad.LabelledAmount{Label: padLabelBalance, Amount: balance})
}

// showPaid shows the customer what their card paid and what it holds now.
func (d *PrepaidDesk) showPaid(paid, balance money.Amount) {
	d.showCustomer(pinpad.LabelledAmount{Label: padLabelPaid, Amount: paid}, pinpad.LabelledAmount{Label: padLabelBalance, Amount: balance})
}

// ShowAmounts shows labelled amounts on the PIN pad connected now.
func (p *PINPadSlot) ShowAmounts(ctx context.Context, amounts ...pinpad.LabelledAmount) error {
	return p.use(func(pad *pinpad.Pad) error { return pad.ShowAmounts(ctx, amounts...) })
}

// AttachCustomerDisplay gives the session's prepaid desk the PIN pad devs runs as the
// customer's display.
func AttachCustomerDisplay(s *Session, devs *Devices) {
	if s.Prepaid != nil && devs != nil {
		s.Prepaid.SetCustomerDisplay(devs.PINPad())
	}
}
