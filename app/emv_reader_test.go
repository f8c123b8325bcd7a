package app

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices/cardtest"
	"tilldesk/devices/sim/emvcard"
)

// Demo mode's reader hands card payments a card inserted in the simulated serial
// reader, and the demo [emv] configuration runs a transaction through it; a tapped
// card is not taken when the payment wants it inserted.
func TestDemoCardReader(t *testing.T) {
	d, err := StartDemoCardReader(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	app, _ := cardtest.NewCard(t, "signature", emvcard.Contact)
	d.Sim.Insert(app)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kcard, iface, err := d.Cards().PresentCard(ctx, false)
	if err != nil || iface != kernel.Contact {
		t.Fatalf("PresentCard = %v, %v", iface, err)
	}
	cfg, err := DefaultConfig().EMVKernelConfig()
	if err != nil {
		t.Fatal(err)
	}
	iss, _ := cardtest.NewIssuer()
	k, err := kernel.New(cfg, kernel.Options{Host: iss, Now: func() time.Time { return time.Date(2026, 5, 17, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := k.Run(ctx, kcard, kernel.Request{Amount: 66_00}); err != nil || res.Outcome != kernel.ApprovedOnline || !res.SignatureRequired {
		t.Fatalf("%v %s", err, res)
	}
	d.Sim.Remove()
	tap, _ := cardtest.NewCard(t, "wallet", emvcard.Contactless)
	d.Sim.Tap(tap)
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	if _, _, err := d.Cards().PresentCard(short, false); err == nil {
		t.Fatal("an insert-only payment took a tapped phone")
	}
	if _, iface, err := d.Cards().PresentCard(ctx, true); err != nil || iface != kernel.Contactless {
		t.Fatalf("tap: %v, %v", iface, err)
	}
}
