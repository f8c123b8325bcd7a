package cardtest

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices"
	"tilldesk/devices/cardreader"
	"tilldesk/devices/cardreader/crt"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// readerRig is the card reader service over one simulated reader, and how to put a
// virtual card into that reader and take it out.
type readerRig struct {
	svc    *cardreader.Service
	ctx    context.Context
	insert func(app sim.CardApp, iface emvcard.Interface) (remove func())
}

// startService runs the service over backend until the test ends.
func startService(t *testing.T, backend cardreader.Backend) (*cardreader.Service, context.Context) {
	t.Helper()
	svc := cardreader.New(cardreader.Config{PollInterval: 20 * time.Millisecond, Timeout: 5 * time.Second,
		Logger: slog.New(slog.DiscardHandler)}, backend)
	return svc, runUntilCleanup(t, svc.Run)
}

// serialRig is the simulated Creator-style reader on a pseudo-terminal at 115200 baud,
// the crt driver and the service's serial backend.
func serialRig(t *testing.T) (*readerRig, *sim.CardReader) {
	t.Helper()
	s, reader := StartSerialReader(t, sim.CardReaderConfig{}, crt.Config{})
	if _, err := reader.Initialize(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc, ctx := startService(t, cardreader.NewSerial(reader))
	return &readerRig{svc: svc, ctx: ctx, insert: func(app sim.CardApp, iface emvcard.Interface) func() {
		if iface == emvcard.Contactless {
			s.Tap(app)
			return s.TakeAway
		}
		s.Insert(app)
		return s.Remove
	}}, s
}

// present waits for the card the rig's insert put in, through the service.
func (r *readerRig) present(t *testing.T, app sim.CardApp, iface emvcard.Interface) (kernel.Card, func()) {
	t.Helper()
	remove := r.insert(app, iface)
	ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
	defer cancel()
	card, err := r.svc.WaitCard(ctx, iface == emvcard.Contactless)
	if err != nil {
		remove()
		t.Fatalf("no card from the reader: %v", err)
	}
	if card.Interface() != kernel.Interface(iface) {
		t.Errorf("the reader says the card is %v, it was %v", card.Interface(), iface)
	}
	return card, func() {
		if err := card.Close(); err != nil {
			t.Errorf("close the card: %v", err)
		}
		remove()
	}
}

// The whole matrix through the serial reader: the simulated reader on a
// pseudo-terminal, the crt driver and the reader service.
func TestMatrixSerialReader(t *testing.T) {
	rig, _ := serialRig(t)
	runMatrix(t, rig.present, nil)
}

// pullingCard pulls the card out of its reader just before command number at.
type pullingCard struct {
	kernel.Card
	at, n int
	pull  func()
}

func (c *pullingCard) Transmit(apdu []byte) ([]byte, error) {
	if c.n++; c.n == c.at {
		c.pull()
	}
	return c.Card.Transmit(apdu)
}

// contactCommands counts the APDUs of the approved unionpay contact transaction.
func contactCommands(t *testing.T, b *bench) int {
	t.Helper()
	app, p := NewCard(t, "unionpay", emvcard.Contact)
	direct := Insert(app)
	b.PINPad.Types(p.Applications[0].PIN)
	k := b.Kernel(t, b.cfg, nil)
	if res, err := k.Run(context.Background(), direct, kernel.Request{Amount: 100_00}); err != nil || res.Outcome != kernel.ApprovedOnline {
		t.Fatalf("%v %s", err, res)
	}
	return direct.Commands()
}

// checkPulledOut runs unionpay contact transactions whose card is pulled out of the
// reader (by pull) just before the GET PROCESSING OPTIONS and just before the last
// command (the second GENERATE AC, after the issuer approved). Each must end at once
// and cleanly: Terminated, an error that is the kernel's ErrCard and the reader's
// ErrCardRemoved and names the reader, and a reversal flagged when the authorisation
// had gone out.
func checkPulledOut(t *testing.T, rig *readerRig, pull func()) {
	t.Helper()
	b := newBench(t)
	last := contactCommands(t, b)
	for _, at := range []int{4, last} {
		app, _ := NewCard(t, "unionpay", emvcard.Contact)
		kcard, done := rig.present(t, app, emvcard.Contact)
		reader := kcard.(*cardreader.Card).Reader()
		k := b.Kernel(t, b.cfg, nil)
		start := time.Now()
		res, err := k.Run(context.Background(), &pullingCard{Card: kcard, at: at, pull: pull}, kernel.Request{Amount: 100_00})
		done()
		var de *devices.Error
		switch {
		case !errors.Is(err, kernel.ErrCard) || !errors.Is(err, cardreader.ErrCardRemoved):
			t.Fatalf("card pulled before command %d: %v", at, err)
		case !errors.As(err, &de) || de.Port != reader:
			t.Fatalf("the error %v does not name the reader %q", err, reader)
		case res.Outcome != kernel.Terminated || !strings.Contains(res.Reason, "removed"):
			t.Fatalf("result %s", res)
		case time.Since(start) > 5*time.Second:
			t.Fatalf("the transaction took %s to end", time.Since(start))
		case res.WentOnline != (at == last) || res.ReversalRequired != res.WentOnline:
			t.Fatalf("pulled before command %d of %d: went online %v, reversal %v", at, last, res.WentOnline, res.ReversalRequired)
		}
		t.Logf("pulled before command %d of %d: %v", at, last, err)
	}
}

// A card pulled out of the serial reader during the transaction.
func TestCardPulledOutOfSerialReader(t *testing.T) {
	rig, s := serialRig(t)
	checkPulledOut(t, rig, s.Remove)
}

// A simulated reader paced like an RS-232 line at 115200 baud takes at least the wire
// time of the bytes a transaction puts on it (the benchmark measures how much more).
func TestPacedLineTakesWireTime(t *testing.T) {
	s, reader := StartSerialReader(t, sim.CardReaderConfig{LineBaud: 115200}, crt.Config{})
	b := newBench(t)
	app, _ := NewCard(t, "signature", emvcard.Contact)
	s.Insert(app)
	start := time.Now()
	c, err := reader.PowerOn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	k, _ := kernel.New(b.cfg, kernel.Options{Host: b.Issuer, Now: func() time.Time { return Date }})
	if res, err := k.Run(context.Background(), c, kernel.Request{Amount: 100_00}); err != nil || res.Outcome != kernel.ApprovedOnline {
		t.Fatalf("%v %s", err, res)
	}
	took := time.Since(start)
	fromHost, toHost := s.Traffic()
	wire := serialport.Config{Baud: 115200}.WireTime(fromHost + toHost)
	if took < wire*95/100 {
		t.Fatalf("%d bytes took %s, less than their wire time %s", fromHost+toHost, took, wire)
	}
}
