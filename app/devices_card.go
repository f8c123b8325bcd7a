package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/cardreader"
	"tilldesk/devices/cardreader/crt"
	"tilldesk/devices/discovery"
	"tilldesk/devices/pcsc"
	"tilldesk/devices/pinpad"
	"tilldesk/devices/pinpad/ipp"
	"tilldesk/devices/sim"
)

// Card acceptance devices: the EMV card reader and the PIN pad, run and supervised
// like the scanner and the printer (reconnected with backoff when unplugged, their
// state in the status bar) and handed to card payments through slots that stay the
// same across reconnections and Apply (card_terminal.go).

// Device roles of card acceptance.
const (
	RoleCardReader = "card_reader"
	RolePINPad     = "pinpad"
)

// LinkPCSC is a card reader the system's PC/SC service knows (a USB CCID reader).
const LinkPCSC = "pcsc"

// CardReaderConfig is the EMV card reader ([devices.card_reader]): kind "pcsc" (a
// USB CCID reader through pcscd or WinSCard; Reader names it as the system lists it,
// "" takes the first), "serial" (a Creator CRT-family reader on a serial port), "sim"
// (the simulated serial reader, demo mode only) or "none".
type CardReaderConfig struct {
	DeviceLink
	Reader string `toml:"reader"`
}

// PINPadConfig is the PIN pad ([devices.pinpad]): kind "serial" (a VeriFone PINpad
// 1000SE / IPP-compatible pad), "sim" (the PIN pad simulator, demo mode only) or
// "none". Key is the DUKPT key the pad holds: "tdes" (ANSI X9.24-1, ISO 9564 format 0
// blocks: the vendor's packets; "" means tdes) or "aes128" (ANSI X9.24-3 AES-128,
// format 4 blocks, in Tilldesk's extension of the packet set, devices/pinpad/ipp). In
// demo mode the simulator is loaded with the test keys of that scheme, which the
// sandbox acquirer knows.
type PINPadConfig struct {
	DeviceLink
	Key string `toml:"key"`
}

// PIN pad key settings.
const (
	PINPadKeyTDES   = "tdes"
	PINPadKeyAES128 = "aes128"
)

// KeyScheme is the DUKPT scheme Key names.
func (c PINPadConfig) KeyScheme() (ipp.KeyScheme, error) {
	switch c.Key {
	case "", PINPadKeyTDES:
		return ipp.TDES, nil
	case PINPadKeyAES128:
		return ipp.AES, nil
	}
	return 0, fmt.Errorf("devices.pinpad.key %q must be %s or %s: %w", c.Key, PINPadKeyTDES, PINPadKeyAES128, devices.ErrBadConfig)
}

// Errors of the card devices.
var (
	// ErrSimulatedCardDevice: a simulated card reader or PIN pad outside demo mode,
	// where neither the test keys nor the sandbox acquirer exist.
	ErrSimulatedCardDevice = errors.New("simulated card devices work in demo mode only: set the card reader's and PIN pad's kind")
	// ErrNoPCSCReader: the PC/SC service lists no reader (or not the one configured).
	ErrNoPCSCReader = fmt.Errorf("no such PC/SC card reader: %w", devices.ErrNotFound)
)

// defaultCardDevices are the demo's: both simulated, on pseudo-terminals, through the
// real drivers.
func defaultCardDevices() (CardReaderConfig, PINPadConfig) {
	reader := CardReaderConfig{DeviceLink: DeviceLink{Kind: LinkSim}}
	reader.Serial.Baud = 115200
	reader.Serial = reader.Serial.Defaults()
	pad := PINPadConfig{DeviceLink: DeviceLink{Kind: LinkSim}, Key: PINPadKeyTDES}
	pad.Serial = pad.Serial.Defaults()
	return reader, pad
}

// checkCardDevices refuses card device settings start-up would refuse: an unknown
// kind, a serial link with no port or USB id, bad line settings.
func (c DevicesConfig) checkCardDevices() error {
	var errs []error
	switch c.CardReader.Kind {
	case LinkNone, "", LinkPCSC, LinkSerial, LinkSim:
	default:
		errs = append(errs, fmt.Errorf("devices.card_reader.kind %q must be none, pcsc, serial or sim", c.CardReader.Kind))
	}
	switch c.PINPad.Kind {
	case LinkNone, "", LinkSerial, LinkSim:
	default:
		errs = append(errs, fmt.Errorf("devices.pinpad.kind %q must be none, serial or sim", c.PINPad.Kind))
	}
	if _, err := c.PINPad.KeyScheme(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, checkLink(RoleCardReader, c.CardReader.DeviceLink), checkLink(RolePINPad, c.PINPad.DeviceLink))
	return errors.Join(errs...)
}

// simulatedOutsideDemo marks a role off when its kind is sim outside demo mode, and
// reports whether it did.
func (d *Devices) simulatedOutsideDemo(role string, link DeviceLink) bool {
	if link.Kind != LinkSim || d.config.Terminal.Demo {
		return false
	}
	d.log.Error("simulated card device refused outside demo mode", "role", role)
	d.setStatus(DeviceStatus{Role: role, Link: link.Kind, State: "error", Err: ErrSimulatedCardDevice, Since: time.Now()})
	return true
}

// startCardReader runs the configured card reader into d.cardReader.
func (d *Devices) startCardReader(ctx context.Context) error {
	cfg := d.cfg.CardReader
	switch {
	case d.simulatedOutsideDemo(RoleCardReader, cfg.DeviceLink):
		return nil
	case cfg.Kind == LinkPCSC:
		d.runPCSC(ctx, cfg.Reader)
		return nil
	}
	return d.superviseSerial(ctx, RoleCardReader, cfg.DeviceLink, func() (simulated, error) {
		sr, err := sim.StartCardReader(sim.CardReaderConfig{Logger: d.log})
		if err != nil {
			return simulated{}, err
		}
		d.setSim(func(s *Simulators) { s.CardReader = sr })
		return simulated{sr.Path(), sr.Close}, nil
	}, func(ctx context.Context, port devices.Port) error {
		reader := crt.New(port, crt.Config{Logger: d.log})
		if _, err := reader.Initialize(ctx); err != nil {
			return fmt.Errorf("card reader %s: initialize: %w", port.Name(), err)
		}
		return d.serveCardReader(ctx, cardreader.NewSerial(reader))
	})
}

// serveCardReader runs the reader service over backend, installed in the card reader
// slot, until ctx ends or the reader fails (returned: the supervisor reconnects).
func (d *Devices) serveCardReader(ctx context.Context, backend cardreader.Backend) error {
	svc := cardreader.New(cardreader.Config{Logger: d.log}, backend)
	rctx, cancel := context.WithCancel(ctx)
	running := make(chan struct{})
	go func() { defer close(running); svc.Run(rctx) }()
	defer func() { cancel(); <-running }()
	d.cardReader.set(svc)
	defer d.cardReader.set(nil)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-svc.Events():
			if ev.Kind == cardreader.ReaderFailed {
				return fmt.Errorf("card reader %s: %w", ev.Reader, ev.Err)
			}
		}
	}
}

// runPCSC keeps a PC/SC reader (the one named, or the first listed) in the card
// reader slot until ctx ends: it connects to the PC/SC service, finds the reader, and
// starts over with backoff when either is missing or the reader fails.
func (d *Devices) runPCSC(ctx context.Context, name string) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		wait := discovery.DefaultMinBackoff
		for {
			d.setStatus(DeviceStatus{Role: RoleCardReader, Link: LinkPCSC, State: "connecting", Port: name, Since: time.Now()})
			reader, err := d.servePCSC(ctx, name)
			if ctx.Err() != nil {
				return
			}
			state := "error"
			if errors.Is(err, devices.ErrNotFound) {
				state = "disconnected"
			}
			d.log.Warn("card reader not connected", "role", RoleCardReader, "reader", reader, "err", err, "retry_in", wait)
			d.setStatus(DeviceStatus{Role: RoleCardReader, Link: LinkPCSC, State: state, Port: reader, Err: err, Since: time.Now()})
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, discovery.DefaultMaxBackoff)
		}
	}()
}

// servePCSC connects to the PC/SC service and serves the reader until it fails.
func (d *Devices) servePCSC(ctx context.Context, name string) (string, error) {
	pc, err := pcsc.Establish()
	if err != nil {
		return name, fmt.Errorf("PC/SC service: %w", err)
	}
	defer pc.Close()
	names, err := pc.Readers()
	if err != nil {
		return name, err
	}
	reader := ""
	for _, n := range names {
		if n == name || (name == "" && reader == "") {
			reader = n
		}
	}
	if reader == "" {
		return name, fmt.Errorf("%w (%q; the service lists %q)", ErrNoPCSCReader, name, names)
	}
	d.setStatus(DeviceStatus{Role: RoleCardReader, Link: LinkPCSC, State: "connected", Port: reader, Since: time.Now()})
	return reader, d.serveCardReader(ctx, cardreader.NewPCSC(pc, reader))
}

// startPINPad runs the configured PIN pad into d.pinPad.
func (d *Devices) startPINPad(ctx context.Context) error {
	link := d.cfg.PINPad.DeviceLink
	if d.simulatedOutsideDemo(RolePINPad, link) {
		return nil
	}
	key, err := d.cfg.PINPad.KeyScheme()
	if err != nil {
		return err
	}
	return d.superviseSerial(ctx, RolePINPad, link, func() (simulated, error) {
		cfg, err := sim.TestPINPadConfigFor(key)
		if err != nil {
			return simulated{}, err
		}
		cfg.Logger = d.log
		sp, err := sim.StartPINPad(cfg)
		if err != nil {
			return simulated{}, err
		}
		d.setSim(func(s *Simulators) { s.PINPad = sp })
		return simulated{sp.Path(), sp.Close}, nil
	}, func(ctx context.Context, port devices.Port) error { return d.servePINPad(ctx, port, key) })
}

// pinPadCheckTimeout bounds the PIN pad's health check.
const pinPadCheckTimeout = 3 * time.Second

// servePINPad checks that the pad answers (its DUKPT engine), installs it in the PIN
// pad slot, and checks it again whenever it is idle, every statusEvery, until ctx ends
// or the pad stops answering (returned: the supervisor reconnects). PIN requests ask
// for the DUKPT scheme key.
func (d *Devices) servePINPad(ctx context.Context, port devices.Port, key ipp.KeyScheme) error {
	pad := pinpad.New(port, pinpad.Config{Key: key, Logger: d.log})
	check := func() error {
		cctx, cancel := context.WithTimeout(ctx, pinPadCheckTimeout)
		defer cancel()
		_, err := pad.CheckDUKPT(cctx)
		return err
	}
	if err := check(); err != nil {
		return fmt.Errorf("PIN pad %s: %w", port.Name(), err)
	}
	d.pinPad.set(pad)
	defer d.pinPad.set(nil)
	tick := time.NewTicker(statusEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if d.pinPad.busy() {
			continue // a PIN being typed: the pad is plainly there
		}
		if err := check(); err != nil && ctx.Err() == nil {
			return fmt.Errorf("PIN pad %s: %w", port.Name(), err)
		}
	}
}
