package cardtest

import (
	"context"
	"log/slog"
	"testing"

	"tilldesk/devices/cardreader/crt"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
)

// StartSerialReader starts the simulated Creator-style reader on a pseudo-terminal and
// opens it at 115200 baud with the crt driver (logging nowhere unless cfg says); the
// test's cleanup closes both.
func StartSerialReader(t testing.TB, simCfg sim.CardReaderConfig, cfg crt.Config) (*sim.CardReader, *crt.Reader) {
	t.Helper()
	s, err := sim.StartCardReader(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	port := openSimulator(t, s.Path(), s.Close)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return s, crt.New(port, cfg)
}

// openSimulator opens a simulator's pseudo-terminal at 115200 baud, as the till opens
// a USB-serial device; the test's cleanup closes the port, then the simulator.
func openSimulator(t testing.TB, path string, closeSim func() error) *serialport.Port {
	t.Helper()
	port, err := serialport.Open(serialport.Config{Path: path, Baud: 115200})
	if err != nil {
		closeSim()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		port.Close()
		closeSim()
	})
	return port
}

// runUntilCleanup runs fn in a goroutine until the test ends: its context is then
// cancelled and the cleanup waits for fn to return.
func runUntilCleanup(t testing.TB, fn func(ctx context.Context)) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ctx
}
