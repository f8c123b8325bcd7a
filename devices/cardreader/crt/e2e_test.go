package crt_test

// End-to-end tests: the driver over a real pseudo-terminal, opened with
// devices/serialport as a USB-serial reader is, to the simulated reader in devices/sim.

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/cardreader/crt"
	"tilldesk/devices/cardtest"
	"tilldesk/devices/sim"
)

// echoCard answers SELECT with its name and 9000, anything else with the command
// reversed and 9000; it counts resets.
type echoCard struct {
	atr    []byte
	resets atomic.Int32
}

func (c *echoCard) ATR() []byte { return c.atr }
func (c *echoCard) Reset()      { c.resets.Add(1) }
func (c *echoCard) Process(apdu []byte) []byte {
	out := make([]byte, 0, len(apdu)+2)
	for i := len(apdu) - 1; i >= 0; i-- {
		out = append(out, apdu[i])
	}
	return append(out, 0x90, 0x00)
}

var (
	contactATR     = []byte{0x3B, 0x68, 0x00, 0x00, 'T', 'I', 'L', 'L', 'D', 'E', 'S', 'K'}
	contactlessATR = withTCK([]byte{0x3B, 0x88, 0x80, 0x01, 'T', 'I', 'L', 'L', 'D', 'E', 'S', 'K'})
	selectPPSE     = []byte{0x00, 0xA4, 0x04, 0x00, 0x0E, '2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1', 0x00}
)

// withTCK appends the ATR check byte: the XOR of every byte after TS.
func withTCK(atr []byte) []byte {
	var tck byte
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}

func reversed(b []byte) []byte {
	out := bytes.Clone(b)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// rig is a simulated reader and the driver talking to it.
type rig struct {
	sim    *sim.CardReader
	reader *crt.Reader
}

func newRig(t testing.TB, cfg crt.Config) *rig {
	t.Helper()
	if cfg.CommandTimeout == 0 {
		cfg.CommandTimeout = time.Second
	}
	s, reader := cardtest.StartSerialReader(t, sim.CardReaderConfig{AckTimeout: 100 * time.Millisecond}, cfg)
	return &rig{sim: s, reader: reader}
}

// insertAndPowerOn puts an echo card in the slot and powers it on.
func (r *rig) insertAndPowerOn(t *testing.T) *crt.Card {
	t.Helper()
	r.sim.Insert(&echoCard{atr: contactATR})
	c, err := r.reader.PowerOn(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestPowerOnAndExchange(t *testing.T) {
	r := newRig(t, crt.Config{})
	ctx := ctxFor(t)
	if fw, err := r.reader.Initialize(ctx); err != nil || fw == "" {
		t.Fatalf("Initialize = %q, %v", fw, err)
	}
	if st, err := r.reader.Status(ctx); err != nil || st.CardIn() {
		t.Fatalf("empty reader status %q, %v", st[:], err)
	}
	if _, err := r.reader.PowerOn(ctx); !errors.Is(err, crt.ErrNoCard) {
		t.Fatalf("power on with no card = %v, want ErrNoCard", err)
	}
	card := &echoCard{atr: contactATR}
	r.sim.Insert(card)
	if st, err := r.reader.Status(ctx); err != nil || !st.CardIn() {
		t.Fatalf("status with a card %q, %v", st[:], err)
	}
	c, err := r.reader.PowerOn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.ATR(), contactATR) || c.Protocol() != 0 || c.Contactless() || card.resets.Load() != 1 {
		t.Fatalf("ATR % X, T=%d, contactless %v, resets %d", c.ATR(), c.Protocol(), c.Contactless(), card.resets.Load())
	}
	// Data with the delimiters in it travels as data: the length frames the packet.
	apdu := []byte{0x00, 0xB2, 0x01, 0x0C, 0x04, crt.STX, crt.ETX, crt.ACK, crt.NAK, 0x00}
	resp, err := c.Transmit(apdu)
	if err != nil || !bytes.Equal(resp, append(reversed(apdu), 0x90, 0x00)) {
		t.Fatalf("Transmit = % X, %v", resp, err)
	}
	long := append([]byte{0x80, 0xAE, 0x80, 0x00, 0xFF}, bytes.Repeat([]byte{0xF2}, 255)...)
	if resp, err := c.Transmit(long); err != nil || len(resp) != len(long)+2 {
		t.Fatalf("longest APDU: %d bytes, %v", len(resp), err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Transmit(apdu); !errors.Is(err, devices.ErrClosed) {
		t.Fatalf("Transmit after Close = %v", err)
	}
}

// A T=1 card (TD1 names T=1) powers on as one, and its APDUs go by T=1.
func TestT1Card(t *testing.T) {
	r := newRig(t, crt.Config{})
	atr := withTCK([]byte{0x3B, 0xE9, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 'T', 'I', 'L', 'L', 'D', 'E', 'S', 'K', '1'})
	r.sim.Insert(&echoCard{atr: atr})
	c, err := r.reader.PowerOn(ctxFor(t))
	if err != nil || c.Protocol() != 1 || !bytes.Equal(c.ATR(), atr) {
		t.Fatalf("power on: %v, T=%d", err, c.Protocol())
	}
	if resp, err := c.Transmit(selectPPSE); err != nil || !bytes.Equal(resp, append(reversed(selectPPSE), 0x90, 0x00)) {
		t.Fatalf("Transmit = % X, %v", resp, err)
	}
}

// A card pulled out between two APDUs ends the exchange with ErrCardRemoved, naming
// the port; closing it afterwards is not an error.
func TestCardPulledOut(t *testing.T) {
	r := newRig(t, crt.Config{})
	c := r.insertAndPowerOn(t)
	if _, err := c.Transmit(selectPPSE); err != nil {
		t.Fatal(err)
	}
	r.sim.Remove()
	_, err := c.Transmit(selectPPSE)
	var de *devices.Error
	if !errors.Is(err, crt.ErrCardRemoved) || !errors.As(err, &de) || de.Port != r.reader.Name() {
		t.Fatalf("Transmit after removal = %v", err)
	}
	if _, again := c.Transmit(selectPPSE); !errors.Is(again, crt.ErrCardRemoved) {
		t.Fatalf("the next Transmit = %v", again)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close of a pulled card = %v", err)
	}
}

func TestContactless(t *testing.T) {
	r := newRig(t, crt.Config{})
	ctx := ctxFor(t)
	if _, err := r.reader.Activate(ctx); !errors.Is(err, crt.ErrNoCard) {
		t.Fatalf("Activate with an empty field = %v", err)
	}
	r.sim.Tap(&echoCard{atr: contactlessATR})
	c, err := r.reader.Activate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Contactless() || !bytes.Equal(c.ATR(), contactlessATR) {
		t.Fatalf("contactless %v ATR % X, want % X", c.Contactless(), c.ATR(), contactlessATR)
	}
	if resp, err := c.Transmit(selectPPSE); err != nil || !bytes.Equal(resp, append(reversed(selectPPSE), 0x90, 0x00)) {
		t.Fatalf("Transmit = % X, %v", resp, err)
	}
	r.sim.TakeAway()
	if _, err := c.Transmit(selectPPSE); !errors.Is(err, crt.ErrCardRemoved) {
		t.Fatalf("Transmit after the card left = %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// Line faults: corrupt answers are NAKed and come again, NAKed commands are sent
// again, lost commands are sent again after the ACK timeout, and garbage between
// packets is skipped.
func TestLineFaultsAreRecovered(t *testing.T) {
	r := newRig(t, crt.Config{AckTimeout: 50 * time.Millisecond})
	c := r.insertAndPowerOn(t)
	for name, fault := range map[string]func(){
		"corrupt answer":  func() { r.sim.CorruptNext(2) },
		"NAKed command":   func() { r.sim.NAKNext(2) },
		"lost command":    func() { r.sim.IgnoreNext(1) },
		"garbage":         func() { r.sim.SendGarbage([]byte{0x00, 0xF2, 0x0F, 0x00, 0x00, 0x55, 0xFF, 'x'}) },
		"garbage and ACK": func() { r.sim.SendGarbage([]byte{crt.ACK, crt.NAK, crt.EOT, 0x42}) },
	} {
		fault()
		if resp, err := c.Transmit(selectPPSE); err != nil || !bytes.Equal(resp, append(reversed(selectPPSE), 0x90, 0x00)) {
			t.Fatalf("%s: Transmit = % X, %v", name, resp, err)
		}
	}
}

// A reader that stops answering gives ErrTimeout within the ACK timeouts; one that
// answers nothing but corrupt packets gives ErrProtocol.
func TestSilentAndBrokenReader(t *testing.T) {
	r := newRig(t, crt.Config{AckTimeout: 50 * time.Millisecond})
	ctx := ctxFor(t)
	r.sim.IgnoreNext(3)
	start := time.Now()
	if _, err := r.reader.Status(ctx); !errors.Is(err, devices.ErrTimeout) {
		t.Fatalf("silent reader = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("gave up after %s", d)
	}
	r.sim.CorruptNext(3)
	if _, err := r.reader.Status(ctx); !errors.Is(err, devices.ErrProtocol) {
		t.Fatalf("corrupt answers = %v, want ErrProtocol", err)
	}
	if _, err := r.reader.Status(ctx); err != nil {
		t.Fatalf("the line does not recover: %v", err)
	}
}

// A reader unplugged mid-use gives an error naming the port, not a hang.
func TestReaderUnplugged(t *testing.T) {
	r := newRig(t, crt.Config{})
	c := r.insertAndPowerOn(t)
	if err := r.sim.Unplug(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := c.Transmit(selectPPSE)
	var de *devices.Error
	if err == nil || !errors.As(err, &de) || de.Port != r.reader.Name() || time.Since(start) > 3*time.Second {
		t.Fatalf("Transmit on an unplugged reader = %v after %s", err, time.Since(start))
	}
}
