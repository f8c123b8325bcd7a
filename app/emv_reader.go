package app

import (
	"context"
	"fmt"
	"log/slog"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices/cardreader"
	"tilldesk/devices/cardreader/crt"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
)

// ReaderCards is the card reader service (PC/SC and serial readers) as card payments'
// CardSource. The card of the previous payment is closed when the next one asks for a
// card, or earlier by Release once the payment is over.
type ReaderCards struct {
	Readers *cardreader.Service
}

var _ CardSource = ReaderCards{}

// PresentCard waits until the customer inserts a card, or taps one when contactless
// is set, and returns it powered up.
func (r ReaderCards) PresentCard(ctx context.Context, contactless bool) (kernel.Card, kernel.Interface, error) {
	c, err := r.Readers.WaitCard(ctx, contactless)
	if err != nil {
		return nil, 0, err
	}
	return c, c.Interface(), nil
}

// Release powers down the card of the payment that just ended, so that the reader
// reports it taken out (and the next card put in).
func (r ReaderCards) Release() error { return r.Readers.Release() }

// DemoCardReader is demo mode's card reader: the simulated serial reader of the
// Creator CRT family on a pseudo-terminal (its slot and antenna take the simulator
// panel's virtual cards), driven by the real serial driver through the reader
// service, exactly as a reader on /dev/ttyUSB0 would be.
type DemoCardReader struct {
	Sim      *sim.CardReader
	Readers  *cardreader.Service
	port     *serialport.Port
	stopPoll context.CancelFunc
	polling  chan struct{}
}

// StartDemoCardReader starts the simulated reader, opens it and runs the service.
func StartDemoCardReader(log *slog.Logger) (*DemoCardReader, error) {
	s, err := sim.StartCardReader(sim.CardReaderConfig{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("demo card reader: %w", err)
	}
	port, err := serialport.Open(serialport.Config{Path: s.Path(), Baud: 115200})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("demo card reader: %w", err)
	}
	reader := crt.New(port, crt.Config{Logger: log})
	if _, err := reader.Initialize(context.Background()); err != nil {
		port.Close()
		s.Close()
		return nil, fmt.Errorf("demo card reader: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &DemoCardReader{Sim: s, Readers: cardreader.New(cardreader.Config{Logger: log}, cardreader.NewSerial(reader)),
		port: port, stopPoll: cancel, polling: make(chan struct{})}
	go func() {
		defer close(d.polling)
		d.Readers.Run(ctx)
	}()
	return d, nil
}

// Cards is the reader as card payments' CardSource.
func (d *DemoCardReader) Cards() CardSource { return ReaderCards{Readers: d.Readers} }

// Close stops the service, the port and the simulated reader.
func (d *DemoCardReader) Close() error {
	d.stopPoll()
	<-d.polling
	d.port.Close()
	return d.Sim.Close()
}
