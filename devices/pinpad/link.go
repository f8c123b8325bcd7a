package pinpad

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/pinpad/ipp"
	"tilldesk/devices/seriallink"
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
	// discardWait bounds each read while clearing stale input (a late EOT, the rest
	// of a garbled frame) before each operation.
	discardWait = time.Millisecond
	// readBuffer is how much is read from the port at a time.
	readBuffer = 256
)

// errEOT is the pad ending the session with EOT where the till awaited a frame: for
// a PIN request the customer cancelled (or the pad's entry timer ran out).
var errEOT = errors.New("PIN pad sent EOT")

// link is the till's end of the line: it frames packets, waits for their ACK and
// resends on NAK or silence, NAKs corrupt frames from the pad, and bounds every read.
// It is used by one operation at a time.
type link struct {
	*seriallink.Link[ipp.Frame]
	ackTimeout time.Duration
	log        *slog.Logger
}

// newLink returns the till's end of the line to the pad on port.
func newLink(port devices.Port, ackTimeout time.Duration, now func() time.Time, log *slog.Logger) *link {
	return &link{
		Link: seriallink.New[ipp.Frame](port, &ipp.Decoder{}, seriallink.Config{
			ReadStep: pollInterval, DiscardWait: discardWait, ReadBuffer: readBuffer, Now: now, Logger: log}),
		ackTimeout: ackTimeout,
		log:        log,
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
	return l.Transmit(ctx, raw, maxTransmissions, l.ackTimeout, func(attempt int, ev ipp.Event, err error) (seriallink.Verdict, error) {
		switch {
		case errors.Is(err, devices.ErrTimeout):
			l.log.Debug("no ACK, sending again", "packet", typ, "attempt", attempt)
			return seriallink.Again, fmt.Errorf("no ACK to packet %s after %d transmissions: %w", typ, attempt, err)
		case err != nil:
			return seriallink.Done, err
		case ev.Kind == seriallink.Control && ev.Byte == ipp.ACK:
			return seriallink.Done, nil
		case ev.Kind == seriallink.Control && ev.Byte == ipp.NAK:
			l.log.Debug("NAK, sending again", "packet", typ, "attempt", attempt)
			return seriallink.Again, fmt.Errorf("packet %s NAKed %d times: %w", typ, attempt, devices.ErrProtocol)
		case ev.Kind == seriallink.Control && ev.Byte == ipp.EOT:
			return seriallink.Done, fmt.Errorf("packet %s answered with EOT: %w (%w)", typ, ErrRefused, devices.ErrProtocol)
		}
		l.Discard()
		return seriallink.Done, fmt.Errorf("packet %s answered with %s instead of ACK: %w", typ, describe(ev), devices.ErrProtocol)
	})
}

// receive waits until deadline for a frame from the pad and ACKs it. It NAKs a
// corrupt frame so that the pad sends it again, and after maxTransmissions corrupt
// frames in a row sends EOT and gives up. EOT from the pad gives errEOT.
func (l *link) receive(ctx context.Context, deadline time.Time) (ipp.Frame, error) {
	var frame ipp.Frame
	err := l.Receive(ctx, deadline, seriallink.Reception[ipp.Frame]{
		MaxCorrupt: maxTransmissions,
		Exhausted: func(ev ipp.Event) error {
			return errors.Join(
				fmt.Errorf("%d corrupt frames in a row, last: %w: %w", maxTransmissions, ev.Err, devices.ErrProtocol),
				l.Write(ipp.EOT))
		},
		NAKGrace: l.ackTimeout,
		Judge: func(ev ipp.Event) (seriallink.Verdict, error) {
			switch ev.Kind {
			case seriallink.Received:
				frame = ev.Frame
				return seriallink.Done, nil
			case seriallink.Control:
				if ev.Byte == ipp.EOT {
					return seriallink.Done, errEOT
				}
				return seriallink.Done, fmt.Errorf("unexpected %v while awaiting a packet: %w", ev, devices.ErrProtocol)
			}
			l.Discard()
			return seriallink.Done, fmt.Errorf("pad sent %s, not a packet: %w", describe(ev), devices.ErrProtocol)
		},
	})
	if err != nil {
		return ipp.Frame{}, err
	}
	return frame, nil
}

// cancelSession sends packet 72 and waits for its ACK (pad idle) or EOT (PIN entry
// ended). A packet 73 that crossed the cancel on the line is ACKed and dropped: its
// PIN block is never used. Bounded by maxTransmissions ACK timeouts.
func (l *link) cancelSession(ctx context.Context) error {
	raw, err := ipp.Encode(ipp.CancelRequest())
	if err != nil {
		return err
	}
	return l.Transmit(ctx, raw, maxTransmissions, l.ackTimeout, func(attempt int, ev ipp.Event, err error) (seriallink.Verdict, error) {
		switch {
		case errors.Is(err, devices.ErrTimeout):
			return seriallink.Again, fmt.Errorf("no answer to packet 72: %w", err)
		case err != nil:
			return seriallink.Done, err
		case ev.Kind == seriallink.Control && (ev.Byte == ipp.ACK || ev.Byte == ipp.EOT):
			return seriallink.Done, nil
		case ev.Kind == seriallink.Control && ev.Byte == ipp.NAK:
			return seriallink.Again, fmt.Errorf("packet 72 NAKed %d times: %w", attempt, devices.ErrProtocol)
		case ev.Kind == seriallink.Received:
			l.log.Info("dropped a packet that crossed the cancel", "packet", ipp.PacketType(ev.Frame))
			if err := l.Write(ipp.ACK); err != nil {
				return seriallink.Done, err
			}
		}
		return seriallink.Wait, nil
	})
}

// awaitEOT waits one ACK timeout for the EOT that ends a management exchange
// (Mx800 guide table 70: "EOT terminates session"). Its absence is only logged.
func (l *link) awaitEOT(ctx context.Context) error {
	ev, err := l.Next(ctx, l.Now().Add(l.ackTimeout))
	switch {
	case errors.Is(err, devices.ErrTimeout):
		l.log.Debug("no EOT after the exchange")
		return nil
	case err != nil:
		return err
	case ev.Kind == seriallink.Control && ev.Byte == ipp.EOT:
		return nil
	}
	l.Discard()
	return fmt.Errorf("pad sent %v instead of EOT: %w", ev, devices.ErrProtocol)
}

// describe names an unexpected event for an error message, with a hint when it is
// noise: bytes outside any frame mean another device or a wrong baud rate.
func describe(ev ipp.Event) string {
	if ev.Kind == seriallink.Noise {
		return ev.String() + " (garbage: another device on the port, or the wrong baud rate?)"
	}
	return ev.String()
}
