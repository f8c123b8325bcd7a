package cardtest

import (
	"testing"
	"time"

	"tilldesk/core/emv/kernel"
)

// Date is the transaction date of these tests: every profile valid but the expired one.
var Date = time.Date(2026, 5, 17, 12, 0, 0, 0, time.UTC)

// Till is what a transaction needs besides the card and the terminal configuration:
// the issuer answering online, and the PIN pad with a customer at it.
type Till struct {
	Issuer *Issuer
	PINPad *PINPad
}

// NewTill starts the PIN pad and the issuer; the test's cleanup stops them.
func NewTill(t testing.TB) *Till {
	t.Helper()
	iss, err := NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	return &Till{Issuer: iss, PINPad: StartPINPad(t)}
}

// Kernel is a kernel with cfg, the till's PIN pad and issuer, chooser (nil: the
// highest priority) and the clock stopped at Date.
func (b *Till) Kernel(t testing.TB, cfg *kernel.Config, chooser kernel.Chooser) *kernel.Kernel {
	t.Helper()
	return b.KernelWith(t, cfg, chooser, b.PINPad)
}

// KernelWith is Kernel with another PIN pad (one in AES DUKPT mode, say).
func (b *Till) KernelWith(t testing.TB, cfg *kernel.Config, chooser kernel.Chooser, pad kernel.PINPad) *kernel.Kernel {
	t.Helper()
	k, err := kernel.New(cfg, kernel.Options{PINPad: pad, Host: b.Issuer, Chooser: chooser, Now: func() time.Time { return Date }})
	if err != nil {
		t.Fatal(err)
	}
	return k
}
