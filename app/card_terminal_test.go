package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tilldesk/core/emv/kernel"
	"tilldesk/core/journal"
	"tilldesk/core/receipt"
	"tilldesk/devices/cardreader"
	"tilldesk/devices/cardtest"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// startCardDevices runs the demo devices (the simulated serial card reader and PIN
// pad through their real drivers) for the fixture's till, attached to its card
// payments with the kernel of the demo [emv] configuration, and waits until both are
// connected.
func startCardDevices(t *testing.T, f *cardFixture, cfg Config) *Devices {
	t.Helper()
	d, err := StartDevices(cfg, Paths{DataDir: t.TempDir()}, f.till, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s := &Session{Config: cfg, Cards: f.d, Log: quietLog()}
	if err := AttachCardTerminal(s, d); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the PIN pad in its slot", func() bool { return d.PINPad().Ready() == nil })
	if cfg.Devices.CardReader.Kind == LinkSim {
		waitFor(t, "the card reader in its slot", func() bool { return d.CardReader().Ready() == nil })
	}
	return d
}

// insert puts a fresh virtual card of profile into the simulated reader's slot, or
// taps it.
func insert(t *testing.T, r *sim.CardReader, profile string, tapped bool) {
	t.Helper()
	if tapped {
		app, _ := cardtest.NewCard(t, profile, emvcard.Contactless)
		r.Tap(app)
		return
	}
	app, _ := cardtest.NewCard(t, profile, emvcard.Contact)
	r.Insert(app)
}

// customerTypes types pin on the simulated pad's keypad once it asks, and returns
// what the pad showed while asking.
func customerTypes(t *testing.T, pad *sim.PINPad, pin string) <-chan string {
	shown := make(chan string, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := pad.WaitForEntry(ctx); err != nil {
			shown <- "no PIN asked: " + err.Error()
			return
		}
		shown <- pad.Display()
		_ = pad.PressDigits(pin)
		_ = pad.PressEnter()
	}()
	return shown
}

// A card sale through the devices the till runs: the card inserted in the simulated
// serial reader, the PIN typed on the simulated pad (which shows the amount), the
// demo [emv] kernel, the sandbox acquirer; the receipt carries the EMV fields, and the
// pad says the payment went through. With [devices.pinpad] key = "aes128" the pad
// holds the AES test key and its format 4 block reaches the sandbox's issuer in DE62.
func TestCardSaleThroughTheTillsDevices(t *testing.T) {
	for _, key := range []string{PINPadKeyTDES, PINPadKeyAES128} {
		t.Run(key, func(t *testing.T) { cardSaleThroughTheTillsDevices(t, key) })
	}
}

func cardSaleThroughTheTillsDevices(t *testing.T, key string) {
	f := newCardFixture(t)
	cfg := DefaultConfig()
	cfg.Devices.PINPad.Key = key
	d := startCardDevices(t, f, cfg)
	sims := d.Simulators()
	if got := f.d.Readiness(); got.State != CardReady {
		t.Fatalf("readiness %+v", got)
	}
	insert(t, sims.CardReader, "unionpay", false)
	shown := customerTypes(t, sims.PINPad, "123456")
	r, err := f.pay(water)
	if err != nil || r == nil {
		t.Fatalf("pay: %v", err)
	}
	if got := <-shown; !strings.Contains(got, "2.00") || !strings.Contains(got, "PIN") {
		t.Errorf("the pad showed %q while asking for the PIN", got)
	}
	if got := sims.PINPad.Display(); !strings.Contains(got, "APPROVED") {
		t.Errorf("the pad shows %q after the payment", got)
	}
	if n := sims.PINPad.PINBlocks(); n != 1 {
		t.Errorf("the pad encrypted %d PIN blocks, want 1", n)
	}
	text := receipt.Text(f.till.Rows(r, "en", func(k string) string { return k }), 48)
	for _, want := range []string{"card.aid", "A000000333", "card.auth_code", "card.rrn", "card.tvr", "card.tsi",
		"card.cryptogram", "TC", "card.cvm.online_pin", "card.entry.chip", kernel.MaskPAN(pan(t, "unionpay"))} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, pan(t, "unionpay")) || strings.Contains(text, "card.signature") {
		t.Errorf("receipt shows the full card number or a signature line:\n%s", text)
	}
}

// A card the reader's slot loses mid-transaction ends the payment with nothing taken.
func TestCardRemovedFromTheReaderMidTransaction(t *testing.T) {
	f := newCardFixture(t)
	d := startCardDevices(t, f, DefaultConfig())
	sims := d.Simulators()
	insert(t, sims.CardReader, "unionpay", false)
	go func() { // the customer pulls the card out when asked for the PIN
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if sims.PINPad.WaitForEntry(ctx) == nil {
			sims.CardReader.Remove()
			_ = sims.PINPad.PressDigits("123456")
			_ = sims.PINPad.PressEnter()
		}
	}()
	before := f.balance("unionpay")
	_, err := f.pay(water)
	if !errors.Is(err, cardreader.ErrCardRemoved) && !errors.Is(err, ErrCardRemoved) {
		t.Fatalf("pay with the card pulled out: %v (%s)", err, CardErrorKey(err))
	}
	f.eventually("nothing charged", func() bool { return f.balance("unionpay") == before && f.status().PendingReversals == 0 })
}

// The readiness the status bar shows: no terminal, reader missing, host
// unreachable, ready.
func TestCardReadiness(t *testing.T) {
	f := newCardFixture(t)
	f.d.SetTerminal(nil)
	if got := f.d.Readiness(); got.State != CardUnavailable || !errors.Is(got.Reason, ErrNoCardTerminal) {
		t.Fatalf("no terminal: %+v", got)
	}
	cfg := DefaultConfig()
	cfg.Devices.CardReader.Kind = LinkNone
	d := startCardDevices(t, f, cfg)
	if got := f.d.Readiness(); got.State != CardReaderMissing {
		t.Fatalf("no reader: %+v", got)
	}
	if _, err := f.d.Tender(nil).Pay(context.Background(), PayRequest{SaleID: "S1", Amount: 100}); !errors.Is(err, ErrCardReaderMissing) ||
		CardErrorKey(err) != "card.err.reader_missing" {
		t.Fatalf("pay without a reader: %v", err)
	}
	if deviceState(d, RoleCardReader).State != "off" {
		t.Fatalf("card reader status %+v", deviceState(d, RoleCardReader))
	}
	f.d.SetTerminal(&CardTerminal{Kernel: testKernelConfig(t, "DEMO0001", "898310000000001", 0), Cards: f.reader, PINPad: f.pad})
	if got := f.d.Readiness(); got.State != CardReady {
		t.Fatalf("ready: %+v", got)
	}
	f.sb.Close() // the bank goes away
	f.card("visa", false)
	if _, err := f.pay(water); err == nil {
		t.Fatal("paid with the bank gone")
	}
	if got := f.d.Readiness(); got.State != CardHostUnreachable {
		t.Fatalf("bank gone: %+v", got)
	}
}

// A refused [emv] section leaves card payments unavailable with the reason; a
// simulated card device outside demo mode is refused with a clear error.
func TestCardTerminalConfigurationRefused(t *testing.T) {
	f := newCardFixture(t)
	cfg := DefaultConfig()
	cfg.EMV.CountryCode = "XYZ"
	err := AttachCardTerminal(&Session{Config: cfg, Cards: f.d, Log: quietLog()}, &Devices{cardReader: &CardReaderSlot{}, pinPad: &PINPadSlot{}})
	if !errors.Is(err, ErrCardTerminalConfig) || !strings.Contains(err.Error(), "emv.country_code") {
		t.Fatalf("attach: %v", err)
	}
	f.d.SetTerminal(nil)
	f.d.SetTerminalProblem(err)
	if got := f.d.Readiness(); got.State != CardUnavailable || !errors.Is(got.Reason, ErrCardTerminalConfig) {
		t.Fatalf("readiness %+v", got)
	}
	if _, perr := f.pay(water); !errors.Is(perr, ErrCardTerminalConfig) || CardErrorKey(perr) != "card.err.terminal_config" {
		t.Fatalf("pay: %v", perr)
	}

	real := DefaultConfig()
	real.Terminal.Demo = false
	d, err := StartDevices(real, Paths{DataDir: t.TempDir()}, f.till, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, role := range []string{RoleCardReader, RolePINPad} {
		if st := deviceState(d, role); st.State != "error" || !errors.Is(st.Err, ErrSimulatedCardDevice) {
			t.Errorf("%s outside demo mode: %+v", role, st)
		}
	}
	bad := DefaultConfig()
	bad.Devices.CardReader.Kind, bad.Devices.PINPad.Kind = "usb", LinkPCSC
	if err := CheckConfig(bad); err == nil || !strings.Contains(err.Error(), "devices.card_reader.kind") || !strings.Contains(err.Error(), "devices.pinpad.kind") {
		t.Fatalf("bad kinds: %v", err)
	}
}

// The receipt keeps the card's fields after the batch is settled (from the sale's
// record), and a card that asks for a signature gets a signature line.
func TestCardReceiptAfterSettlementAndSignature(t *testing.T) {
	f := newCardFixture(t)
	r := f.mustPay("signature", water)
	if _, err := f.d.Settle(context.Background(), "001"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.d.ReceiptFor(r.Sale.Payments[0].Ref); ok {
		t.Fatal("the settled batch still holds the payment: the test checks nothing")
	}
	text := receipt.Text(f.till.Rows(r, "en", func(k string) string { return k }), 32)
	for _, want := range []string{"card.aid", "card.cvm.signature", "card.signature", "______", "card.signature_note"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	// The journal browser shows the same receipt, EMV fields included.
	b := NewBrowser(f.till)
	page, err := b.Page(BrowseQuery{Kind: journal.KindSaleCompleted}, 0, 1)
	if err != nil || len(page.Rows) != 1 {
		t.Fatalf("browse: %+v, %v", page, err)
	}
	detail, err := b.Record(page.Rows[0].Seq)
	if err != nil {
		t.Fatal(err)
	}
	if got := receipt.Text(b.Rows(detail, "en", func(k string) string { return k }), 32); !strings.Contains(got, "card.aid") {
		t.Errorf("the browser's receipt lacks the EMV fields:\n%s", got)
	}
}

// The slots outlive the devices: the devices screen's Apply empties and refills them
// (card payments keep the same terminal), and a PIN pad that stops answering leaves
// its slot, which the readiness says.
func TestCardDevicesApplyAndUnplug(t *testing.T) {
	f := newCardFixture(t)
	d := startCardDevices(t, f, DefaultConfig())
	none := DefaultConfig()
	none.Devices.CardReader.Kind = LinkNone
	if err := d.Apply(none); err != nil {
		t.Fatal(err)
	}
	if got := f.d.Readiness(); got.State != CardReaderMissing || deviceState(d, RoleCardReader).State != "off" {
		t.Fatalf("after turning the reader off: %+v", got)
	}
	if err := d.Apply(DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reader back", func() bool { return f.d.Readiness().State == CardReady })
	if err := d.Simulators().PINPad.Unplug(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the PIN pad gone", func() bool {
		return f.d.Readiness().State == CardPINPadMissing && deviceState(d, RolePINPad).State != "connected"
	})
}
