package seriallink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"tilldesk/devices"
)

// The test protocol: STX body ETX SUM, SUM the XOR of the body; at most maxBody bytes
// of body. Its decoder cuts a frame the line fell silent in.
const (
	stx     = 0x02
	etx     = 0x03
	maxBody = 8
)

var (
	errSum   = errors.New("test: checksum mismatch")
	errLong  = errors.New("test: body too long")
	errShort = errors.New("test: frame cut short")
)

type testFrame struct{ body []byte }

func (f testFrame) String() string { return fmt.Sprintf("test frame of %d bytes", len(f.body)) }
func (testFrame) Unit() string     { return "test frame" }

func encode(body string) []byte {
	sum := byte(0)
	for i := range len(body) {
		sum ^= body[i]
	}
	return append(append([]byte{stx}, body...), etx, sum)
}

// corrupt is encode with a wrong checksum.
func corrupt(body string) []byte {
	raw := encode(body)
	raw[len(raw)-1] ^= 0xFF
	return raw
}

type testDecoder struct {
	inFrame, awaitingSum bool
	body                 []byte
}

func (d *testDecoder) Feed(b byte) (Event[testFrame], bool) {
	switch {
	case d.awaitingSum:
		d.inFrame, d.awaitingSum = false, false
		sum := byte(0)
		for _, c := range d.body {
			sum ^= c
		}
		if sum != b {
			return Event[testFrame]{Kind: Corrupt, Err: errSum}, true
		}
		return Event[testFrame]{Kind: Received, Frame: testFrame{bytes.Clone(d.body)}}, true
	case d.inFrame && b == etx:
		d.awaitingSum = true
	case d.inFrame && len(d.body) == maxBody:
		d.inFrame = false
		return Event[testFrame]{Kind: Corrupt, Err: errLong}, true
	case d.inFrame:
		d.body = append(d.body, b)
	case b == stx:
		d.inFrame, d.body = true, d.body[:0]
	default:
		return Unframed[testFrame](b), true
	}
	return Event[testFrame]{}, false
}

func (d *testDecoder) Pending() bool { return d.inFrame }
func (d *testDecoder) Reset()        { d.inFrame, d.awaitingSum = false, false }

func (d *testDecoder) Cut() (Event[testFrame], bool) {
	if !d.inFrame {
		return Event[testFrame]{}, false
	}
	d.Reset()
	return Event[testFrame]{Kind: Corrupt, Err: errShort}, true
}

// pipePort is a devices.Port on one end of a net.Pipe: a read timeout returns (0, nil),
// as go.bug.st/serial does.
type pipePort struct{ net.Conn }

func (p pipePort) Name() string { return "pipe" }

func (p pipePort) SetReadTimeout(d time.Duration) error {
	return p.SetReadDeadline(time.Now().Add(d))
}

func (p pipePort) Read(b []byte) (int, error) {
	n, err := p.Conn.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}

// step is what the device does next: send bytes, or expect the link's.
type step struct {
	say  bool
	data []byte
}

func say(b ...byte) step    { return step{say: true, data: b} }
func expect(b ...byte) step { return step{data: b} }

// device plays the other end of the line from a script, then reports what the link
// sent after it (nothing, in every test) once the link's end is closed.
func device(conn net.Conn, script []step) <-chan error {
	done := make(chan error, 1)
	go func() {
		defer conn.Close()
		for i, s := range script {
			if s.say {
				if _, err := conn.Write(s.data); err != nil {
					done <- fmt.Errorf("step %d: say % X: %w", i, s.data, err)
					return
				}
				continue
			}
			got := make([]byte, len(s.data))
			if _, err := io.ReadFull(conn, got); err != nil || !bytes.Equal(got, s.data) {
				done <- fmt.Errorf("step %d: link sent % X (%v), want % X", i, got, err, s.data)
				return
			}
		}
		if extra, _ := io.ReadAll(conn); len(extra) > 0 {
			done <- fmt.Errorf("link sent % X after the script", extra)
			return
		}
		done <- nil
	}()
	return done
}

// open returns a link on a pipe whose other end plays script, and a function that
// closes the link's end and fails the test unless the script ran to its end.
func open(t *testing.T, cfg Config, script ...step) (*Link[testFrame], func()) {
	t.Helper()
	host, dev := net.Pipe()
	played := device(dev, script)
	if cfg.ReadStep == 0 {
		cfg.ReadStep = 5 * time.Millisecond
	}
	cfg.ReadBuffer = 4
	cfg.Logger = slog.New(slog.DiscardHandler)
	l := New[testFrame](pipePort{host}, &testDecoder{}, cfg)
	return l, func() {
		t.Helper()
		host.Close()
		if err := <-played; err != nil {
			t.Fatal(err)
		}
	}
}

// ackOnly is an answer that takes ACK, sends again on NAK and silence, and skips
// anything else.
func ackOnly(attempt int, ev Event[testFrame], err error) (Verdict, error) {
	switch {
	case err != nil:
		return Again, fmt.Errorf("attempt %d: %w", attempt, err)
	case ev.Kind == Control && ev.Byte == ACK:
		return Done, nil
	case ev.Kind == Control && ev.Byte == NAK:
		return Again, fmt.Errorf("attempt %d NAKed: %w", attempt, devices.ErrProtocol)
	case ev.Kind == Control && ev.Byte == EOT:
		return Done, errors.New("refused with EOT")
	}
	return Wait, nil
}

func TestTransmit(t *testing.T) {
	cmd := encode("CMD")
	tests := []struct {
		name   string
		script []step
		want   error // nil: delivered
		msg    string
	}{
		{"ACK at once", []step{expect(cmd...), say(ACK)}, nil, ""},
		{"resync on garbage before the ACK", []step{expect(cmd...), say('x', 0xFF, 0x00), say(ACK)}, nil, ""},
		{"a corrupt frame is skipped", []step{expect(cmd...), say(corrupt("OLD")...), say(ACK)}, nil, ""},
		{"a stray frame is skipped", []step{expect(cmd...), say(encode("OLD")...), say(ACK)}, nil, ""},
		{"NAK, then ACK", []step{expect(cmd...), say(NAK), expect(cmd...), say(ACK)}, nil, ""},
		{"silence, then ACK", []step{expect(cmd...), expect(cmd...), say(ACK)}, nil, ""},
		{"NAK until retries are exhausted", []step{expect(cmd...), say(NAK), expect(cmd...), say(NAK), expect(cmd...), say(NAK)},
			devices.ErrProtocol, "attempt 3 NAKed"},
		{"silence until retries are exhausted", []step{expect(cmd...), expect(cmd...), expect(cmd...)}, devices.ErrTimeout, "attempt 3"},
		{"the answer ends it", []step{expect(cmd...), say(EOT)}, nil, "refused with EOT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, closeLink := open(t, Config{}, tt.script...)
			start := time.Now()
			err := l.Transmit(context.Background(), cmd, 3, 60*time.Millisecond, ackOnly)
			closeLink()
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("Transmit = %v, want delivered", err)
				}
				return
			}
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Transmit = %v, want %q wrapping %v", err, tt.msg, tt.want)
			}
			if errors.Is(err, devices.ErrTimeout) {
				var de *devices.Error
				if took := time.Since(start); took < 180*time.Millisecond || !errors.As(err, &de) || de.Op != "read" || de.Port != "pipe" {
					t.Fatalf("timed out after %v with %#v", took, de)
				}
			}
		})
	}
}

func TestTransmitContext(t *testing.T) {
	cmd := encode("CMD")
	l, closeLink := open(t, Config{}, expect(cmd...))
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("till cancelled")
	time.AfterFunc(20*time.Millisecond, func() { cancel(stop) })
	err := l.Transmit(ctx, cmd, 3, time.Minute, func(attempt int, ev Event[testFrame], err error) (Verdict, error) {
		if err != nil {
			return Done, err
		}
		return ackOnly(attempt, ev, err)
	})
	closeLink()
	if !errors.Is(err, stop) {
		t.Fatalf("Transmit = %v, want the context's cause", err)
	}
}

// takeFrame is a reception that returns the first good frame and skips anything else.
func takeFrame(got *[]byte, naks int) Reception[testFrame] {
	return Reception[testFrame]{
		MaxCorrupt: naks + 1,
		Exhausted: func(ev Event[testFrame]) error {
			return fmt.Errorf("%d corrupt frames, the last %v: %w", naks+1, ev.Err, devices.ErrProtocol)
		},
		Judge: func(ev Event[testFrame]) (Verdict, error) {
			if ev.Kind != Received {
				return Wait, nil
			}
			*got = ev.Frame.body
			return Done, nil
		},
	}
}

func TestReceive(t *testing.T) {
	answer := encode("ANSWER")
	tests := []struct {
		name   string
		gap    time.Duration
		script []step
		want   error // nil: the frame "ANSWER"
	}{
		{"a good frame is ACKed", 0, []step{say(answer...), expect(ACK)}, nil},
		{"resync on garbage and a stray control byte", 0, []step{say('x', 0xF2, NAK, 0x00), say(answer...), expect(ACK)}, nil},
		{"bad checksum: NAK, then the frame again", 0, []step{say(corrupt("ANSWER")...), expect(NAK), say(answer...), expect(ACK)}, nil},
		{"overlong: NAK, then the frame again", 0, []step{say(stx), say(bytes.Repeat([]byte{'A'}, maxBody+1)...), expect(NAK), say(answer...), expect(ACK)}, nil},
		{"cut short by silence: NAK, then the frame again", 30 * time.Millisecond, []step{say(answer[:4]...), expect(NAK), say(answer...), expect(ACK)}, nil},
		{"corrupt until retries are exhausted", 0, []step{say(corrupt("A")...), expect(NAK), say(corrupt("A")...), expect(NAK), say(corrupt("A")...)}, devices.ErrProtocol},
		{"silence", 0, nil, devices.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, closeLink := open(t, Config{FrameGap: tt.gap}, tt.script...)
			var got []byte
			err := l.Receive(context.Background(), time.Now().Add(300*time.Millisecond), takeFrame(&got, 2))
			closeLink()
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("Receive = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil || string(got) != "ANSWER" {
				t.Fatalf("Receive = %q, %v", got, err)
			}
		})
	}
}

// NAKGrace gives the other side time to send a frame again even when the NAK goes out
// just before the deadline.
func TestReceiveNAKGrace(t *testing.T) {
	answer := encode("ANSWER")
	l, closeLink := open(t, Config{}, say(corrupt("ANSWER")...), expect(NAK), say(answer...), expect(ACK))
	var got []byte
	r := takeFrame(&got, 2)
	r.NAKGrace = time.Second
	// The deadline has passed by the time the corrupt frame is NAKed: only the grace
	// lets the good frame in.
	delayed := &slowPort{Port: l.port, wait: 50 * time.Millisecond}
	l.port = delayed
	err := l.Receive(context.Background(), time.Now().Add(20*time.Millisecond), r)
	closeLink()
	if err != nil || string(got) != "ANSWER" {
		t.Fatalf("Receive = %q, %v", got, err)
	}
}

// slowPort makes each write wait, as a slow line does.
type slowPort struct {
	devices.Port
	wait time.Duration
}

func (p *slowPort) Write(b []byte) (int, error) {
	time.Sleep(p.wait)
	return p.Port.Write(b)
}

func TestDiscardDropsStaleInput(t *testing.T) {
	cmd := encode("CMD")
	l, closeLink := open(t, Config{DiscardWait: 50 * time.Millisecond}, say(ACK, stx, 'x'), expect(cmd...), say(ACK))
	l.Discard()
	err := l.Transmit(context.Background(), cmd, 1, time.Second, ackOnly)
	closeLink()
	if err != nil {
		t.Fatal(err)
	}
}

func TestEventStrings(t *testing.T) {
	for _, tt := range []struct {
		ev   Event[testFrame]
		want string
	}{
		{Unframed[testFrame](ACK), "ACK"},
		{Unframed[testFrame](EOT), "EOT"},
		{Unframed[testFrame]('x'), "noise byte 0x78"},
		{Event[testFrame]{Kind: Received, Frame: testFrame{[]byte("1234")}}, "test frame of 4 bytes"},
		{Event[testFrame]{Kind: Corrupt, Err: errSum}, "corrupt test frame (test: checksum mismatch)"},
		{Event[testFrame]{}, "event(0)"},
	} {
		if got := tt.ev.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.ev, got, tt.want)
		}
	}
}
