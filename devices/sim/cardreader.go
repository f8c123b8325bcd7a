package sim

import (
	"bytes"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"tilldesk/devices/cardreader/crt"
)

// CardReaderConfig configures a simulated serial card reader. Zero fields take the
// defaults.
type CardReaderConfig struct {
	// Address is the reader's address; 0 means crt.DefaultAddress.
	Address byte
	// Firmware is what Initialize reports.
	Firmware string
	// AckTimeout is how long the reader waits for the host's ACK of a response
	// before sending it again (three times at most); 0 means 300 ms.
	AckTimeout time.Duration
	// LineBaud, when set, makes the pseudo-terminal behave like an RS-232 line at
	// that many baud (ten bits a byte): a command counts as received when its last
	// byte would have arrived, and responses reach the host no faster than the line
	// carries them. 0 moves bytes at memory speed.
	LineBaud int
	// Logger receives what the reader does (never card data); nil discards it.
	Logger *slog.Logger
}

// CardReader is a serial smart-card reader of the Creator CRT family (the protocol of
// devices/cardreader/crt) on a pseudo-terminal, with a contact slot and an antenna.
// Tests and the demo insert and tap virtual cards (any CardApp, such as
// devices/sim/emvcard's), pull them out at any moment, and make the line misbehave.
type CardReader struct {
	pty  *PTY
	cfg  CardReaderConfig
	log  *slog.Logger
	in   chan []byte
	quit chan struct{}
	done chan struct{}
	once sync.Once

	mu               sync.Mutex // guards the cards, the faults and the counters
	slot             CardApp    // the card in the contact slot
	field            CardApp    // the card in the antenna's field
	powered          bool       // the slot's card is powered on
	active           bool       // the field's card is activated
	faults           readerFaults
	fromHost, toHost int

	writeMu sync.Mutex // one write to the line at a time
	line    lineState  // owned by the run goroutine
}

// readerFaults make the next packets misbehave.
type readerFaults struct {
	corruptNext int // responses sent with a wrong BCC
	nakNext     int // commands answered NAK instead of ACK
	ignoreNext  int // commands not answered at all
}

// StartCardReader opens a pseudo-terminal and starts a simulated reader on it; the
// till opens Path().
func StartCardReader(cfg CardReaderConfig) (*CardReader, error) {
	pty, err := OpenPTY()
	if err != nil {
		return nil, err
	}
	if cfg.Address == 0 {
		cfg.Address = crt.DefaultAddress
	}
	if cfg.Firmware == "" {
		cfg.Firmware = "TILLDESK-CRT-SIM 1.0"
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 300 * time.Millisecond
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &CardReader{pty: pty, cfg: cfg, log: log.With("sim", "card reader"),
		in: make(chan []byte, 16), quit: make(chan struct{}), done: make(chan struct{})}
	if cfg.LineBaud > 0 {
		r.line.byteTime = time.Duration(int64(10*time.Second) / int64(cfg.LineBaud))
	}
	go r.readLoop()
	go r.run()
	return r, nil
}

// Path is the device the till opens.
func (r *CardReader) Path() string { return r.pty.Path }

// Insert puts a card into the contact slot (replacing any there).
func (r *CardReader) Insert(card CardApp) { r.setCards(&r.slot, &r.powered, card) }

// Remove pulls the card out of the slot, powered or not.
func (r *CardReader) Remove() { r.setCards(&r.slot, &r.powered, nil) }

// Tap holds a card (or phone) in the antenna's field.
func (r *CardReader) Tap(card CardApp) { r.setCards(&r.field, &r.active, card) }

// TakeAway moves the card out of the field.
func (r *CardReader) TakeAway() { r.setCards(&r.field, &r.active, nil) }

// setCards puts card (or nothing) in the slot or the field, unpowered.
func (r *CardReader) setCards(place *CardApp, powered *bool, card CardApp) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*place, *powered = card, false
}

// CorruptNext sends the next n responses with a wrong BCC (the host should NAK them
// and get them again).
func (r *CardReader) CorruptNext(n int) { r.fault(func(f *readerFaults) { f.corruptNext = n }) }

// NAKNext answers the next n commands NAK (the host should send them again).
func (r *CardReader) NAKNext(n int) { r.fault(func(f *readerFaults) { f.nakNext = n }) }

// IgnoreNext leaves the next n commands unanswered, as if lost on the line.
func (r *CardReader) IgnoreNext(n int) { r.fault(func(f *readerFaults) { f.ignoreNext = n }) }

func (r *CardReader) fault(set func(*readerFaults)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	set(&r.faults)
}

// SendGarbage writes bytes on the line now, between or inside packets.
func (r *CardReader) SendGarbage(b []byte) { r.write(b) }

// Traffic is how many bytes the host sent and the reader sent since the last
// ResetTraffic: packets and control bytes, what a real line would carry.
func (r *CardReader) Traffic() (fromHost, toHost int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fromHost, r.toHost
}

// ResetTraffic zeroes the byte counts.
func (r *CardReader) ResetTraffic() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fromHost, r.toHost = 0, 0
}

// Unplug closes the device side, as pulling the cable does.
func (r *CardReader) Unplug() error {
	var err error
	r.once.Do(func() {
		close(r.quit)
		// A byte written to the device end wakes readLoop's blocked Read (see PINPad).
		if _, werr := r.pty.slave.Write([]byte{0}); werr != nil {
			r.log.Debug("cannot wake the reader", "err", werr)
		}
		err = r.pty.Unplug()
	})
	return err
}

// Close unplugs the reader and waits for it to stop.
func (r *CardReader) Close() error {
	err := r.Unplug()
	<-r.done
	return err
}

// readLoop hands what the host sends to run, until the pseudo-terminal closes.
func (r *CardReader) readLoop() {
	buf := make([]byte, 1024)
	for {
		n, err := r.pty.Master.Read(buf)
		if n > 0 {
			select {
			case r.in <- bytes.Clone(buf[:n]):
			case <-r.quit:
				return
			}
		}
		if err != nil {
			r.log.Debug("simulated card reader stops reading", "err", err)
			return
		}
	}
}

// write sends bytes to the host, at line speed when LineBaud is set.
func (r *CardReader) write(b []byte) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	r.mu.Lock()
	r.toHost += len(b)
	r.mu.Unlock()
	at := r.line.pace(len(b), time.Now())
	waitUntil(at)
	if _, err := r.pty.Master.Write(b); err != nil {
		r.log.Debug("write failed", "err", err)
	}
}

// timerSlack is how late a sleeping goroutine may wake on this kind of machine (the
// system timer's granularity, about a millisecond on a virtual machine).
const timerSlack = 1500 * time.Microsecond

// waitUntil returns at t: it sleeps until shortly before, then yields until t, so that
// a paced line keeps to the microsecond what the timer alone would miss by a
// millisecond.
func waitUntil(t time.Time) {
	if d := time.Until(t); d > timerSlack {
		time.Sleep(d - timerSlack)
	}
	for time.Now().Before(t) {
		runtime.Gosched()
	}
}

// lineState paces a simulated RS-232 line.
type lineState struct {
	byteTime time.Duration // 0: no pacing
	rxClock  time.Time     // when the last byte from the host has arrived on the line
	txClock  time.Time     // when the last byte to the host has left the line
}

// pace returns when n bytes written now are all across the line: a packet is handed
// to the host whole when its last byte would arrive (the host can do nothing with
// part of one).
func (l *lineState) pace(n int, now time.Time) time.Time {
	if l.byteTime == 0 {
		return now
	}
	start := l.txClock
	if start.Before(now) {
		start = now
	}
	l.txClock = start.Add(time.Duration(n) * l.byteTime)
	return l.txClock
}

// arrived records n bytes from the host read at now and returns when the last of them
// has crossed the line.
func (l *lineState) arrived(n int, now time.Time) time.Time {
	if l.byteTime == 0 {
		return now
	}
	if l.rxClock.Before(now) {
		l.rxClock = now
	}
	l.rxClock = l.rxClock.Add(time.Duration(n) * l.byteTime)
	return l.rxClock
}

// String names the reader for logs and test failures.
func (r *CardReader) String() string { return fmt.Sprintf("simulated card reader on %s", r.pty.Path) }
