package seriallink

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"tilldesk/devices"
)

// maxDiscardReads bounds the clearing of stale input (a late answer, the rest of a
// garbled frame) before a new exchange.
const maxDiscardReads = 16

// Config is how a Link uses its port.
type Config struct {
	// ReadStep bounds each blocking read, so that a cancelled context (and a line
	// fallen silent mid-frame) is noticed within it. It must be positive.
	ReadStep time.Duration
	// FrameGap is how long the line may fall silent inside a frame before the frame
	// counts as cut short (the decoder must be a Cutter); 0 means never.
	FrameGap time.Duration
	// DiscardWait is the read timeout while Discard clears stale input: 0 drops only
	// what has already arrived.
	DiscardWait time.Duration
	// ReadBuffer is how many bytes are read from the port at a time.
	ReadBuffer int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives what the link does (never frame data); nil means
	// slog.Default().
	Logger *slog.Logger
}

// Link is the host's end of the line. It is used by one exchange at a time.
type Link[F Frame] struct {
	port     devices.Port
	dec      Decoder[F]
	cut      Cutter[F] // dec, when it cuts frames on FrameGap
	cfg      Config
	buf      []byte
	pending  []byte    // read from the port, not yet decoded
	lastByte time.Time // when the last byte arrived (kept with FrameGap only)
}

// New returns a link that decodes what port sends with dec. A positive FrameGap
// needs a dec that is a Cutter.
func New[F Frame](port devices.Port, dec Decoder[F], cfg Config) *Link[F] {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Link[F]{port: port, dec: dec, cfg: cfg, buf: make([]byte, cfg.ReadBuffer)}
	if cfg.FrameGap > 0 {
		c, ok := dec.(Cutter[F])
		if !ok {
			panic(fmt.Sprintf("seriallink: a FrameGap needs a decoder that cuts frames, not %T", dec))
		}
		l.cut = c
	}
	return l
}

// Port is the link's port.
func (l *Link[F]) Port() devices.Port { return l.port }

// Now reads the link's clock.
func (l *Link[F]) Now() time.Time { return l.cfg.Now() }

// Next returns the next event on the line, waiting until deadline (an error wrapping
// devices.ErrTimeout) or until ctx ends (its cause).
func (l *Link[F]) Next(ctx context.Context, deadline time.Time) (Event[F], error) {
	for {
		for len(l.pending) > 0 {
			b := l.pending[0]
			l.pending = l.pending[1:]
			if ev, ok := l.dec.Feed(b); ok {
				return ev, nil
			}
		}
		if l.cut != nil && l.dec.Pending() && l.cfg.Now().Sub(l.lastByte) > l.cfg.FrameGap {
			if ev, ok := l.cut.Cut(); ok {
				return ev, nil
			}
		}
		if ctx.Err() != nil {
			return Event[F]{}, context.Cause(ctx)
		}
		left := deadline.Sub(l.cfg.Now())
		if left <= 0 {
			return Event[F]{}, devices.Wrap("read", l.port.Name(), devices.ErrTimeout)
		}
		if err := l.port.SetReadTimeout(min(left, l.cfg.ReadStep)); err != nil {
			return Event[F]{}, err
		}
		n, err := l.port.Read(l.buf)
		if n > 0 {
			l.pending = l.buf[:n]
			if l.cut != nil {
				l.lastByte = l.cfg.Now()
			}
		}
		if err != nil {
			return Event[F]{}, err
		}
	}
}

// Write sends raw bytes (a frame or a control byte), all of them.
func (l *Link[F]) Write(b ...byte) error {
	for len(b) > 0 {
		n, err := l.port.Write(b)
		if err != nil {
			return err
		}
		if n == 0 {
			return devices.Wrap("write", l.port.Name(), fmt.Errorf("port took no bytes: %w", devices.ErrProtocol))
		}
		b = b[n:]
	}
	return nil
}

// Discard drops stale input and any partial frame before a new exchange. Errors are
// left for the exchange to find.
func (l *Link[F]) Discard() {
	l.pending = nil
	l.dec.Reset()
	for range maxDiscardReads {
		if l.port.SetReadTimeout(l.cfg.DiscardWait) != nil {
			return
		}
		n, err := l.port.Read(l.buf)
		if n == 0 || err != nil {
			return
		}
		l.cfg.Logger.Debug("discarded stale input", "bytes", n)
	}
}

// Verdict is what an event means to the exchange waiting for it.
type Verdict int

// The verdicts.
const (
	// Wait: not the awaited answer; keep waiting until the deadline.
	Wait Verdict = iota
	// Done: the wait is over; its error (nil: success) is the exchange's.
	Done
	// Again: Transmit sends the frame again; the error says why, and is the
	// exchange's when no transmission is left.
	Again
)

// Transmit sends raw and waits up to ackTimeout for the answer, as answer judges
// each event; it sends raw again while answer says Again, at most attempts times in
// all. answer also judges the error that ends a wait (a timeout wrapping
// devices.ErrTimeout, the context's cause, a port error), with a zero event: Wait is
// then taken as Again with that error. Transmit returns answer's error with Done, the
// error of the last Again when no attempt is left, or a write error.
func (l *Link[F]) Transmit(ctx context.Context, raw []byte, attempts int, ackTimeout time.Duration,
	answer func(attempt int, ev Event[F], err error) (Verdict, error)) error {
	var last error
	for attempt := 1; attempt <= attempts; attempt++ {
		if err := l.Write(raw...); err != nil {
			return err
		}
		deadline := l.cfg.Now().Add(ackTimeout)
		for {
			ev, err := l.Next(ctx, deadline)
			verdict, why := answer(attempt, ev, err)
			if verdict == Wait && err != nil {
				verdict, why = Again, err
			}
			if verdict == Done {
				return why
			}
			if verdict == Again {
				last = why
				break
			}
		}
	}
	return last
}

// Reception is how Receive treats what comes instead of a good frame.
type Reception[F Frame] struct {
	// MaxCorrupt is how many corrupt frames end the wait: those before are answered
	// NAK, and the last gives Exhausted's error. It must be positive.
	MaxCorrupt int
	// Exhausted returns the error of the MaxCorrupt-th corrupt frame, ev, after
	// sending whatever the protocol sends then.
	Exhausted func(ev Event[F]) error
	// NAKGrace, when positive, makes the wait last at least this long after each NAK,
	// for the other side to send the frame again.
	NAKGrace time.Duration
	// Judge judges every other event, a Received one after Receive has ACKed it: Wait
	// to skip it (noise, an answer to an earlier request), Done to end the wait with
	// its error (nil: the frame awaited).
	Judge func(ev Event[F]) (Verdict, error)
}

// Receive reads events until deadline, the context's end, or Judge's Done: it ACKs
// every good frame and NAKs corrupt ones, giving up at the MaxCorrupt-th corrupt frame
// (not reset by skipped events).
func (l *Link[F]) Receive(ctx context.Context, deadline time.Time, r Reception[F]) error {
	corrupt := 0
	for {
		ev, err := l.Next(ctx, deadline)
		if err != nil {
			return err
		}
		switch ev.Kind {
		case Corrupt:
			if corrupt++; corrupt >= r.MaxCorrupt {
				return r.Exhausted(ev)
			}
			l.cfg.Logger.Debug("corrupt frame, sending NAK", "err", ev.Err, "count", corrupt)
			if err := l.Write(NAK); err != nil {
				return err
			}
			if r.NAKGrace > 0 {
				if grace := l.cfg.Now().Add(r.NAKGrace); grace.After(deadline) {
					deadline = grace
				}
			}
			continue
		case Received:
			if err := l.Write(ACK); err != nil {
				return err
			}
		}
		if verdict, err := r.Judge(ev); verdict == Done {
			return err
		}
	}
}
