package crt_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices"
	"tilldesk/devices/cardreader/crt"
	"tilldesk/devices/cardtest"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// recordingPort keeps every byte each way.
type recordingPort struct {
	devices.Port
	mu        sync.Mutex
	sent, got []byte
}

func (p *recordingPort) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.sent = append(p.sent, b...)
	p.mu.Unlock()
	return p.Port.Write(b)
}

func (p *recordingPort) Read(b []byte) (int, error) {
	n, err := p.Port.Read(b)
	p.mu.Lock()
	p.got = append(p.got, b[:n]...)
	p.mu.Unlock()
	return n, err
}

// TestWriteFuzzSeeds records the line both ways during whole transactions (a contact
// card with online PIN, a phone tap, with corrupt packets and garbage thrown in) and
// writes them as the FuzzDecoder seed corpus. It runs only when asked.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("TILLDESK_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set TILLDESK_WRITE_FUZZ_SEEDS=1 to rewrite the seed corpus")
	}
	cfg, err := cardtest.Terminal()
	if err != nil {
		t.Fatal(err)
	}
	till := cardtest.NewTill(t)
	for _, tc := range []struct {
		name    string
		profile string
		iface   emvcard.Interface
		fault   func(*sim.CardReader)
	}{
		{"contact_online_pin", "unionpay", emvcard.Contact, func(*sim.CardReader) {}},
		{"wallet_tap", "wallet", emvcard.Contactless, func(*sim.CardReader) {}},
		{"corrupt_answers", "visa", emvcard.Contact, func(s *sim.CardReader) { s.CorruptNext(2) }},
		{"garbage_between_packets", "mastercard", emvcard.Contactless, func(s *sim.CardReader) {
			s.SendGarbage([]byte{0x00, crt.STX, 0x0F, 0x00, 0x00, 'x', crt.NAK, crt.ETX})
		}},
	} {
		s, err := sim.StartCardReader(sim.CardReaderConfig{})
		if err != nil {
			t.Fatal(err)
		}
		port, err := serialport.Open(serialport.Config{Path: s.Path(), Baud: 115200})
		if err != nil {
			t.Fatal(err)
		}
		rec := &recordingPort{Port: port}
		reader := crt.New(rec, crt.Config{Logger: slog.New(slog.DiscardHandler)})
		app, p := cardtest.NewCard(t, tc.profile, tc.iface)
		till.PINPad.Types(p.Applications[0].PIN)
		ctx := context.Background()
		var c *crt.Card
		if tc.iface == emvcard.Contact {
			s.Insert(app)
			c, err = reader.PowerOn(ctx)
		} else {
			s.Tap(app)
			c, err = reader.Activate(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		tc.fault(s)
		if _, err := till.Kernel(t, cfg, nil).Run(ctx, c, kernel.Request{Amount: 1500_00, Interface: kernel.Interface(tc.iface)}); err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
		writeSeed(t, tc.name+"_host", rec.sent)
		writeSeed(t, tc.name+"_reader", rec.got)
		port.Close()
		s.Close()
	}
}

func writeSeed(t *testing.T, name string, data []byte) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecoder")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
