package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"tilldesk/app/walletsim"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// Wallet payments (Alipay, WeChat Pay). Every payment is an intent: its out_trade_no is
// journaled ("wallet.intent") with its state in the "wallet" state bucket, in one
// transaction, before the first request leaves the till; each state change after that
// is journaled ("wallet.state") with the bucket updated in the same transaction. The
// intent leaves the bucket when it is settled: refused, cancelled or given back (with
// its final "wallet.state" record), or paid and committed with the completed sale
// (the sale's own record, through the till's completion hook). So an intent in the
// bucket that no payment in progress owns is in doubt: the sales gate refuses sales
// until ResolvePending has asked the provider and settled it.

// Journal record kinds of wallet payments.
const (
	KindWalletIntent = "wallet.intent" // a payment about to be asked for: the intent in its first state
	KindWalletState  = "wallet.state"  // the intent in a new state
	KindWalletRefund = "wallet.refund" // a refund paid back through the provider
	walletBucket     = "wallet"
)

// Intent states. The first five stay in the bucket; the rest settle the intent.
const (
	walletSent      = "sent"       // the request may have left: the provider may know the trade
	walletPaying    = "paying"     // the customer is confirming on the phone
	walletShown     = "shown"      // merchant-presented: the QR code is on the screen
	walletUnknown   = "unknown"    // no definite answer yet: the till asks again
	walletUndoing   = "cancelling" // the till is undoing it (timeout, cashier, crash)
	walletPaid      = "paid"       // money taken; the payment is on the open sale
	walletFailed    = "failed"     // refused: nothing taken
	walletCancelled = "cancelled"  // closed or cancelled before payment: nothing taken
	walletReversed  = "reversed"   // paid, then given back in full
)

// settled reports whether an intent in this state leaves the bucket.
func walletSettled(state string) bool {
	return state == walletFailed || state == walletCancelled || state == walletReversed
}

// Flows of a wallet payment.
const (
	walletFlowCode = "code" // customer-presented payment code, scanned by the till
	walletFlowQR   = "qr"   // merchant-presented QR, scanned by the customer
)

// walletIntent is one wallet payment's journaled state.
type walletIntent struct {
	OutTradeNo string       `json:"out_trade_no"`
	SaleID     string       `json:"sale_id"`
	Method     sale.Method  `json:"method"`
	Flow       string       `json:"flow"`
	Amount     money.Amount `json:"amount"`
	Code       string       `json:"code,omitempty"` // the payment code, masked
	State      string       `json:"state"`
	TradeNo    string       `json:"trade_no,omitempty"`
	Reason     string       `json:"reason,omitempty"`
	At         time.Time    `json:"at"`
}

// Errors of the wallet tenders.
var (
	ErrWalletOff = errors.New("this wallet is not set up at this till")
	// ErrWalletUnionPay: UnionPay QR payment codes classify, but are paid through the
	// card acquirer, which this till does not reach (no host configured or registered).
	ErrWalletUnionPay = errors.New("UnionPay QR payment codes are not taken at this till: pay by card")
	// ErrWalletCancelled: the cashier cancelled, and the provider confirmed that
	// nothing was taken (or that it was given back).
	ErrWalletCancelled = errors.New("wallet payment cancelled: nothing was taken")
	// ErrWalletTimedOut: the customer did not pay in time; the payment was cancelled.
	ErrWalletTimedOut = errors.New("the customer did not pay in time: the payment was cancelled")
	// ErrWalletDeclined: the provider refused the payment (see WalletDeclinedError).
	ErrWalletDeclined = errors.New("the wallet payment was declined")
	// ErrWalletInDoubt: the payment could not be settled either way; the till keeps
	// asking (ResolvePending) and takes no sale meanwhile.
	ErrWalletInDoubt = errors.New("the wallet payment is in doubt: the till asks the provider again before the next sale")
	// ErrWalletUnresolved is the sales gate's refusal while intents are in doubt.
	ErrWalletUnresolved = errors.New("an earlier wallet payment is not resolved yet")
)

// WalletDeclinedError is a definite refusal, with the provider's reason key (Alipay
// sub_code, WeChat err_code, or the trade's state) for the screen to translate.
type WalletDeclinedError struct {
	Method  sale.Method
	Reason  string
	Message string // the provider's own text, often Chinese
}

func (e *WalletDeclinedError) Error() string {
	return fmt.Sprintf("%s declined the payment: %s (%s)", e.Method, e.Reason, e.Message)
}

// Unwrap makes errors.Is(err, ErrWalletDeclined) true.
func (e *WalletDeclinedError) Unwrap() error { return ErrWalletDeclined }

// WalletStage is where a wallet payment is, for the tender dialog.
type WalletStage int

// Stages, each with its message key for the screens.
const (
	WalletSending         WalletStage = iota // asking the provider
	WalletWaitingCustomer                    // "waiting for the customer to confirm on the phone"
	WalletChecking                           // no clear answer: asking the provider again
	WalletShowQR                             // merchant-presented: show CodeURL as a QR code
	WalletCancelling                         // undoing it (cancel, close or give back)
)

var walletStageKeys = [...]string{"wallet.stage.sending", "wallet.stage.waiting_customer", "wallet.stage.checking", "wallet.stage.show_qr", "wallet.stage.cancelling"}

// Key is the stage's message key.
func (s WalletStage) Key() string {
	if s < 0 || int(s) >= len(walletStageKeys) {
		return "wallet.stage.unknown"
	}
	return walletStageKeys[s]
}

// WalletProgress reports a wallet payment's progress to the screen. Progress
// callbacks run on the paying goroutine: a screen hands them to its UI goroutine.
type WalletProgress struct {
	Stage      WalletStage
	Method     sale.Method
	OutTradeNo string
	Amount     money.Amount
	CodeURL    string        // WalletShowQR: the QR code's content to draw
	Remaining  time.Duration // how long the till still waits for the customer
	Attempt    int           // WalletChecking and WalletCancelling: how many times asked
}

// WalletTiming is the wallet state machines' cadence. The defaults follow the
// providers' documents: poll every 5 s; Alipay: "轮询间隔设为 3~6 秒，轮询总时长 60 秒
// 左右", then cancel (当面付 polling guidance); WeChat: "建议每隔5秒循环调用查询订单API
// …累计30秒用户都未支付…调用撤销订单API" (micropay.php?chapter=5_1).
type WalletTiming struct {
	PollEvery      time.Duration // between queries: 5 s
	AlipayWait     time.Duration // how long a customer may take to confirm: 60 s
	WeChatWait     time.Duration // 30 s
	QRWait         time.Duration // how long a dynamic QR is shown: the configuration's
	CancelEvery    time.Duration // between cancel, close or refund retries: 5 s
	CancelAttempts int           // retries before the payment is left in doubt: 10
	CallTimeout    time.Duration // each request: the configuration's
}

// WalletOptions configure NewWallets.
type WalletOptions struct {
	Now    func() time.Time                     // the till's clock when nil
	After  func(time.Duration) <-chan time.Time // the poll clock; time.After when nil
	Log    *slog.Logger                         // the till's logger when nil
	Timing WalletTiming                         // zero fields take the defaults
	// Sandbox, when set, is the gateway a provider with no configured gateway uses;
	// in demo mode NewWallets starts one when nil.
	Sandbox *walletsim.Gateway
}

// Wallets is the wallet tenders of one till: the customer-presented code tender
// (CodeTender), the merchant-presented QR tender (QRTender), their refunders and
// reversers, the sales gate and start-up resolution. Safe for concurrent use.
type Wallets struct {
	till   *Till
	cfg    WalletConfig
	apis   map[sale.Method]walletAPI
	timing WalletTiming
	now    func() time.Time
	after  func(time.Duration) <-chan time.Time
	log    *slog.Logger

	mu       sync.Mutex
	inFlight map[string]bool // out_trade_no of payments being taken now
	handed   map[string]bool // paid intents handed to the open sale in this process
	sandbox  *walletsim.Gateway
	unionPay *CardPayments // takes UnionPay QR codes (RouteUnionPayQR); nil: refused
}

// journal is the till's current journal (it changes at deregistration).
func (w *Wallets) journal() *journal.Journal { return w.till.Journal() }

// Enabled lists the wallets this till takes.
func (w *Wallets) Enabled() []sale.Method {
	var out []sale.Method
	for _, m := range []sale.Method{sale.Alipay, sale.WeChat} {
		if w.apis[m] != nil {
			out = append(out, m)
		}
	}
	return out
}

// Sandbox is the embedded wallet sandbox in demo mode (for the simulator panel's
// phone: Sandbox().Phone()), or nil.
func (w *Wallets) Sandbox() *walletsim.Gateway { return w.sandbox }

// Close stops the embedded sandbox, if any.
func (w *Wallets) Close() error {
	if w.sandbox == nil {
		return nil
	}
	return w.sandbox.Close()
}

// newTradeNo makes an out_trade_no: the terminal, the time to the second and 48
// random bits in hex, 32 characters of [0-9A-Za-z] (WeChat's limit; Alipay allows
// 64). A number must never repeat: a provider answers a reused one with the first
// trade's state, so a new sale could be recorded as paid by an earlier customer's
// payment. 16 random bits were too few: the soak test, at a few wallet payments a
// second, drew the same number twice in one second.
func (w *Wallets) newTradeNo() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail
	return w.till.cfg.Terminal.ID + w.now().UTC().Format("060102150405") + hex.EncodeToString(b[:])
}

// subject is what the customer's wallet shows as bought.
func (w *Wallets) subject() string {
	if w.cfg.Subject != "" {
		return w.cfg.Subject
	}
	return w.till.cfg.Store.NameZH
}

// record journals an intent in its (new) state with the bucket change in the same
// transaction: kind is KindWalletIntent for the first record, KindWalletState after.
func (w *Wallets) record(kind string, in *walletIntent, state, reason string) error {
	prev := *in
	in.State, in.Reason, in.At = state, reason, w.now().UTC()
	change := journal.StateChange{Bucket: walletBucket, Key: in.OutTradeNo}
	if !walletSettled(state) {
		v, err := json.Marshal(in)
		if err != nil {
			*in = prev
			return err
		}
		change.Value = v
	}
	if _, err := w.journal().AppendWith(kind, in, change); err != nil {
		*in = prev
		return w.till.notRecorded("wallet payment "+in.OutTradeNo+" "+state, err)
	}
	w.log.Info("wallet payment", "out_trade_no", in.OutTradeNo, "method", in.Method, "flow", in.Flow, "state", state, "reason", reason, "amount", in.Amount.Plain())
	return nil
}

// move journals a change of state (nothing when the state and reason are the same).
func (w *Wallets) move(in *walletIntent, state, reason string) error {
	if in.State == state && in.Reason == reason {
		return nil
	}
	return w.record(KindWalletState, in, state, reason)
}

// decodeIntent reads an intent from a record's data or the bucket.
func decodeIntent(data []byte) (walletIntent, error) {
	var in walletIntent
	if err := json.Unmarshal(data, &in); err != nil {
		return in, fmt.Errorf("wallet intent unreadable: %w", err)
	}
	return in, nil
}

// intents returns the intents in the bucket.
func (w *Wallets) intents() ([]walletIntent, error) {
	var out []walletIntent
	err := w.journal().EachState(walletBucket, func(key string, value []byte) error {
		in, err := decodeIntent(value)
		out = append(out, in)
		return err
	})
	return out, err
}

// claim marks a payment as being taken by this process; release ends that.
func (w *Wallets) claim(no string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inFlight[no] = true
}

func (w *Wallets) release(no string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.inFlight, no)
}

// owned reports whether a live payment of this process owns the intent: being taken,
// or paid and on the open sale.
func (w *Wallets) owned(no string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.inFlight[no] || w.handed[no]
}

// SalesGate refuses sales while an intent no live payment owns is in the bucket
// (install it with Till.AddSalesGate; StartWallets does).
func (w *Wallets) SalesGate() error {
	n, err := w.Unresolved()
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w (%d): wait, or retry the resolution", ErrWalletUnresolved, n)
	}
	return nil
}

// Unresolved counts the intents in doubt: in the bucket and owned by no live payment.
func (w *Wallets) Unresolved() (int, error) {
	all, err := w.intents()
	n := 0
	for _, in := range all {
		if !w.owned(in.OutTradeNo) {
			n++
		}
	}
	return n, err
}

// wait sleeps d on the poll clock; false means ctx ended first.
func (w *Wallets) wait(ctx context.Context, d time.Duration) bool {
	return waitOn(ctx, w.after, d)
}

// apiFor is the provider of a method, or ErrWalletOff.
func (w *Wallets) apiFor(m sale.Method) (walletAPI, error) {
	api := w.apis[m]
	if api == nil {
		return nil, fmt.Errorf("%s: %w", m, ErrWalletOff)
	}
	return api, nil
}

// waitFor is how long a customer may take to confirm a code payment.
func (w *Wallets) waitFor(m sale.Method) time.Duration {
	if m == sale.WeChat {
		return w.timing.WeChatWait
	}
	return w.timing.AlipayWait
}

// walletMethodOf maps a code's provider to the tender method.
func walletMethodOf(p wallet.Provider) sale.Method {
	if p == wallet.WeChat {
		return sale.WeChat
	}
	return sale.Alipay
}
