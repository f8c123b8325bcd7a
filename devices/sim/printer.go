package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"tilldesk/devices/escpos"
)

// Printer simulates an ESC/POS receipt printer on a pseudo-terminal. It decodes what
// the till sends into receipts (one per cut), answers real-time status requests
// (DLE EOT) at once from state the test or demo sets (paper out, cover open, ...),
// and opens its simulated cash drawer on a drawer kick, closing it again after a
// while as a cashier would.
//
// Data received while out of paper or open is still printed: the simulator does not
// model the receive buffer a real printer holds until it is ready again.
type Printer struct {
	pty  *PTY
	quit chan struct{} // closed by Unplug
	done chan struct{} // closed when the reader goroutine has returned

	mu          sync.Mutex
	dec         *escpos.Decoder
	paperOut    bool
	nearEnd     bool
	coverOpen   bool
	fault       bool
	silent      bool
	drawerOpen  bool
	drawerAfter time.Duration // how long the drawer stays open; 0: until CloseDrawer
	drawerTimer *time.Timer
	kicks       int
	receipts    []escpos.Document // the last maxKeptReceipts
	printed     int               // receipts cut since start
	changed     chan struct{}     // closed and replaced when a receipt is cut
	received    int64
	stallLeft   int64         // bytes to take before stalling; -1 never stalls
	held        []byte        // bytes read but not taken, for after the stall
	resume      chan struct{} // closed and replaced by Resume
	quitOnce    sync.Once
}

// PrinterOption sets up a simulated printer.
type PrinterOption func(*Printer)

// PrinterColumns sets the paper width in columns: 32 (58 mm) or 48 (80 mm, the default).
func PrinterColumns(n int) PrinterOption { return func(p *Printer) { p.dec.Columns = n } }

const (
	// DefaultDrawerOpenTime is how long the simulated drawer stays open after a kick.
	DefaultDrawerOpenTime = 3 * time.Second
	maxKeptReceipts       = 100
	replyWriteTimeout     = time.Second
	readBufferSize        = 4096
)

// StartPrinter opens a pseudo-terminal and starts a simulated printer on it; the till
// opens Path().
func StartPrinter(opts ...PrinterOption) (*Printer, error) {
	pty, err := OpenPTY()
	if err != nil {
		return nil, err
	}
	return NewPrinter(pty, opts...), nil
}

// NewPrinter starts a simulated printer on pty, reading its master side in a
// goroutine until Unplug or Close.
func NewPrinter(pty *PTY, opts ...PrinterOption) *Printer {
	p := &Printer{
		pty: pty, quit: make(chan struct{}), done: make(chan struct{}),
		dec:         escpos.NewDecoder(escpos.Columns80mm),
		drawerAfter: DefaultDrawerOpenTime,
		changed:     make(chan struct{}), resume: make(chan struct{}), stallLeft: -1,
	}
	p.dec.OnStatusRequest = p.answer
	p.dec.OnDrawerKick = p.kick
	for _, o := range opts {
		o(p)
	}
	go p.run()
	return p
}

// Path is the device the till opens, e.g. /dev/pts/5.
func (p *Printer) Path() string { return p.pty.Path }

func (p *Printer) run() {
	defer close(p.done)
	buf := make([]byte, readBufferSize)
	for {
		n := p.readLimit(len(buf))
		if n == 0 {
			return
		}
		k, err := p.pty.Master.Read(buf[:n])
		if k > 0 {
			p.take(buf[:k])
		}
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				slog.Debug("simulated printer stops reading", "port", p.pty.Path, "err", err)
			}
			return
		}
	}
}

// readLimit is how much the next read may take: 0 once unplugged; while stalled it
// waits for Resume.
func (p *Printer) readLimit(bufSize int) int {
	for {
		p.mu.Lock()
		left, resume := p.stallLeft, p.resume
		p.mu.Unlock()
		switch {
		case left < 0:
			return bufSize
		case left > 0:
			return int(min(int64(bufSize), left))
		}
		select {
		case <-resume:
		case <-p.quit:
			return 0
		}
	}
}

// take decodes bytes from the till; the decoder calls answer and kick as it goes.
// Bytes past a stall, read before it began, are held until Resume.
func (p *Printer) take(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stallLeft >= 0 && int64(len(b)) > p.stallLeft {
		p.held = append(p.held, b[p.stallLeft:]...)
		b = b[:p.stallLeft]
	}
	p.decode(b)
}

// decode runs the decoder and keeps the receipts it cuts; p.mu is held.
func (p *Printer) decode(b []byte) {
	p.received += int64(len(b))
	if p.stallLeft > 0 {
		p.stallLeft -= int64(len(b))
	}
	p.dec.Write(b)
	cut := false
	for _, doc := range p.dec.TakeDocuments() {
		if !doc.Printed() {
			continue
		}
		p.receipts = append(p.receipts, doc)
		if len(p.receipts) > maxKeptReceipts {
			p.receipts = p.receipts[1:]
		}
		p.printed++
		cut = true
	}
	if cut {
		close(p.changed)
		p.changed = make(chan struct{})
	}
}

// status is the printer's state; p.mu is held.
func (p *Printer) status() escpos.Status {
	return escpos.Status{
		Online:       !p.paperOut && !p.coverOpen && !p.fault,
		CoverOpen:    p.coverOpen,
		PaperOut:     p.paperOut,
		PaperNearEnd: p.nearEnd || p.paperOut,
		DrawerOpen:   p.drawerOpen,
		Error:        p.fault,
	}
}

// answer replies to DLE EOT n; p.mu is held (the decoder runs under it).
func (p *Printer) answer(kind escpos.StatusKind) {
	if p.silent {
		return
	}
	reply := p.status().Reply(byte(kind))
	if err := p.pty.Master.SetWriteDeadline(time.Now().Add(replyWriteTimeout)); err == nil {
		if _, err := p.pty.Master.Write([]byte{reply}); err != nil {
			slog.Debug("simulated printer cannot answer", "port", p.pty.Path, "err", err)
		}
	}
}

// kick opens the drawer; p.mu is held.
func (p *Printer) kick(escpos.DrawerKick) {
	p.kicks++
	p.drawerOpen = true
	if p.drawerTimer != nil {
		p.drawerTimer.Stop()
	}
	if p.drawerAfter > 0 {
		p.drawerTimer = time.AfterFunc(p.drawerAfter, p.CloseDrawer)
	}
}

// set changes state under the lock.
func (p *Printer) set(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
}

// SetPaperOut empties (true) or reloads (false) the paper roll.
func (p *Printer) SetPaperOut(out bool) { p.set(func() { p.paperOut = out }) }

// SetPaperNearEnd sets the near-end sensor.
func (p *Printer) SetPaperNearEnd(near bool) { p.set(func() { p.nearEnd = near }) }

// SetCoverOpen opens or closes the paper cover.
func (p *Printer) SetCoverOpen(open bool) { p.set(func() { p.coverOpen = open }) }

// SetFault makes the printer report an error (a cutter jam, say).
func (p *Printer) SetFault(fault bool) { p.set(func() { p.fault = fault }) }

// SetSilent makes the printer ignore status requests, as one that is off or
// misconfigured does.
func (p *Printer) SetSilent(silent bool) { p.set(func() { p.silent = silent }) }

// SetDrawerOpenTime sets how long the drawer stays open after a kick; 0 keeps it
// open until CloseDrawer.
func (p *Printer) SetDrawerOpenTime(d time.Duration) { p.set(func() { p.drawerAfter = d }) }

// CloseDrawer closes the simulated drawer.
func (p *Printer) CloseDrawer() { p.set(func() { p.drawerOpen = false }) }

// DrawerOpen reports whether the simulated drawer is open.
func (p *Printer) DrawerOpen() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.drawerOpen
}

// DrawerKicks is how many drawer kicks the printer has received.
func (p *Printer) DrawerKicks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kicks
}

// BytesReceived is how many bytes the printer has taken from the till.
func (p *Printer) BytesReceived() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.received
}

// StallAfter makes the printer stop taking bytes after n more, as a printer with a
// full buffer holding the line: the till's writes then block. Resume ends the stall.
func (p *Printer) StallAfter(n int) { p.set(func() { p.stallLeft = int64(max(n, 0)) }) }

// Resume takes bytes again after StallAfter.
func (p *Printer) Resume() {
	p.set(func() {
		p.stallLeft = -1
		held := p.held
		p.held = nil
		p.decode(held)
		close(p.resume)
		p.resume = make(chan struct{})
	})
}

// ReceiptCount is how many receipts have been printed and cut since the start.
func (p *Printer) ReceiptCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.printed
}

// Receipts returns the receipts printed, oldest first (the last 100 cut ones), then
// what has printed since the last cut, if anything (an interrupted receipt).
func (p *Printer) Receipts() []escpos.Document {
	p.mu.Lock()
	defer p.mu.Unlock()
	docs := append([]escpos.Document(nil), p.receipts...)
	if cur := p.dec.Current(); cur.Printed() {
		docs = append(docs, cur)
	}
	return docs
}

// WaitReceipts waits until count receipts have been cut since the start, or ctx ends.
func (p *Printer) WaitReceipts(ctx context.Context, count int) error {
	for {
		p.mu.Lock()
		printed, changed := p.printed, p.changed
		p.mu.Unlock()
		if printed >= count {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("sim: %d of %d receipts printed: %w", printed, count, ctx.Err())
		}
	}
}

// LastReceiptText is the text of the last receipt (see Receipts), or "".
func (p *Printer) LastReceiptText() string {
	docs := p.Receipts()
	if len(docs) == 0 {
		return ""
	}
	return docs[len(docs)-1].Text()
}

// SavePNG writes the last receipt (see Receipts) to path as a PNG.
func (p *Printer) SavePNG(path string) error {
	docs := p.Receipts()
	if len(docs) == 0 {
		return errors.New("sim: no receipt printed yet")
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("sim: save receipt: %w", err)
	}
	if err := docs[len(docs)-1].PNG(f); err != nil {
		f.Close()
		return fmt.Errorf("sim: save receipt: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sim: save receipt: %w", err)
	}
	return nil
}

// Unplug pulls the printer's cable: the till's reads and writes on Path fail. What
// was printed stays readable.
func (p *Printer) Unplug() error {
	p.quitOnce.Do(func() { close(p.quit) })
	return p.pty.Unplug()
}

// Close unplugs the printer and waits for its goroutine to end.
func (p *Printer) Close() error {
	err := p.Unplug()
	<-p.done
	p.set(func() {
		if p.drawerTimer != nil {
			p.drawerTimer.Stop()
		}
	})
	return err
}
