// Package acquirer is the till's link to its acquirer host: ISO 8583 messages
// (core/iso8583, UnionPay dialect) over TCP with the UnionPay terminal framing
// (core/iso8583/frame: 2-byte length, optional TPDU and application header), a
// message MAC when configured (core/iso8583/mac), and deadlines on every step.
//
// Each exchange opens its own connection, sends one request and waits for the answer
// that matches it (posmsg.Response.Answers), then closes the connection: one request
// in flight per connection, and a late answer to an earlier request can never be
// taken for the answer to a later one. Failures are *Error values that say whether
// the request may have reached the host (InDoubt), which decides whether a financial
// request must be reversed; the caller (app's card payments) keeps the durable state.
//
// The package never logs card data: messages are logged with iso8583.Message.String,
// which masks the PAN and hides track, PIN and chip data.
package acquirer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/frame"
	"tilldesk/core/iso8583/mac"
	"tilldesk/core/iso8583/posmsg"
)

// Default deadlines.
const (
	DefaultConnectTimeout  = 5 * time.Second
	DefaultWriteTimeout    = 5 * time.Second
	DefaultResponseTimeout = 30 * time.Second
)

// Config says how to reach the host.
type Config struct {
	Address string       // host:port
	Format  frame.Format // framing: frame.UnionPayFormat for the usual terminal link
	TPDU    frame.TPDU   // sent when Format.TPDU
	Header  frame.Header // sent when Format.Header
	// Spec packs the messages; iso8583.UnionPay when nil.
	Spec *iso8583.Spec
	// MAC signs every request and verifies every answer (DE64/DE128); nil sends none
	// and accepts answers without one.
	MAC mac.Computer
	// Deadlines: connecting, writing the request, and waiting for its answer
	// (DefaultConnectTimeout, DefaultWriteTimeout, DefaultResponseTimeout when zero).
	ConnectTimeout, WriteTimeout, ResponseTimeout time.Duration
	// Dial opens connections; a net.Dialer when nil (tests inject failures here).
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	Log  *slog.Logger // slog.Default() when nil
}

// Client exchanges messages with the host. It is safe for concurrent use: each
// exchange has its own connection.
type Client struct {
	cfg Config
	log *slog.Logger
}

// New checks the configuration and returns a client.
func New(cfg Config) (*Client, error) {
	if _, _, err := net.SplitHostPort(cfg.Address); err != nil {
		return nil, fmt.Errorf("acquirer: address %q: %w", cfg.Address, err)
	}
	if cfg.Spec == nil {
		cfg.Spec = iso8583.UnionPay
	}
	cfg.ConnectTimeout = orDefault(cfg.ConnectTimeout, DefaultConnectTimeout)
	cfg.WriteTimeout = orDefault(cfg.WriteTimeout, DefaultWriteTimeout)
	cfg.ResponseTimeout = orDefault(cfg.ResponseTimeout, DefaultResponseTimeout)
	if cfg.Dial == nil {
		cfg.Dial = (&net.Dialer{}).DialContext
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Client{cfg: cfg, log: cfg.Log.With("component", "acquirer", "host", cfg.Address)}, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Address is the host's address.
func (c *Client) Address() string { return c.cfg.Address }

// Answer is the host's answer to one request.
type Answer struct {
	Response posmsg.Response
	Message  iso8583.Message
	Elapsed  time.Duration // from connecting to the answer
}

// Exchange sends req and waits for its answer. The request is signed when a MAC is
// configured (req itself is not changed). Answers that do not match req are skipped
// until the response deadline; every failure is an *Error.
func (c *Client) Exchange(ctx context.Context, req iso8583.Message) (Answer, error) {
	start := time.Now()
	fail := func(op string, kind error, sent bool, err error) (Answer, error) {
		e := &Error{Op: op, Addr: c.cfg.Address, MTI: req.MTI, Kind: kind, Sent: sent, Err: err}
		c.log.Warn("acquirer exchange failed", "mti", req.MTI, "stan", req.Get(11), "op", op, "kind", kind, "sent", sent, "err", err)
		return Answer{}, e
	}
	packed, err := c.pack(req)
	if err != nil {
		return fail("send", ErrRequest, false, err)
	}
	dialCtx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	conn, err := c.cfg.Dial(dialCtx, "tcp", c.cfg.Address)
	cancel()
	if err != nil {
		return fail("connect", ErrUnreachable, false, err)
	}
	defer conn.Close()
	// Cancelling ctx closes the connection, which ends a blocked read or write.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	_ = conn.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
	err = frame.NewWriter(conn, c.cfg.Format).WriteFrame(frame.Frame{TPDU: c.cfg.TPDU, Header: c.cfg.Header, Message: packed})
	if err != nil {
		// Part of the frame may have left: the host might act on it.
		return fail("send", c.ioKind(ctx, err), true, err)
	}
	c.log.Debug("acquirer request sent", "msg", req.String())
	_ = conn.SetReadDeadline(time.Now().Add(c.cfg.ResponseTimeout))
	r := frame.NewReader(conn, c.cfg.Format)
	for {
		fr, err := r.ReadFrame()
		if err != nil {
			kind := c.ioKind(ctx, err)
			if errors.Is(err, frame.ErrTooLarge) || errors.Is(err, frame.ErrTooShort) || errors.Is(err, frame.ErrTPDU) {
				kind = ErrGarbage
			}
			return fail("receive", kind, true, err)
		}
		msg, err := c.unpack(fr.Message)
		if err != nil {
			kind := ErrGarbage
			if errors.Is(err, mac.ErrMismatch) || errors.Is(err, mac.ErrNoMAC) {
				kind = ErrMAC
			}
			return fail("receive", kind, true, err)
		}
		resp, err := posmsg.ParseResponse(msg)
		if err != nil {
			return fail("receive", ErrGarbage, true, err)
		}
		if err := resp.Answers(req); err != nil {
			c.log.Warn("acquirer answer skipped: not for this request", "mti", msg.MTI, "stan", msg.Get(11), "err", err)
			continue
		}
		a := Answer{Response: resp, Message: msg, Elapsed: time.Since(start)}
		c.log.Debug("acquirer answer", "msg", msg.String(), "elapsed", a.Elapsed)
		return a, nil
	}
}

// pack packs (and signs) a copy of req.
func (c *Client) pack(req iso8583.Message) ([]byte, error) {
	if c.cfg.MAC == nil {
		return c.cfg.Spec.Pack(req)
	}
	m := req.Clone()
	return mac.Sign(c.cfg.Spec, &m, c.cfg.MAC)
}

// unpack unpacks (and verifies) an answer.
func (c *Client) unpack(b []byte) (iso8583.Message, error) {
	if c.cfg.MAC == nil {
		return c.cfg.Spec.Unpack(b)
	}
	return mac.Verify(c.cfg.Spec, b, c.cfg.MAC)
}

// ioKind classifies a read or write failure: a deadline is a timeout, a cancelled
// context too (the cashier gave up waiting), anything else a lost connection.
func (c *Client) ioKind(ctx context.Context, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) || ctx.Err() != nil {
		return ErrTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrTimeout
	}
	return ErrConnectionLost // EOF, reset, closed
}
