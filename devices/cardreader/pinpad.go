package cardreader

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"tilldesk/core/emv/kernel"
	"tilldesk/core/money"
	"tilldesk/devices/pinpad"
)

// PINPad is the serial PIN pad as the EMV kernel's kernel.PINPad: it shows the amount,
// asks the customer for the PIN bound to the card's PAN and hands the kernel only the
// ISO 9564 block the pad encrypted under its DUKPT key, with the KSN: format 0 under
// TDES DUKPT or format 4 under AES DUKPT, as the pad is configured. The clear PIN
// never leaves the pad.
type PINPad struct {
	Pad *pinpad.Pad
}

var _ kernel.PINPad = PINPad{}

// OnlinePIN takes one online PIN. The customer cancelling at the pad, or the till
// cancelling, ends the transaction (kernel.ErrCancelled); ENTER without a PIN is a
// bypass (kernel.ErrPINBypassed); any other failure is the pad not working, which
// the kernel records in the TVR.
func (p PINPad) OnlinePIN(ctx context.Context, req kernel.PINRequest) (kernel.EncipheredPIN, error) {
	if p.Pad == nil {
		return kernel.EncipheredPIN{}, errors.New("cardreader: no PIN pad")
	}
	pin, err := p.Pad.RequestPIN(ctx, req.PAN, money.Amount(req.Amount))
	switch {
	case errors.Is(err, pinpad.ErrNoPIN):
		return kernel.EncipheredPIN{}, fmt.Errorf("%w: %w", kernel.ErrPINBypassed, err)
	case errors.Is(err, pinpad.ErrCancelled), errors.Is(err, pinpad.ErrAborted):
		return kernel.EncipheredPIN{}, fmt.Errorf("%w: %w", kernel.ErrCancelled, err)
	case err != nil:
		return kernel.EncipheredPIN{}, err
	}
	return kernel.EncipheredPIN{Block: bytes.Clone(pin.Block), KSN: bytes.Clone(pin.KSN), Format: pin.Format()}, nil
}
