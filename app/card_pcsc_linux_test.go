//go:build linux

package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"tilldesk/core/receipt"
	"tilldesk/devices/cardtest"
	"tilldesk/devices/pcsc"
	"tilldesk/devices/pcsc/pcsctest"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// The till with a PC/SC card reader, as with a USB CCID reader: the devices connect
// to the real pcscd and find the reader by its configured name (vpcd's virtual one
// here), a card sale goes through it with the PIN on the simulated pad and the
// sandbox acquirer, and a store card's UID is read through PC/SC's GET DATA.
func TestCardSaleThroughAPCSCReader(t *testing.T) {
	name := pcsctest.Reader(t)
	f := newCardFixture(t)
	cfg := DefaultConfig()
	cfg.Devices.CardReader.Kind, cfg.Devices.CardReader.Reader = LinkPCSC, name
	d := startCardDevices(t, f, cfg)
	waitFor(t, "the PC/SC reader in its slot", func() bool { return d.CardReader().Ready() == nil })
	if st := deviceState(d, RoleCardReader); st.Link != LinkPCSC || st.State != "connected" || st.Port != name {
		t.Fatalf("card reader status %+v", st)
	}

	presented, _ := cardtest.NewCard(t, "unionpay", emvcard.Contact)
	card, err := sim.InsertCard(sim.VPCDAddr, presented)
	if err != nil {
		t.Fatal(err)
	}
	shown := customerTypes(t, d.Simulators().PINPad, "123456")
	r, err := f.pay(water)
	removeFromPCSC(t, card, name)
	if err != nil || r == nil {
		t.Fatalf("pay through the PC/SC reader: %v", err)
	}
	if got := <-shown; !strings.Contains(got, "2.00") {
		t.Errorf("the pad showed %q while asking for the PIN", got)
	}
	text := receipt.Text(f.till.Rows(r, "en", func(k string) string { return k }), 48)
	for _, want := range []string{"A000000333", "card.entry.chip", "card.cvm.online_pin"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}

	store, err := sim.NewStoreCard(sim.DemoStoreCardUID)
	if err != nil {
		t.Fatal(err)
	}
	if card, err = sim.InsertCard(sim.VPCDAddr, store); err != nil {
		t.Fatal(err)
	}
	defer removeFromPCSC(t, card, name)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if uid, err := d.CardReader().ReadUID(ctx); err != nil || uid != sim.DemoStoreCardUID {
		t.Fatalf("store card UID through PC/SC: %q, %v", uid, err)
	}
}

// removeFromPCSC takes the card out of vpcd's reader and waits until pcscd sees the
// slot empty (it polls the reader about once a second).
func removeFromPCSC(t *testing.T, card *sim.InsertedCard, reader string) {
	t.Helper()
	if err := card.Remove(); err != nil {
		t.Error(err)
	}
	watch, err := pcsc.Establish()
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if got, err := watch.WaitPresence(ctx, reader, pcsc.Present); err != nil || got != pcsc.Empty {
		t.Fatalf("the slot stays %s after the card left: %v", got, err)
	}
}
