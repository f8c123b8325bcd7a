package crt

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"tilldesk/devices"
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
	// maxDiscardReads bounds the clearing of stale input (a late answer, the rest of
	// a garbled packet) before each command. Only what has already arrived is
	// dropped, without waiting: a late answer that comes afterwards is skipped as an
	// answer to another command, and waiting here would cost every command the
	// system's timer granularity (a millisecond).
	maxDiscardReads = 16
)

// link is the host's end of the line: it frames commands, waits for the reader's ACK
// and resends on NAK or silence, NAKs corrupt answers, ACKs good ones, and bounds every
// read. One command at a time.
type link struct {
	port       devices.Port
	address    byte
	ackTimeout time.Duration
	now        func() time.Time
	log        *slog.Logger
	dec        Decoder
	buf        [512]byte
	pending    []byte    // read from the port, not yet decoded
	lastByte   time.Time // when the last byte arrived
}

// next returns the next event on the line, waiting until deadline (ErrTimeout) or
// until ctx ends (its error).
func (l *link) next(ctx context.Context, deadline time.Time) (Event, error) {
	for {
		for len(l.pending) > 0 {
			b := l.pending[0]
			l.pending = l.pending[1:]
			if ev, ok := l.dec.Feed(b); ok {
				return ev, nil
			}
		}
		if l.dec.Pending() && l.now().Sub(l.lastByte) > packetGap {
			if ev, ok := l.dec.Cut(); ok {
				return ev, nil
			}
		}
		if err := ctx.Err(); err != nil {
			return Event{}, err
		}
		left := deadline.Sub(l.now())
		if left <= 0 {
			return Event{}, devices.Wrap("read", l.port.Name(), devices.ErrTimeout)
		}
		if err := l.port.SetReadTimeout(min(left, readStep)); err != nil {
			return Event{}, err
		}
		n, err := l.port.Read(l.buf[:])
		if n > 0 {
			l.pending, l.lastByte = l.buf[:n], l.now()
		}
		if err != nil {
			return Event{}, err
		}
	}
}

// write sends raw bytes (a packet or one control byte).
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

// discard drops stale input and any partial packet before a new command.
func (l *link) discard() {
	l.pending = nil
	l.dec.Reset()
	for range maxDiscardReads {
		if l.port.SetReadTimeout(0) != nil {
			return
		}
		n, err := l.port.Read(l.buf[:])
		if n == 0 || err != nil {
			return
		}
		l.log.Debug("discarded stale input", "bytes", n)
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
	l.discard()
	if err := l.send(ctx, raw, cmd); err != nil {
		return Response{}, err
	}
	resp, err := l.receive(ctx, l.now().Add(timeout), cmd)
	if err != nil {
		if werr := l.write([]byte{EOT}); werr != nil {
			l.log.Debug("could not discontinue the command", "err", werr)
		}
		return Response{}, err
	}
	return resp, nil
}

// send transmits the packet until the reader ACKs it.
func (l *link) send(ctx context.Context, raw []byte, cmd Command) error {
	var last error
	for attempt := 1; attempt <= maxTransmissions; attempt++ {
		if err := l.write(raw); err != nil {
			return err
		}
		acked, err := l.awaitACK(ctx)
		if acked {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		last = err
		l.log.Debug("command not acknowledged", "cm", fmt.Sprintf("%02X", cmd.CM), "attempt", attempt, "err", err)
	}
	return fmt.Errorf("command %02X %02X sent %d times: %w", cmd.CM, cmd.PM, maxTransmissions, last)
}

// awaitACK waits for ACK or NAK after a command; noise and stray packets are
// skipped until the ACK timeout.
func (l *link) awaitACK(ctx context.Context) (bool, error) {
	deadline := l.now().Add(l.ackTimeout)
	for {
		ev, err := l.next(ctx, deadline)
		if err != nil {
			return false, err
		}
		switch {
		case ev.Kind == Control && ev.Byte == ACK:
			return true, nil
		case ev.Kind == Control && ev.Byte == NAK:
			return false, devices.Wrap("write", l.port.Name(), fmt.Errorf("reader answered NAK: %w", devices.ErrProtocol))
		}
		l.log.Debug("skipped while awaiting ACK", "event", ev.String())
	}
}

// receive reads the response to cmd, NAKing corrupt packets, and ACKs it.
func (l *link) receive(ctx context.Context, deadline time.Time, cmd Command) (Response, error) {
	naks := 0
	for {
		ev, err := l.next(ctx, deadline)
		if err != nil {
			return Response{}, err
		}
		switch ev.Kind {
		case Corrupt:
			if naks++; naks >= maxTransmissions {
				return Response{}, devices.Wrap("read", l.port.Name(), fmt.Errorf("%d corrupt answers, the last %v: %w", naks, ev.Err, devices.ErrProtocol))
			}
			l.log.Debug("corrupt answer", "err", ev.Err)
			if err := l.write([]byte{NAK}); err != nil {
				return Response{}, err
			}
			continue
		case Received:
		default:
			l.log.Debug("skipped while awaiting the answer", "event", ev.String())
			continue
		}
		if err := l.write([]byte{ACK}); err != nil {
			return Response{}, err
		}
		resp, err := ParseResponse(ev.Frame)
		switch {
		case err != nil:
			return Response{}, devices.Wrap("read", l.port.Name(), err)
		case resp.Address != l.address || resp.CM != cmd.CM || resp.PM != cmd.PM:
			l.log.Debug("skipped an answer to another command", "packet", ev.Frame.String())
			continue
		}
		return resp, nil
	}
}
