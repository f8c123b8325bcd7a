package crt

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/seriallink"
)

const (
	// maxTransmissions is how often a packet is sent, or a corrupt answer NAKed,
	// before giving up (the F3 manual's cases resend once; three tries ride out a
	// burst of noise without hiding a dead line).
	maxTransmissions = 3
	// readStep bounds each blocking read, so that a cancelled context and a silent
	// line mid-packet are noticed within it.
	readStep = 20 * time.Millisecond
	// packetGap is how long the line may fall silent inside a packet before the
	// packet counts as cut short: a reader sends a packet in one go.
	packetGap = 100 * time.Millisecond
	// readBuffer is how much is read from the port at a time.
	readBuffer = 512
)

// link is the host's end of the line: it frames commands, waits for the reader's ACK
// and resends on NAK or silence, NAKs corrupt answers, ACKs good ones, and bounds every
// read. One command at a time.
type link struct {
	*seriallink.Link[Frame]
	address    byte
	ackTimeout time.Duration
	log        *slog.Logger
}

// newLink returns the host's end of the line to the reader at address. Clearing stale
// input before each command (DiscardWait 0) drops only what has already arrived,
// without waiting: a late answer that comes afterwards is skipped as an answer to
// another command, and waiting there would cost every command the system's timer
// granularity (a millisecond).
func newLink(port devices.Port, address byte, ackTimeout time.Duration, now func() time.Time, log *slog.Logger) *link {
	return &link{
		Link: seriallink.New[Frame](port, &Decoder{}, seriallink.Config{
			ReadStep: readStep, FrameGap: packetGap, ReadBuffer: readBuffer, Now: now, Logger: log}),
		address:    address,
		ackTimeout: ackTimeout,
		log:        log,
	}
}

// exchange sends a command and returns the reader's response, waiting for it until
// timeout after the reader ACKed. A reader that never ACKs gives ErrTimeout; one that
// only NAKs, or sends nothing but corrupt answers, ErrProtocol. When the wait for the
// response ends without one (timeout, ctx), the command is discontinued with EOT.
func (l *link) exchange(ctx context.Context, cmd Command, timeout time.Duration) (Response, error) {
	cmd.Address = l.address
	raw, err := Encode(cmd.Frame())
	if err != nil {
		return Response{}, err
	}
	l.Discard()
	if err := l.send(ctx, raw, cmd); err != nil {
		return Response{}, err
	}
	resp, err := l.receive(ctx, l.Now().Add(timeout), cmd)
	if err != nil {
		if werr := l.Write(EOT); werr != nil {
			l.log.Debug("could not discontinue the command", "err", werr)
		}
		return Response{}, err
	}
	return resp, nil
}

// send transmits the packet until the reader ACKs it; noise and stray packets are
// skipped until the ACK timeout.
func (l *link) send(ctx context.Context, raw []byte, cmd Command) error {
	return l.Transmit(ctx, raw, maxTransmissions, l.ackTimeout, func(attempt int, ev Event, err error) (seriallink.Verdict, error) {
		switch {
		case err != nil:
		case ev.Kind == seriallink.Control && ev.Byte == ACK:
			return seriallink.Done, nil
		case ev.Kind == seriallink.Control && ev.Byte == NAK:
			err = devices.Wrap("write", l.Port().Name(), fmt.Errorf("reader answered NAK: %w", devices.ErrProtocol))
		default:
			l.log.Debug("skipped while awaiting ACK", "event", ev.String())
			return seriallink.Wait, nil
		}
		if ctx.Err() != nil {
			return seriallink.Done, ctx.Err()
		}
		l.log.Debug("command not acknowledged", "cm", fmt.Sprintf("%02X", cmd.CM), "attempt", attempt, "err", err)
		if attempt == maxTransmissions {
			err = fmt.Errorf("command %02X %02X sent %d times: %w", cmd.CM, cmd.PM, maxTransmissions, err)
		}
		return seriallink.Again, err
	})
}

// receive reads the response to cmd, NAKing corrupt packets, and ACKs it.
func (l *link) receive(ctx context.Context, deadline time.Time, cmd Command) (Response, error) {
	var resp Response
	err := l.Receive(ctx, deadline, seriallink.Reception[Frame]{
		MaxCorrupt: maxTransmissions,
		Exhausted: func(ev Event) error {
			return devices.Wrap("read", l.Port().Name(), fmt.Errorf("%d corrupt answers, the last %v: %w", maxTransmissions, ev.Err, devices.ErrProtocol))
		},
		Judge: func(ev Event) (seriallink.Verdict, error) {
			if ev.Kind != seriallink.Received {
				l.log.Debug("skipped while awaiting the answer", "event", ev.String())
				return seriallink.Wait, nil
			}
			r, err := ParseResponse(ev.Frame)
			switch {
			case err != nil:
				return seriallink.Done, devices.Wrap("read", l.Port().Name(), err)
			case r.Address != l.address || r.CM != cmd.CM || r.PM != cmd.PM:
				l.log.Debug("skipped an answer to another command", "packet", ev.Frame.String())
				return seriallink.Wait, nil
			}
			resp = r
			return seriallink.Done, nil
		},
	})
	if err != nil {
		return Response{}, err
	}
	return resp, nil
}
