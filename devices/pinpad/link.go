package pinpad

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/pinpad/ipp"
)

const (
	// maxTransmissions is how often a frame is sent before giving up: the pad sends
	// EOT after its third NAK (Mx800 guide, every "Communication Protocol" table:
	// "NAK if LRC incorrect (EOT after 3 NAKs)"), and the till NAKs a corrupt frame
	// from the pad at most three times, then sends EOT itself.
	maxTransmissions = 3
	// pollInterval bounds each blocking read, so a cancelled context is noticed
	// within it.
	pollInterval = 50 * time.Millisecond
	// discardWait and maxDiscardReads bound the clearing of stale input (a late
	// EOT, the rest of a garbled frame) before each operation.
	discardWait     = time.Millisecond
	maxDiscardReads = 16
)

// errEOT is the pad ending the session with EOT where the till awaited a frame: for
// a PIN request the customer cancelled (or the pad's entry timer ran out).
var errEOT = errors.New("PIN pad sent EOT")

// link is the till's end of the line: it frames packets, waits for their ACK and
// resends on NAK or silence, NAKs corrupt frames from the pad, and bounds every read.
// It is used by one operation at a time.
type link struct {
	port       devices.Port
	ackTimeout time.Duration
	now        func() time.Time
	log        *slog.Logger
	dec        ipp.Decoder
	buf        [256]byte
	pending    []byte // read from the port, not yet decoded
}

// next returns the next thing the pad sent, waiting until deadline (ErrTimeout) or
// until ctx ends (its cause).
func (l *link) next(ctx context.Context, deadline time.Time) (ipp.Event, error) {
	for {
		for len(l.pending) > 0 {
			b := l.pending[0]
			l.pending = l.pending[1:]
			if ev, ok := l.dec.Feed(b); ok {
				return ev, nil
			}
		}
		if ctx.Err() != nil {
			return ipp.Event{}, context.Cause(ctx)
		}
		left := deadline.Sub(l.now())
		if left <= 0 {
			return ipp.Event{}, devices.Wrap("read", l.port.Name(), devices.ErrTimeout)
		}
		if err := l.port.SetReadTimeout(min(left, pollInterval)); err != nil {
			return ipp.Event{}, err
		}
		n, err := l.port.Read(l.buf[:])
		l.pending = l.buf[:n]
		if err != nil {
			return ipp.Event{}, err
		}
	}
}

// write sends raw bytes (a frame or one control byte).
func (l *link) write(b []byte) error {
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

// discard drops stale input and any partial frame before a new operation. Errors
// are left for the operation to find.
func (l *link) discard() {
	l.pending = nil
	l.dec.Reset()
	for range maxDiscardReads {
		if l.port.SetReadTimeout(discardWait) != nil {
			return
		}
		n, err := l.port.Read(l.buf[:])
		if n == 0 || err != nil {
			return
		}
		l.log.Debug("discarded stale input", "bytes", n)
	}
}

// send transmits a frame until the pad ACKs it: again on NAK or when no answer
// comes within the ACK timeout, at most maxTransmissions times.
func (l *link) send(ctx context.Context, f ipp.Frame) error {
	raw, err := ipp.Encode(f)
	if err != nil {
		return err
	}
	typ := ipp.PacketType(f)
	var last error
	for attempt := 1; attempt <= maxTransmissions; attempt++ {
		if err := l.write(raw); err != nil {
			return err
		}
		ev, err := l.next(ctx, l.now().Add(l.ackTimeout))
		switch {
		case errors.Is(err, devices.ErrTimeout):
			last = fmt.Errorf("no ACK to packet %s after %d transmissions: %w", typ, attempt, err)
			l.log.Debug("no ACK, sending again", "packet", typ, "attempt", attempt)
			continue
		case err != nil:
			return err
		case ev.Kind == ipp.Control && ev.Byte == ipp.ACK:
			return nil
		case ev.Kind == ipp.Control && ev.Byte == ipp.NAK:
			last = fmt.Errorf("packet %s NAKed %d times: %w", typ, attempt, devices.ErrProtocol)
			l.log.Debug("NAK, sending again", "packet", typ, "attempt", attempt)
			continue
		case ev.Kind == ipp.Control && ev.Byte == ipp.EOT:
			return fmt.Errorf("packet %s answered with EOT: %w (%w)", typ, ErrRefused, devices.ErrProtocol)
		}
		l.discard()
		return fmt.Errorf("packet %s answered with %s instead of ACK: %w", typ, describe(ev), devices.ErrProtocol)
	}
	return last
}

// receive waits until deadline for a frame from the pad and ACKs it. It NAKs a
// corrupt frame so that the pad sends it again, and after maxTransmissions corrupt
// frames in a row sends EOT and gives up. EOT from the pad gives errEOT.
func (l *link) receive(ctx context.Context, deadline time.Time) (ipp.Frame, error) {
	for corrupt := 0; ; {
		ev, err := l.next(ctx, deadline)
		if err != nil {
			return ipp.Frame{}, err
		}
		switch ev.Kind {
		case ipp.Received:
			return ev.Frame, l.write([]byte{ipp.ACK})
		case ipp.Corrupt:
			corrupt++
			l.log.Debug("corrupt frame from the pad", "err", ev.Err, "count", corrupt)
			if corrupt >= maxTransmissions {
				return ipp.Frame{}, errors.Join(
					fmt.Errorf("%d corrupt frames in a row, last: %w: %w", corrupt, ev.Err, devices.ErrProtocol),
					l.write([]byte{ipp.EOT}))
			}
			if err := l.write([]byte{ipp.NAK}); err != nil {
				return ipp.Frame{}, err
			}
			deadline = later(deadline, l.now().Add(l.ackTimeout))
		case ipp.Control:
			if ev.Byte == ipp.EOT {
				return ipp.Frame{}, errEOT
			}
			return ipp.Frame{}, fmt.Errorf("unexpected %v while awaiting a packet: %w", ev, devices.ErrProtocol)
		default:
			l.discard()
			return ipp.Frame{}, fmt.Errorf("pad sent %s, not a packet: %w", describe(ev), devices.ErrProtocol)
		}
	}
}

// cancelSession sends packet 72 and waits for its ACK (pad idle) or EOT (PIN entry
// ended). A packet 73 that crossed the cancel on the line is ACKed and dropped: its
// PIN block is never used. Bounded by maxTransmissions ACK timeouts.
func (l *link) cancelSession(ctx context.Context) error {
	raw, err := ipp.Encode(ipp.CancelRequest())
	if err != nil {
		return err
	}
	var last error
	for attempt := 1; attempt <= maxTransmissions; attempt++ {
		if err := l.write(raw); err != nil {
			return err
		}
		deadline := l.now().Add(l.ackTimeout)
	await:
		for {
			ev, err := l.next(ctx, deadline)
			switch {
			case errors.Is(err, devices.ErrTimeout):
				last = fmt.Errorf("no answer to packet 72: %w", err)
				break await
			case err != nil:
				return err
			case ev.Kind == ipp.Control && (ev.Byte == ipp.ACK || ev.Byte == ipp.EOT):
				return nil
			case ev.Kind == ipp.Control && ev.Byte == ipp.NAK:
				last = fmt.Errorf("packet 72 NAKed %d times: %w", attempt, devices.ErrProtocol)
				break await
			case ev.Kind == ipp.Received:
				l.log.Info("dropped a packet that crossed the cancel", "packet", ipp.PacketType(ev.Frame))
				if err := l.write([]byte{ipp.ACK}); err != nil {
					return err
				}
			}
		}
	}
	return last
}

// awaitEOT waits one ACK timeout for the EOT that ends a management exchange
// (Mx800 guide table 70: "EOT terminates session"). Its absence is only logged.
func (l *link) awaitEOT(ctx context.Context) error {
	ev, err := l.next(ctx, l.now().Add(l.ackTimeout))
	switch {
	case errors.Is(err, devices.ErrTimeout):
		l.log.Debug("no EOT after the exchange")
		return nil
	case err != nil:
		return err
	case ev.Kind == ipp.Control && ev.Byte == ipp.EOT:
		return nil
	}
	l.discard()
	return fmt.Errorf("pad sent %v instead of EOT: %w", ev, devices.ErrProtocol)
}

// describe names an unexpected event for an error message, with a hint when it is
// noise: bytes outside any frame mean another device or a wrong baud rate.
func describe(ev ipp.Event) string {
	if ev.Kind == ipp.Noise {
		return ev.String() + " (garbage: another device on the port, or the wrong baud rate?)"
	}
	return ev.String()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
