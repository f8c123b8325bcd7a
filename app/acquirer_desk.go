package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"tilldesk/app/acquirer"
	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/mac"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/iso8583/respcode"
	"tilldesk/core/journal"
	"tilldesk/core/sale"
)

// Card payments at the till (issue 7): authorisations with the acquirer over ISO 8583
// (app/acquirer), each one journaled as an intent before it leaves the till and
// reversed when its outcome is in doubt or its sale does not complete; offline
// approvals stored and forwarded as advices; voids and refunds; settlement of the
// batch; sign-on and sign-off. CardPayments holds the state machine and the
// background sender; CardTender (acquirer_tender.go) is the Tender the cashier uses.

// Errors of card payments; CardErrorKey gives the cashier's message key of any of them.
var (
	ErrCardRecovering  = errors.New("card payments left unfinished when the till stopped are being resolved: wait a moment")
	ErrCardUnresolved  = errors.New("card payments left unfinished when the till stopped could not be resolved: see the log")
	ErrReversalPending = errors.New("a reversal has not reached the bank yet: card payments wait for it (use another tender)")
	ErrNoCardTerminal  = errors.New("no card reader is set up for card payments")
	ErrCardInDoubt     = errors.New("no clear answer from the bank: the payment was not taken (it is being reversed)")
	ErrCardRemoved     = errors.New("the card transaction did not complete: the payment was not taken (it is being reversed)")
	ErrCardLateDecline = errors.New("the card declined after the bank approved: the payment was not taken (it is being reversed)")
	ErrOfflineLimit    = errors.New("the bank cannot be reached and the amount is over the offline limit")
	ErrCardDeclined    = errors.New("card payment declined")
	ErrCardQueueBusy   = errors.New("reversals or offline sales are still waiting for the bank: settle once they are sent")
	ErrCardSettling    = errors.New("the card batch is being settled: take the card payment once it is done")
	ErrNotCardRef      = errors.New("not a card payment reference")
	ErrWrongCard       = errors.New("this is not the card the sale was paid with")
)

// cardErrorKeys are the message keys of the sentinel errors.
var cardErrorKeys = map[error]string{
	ErrCardRecovering:  "card.err.recovering",
	ErrCardUnresolved:  "card.err.unresolved",
	ErrReversalPending: "card.err.reversal_pending",
	ErrNoCardTerminal:  "card.err.no_terminal",
	ErrCardInDoubt:     "card.err.in_doubt",
	ErrCardRemoved:     "card.err.not_completed",
	ErrCardLateDecline: "card.err.late_decline",
	ErrOfflineLimit:    "card.err.offline_limit",
	ErrCardQueueBusy:   "card.err.queue_busy",
	ErrCardSettling:    "card.err.settling",
	ErrNotCardRef:      "card.err.not_card",
	ErrWrongCard:       "card.err.wrong_card",
	ErrNotRecorded:     "err.journal",
}

// CardDeclinedError is a decline by the issuer (with its response code) or by the card.
type CardDeclinedError struct {
	Code    respcode.Code // the host's response code; empty Code.Code for a decline by the card
	Offline bool          // the card (or the terminal) declined without the host
	Reason  string        // for the log
	QR      bool          // a UnionPay QR payment code was declined (acquirer_qr.go)
}

func (e *CardDeclinedError) Error() string {
	if e.Code.Code == "" {
		return fmt.Sprintf("card payment declined by the card: %s", e.Reason)
	}
	return fmt.Sprintf("card payment declined (%s %s)", e.Code.Code, e.Code.Meaning)
}

// Unwrap makes errors.Is(err, ErrCardDeclined) true.
func (e *CardDeclinedError) Unwrap() error { return ErrCardDeclined }

// Key is the message key: the response code's (respcode), "card.declined_by_card",
// or for a QR payment code the host does not take (14, 54) "unionpay.decline.code".
func (e *CardDeclinedError) Key() string {
	switch {
	case e.Code.Code == "":
		return "card.declined_by_card"
	case e.QR && (e.Code.Code == "14" || e.Code.Code == "54"):
		return "unionpay.decline.code"
	}
	return e.Code.Key
}

// CardErrorKey is the cashier's message key for an error of a card payment, settlement
// or sign-on: the link failure's, the response code's, or the card payment's own;
// "card.err.other" for anything else.
func CardErrorKey(err error) string {
	var de *CardDeclinedError
	if errors.As(err, &de) {
		return de.Key()
	}
	var ae *acquirer.Error
	if errors.As(err, &ae) {
		return ae.Key()
	}
	for target, key := range cardErrorKeys {
		if errors.Is(err, target) {
			return key
		}
	}
	return "card.err.other"
}

// CardPaymentsOptions configure NewCardPayments.
type CardPaymentsOptions struct {
	Config AcquirerConfig
	// Address is the host when set (the demo sandbox); otherwise Config.Host, then
	// the registered acquirer host.
	Address string
	MAC     mac.Computer // the message MAC with its opened key; nil for none
	// Terminal is the EMV side (kernel configuration, card reader, PIN pad); without
	// it card tenders refuse with ErrNoCardTerminal.
	Terminal *CardTerminal
	// Seal and Open protect the card number of a stored offline approval (the shared
	// secrets at rest: SealSecret); without them offline approvals are refused.
	Seal func(name string, plain []byte) (string, error)
	Open func(name, sealed string) ([]byte, error)
	// Backoff is the wait before the n-th retry of a reversal or advice; the config's
	// doubling backoff when nil.
	Backoff func(attempt int) time.Duration
	// Dial opens connections to the host (a net.Dialer when nil; tests make the host
	// unreachable here).
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// ConnectTimeout and ResponseTimeout override the config's seconds when set (tests).
	ConnectTimeout, ResponseTimeout time.Duration
	// QRWait and QRPollEvery override the config's UnionPay QR code timing when set;
	// After is the poll clock (time.After when nil).
	QRWait, QRPollEvery time.Duration
	After               func(time.Duration) <-chan time.Time
	Now                 func() time.Time // the till's clock when nil
	Log                 *slog.Logger     // the till's logger when nil
	// Sandbox is the demo acquirer, closed with the CardPayments.
	Sandbox *acquirersim.Server
}

// CardPayments is the card payment use case over the till's journal. It is safe for
// concurrent use; Start runs the background sender of reversals and advices.
type CardPayments struct {
	till *Till
	reg  *Registration
	opt  CardPaymentsOptions
	log  *slog.Logger

	terminalMu      sync.Mutex // guards opt.Terminal (SetTerminal) and terminalProblem
	terminalProblem error      // why there is no terminal (SetTerminalProblem)
	stateMu         sync.Mutex // one read-modify-write of the card state at a time
	settling        bool       // Settle is closing the batch (guarded by stateMu)
	settleMu        sync.Mutex // one settlement at a time
	flushMu         sync.Mutex // one sender of reversals and advices at a time
	signedOn        atomic.Bool
	kick            chan struct{}

	gateMu    sync.Mutex
	recovered bool  // Resolve and its first send have run
	problem   error // Resolve failed: sales refused

	stop context.CancelFunc
	done chan struct{}

	watch cardWatch // the link's health and who wants to hear of changes (card_status.go)
}

// NewCardPayments builds card payments over the till and registers them with it: the
// sales gate (resolution at start-up), the completion hook, the card Reverser. Call
// Resolve, then Start.
func NewCardPayments(t *Till, reg *Registration, opt CardPaymentsOptions) *CardPayments {
	if opt.Now == nil {
		opt.Now = t.now
	}
	if opt.Log == nil {
		opt.Log = t.log
	}
	if opt.Backoff == nil {
		opt.Backoff = opt.Config.backoff
	}
	if opt.After == nil {
		opt.After = time.After
	}
	// How long a UnionPay code is shown and how often its order is queried.
	opt.QRWait = cmp.Or(opt.QRWait, time.Duration(opt.Config.QRTimeoutSeconds)*time.Second, 120*time.Second)
	opt.QRPollEvery = cmp.Or(opt.QRPollEvery, time.Duration(opt.Config.QRPollSeconds)*time.Second, 3*time.Second)
	d := &CardPayments{till: t, reg: reg, opt: opt, log: opt.Log.With("use", "card"), kick: make(chan struct{}, 1)}
	t.AddSalesGate(d.salesGate)
	t.AddCompletion(d)
	for _, m := range []sale.Method{sale.Card, sale.UnionPayQR} {
		t.RegisterReverser(m, cardReverser{d})
		t.RegisterReceiptDetails(m, d.receiptRows)
	}
	return d
}

// journal is the till's current journal (the deregistration wizard may reopen it).
func (d *CardPayments) journal() *journal.Journal { return d.till.Journal() }

// commit journals a record with its state changes.
func (d *CardPayments) commit(kind string, data any, changes ...journal.StateChange) error {
	if _, err := d.journal().AppendWith(kind, data, changes...); err != nil {
		d.log.Error("card payment state not journaled", "kind", kind, "err", err)
		return fmt.Errorf("card payment %w: %v", ErrNotRecorded, err)
	}
	return nil
}

// terminal identifies the till in messages: the registered IDs, else the config's.
func (d *CardPayments) terminal() posmsg.Terminal {
	t := posmsg.Terminal{ID: d.till.cfg.Terminal.ID, MerchantID: d.till.cfg.Terminal.MerchantID, Currency: posmsg.CurrencyCNY}
	if d.reg != nil {
		if id, err := d.reg.Identity(); err == nil && id.Status == StatusRegistered {
			t.ID, t.MerchantID = id.Terminal, id.Merchant
		}
	}
	return t
}

// address is the host: the sandbox, the configured host, or the registered one.
func (d *CardPayments) address() string {
	switch {
	case d.opt.Address != "":
		return d.opt.Address
	case d.opt.Config.Host != "":
		return d.opt.Config.Host
	case d.reg != nil:
		if id, err := d.reg.Identity(); err == nil && id.Status == StatusRegistered {
			return id.Acquirer
		}
	}
	return ""
}

// exchange sends one request to the host and returns its answer.
func (d *CardPayments) exchange(ctx context.Context, req iso8583.Message) (acquirer.Answer, error) {
	addr := d.address()
	if addr == "" {
		return acquirer.Answer{}, &acquirer.Error{Op: "connect", MTI: req.MTI, Kind: acquirer.ErrUnreachable, Err: errors.New("no acquirer host configured or registered")}
	}
	cfg, err := d.opt.Config.clientConfig(addr, d.opt.MAC)
	if err != nil {
		return acquirer.Answer{}, &acquirer.Error{Op: "send", Addr: addr, MTI: req.MTI, Kind: acquirer.ErrRequest, Err: err}
	}
	cfg.Log, cfg.Dial = d.log, d.opt.Dial
	if d.opt.ConnectTimeout > 0 {
		cfg.ConnectTimeout = d.opt.ConnectTimeout
	}
	if d.opt.ResponseTimeout > 0 {
		cfg.ResponseTimeout = d.opt.ResponseTimeout
	}
	c, err := acquirer.New(cfg)
	if err != nil {
		err = &acquirer.Error{Op: "connect", Addr: addr, MTI: req.MTI, Kind: acquirer.ErrUnreachable, Err: err}
		d.noteLink(err)
		return acquirer.Answer{}, err
	}
	ans, err := c.Exchange(ctx, req)
	d.noteLink(err)
	return ans, err
}

// meta reads the counters; a fresh till starts at batch 000001.
func (d *CardPayments) meta() (linkMeta, error) {
	m, found, err := getEntry[linkMeta](d.journal(), keyLinkMeta)
	if err == nil && (!found || m.Batch == 0) {
		m.Batch = 1
	}
	return m, err
}

// reserveSTAN takes the next STAN for a transaction of the open batch: the returned
// change must be committed before the STAN is used. While the batch is being settled
// it refuses with ErrCardSettling. Callers hold stateMu.
func (d *CardPayments) reserveSTAN() (linkMeta, journal.StateChange, error) {
	if d.settling {
		return linkMeta{}, journal.StateChange{}, ErrCardSettling
	}
	return d.nextSTAN()
}

// nextSTAN takes the next STAN. Callers hold stateMu.
func (d *CardPayments) nextSTAN() (linkMeta, journal.StateChange, error) {
	m, err := d.meta()
	if err != nil {
		return m, journal.StateChange{}, err
	}
	m.STAN = m.STAN.Next()
	change, err := put(keyLinkMeta, m)
	return m, change, err
}

// reserveSTANNow takes the next STAN for a message no record precedes (sign-on,
// settlement, batch upload), durably.
func (d *CardPayments) reserveSTANNow() (linkMeta, error) {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	m, change, err := d.nextSTAN()
	if err == nil {
		err = d.journal().PutState(change)
	}
	if err != nil {
		return m, fmt.Errorf("card payments: reserve a STAN: %w", err)
	}
	return m, nil
}

// setSettling marks the batch as being settled (no new transaction may join it).
func (d *CardPayments) setSettling(on bool) {
	d.stateMu.Lock()
	d.settling = on
	d.stateMu.Unlock()
}

// Kick wakes the background sender (after a reversal or advice became due).
func (d *CardPayments) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
	d.changed()
}

// Close stops the background sender and the demo sandbox.
func (d *CardPayments) Close() error {
	if d.stop != nil {
		d.stop()
		<-d.done
	}
	if d.opt.Sandbox != nil {
		return d.opt.Sandbox.Close()
	}
	return nil
}

// Sandbox is the demo acquirer, or nil.
func (d *CardPayments) Sandbox() *acquirersim.Server { return d.opt.Sandbox }
