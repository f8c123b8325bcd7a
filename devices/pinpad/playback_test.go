package pinpad

// Exact-byte tests: a scripted port (periph.io conntest style) checks every byte the
// driver writes against the protocol, with LRCs worked out by hand, and plays the
// pad's answers. Its clock is fake, so timeouts of a minute take no time.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/pinpad/ipp"
)

// step is one exchange: the driver must write want, then reply becomes readable.
type step struct {
	want, reply []byte
}

// playback is a devices.Port playing a script. A read with nothing to give advances
// the fake clock by the read timeout and returns (0, nil), as go.bug.st/serial does
// when its timeout passes.
type playback struct {
	t        *testing.T
	steps    []step
	written  []byte // written for the current step so far
	readable []byte
	now      time.Time
	timeout  time.Duration
}

func newPlayback(t *testing.T, steps ...step) *playback {
	p := &playback{t: t, steps: steps, now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	t.Cleanup(func() {
		if len(p.steps) > 0 || len(p.written) > 0 {
			t.Errorf("script not played out: %d steps left, % x written", len(p.steps), p.written)
		}
	})
	return p
}

func (p *playback) Name() string                         { return "/dev/playback" }
func (p *playback) Close() error                         { return nil }
func (p *playback) SetReadTimeout(d time.Duration) error { p.timeout = d; return nil }
func (p *playback) clock() time.Time                     { return p.now }

func (p *playback) Read(b []byte) (int, error) {
	if len(p.readable) == 0 {
		p.now = p.now.Add(p.timeout)
		return 0, nil
	}
	n := copy(b, p.readable)
	p.readable = p.readable[n:]
	return n, nil
}

func (p *playback) Write(b []byte) (int, error) {
	p.written = append(p.written, b...)
	for len(p.steps) > 0 && len(p.written) >= len(p.steps[0].want) {
		want := p.steps[0].want
		if !bytes.Equal(p.written[:len(want)], want) {
			p.t.Errorf("driver wrote\n% x\nwant\n% x", p.written[:len(want)], want)
			return 0, io.ErrClosedPipe
		}
		p.readable = append(p.readable, p.steps[0].reply...)
		p.written = p.written[len(want):]
		p.steps = p.steps[1:]
	}
	if len(p.steps) == 0 && len(p.written) > 0 {
		p.t.Errorf("driver wrote % x after the end of the script", p.written)
		return 0, io.ErrClosedPipe
	}
	return len(b), nil
}

var _ devices.Port = (*playback)(nil)

// Frames with their LRCs worked out by hand: XOR of the body and the end delimiter.
var (
	ack = []byte{ipp.ACK}
	nak = []byte{ipp.NAK}
	eot = []byte{ipp.EOT}

	showHello    = []byte("\x02Z2\x1aHELLO\x03\x33")
	showPrompt   = []byte("\x02Z2\x1aAMOUNT CNY 12.34ENTER PIN\x03\x3c")
	z60          = []byte("\x02Z60.4761739001010010\x1cDUKPT ENCRYPTION\x03\x14")
	pinBlock73   = []byte("\x0273.000009876543210E000011B9C174556309B12\x03\x1a")
	exhausted73  = []byte("\x02736\x03\x31")
	cancel72     = []byte("\x0272\x03\x06")
	engineCheck  = []byte("\x0f25\x0e\x09")
	engineAnswer = []byte("\x0f250\x0e\x39")
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func playbackPad(p *playback, cfg Config) *Pad {
	cfg.Now = p.clock
	cfg.Logger = slog.New(slog.DiscardHandler)
	return New(p, cfg)
}

func TestPlaybackShow(t *testing.T) {
	p := newPlayback(t, step{showHello, nak}, step{showHello, ack}) // resent once after NAK
	if err := playbackPad(p, Config{}).Show(context.Background(), "HELLO"); err != nil {
		t.Fatal(err)
	}
}

func TestPlaybackRequestPIN(t *testing.T) {
	p := newPlayback(t,
		step{showPrompt, ack},
		step{z60, cat(ack, pinBlock73)},
		step{ack, nil},
	)
	pin, err := playbackPad(p, Config{}).RequestPIN(context.Background(), testPAN, 12_34)
	if err != nil {
		t.Fatal(err)
	}
	want := EncryptedPIN{
		Key:   ipp.TDES,
		KSN:   []byte{0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE0, 0x00, 0x01},
		Block: []byte{0x1B, 0x9C, 0x17, 0x45, 0x56, 0x30, 0x9B, 0x12},
	}
	if !reflect.DeepEqual(pin, want) {
		t.Errorf("RequestPIN = %+v, want %+v", pin, want)
	}
}

func TestPlaybackCorruptAnswerIsNAKed(t *testing.T) {
	corrupt := cat(pinBlock73[:len(pinBlock73)-1], []byte{0x00})
	p := newPlayback(t,
		step{showPrompt, ack},
		step{z60, cat(ack, corrupt)},
		step{nak, pinBlock73},
		step{ack, nil},
	)
	if _, err := playbackPad(p, Config{}).RequestPIN(context.Background(), testPAN, 12_34); err != nil {
		t.Fatal(err)
	}
}

func TestPlaybackRefusal(t *testing.T) {
	p := newPlayback(t,
		step{showPrompt, ack},
		step{z60, cat(ack, exhausted73)},
		step{ack, nil},
	)
	_, err := playbackPad(p, Config{}).RequestPIN(context.Background(), testPAN, 12_34)
	var entry *ipp.EntryError
	if !errors.Is(err, ErrRefused) || !errors.As(err, &entry) || entry.Code != ipp.EntryExhausted {
		t.Fatalf("RequestPIN error %v, want ErrRefused with code 6", err)
	}
}

func TestPlaybackEntryTimeoutCancels(t *testing.T) {
	p := newPlayback(t,
		step{showPrompt, ack},
		step{z60, ack},
		step{cancel72, eot}, // after a minute without a PIN the till sends 72
	)
	start := p.now
	_, err := playbackPad(p, Config{}).RequestPIN(context.Background(), testPAN, 12_34)
	if !errors.Is(err, devices.ErrTimeout) {
		t.Fatalf("RequestPIN error %v, want ErrTimeout", err)
	}
	if waited := p.now.Sub(start); waited < DefaultEntryTimeout || waited > DefaultEntryTimeout+time.Second {
		t.Errorf("gave up after %v of fake time, want %v", waited, DefaultEntryTimeout)
	}
}

func TestPlaybackSilentPadTimesOut(t *testing.T) {
	p := newPlayback(t, step{showHello, nil}, step{showHello, nil}, step{showHello, nil})
	start := p.now
	err := playbackPad(p, Config{}).Show(context.Background(), "HELLO")
	if !errors.Is(err, devices.ErrTimeout) {
		t.Fatalf("Show error %v, want ErrTimeout", err)
	}
	if waited := p.now.Sub(start); waited < 3*DefaultAckTimeout {
		t.Errorf("gave up after %v, want three ACK timeouts", waited)
	}
}

func TestPlaybackEngineCheck(t *testing.T) {
	p := newPlayback(t,
		step{engineCheck, cat(ack, engineAnswer)},
		step{ack, eot},
	)
	engine, err := playbackPad(p, Config{}).CheckDUKPT(context.Background())
	if err != nil || engine != 0 {
		t.Fatalf("CheckDUKPT = %d, %v", engine, err)
	}
}

func TestPlaybackCancelIdle(t *testing.T) {
	p := newPlayback(t, step{cancel72, ack})
	if err := playbackPad(p, Config{}).Cancel(context.Background()); err != nil {
		t.Fatal(err)
	}
}
