package printer

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"tilldesk/devices"
)

// step is one exchange with a printer: the bytes the driver writes, then the printer's
// answer (none for data that gets no reply).
type step struct {
	write []byte
	reply []byte
}

// playback is a devices.Port that replays a conversation, in the manner of periph.io's
// conntest.Playback: the driver must write exactly each step's bytes, in order, in any
// number of Write calls; once a step's bytes are all written its reply can be read.
// Reads with nothing to read wait out the read timeout and return (0, nil), as
// go.bug.st/serial does.
type playback struct {
	t testing.TB

	mu          sync.Mutex
	steps       []step
	matched     int           // bytes of steps[0].write written so far
	unread      []byte        // replies not read yet
	timeout     time.Duration // the read timeout
	written     int           // bytes written in all
	unplugAfter int           // writes fail with ErrUnplugged past this many bytes; 0 never
	block       chan struct{} // when set, Write waits for it to close
}

var _ devices.Port = (*playback)(nil)

func newPlayback(t testing.TB, steps ...step) *playback {
	return &playback{t: t, steps: steps, timeout: time.Second}
}

// statusSteps is the conversation of one Status call: DLE EOT 1, 2 and 4 with replies.
func statusSteps(printer, offline, paper byte) []step {
	return []step{
		{write: []byte{0x10, 0x04, 0x01}, reply: []byte{printer}},
		{write: []byte{0x10, 0x04, 0x02}, reply: []byte{offline}},
		{write: []byte{0x10, 0x04, 0x04}, reply: []byte{paper}},
	}
}

// ready is the status conversation with a printer that can print.
var ready = statusSteps(0x12, 0x12, 0x12)

func (p *playback) Name() string { return "playback" }

func (p *playback) Close() error { return nil }

func (p *playback) SetReadTimeout(d time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.timeout = d
	return nil
}

func (p *playback) Read(b []byte) (int, error) {
	p.mu.Lock()
	if len(p.unread) > 0 {
		n := copy(b, p.unread)
		p.unread = p.unread[n:]
		p.mu.Unlock()
		return n, nil
	}
	timeout := p.timeout
	p.mu.Unlock()
	time.Sleep(timeout)
	return 0, nil
}

func (p *playback) Write(b []byte) (int, error) {
	if p.block != nil {
		<-p.block
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.unplugAfter > 0 && p.written+len(b) > p.unplugAfter {
		return 0, devices.Wrap("write", p.Name(), devices.ErrUnplugged)
	}
	p.written += len(b)
	for rest := b; len(rest) > 0; {
		if len(p.steps) == 0 {
			p.t.Errorf("unexpected write % x after the end of the conversation", rest)
			return 0, devices.Wrap("write", p.Name(), devices.ErrProtocol)
		}
		want := p.steps[0].write[p.matched:]
		n := min(len(want), len(rest))
		if !bytes.Equal(rest[:n], want[:n]) {
			p.t.Errorf("wrote % x\nwant  % x", rest[:n], want[:n])
			return 0, devices.Wrap("write", p.Name(), devices.ErrProtocol)
		}
		rest, p.matched = rest[n:], p.matched+n
		if p.matched == len(p.steps[0].write) {
			p.unread = append(p.unread, p.steps[0].reply...)
			p.steps, p.matched = p.steps[1:], 0
		}
	}
	return len(b), nil
}

// done checks that the whole conversation took place.
func (p *playback) done() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.steps) > 0 {
		p.t.Errorf("%d steps never happened, the first: write % x", len(p.steps), p.steps[0].write)
	}
	if len(p.unread) > 0 {
		p.t.Errorf("replies never read: % x", p.unread)
	}
}

// record is a devices.Port that passes everything to a real port and writes the
// conversation down as steps, for playback to replay (conntest.Record).
type record struct {
	devices.Port
	mu    sync.Mutex
	steps []step
}

func (r *record) Write(b []byte) (int, error) {
	n, err := r.Port.Write(b)
	r.mu.Lock()
	defer r.mu.Unlock()
	if last := len(r.steps) - 1; last >= 0 && len(r.steps[last].reply) == 0 {
		r.steps[last].write = append(r.steps[last].write, b[:n]...)
	} else {
		r.steps = append(r.steps, step{write: append([]byte(nil), b[:n]...)})
	}
	return n, err
}

func (r *record) Read(b []byte) (int, error) {
	n, err := r.Port.Read(b)
	if n > 0 {
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.steps) == 0 {
			panic(fmt.Sprintf("record: read % x before any write", b[:n]))
		}
		last := &r.steps[len(r.steps)-1]
		last.reply = append(last.reply, b[:n]...)
	}
	return n, err
}

// conversation returns the steps recorded.
func (r *record) conversation() []step {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]step(nil), r.steps...)
}
