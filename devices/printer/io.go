package printer

import (
	"context"
	"errors"
	"io"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/escpos"
)

const (
	// pollInterval is how often a status wait looks at its context.
	pollInterval = 50 * time.Millisecond
	// discardWait and maxDiscardReads bound the clearing of unread input (late
	// replies to an earlier request) before a status request.
	discardWait     = time.Millisecond
	maxDiscardReads = 16
)

// statusQuery is what Status asks, in order: the replies feed StatusFromReplies.
var statusQuery = []escpos.StatusKind{escpos.StatusPrinter, escpos.StatusOffline, escpos.StatusPaper}

// status asks DLE EOT 1, 2 and 4 in turn, each answer within StatusTimeout.
func (p *Printer) status(ctx context.Context) (escpos.Status, error) {
	p.discardInput()
	var replies [3]byte
	for i, kind := range statusQuery {
		if err := p.write(ctx, escpos.StatusRequest(kind)); err != nil {
			return escpos.Status{}, err
		}
		b, err := p.readReply(ctx)
		if err != nil {
			return escpos.Status{}, err
		}
		replies[i] = b
	}
	st, err := escpos.StatusFromReplies(replies[0], replies[1], replies[2])
	if err != nil {
		return escpos.Status{}, devices.Wrap("status", p.port.Name(), err)
	}
	p.log.Debug("status", "status", st.String(), "replies", replies[:])
	return st, nil
}

// readReply waits for one reply byte, up to StatusTimeout or until ctx ends.
func (p *Printer) readReply(ctx context.Context) (byte, error) {
	deadline := time.Now().Add(p.cfg.StatusTimeout)
	var buf [1]byte
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return 0, devices.Wrap("status", p.port.Name(), devices.ErrTimeout)
		}
		err := devices.ReadFull(p.port, buf[:], min(left, pollInterval), nil)
		if err == nil {
			return buf[0], nil
		}
		if !errors.Is(err, devices.ErrTimeout) {
			return 0, err
		}
	}
}

// discardInput drops bytes already waiting, such as the late answer to a status
// request that timed out. Errors are left for the request that follows to find.
func (p *Printer) discardInput() {
	var buf [64]byte
	for range maxDiscardReads {
		if p.port.SetReadTimeout(discardWait) != nil {
			return
		}
		n, err := p.port.Read(buf[:])
		if n == 0 || err != nil {
			return
		}
		p.log.Debug("discarded unread input", "bytes", n)
	}
}

// write sends data in chunks, looking at ctx between them.
func (p *Printer) write(ctx context.Context, data []byte) error {
	for len(data) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(chunkSize, len(data))
		if err := p.writeChunk(ctx, data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// writeChunk writes in a goroutine, so that a port that does not return (a printer
// holding the line, a driver stuck in the kernel) cannot hold the caller beyond
// WriteTimeout or ctx. Such a write is left to finish; the next job waits for it.
func (p *Printer) writeChunk(ctx context.Context, chunk []byte) error {
	done := make(chan error, 1)
	go func() { done <- writeAll(p.port, chunk) }()
	timer := time.NewTimer(p.cfg.WriteTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		p.stuck = done
		return devices.Wrap("write", p.port.Name(), devices.ErrTimeout)
	case <-ctx.Done():
		p.stuck = done
		return ctx.Err()
	}
}

// writeAll writes all of b, which a Port may take in several writes.
func writeAll(port devices.Port, b []byte) error {
	for len(b) > 0 {
		n, err := port.Write(b)
		if err != nil {
			return err
		}
		if n == 0 {
			return devices.Wrap("write", port.Name(), io.ErrShortWrite)
		}
		b = b[n:]
	}
	return nil
}
