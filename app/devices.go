package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"tilldesk/core/receipt"
	"tilldesk/devices"
	"tilldesk/devices/discovery"
	"tilldesk/devices/hid"
	"tilldesk/devices/printer"
	"tilldesk/devices/scanner"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
	"tilldesk/devices/trace"
)

// Device roles.
const (
	RoleScanner = "scanner"
	RolePrinter = "printer"
)

// DeviceStatus is one device's state for the status bar and the devices screen.
type DeviceStatus struct {
	Role  string
	Link  string // LinkSerial, LinkSim, ...
	State string // "connected", "connecting", "disconnected", "error", "off", "wedge"
	Port  string
	Err   error
	Since time.Time
}

// Devices runs the till's hardware: each configured device under a supervisor that
// reconnects it when it is unplugged and plugged back (found again by USB id), scans
// delivered on Scans, the printer installed into the till while it is connected, and
// in demo mode the simulators on pseudo-terminals, reached through the same serial
// adapters as real hardware.
type Devices struct {
	// Scans carries every scan from a serial or HID scanner. The cashier screen routes
	// it by what it is waiting for.
	Scans chan scanner.Scan

	cfg      DevicesConfig // the running devices' settings (see start)
	width    int           // receipt columns
	till     *Till
	log      *slog.Logger
	traceDir string
	watcher  *discovery.Watcher

	notifyMu sync.Mutex // guards onChange
	onChange func()

	mu     sync.Mutex
	config Config // what start was last given, for Config
	status map[string]DeviceStatus
	issues map[string]error // a connected device's trouble (printer out of paper)
	sims   Simulators

	// The card reader and PIN pad as card payments see them (card_terminal.go): the
	// same slots for the Devices' life, filled while a device is connected.
	cardReader *CardReaderSlot
	pinPad     *PINPadSlot

	// The running devices, from start to stop: Apply replaces them, Close ends them.
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closes []func() error

	life        sync.Mutex // serializes Apply and Close
	stopWatcher context.CancelFunc
	watcherDone chan struct{}
}

// Simulators are the demo-mode devices, for the simulator panel.
type Simulators struct {
	Scanner    *sim.Scanner
	Printer    *sim.Printer
	CardReader *sim.CardReader // takes the simulator panel's virtual cards
	PINPad     *sim.PINPad     // the simulator panel's keypad types on it
}

// StartDevices starts the configured devices. It does not fail when a device is
// absent: the device shows as disconnected and is connected when it appears.
func StartDevices(config Config, paths Paths, till *Till, log *slog.Logger) (*Devices, error) {
	if log == nil {
		log = slog.Default()
	}
	wctx, stopWatcher := context.WithCancel(context.Background())
	d := &Devices{
		Scans: make(chan scanner.Scan, 16), till: till, log: log,
		traceDir: filepath.Join(paths.DataDir, "traces"), status: map[string]DeviceStatus{}, issues: map[string]error{},
		watcher:     &discovery.Watcher{Lister: discovery.MultiLister{discovery.SerialLister{}, discovery.HIDLister{}}, Interval: 2 * time.Second, Logger: log},
		stopWatcher: stopWatcher, watcherDone: make(chan struct{}),
		cardReader: &CardReaderSlot{}, pinPad: &PINPadSlot{},
	}
	go func() { defer close(d.watcherDone); _ = d.watcher.Run(wctx) }()
	if err := d.start(config); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// start runs config's devices under a fresh context, until stop. On error, what it
// started is left for stop to end.
func (d *Devices) start(config Config) error {
	ctx, cancel := context.WithCancel(context.Background())
	d.mu.Lock()
	d.config, d.cfg, d.width = config, config.Devices, config.Receipt.Width
	d.mu.Unlock()
	d.cancel = cancel
	for _, start := range []func(context.Context) error{d.startScanner, d.startPrinter, d.startCardReader, d.startPINPad} {
		if err := start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// stop ends the running devices and simulators and waits for their goroutines. The
// device watcher keeps running.
func (d *Devices) stop() error {
	if d.cancel != nil {
		d.cancel()
	}
	d.wg.Wait()
	var errs []error
	for _, c := range d.closes {
		errs = append(errs, c())
	}
	d.closes = nil
	return errors.Join(errs...)
}

// Status lists every device's state, by role.
func (d *Devices) Status() []DeviceStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]DeviceStatus, 0, len(d.status))
	for _, s := range d.status {
		if issue := d.issues[s.Role]; issue != nil && s.State == "connected" {
			s.State, s.Err = "attention", issue
		}
		out = append(out, s)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Role > out[b].Role })
	return out
}

// Simulators returns the demo-mode simulators (nil fields when not simulated).
func (d *Devices) Simulators() Simulators {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sims
}

// SetOnChange sets the function called (from a device goroutine) when a device's
// status changes. It must not block: hand the work to the UI thread.
func (d *Devices) SetOnChange(f func()) {
	d.notifyMu.Lock()
	d.onChange = f
	d.notifyMu.Unlock()
}

func (d *Devices) notify() {
	d.notifyMu.Lock()
	f := d.onChange
	d.notifyMu.Unlock()
	if f != nil {
		f()
	}
}

// setIssue records (or with nil clears) trouble on a connected device.
func (d *Devices) setIssue(role string, issue error) {
	d.mu.Lock()
	changed := fmt.Sprint(d.issues[role]) != fmt.Sprint(issue)
	d.issues[role] = issue
	d.mu.Unlock()
	if changed {
		d.notify()
	}
}

func (d *Devices) setStatus(s DeviceStatus) {
	d.mu.Lock()
	d.status[s.Role] = s
	d.mu.Unlock()
	d.notify()
}

// Close stops every device, simulator and the device watcher, and waits for their
// goroutines.
func (d *Devices) Close() error {
	d.life.Lock()
	defer d.life.Unlock()
	err := d.stop()
	d.stopWatcher()
	<-d.watcherDone
	return err
}

// supervise runs a supervisor for role until the devices stop.
func (d *Devices) supervise(ctx context.Context, link DeviceLink, s *discovery.Supervisor) {
	s.Logger = d.log
	s.Lister = d.watcher
	wake, unsubscribe := d.watcher.Subscribe(4)
	s.Wake = wake
	s.OnState = func(st discovery.State) {
		d.setStatus(DeviceStatus{Role: s.Role, Link: link.Kind, State: st.Status.String(), Port: st.Path, Err: st.Err, Since: st.Since})
	}
	d.setStatus(DeviceStatus{Role: s.Role, Link: link.Kind, State: "connecting"})
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer unsubscribe()
		if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			d.log.Error("device supervisor stopped", "role", s.Role, "err", err)
		}
	}()
}

// locate fills the supervisor's device lookup from the link: a USB id, or a fixed path.
func locate(link DeviceLink, s *discovery.Supervisor) error {
	if link.USBID != "" {
		id, err := discovery.ParseID(link.USBID)
		if err != nil {
			return fmt.Errorf("devices.%s.usb_id: %w", s.Role, err)
		}
		s.ID = id
		return nil
	}
	if link.Serial.Path == "" {
		return fmt.Errorf("devices.%s: set usb_id or serial.path: %w", s.Role, devices.ErrBadConfig)
	}
	s.Path = link.Serial.Path
	return nil
}

// openSerial opens a serial device with the link's settings, wrapped in a trace when
// tracing is on.
func (d *Devices) openSerial(link DeviceLink, role string) func(discovery.Device) (devices.Port, error) {
	return func(dev discovery.Device) (devices.Port, error) {
		cfg := link.Serial
		cfg.Path = dev.Path
		p, err := serialport.Open(cfg)
		if err != nil {
			return nil, err
		}
		return d.traced(link, role, p), nil
	}
}

func (d *Devices) traced(link DeviceLink, role string, p devices.Port) devices.Port {
	if !link.Trace {
		return p
	}
	t, err := trace.Open(filepath.Join(d.traceDir, role+".trace"), 8<<20, 3)
	if err != nil {
		d.log.Warn("device trace not started", "role", role, "err", err)
		return p
	}
	return tracedPort{trace.Port{Port: p, T: t}}
}

// tracedPort closes its trace file with the port.
type tracedPort struct{ trace.Port }

func (p tracedPort) Close() error { return errors.Join(p.Port.Port.Close(), p.T.Close()) }

func (d *Devices) startScanner(ctx context.Context) error {
	link := d.cfg.Scanner.DeviceLink
	suffix := d.cfg.Scanner.Suffix
	if suffix == "" {
		suffix = "CR"
	}
	terminator, err := scanner.ParseTerminator(suffix)
	if err != nil {
		return fmt.Errorf("devices.scanner.suffix: %w", err)
	}
	s := &discovery.Supervisor{Role: RoleScanner}
	var decoder func() scanner.Decoder
	switch link.Kind {
	case LinkNone, "", LinkWedge:
		d.setStatus(DeviceStatus{Role: RoleScanner, Link: link.Kind, State: "wedge"})
		return nil
	case LinkSim:
		sc, err := sim.StartScanner(string(terminator))
		if err != nil {
			return err
		}
		d.mu.Lock()
		d.sims.Scanner = sc
		d.mu.Unlock()
		d.closes = append(d.closes, sc.Close)
		link.Serial.Path = sc.Path()
		s.Path = sc.Path()
		s.Open = d.openSerial(link, RoleScanner)
	case LinkSerial:
		if err := locate(link, s); err != nil {
			return err
		}
		s.Kind = discovery.KindSerial
		s.Open = d.openSerial(link, RoleScanner)
	case LinkHID:
		if err := locate(link, s); err != nil {
			return err
		}
		s.Kind = discovery.KindHID
		s.Open = func(dev discovery.Device) (devices.Port, error) {
			p, err := hid.Open(dev.VID, dev.PID)
			if err != nil {
				return nil, err
			}
			return d.traced(link, RoleScanner, p), nil
		}
		decoder = func() scanner.Decoder { return &scanner.HIDAssembler{} }
	default:
		return fmt.Errorf("devices.scanner.kind %q: %w", link.Kind, devices.ErrBadConfig)
	}
	prefix := []byte(d.cfg.Scanner.Prefix)
	s.Serve = func(ctx context.Context, p devices.Port) error {
		dec := scanner.Decoder(&scanner.LineDecoder{Prefix: prefix, Suffix: terminator})
		if decoder != nil {
			dec = decoder()
		}
		r := &scanner.Reader{Port: p, Decoder: dec, Source: RoleScanner + " " + p.Name(), Log: d.log}
		return r.Run(ctx, d.Scans)
	}
	d.supervise(ctx, link, s)
	return nil
}

// statusEvery is how often a connected printer is asked for its status.
const statusEvery = 3 * time.Second

func (d *Devices) startPrinter(ctx context.Context) error {
	return d.superviseSerial(ctx, RolePrinter, d.cfg.Printer.DeviceLink, func() (simulated, error) {
		sp, err := sim.StartPrinter(sim.PrinterColumns(d.width))
		if err != nil {
			return simulated{}, err
		}
		d.setSim(func(s *Simulators) { s.Printer = sp })
		return simulated{sp.Path(), sp.Close}, nil
	}, d.servePrinter)
}

// simulated is a simulator started for a role: the pseudo-terminal the till opens,
// and how to stop it.
type simulated struct {
	path  string
	close func() error
}

// setSim records a simulator for the simulator panel.
func (d *Devices) setSim(set func(*Simulators)) {
	d.mu.Lock()
	set(&d.sims)
	d.mu.Unlock()
}

// superviseSerial runs a serial device of role under a supervisor with serve: the
// simulator startSim starts (kind sim), or the port or USB id the link names (kind
// serial); kind none shows the role off, any other kind is refused.
func (d *Devices) superviseSerial(ctx context.Context, role string, link DeviceLink, startSim func() (simulated, error), serve func(context.Context, devices.Port) error) error {
	s := &discovery.Supervisor{Role: role, Kind: discovery.KindSerial}
	switch link.Kind {
	case LinkNone, "":
		d.setStatus(DeviceStatus{Role: role, Link: link.Kind, State: "off"})
		return nil
	case LinkSim:
		sm, err := startSim()
		if err != nil {
			return fmt.Errorf("devices.%s: %w", role, err)
		}
		d.closes = append(d.closes, sm.close)
		s.Path = sm.path
	case LinkSerial:
		if err := locate(link, s); err != nil {
			return err
		}
	default:
		return fmt.Errorf("devices.%s.kind %q: %w", role, link.Kind, devices.ErrBadConfig)
	}
	s.Open = d.openSerial(link, role)
	s.Serve = serve
	d.supervise(ctx, link, s)
	return nil
}

// servePrinter installs the printer into the till while its port is open and watches
// its status (paper, cover) for the status bar. It returns when the port fails.
func (d *Devices) servePrinter(ctx context.Context, port devices.Port) error {
	p, err := printer.New(port, printer.Config{Width: d.width, NativeQR: d.cfg.Printer.NativeQR, Logger: d.log})
	if err != nil {
		return err
	}
	d.till.SetPrinter(receiptPrinter{p})
	defer d.till.SetPrinter(nil)
	defer d.setIssue(RolePrinter, nil)
	tick := time.NewTicker(statusEvery)
	defer tick.Stop()
	for {
		st, err := p.Status(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, devices.ErrUnplugged), errors.Is(err, devices.ErrClosed):
			return err
		case err != nil:
			d.setIssue(RolePrinter, err) // powered off or busy: keep the port, say so
		default:
			d.setIssue(RolePrinter, p.Refusal(st))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// receiptPrinter adapts the ESC/POS driver to the till's ReceiptPrinter.
type receiptPrinter struct{ p *printer.Printer }

func (r receiptPrinter) PrintReceipt(ctx context.Context, rows []receipt.Row, qr string) error {
	return r.p.Print(ctx, rows, qr)
}

func (r receiptPrinter) OpenDrawer(ctx context.Context) error { return r.p.OpenDrawer(ctx) }

// PrintTestPage prints the printer's test page (devices screen).
func (d *Devices) PrintTestPage(ctx context.Context) error {
	p, ok := d.till.currentPrinter().(receiptPrinter)
	if !ok {
		return ErrNoPrinter
	}
	return p.p.PrintTestPage(ctx)
}

// OpenDrawer kicks the cash drawer (devices screen test, no-sale opening).
func (d *Devices) OpenDrawer(ctx context.Context) error {
	p := d.till.currentPrinter()
	if p == nil {
		return ErrNoPrinter
	}
	return p.OpenDrawer(ctx)
}
