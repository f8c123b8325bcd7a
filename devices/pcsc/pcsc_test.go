//go:build linux

package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/pcsc"
	"tilldesk/devices/pcsc/pcsctest"
	"tilldesk/devices/sim"
)

// testCard answers SELECT with a small FCI and everything else with "INS not
// supported"; slow makes it take that long per APDU.
type testCard struct {
	resets atomic.Int32
	slow   atomic.Int64 // nanoseconds per APDU
}

var testATR = []byte{0x3B, 0x8A, 0x80, 0x01, 0x54, 0x49, 0x4C, 0x4C, 0x44, 0x45, 0x53, 0x4B, 0x30, 0x31, 0x47}

func (c *testCard) ATR() []byte { return testATR }
func (c *testCard) Reset()      { c.resets.Add(1) }
func (c *testCard) Process(apdu []byte) []byte {
	time.Sleep(time.Duration(c.slow.Load()))
	if len(apdu) >= 4 && apdu[1] == 0xA4 {
		return []byte{0x6F, 0x03, 0x84, 0x01, 0x01, 0x90, 0x00}
	}
	return []byte{0x6D, 0x00}
}

// establish is a PC/SC context with vpcd's virtual reader, closed when the test ends,
// and the reader's name.
func establish(t *testing.T) (*pcsc.Context, string) {
	t.Helper()
	reader := pcsctest.Reader(t)
	ctx, err := pcsc.Establish()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctx.Close() })
	return ctx, reader
}

// insertTestCard puts a testCard into the reader (taken out when the test ends, if
// the test has not), waits for pcscd to see it and connects to it.
func insertTestCard(t *testing.T, ctx *pcsc.Context, reader string) (*testCard, *sim.InsertedCard, *pcsc.Card) {
	t.Helper()
	card := &testCard{}
	ins, err := sim.InsertCard(sim.VPCDAddr, card)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ins.Remove() })
	waitFor(t, ctx, reader, pcsc.Empty, pcsc.Present)
	k, err := ctx.Connect(reader)
	if err != nil {
		t.Fatal(err)
	}
	return card, ins, k
}

func waitFor(t *testing.T, ctx *pcsc.Context, reader string, from, want pcsc.Presence) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := ctx.WaitPresence(c, reader, from)
	if err != nil || got != want {
		t.Fatalf("WaitPresence(%s) = %s, %v; want %s", from, got, err, want)
	}
}

// A virtual card through pcscd and vpcd: inserted, exchanged with, pulled out mid
// transaction.
func TestVirtualCardThroughPCSC(t *testing.T) {
	ctx, reader := establish(t)
	card, ins, k := insertTestCard(t, ctx, reader)
	if !bytes.Equal(k.ATR(), testATR) || k.Reader() != reader {
		t.Errorf("ATR % X reader %q", k.ATR(), k.Reader())
	}
	resp, err := k.Transmit([]byte{0x00, 0xA4, 0x04, 0x00, 0x07, 0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x00})
	if err != nil || !bytes.Equal(resp, []byte{0x6F, 0x03, 0x84, 0x01, 0x01, 0x90, 0x00}) {
		t.Fatalf("SELECT = % X, %v", resp, err)
	}
	if card.resets.Load() == 0 {
		t.Error("the card was never powered on")
	}
	if err := ins.Remove(); err != nil {
		t.Fatal(err)
	}
	_, err = k.Transmit([]byte{0x80, 0xCA, 0x9F, 0x36, 0x00})
	if !errors.Is(err, pcsc.ErrCardRemoved) {
		t.Fatalf("transmit after the card was pulled out = %v, want ErrCardRemoved", err)
	}
	var de *devices.Error
	if !errors.As(err, &de) || de.Port != reader {
		t.Errorf("error %v does not name the reader", err)
	}
	_ = k.Close(true)
	waitFor(t, ctx, reader, pcsc.Present, pcsc.Empty)
}

// A card that does not answer in time is given up on, with ErrTimeout.
func TestSilentCardTimesOut(t *testing.T) {
	ctx, reader := establish(t)
	card, _, k := insertTestCard(t, ctx, reader)
	card.slow.Store(int64(1500 * time.Millisecond))
	k.SetTimeout(300 * time.Millisecond)
	start := time.Now()
	if _, err := k.Transmit([]byte{0x00, 0xA4, 0x04, 0x00, 0x00}); !errors.Is(err, devices.ErrTimeout) {
		t.Fatalf("silent card = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the timeout took %s", d)
	}
}

func TestUnknownReader(t *testing.T) {
	ctx, _ := establish(t)
	if _, err := ctx.Connect("No Such Reader 00 00"); !errors.Is(err, devices.ErrNotFound) {
		t.Fatalf("Connect to a missing reader = %v, want ErrNotFound", err)
	}
}
