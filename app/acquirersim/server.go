// Package acquirersim is the sandbox acquirer of demo mode and tests: an ISO 8583 host
// on loopback that speaks the till's UnionPay dialect and framing, with an issuer
// behind it. It verifies each sale's ARQC and online PIN block with the issuer-side
// verifier (core/emv/issuer) against the virtual cards' keys (devices/sim/emvcard),
// checks balances and limits per card, answers with the ARPC, issuer scripts and a
// response code, and keeps its own ledger and batch totals per terminal: sign-on and
// sign-off, sales, voids, refunds, offline advices, reversals (idempotent, even before
// the original arrives), settlement with reconciliation and batch upload.
//
// Faults (Inject) make it slow, silent, rude or late, so the till's recovery can be
// tested over real TCP. The sandbox logs card numbers masked only.
package acquirersim

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/frame"
	"tilldesk/core/iso8583/mac"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// Defaults of the sandbox's virtual accounts.
const (
	DefaultBalance = 1_000_000 // fen: ¥10,000 on every virtual card
	DefaultLimit   = 5_000_000 // fen: ¥50,000 per transaction
	PINTryLimit    = 3         // wrong online PINs in a row before 75
)

// Options tune Start; the zero value is the demo sandbox.
type Options struct {
	Addr   string       // listen address; "127.0.0.1:0" (a free loopback port) when empty
	Format frame.Format // framing; frame.UnionPayFormat when Unframed is false and Format is zero
	// Unframed uses the zero Format (length prefix only) rather than the default.
	Unframed bool
	// MAC verifies requests and signs answers; nil when the link has no MAC.
	MAC mac.Computer
	// BDKs are the PIN pads' base derivation keys (online PINs are DUKPT): the test
	// TDES BDK of devices/sim (PINPadTestKeys) when TDES is zero, and its test AES BDK
	// (PINPadAESTestKeys) when AES is nil, so the sandbox reads the PIN blocks of a
	// simulated pad in either mode.
	BDKs issuer.BDKs
	// Accounts are the issuer's cards; every built-in virtual card (emvcard.Accounts)
	// with DefaultBalance and DefaultLimit when nil.
	Accounts []Account
	// RequireSignOn answers financial requests of a terminal that has not signed on
	// with 77 (sign on again).
	RequireSignOn bool
	// QRIIN is the acquirer's IIN in the merchant account information (EMVCo ID 15)
	// of merchant-presented UnionPay codes; DefaultQRIIN when empty.
	QRIIN string
	Now   func() time.Time // time.Now when nil
	Log   *slog.Logger     // slog.Default() when nil
}

// Account is one card at the issuer: its keys and PIN data, and the money behind it.
type Account struct {
	issuer.Account
	Balance int64 // fen
	Limit   int64 // largest single transaction in fen; 0 means none
	// DoNotHonour declines every sale with 05 and sends an application-block script.
	DoNotHonour bool
	pinFailures int
}

// Server is a running sandbox acquirer. Its methods are safe for concurrent use.
type Server struct {
	opt Options
	ln  net.Listener
	log *slog.Logger

	mu       sync.Mutex
	accounts map[string]*Account // by PAN
	ledger   ledger
	faults   []*Fault
	counts   map[posmsg.Kind]int
	qr       qrState // the UnionPay app's wallets and codes (qr.go)
	conns    map[net.Conn]bool
	closed   bool
	wg       sync.WaitGroup
}

// Start listens and serves until Close.
func Start(opt Options) (*Server, error) {
	if opt.Addr == "" {
		opt.Addr = "127.0.0.1:0"
	}
	if opt.Format == (frame.Format{}) && !opt.Unframed {
		opt.Format = frame.UnionPayFormat
	}
	if opt.BDKs.TDES == ([16]byte{}) {
		opt.BDKs.TDES, _ = sim.PINPadTestKeys()
	}
	if opt.BDKs.AES == nil {
		opt.BDKs.AES, _ = sim.PINPadAESTestKeys()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.QRIIN == "" {
		opt.QRIIN = DefaultQRIIN
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Accounts == nil {
		accts, err := emvcard.Accounts()
		if err != nil {
			return nil, fmt.Errorf("acquirer sandbox: virtual cards: %w", err)
		}
		for _, a := range accts {
			opt.Accounts = append(opt.Accounts, Account{Account: a, Balance: DefaultBalance, Limit: DefaultLimit})
		}
	}
	s := &Server{opt: opt, log: opt.Log.With("component", "acquirer-sandbox"), accounts: map[string]*Account{},
		ledger: newLedger(), counts: map[posmsg.Kind]int{}, conns: map[net.Conn]bool{}}
	for i := range opt.Accounts {
		a := opt.Accounts[i]
		s.accounts[a.PAN] = &a
	}
	ln, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		return nil, fmt.Errorf("acquirer sandbox: listen %s: %w", opt.Addr, err)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.accept()
	s.log.Info("acquirer sandbox started", "addr", s.Addr(), "cards", len(s.accounts), "mac", opt.MAC != nil)
	return s, nil
}

// Addr is the host:port the sandbox listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening, drops every connection and waits for the handlers.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = conn.Close()
			return
		}
		s.conns[conn] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(conn)
	}
}

// serve answers the requests of one connection until the till closes it.
func (s *Server) serve(conn net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		_ = conn.Close()
	}()
	r := frame.NewReader(conn, s.opt.Format)
	w := frame.NewWriter(conn, s.opt.Format)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Minute))
		fr, err := r.ReadFrame()
		if err != nil {
			return // the till hung up, or sent something that is not a frame
		}
		req, macErr := s.unpack(fr.Message)
		if req.MTI == "" {
			s.log.Warn("acquirer sandbox: unreadable request: closing", "err", macErr)
			return
		}
		kind := posmsg.KindOf(req)
		s.mu.Lock()
		s.counts[kind]++
		fault := s.takeFault(kind)
		s.mu.Unlock()
		if fault.Ignore {
			s.log.Info("acquirer sandbox fault: request ignored", "mti", req.MTI, "stan", req.Get(11))
			continue
		}
		resp := s.answer(req, kind, macErr, fault)
		if !s.reply(conn, w, fr, resp, fault) {
			return
		}
	}
}

// answer processes the request (unless the fault says not to) and builds the answer.
func (s *Server) answer(req iso8583.Message, kind posmsg.Kind, macErr error, fault Fault) posmsg.Response {
	switch {
	case fault.Code != "":
		return s.echo(req, fault.Code)
	case macErr != nil:
		s.log.Warn("acquirer sandbox: request MAC failed", "mti", req.MTI, "stan", req.Get(11))
		return s.echo(req, "A0")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp, err := s.process(req, kind)
	if err != nil {
		s.log.Warn("acquirer sandbox: request refused", "mti", req.MTI, "stan", req.Get(11), "err", err)
		return s.echo(req, "30") // format error
	}
	return resp
}

// reply writes the answer as the fault says; false closes the connection.
func (s *Server) reply(conn net.Conn, w *frame.Writer, req frame.Frame, resp posmsg.Response, fault Fault) bool {
	if fault.Delay > 0 {
		time.Sleep(fault.Delay)
	}
	switch {
	case fault.Drop:
		return true
	case fault.Close:
		return false
	}
	out := frame.Frame{TPDU: req.TPDU.Reply(), Header: req.Header}
	if fault.Garbage {
		out.Message = []byte{0x02, 0x10, 0xFF, 0xFF, 0x13, 0x37}
	} else {
		msg, err := resp.Message()
		if err != nil {
			s.log.Error("acquirer sandbox: answer not built", "mti", resp.MTI, "err", err)
			return false
		}
		if out.Message, err = s.pack(msg); err != nil {
			s.log.Error("acquirer sandbox: answer not packed", "mti", resp.MTI, "err", err)
			return false
		}
		if fault.BadMAC && len(out.Message) > 0 {
			out.Message[len(out.Message)-1] ^= 0xFF
		}
	}
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return w.WriteFrame(out) == nil
}

// unpack reads a request, checking its MAC; with a bad MAC the message is returned
// with the error, so the answer can say A0.
func (s *Server) unpack(b []byte) (iso8583.Message, error) {
	if s.opt.MAC == nil {
		return iso8583.UnionPay.Unpack(b)
	}
	m, err := mac.Verify(iso8583.UnionPay, b, s.opt.MAC)
	if err != nil && (errors.Is(err, mac.ErrMismatch) || errors.Is(err, mac.ErrNoMAC)) {
		plain, uerr := iso8583.UnionPay.Unpack(b)
		return plain, errors.Join(err, uerr)
	}
	return m, err
}

func (s *Server) pack(m iso8583.Message) ([]byte, error) {
	if s.opt.MAC == nil {
		return iso8583.UnionPay.Pack(m)
	}
	return mac.Sign(iso8583.UnionPay, &m, s.opt.MAC)
}

// echo is an answer with only the request's echoed fields and a response code.
func (s *Server) echo(req iso8583.Message, code string) posmsg.Response {
	r, err := posmsg.EchoResponse(req, code)
	if err != nil {
		// The request's MTI or echoed fields are bad: answer as a generic 0210.
		r = posmsg.Response{MTI: posmsg.MTIFinancialResponse, ResponseCode: code}
	}
	now := s.opt.Now()
	r.LocalTime, r.LocalDate = now.Format("150405"), now.Format("0102")
	return r
}

// Count is how many requests of kind the sandbox has received (faults included).
func (s *Server) Count(kind posmsg.Kind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[kind]
}

// Balance is a card's balance in fen (false for an unknown card).
func (s *Server) Balance(pan string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[pan]
	if !ok {
		return 0, false
	}
	return a.Balance, true
}

// UpdateAccount changes a card's account (balance, limit, DoNotHonour); false for an
// unknown card.
func (s *Server) UpdateAccount(pan string, change func(*Account)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[pan]
	if ok {
		change(a)
	}
	return ok
}
