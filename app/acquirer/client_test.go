package acquirer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/frame"
	"tilldesk/core/iso8583/mac"
	"tilldesk/core/iso8583/posmsg"
)

var testTerminal = posmsg.Terminal{ID: "TILL0001", MerchantID: "898310000000001", Currency: posmsg.CurrencyCNY}

func signOn(t *testing.T, stan posmsg.STAN) iso8583.Message {
	t.Helper()
	m, err := posmsg.SignOn{Terminal: testTerminal, STAN: stan, Batch: 1}.Message()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// host is a scripted host: for each request it reads, answer writes what it wants.
func host(t *testing.T, m mac.Computer, answer func(w *frame.Writer, conn net.Conn, req iso8583.Message)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				fr, err := frame.NewReader(conn, frame.UnionPayFormat).ReadFrame()
				if err != nil {
					return
				}
				var req iso8583.Message
				if m != nil {
					req, err = mac.Verify(iso8583.UnionPay, fr.Message, m)
				} else {
					req, err = iso8583.UnionPay.Unpack(fr.Message)
				}
				if err != nil {
					return
				}
				answer(frame.NewWriter(conn, frame.UnionPayFormat), conn, req)
			}()
		}
	}()
	return ln.Addr().String()
}

// reply answers req with code, packed (and signed with m when set).
func reply(t *testing.T, w *frame.Writer, req iso8583.Message, code string, m mac.Computer) {
	r, err := posmsg.EchoResponse(req, code)
	if err != nil {
		t.Error(err)
		return
	}
	msg, err := r.Message()
	if err != nil {
		t.Error(err)
		return
	}
	var b []byte
	if m != nil {
		b, err = mac.Sign(iso8583.UnionPay, &msg, m)
	} else {
		b, err = iso8583.UnionPay.Pack(msg)
	}
	if err == nil {
		err = w.WriteFrame(frame.Frame{TPDU: frame.NewTPDU(0, 3), Message: b})
	}
	if err != nil {
		t.Error(err)
	}
}

func client(t *testing.T, addr string, m mac.Computer) *Client {
	t.Helper()
	c, err := New(Config{Address: addr, Format: frame.UnionPayFormat, TPDU: frame.NewTPDU(3, 0), MAC: m,
		ConnectTimeout: time.Second, ResponseTimeout: 200 * time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testMAC(t *testing.T, b byte) mac.Computer {
	t.Helper()
	key := make([]byte, 16)
	for i := range key {
		key[i] = b
	}
	m, err := mac.NewRetail(key)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestExchangeSkipsAnswersToOtherRequests(t *testing.T) {
	m := testMAC(t, 0x11)
	addr := host(t, m, func(w *frame.Writer, _ net.Conn, req iso8583.Message) {
		late := signOn(t, 7) // a late answer to an earlier request comes first
		reply(t, w, late, "00", m)
		reply(t, w, req, "00", m)
	})
	ans, err := client(t, addr, m).Exchange(context.Background(), signOn(t, 8))
	if err != nil || ans.Response.STAN != 8 || ans.Response.ResponseCode != "00" {
		t.Fatalf("exchange: %+v %v", ans.Response, err)
	}
}

func TestExchangeFailures(t *testing.T) {
	m := testMAC(t, 0x11)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := closed.Addr().String()
	closed.Close()
	for _, tc := range []struct {
		name   string
		addr   string
		mac    mac.Computer
		kind   error
		sent   bool
		cancel bool
	}{
		{"unreachable", deadAddr, m, ErrUnreachable, false, false},
		{"silent", host(t, m, func(*frame.Writer, net.Conn, iso8583.Message) { time.Sleep(time.Second) }), m, ErrTimeout, true, false},
		{"hangs up", host(t, m, func(*frame.Writer, net.Conn, iso8583.Message) {}), m, ErrConnectionLost, true, false},
		{"garbage", host(t, m, func(w *frame.Writer, _ net.Conn, _ iso8583.Message) {
			_ = w.WriteFrame(frame.Frame{Message: []byte{0x02, 0x10, 0xFF}})
		}), m, ErrGarbage, true, false},
		{"not a frame", host(t, m, func(_ *frame.Writer, c net.Conn, _ iso8583.Message) { _, _ = c.Write([]byte{0xFF, 0xFF, 1, 2, 3}) }), m, ErrGarbage, true, false},
		{"bad MAC", host(t, m, func(w *frame.Writer, _ net.Conn, req iso8583.Message) { reply(t, w, req, "00", testMAC(t, 0x22)) }), m, ErrMAC, true, false},
		{"no MAC", host(t, m, func(w *frame.Writer, _ net.Conn, req iso8583.Message) { reply(t, w, req, "00", nil) }), m, ErrMAC, true, false},
		{"cancelled", host(t, m, func(*frame.Writer, net.Conn, iso8583.Message) { time.Sleep(time.Second) }), m, ErrTimeout, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				time.AfterFunc(20*time.Millisecond, cancel)
			}
			start := time.Now()
			_, err := client(t, tc.addr, tc.mac).Exchange(ctx, signOn(t, 9))
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tc.kind) || e.Sent != tc.sent || InDoubt(err) != tc.sent || e.Key() == "" {
				t.Fatalf("exchange: %v, want %v (sent %v)", err, tc.kind, tc.sent)
			}
			if took := time.Since(start); took > 900*time.Millisecond {
				t.Fatalf("took %v: a deadline was not kept", took)
			}
		})
	}
}

func TestKeysAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Keys() {
		if seen[k] || k == "" {
			t.Fatalf("key %q twice or empty", k)
		}
		seen[k] = true
	}
	if len(seen) != len(keys) {
		t.Fatal("a kind has no key")
	}
}
