package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"tilldesk/app/walletsim"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// One key pair for every demo app and sandbox of the tests: 2048-bit keys are slow.
var testWalletKeys struct {
	once     sync.Once
	app, ali *rsa.PrivateKey
}

func walletTestKeys() (app, ali *rsa.PrivateKey) {
	testWalletKeys.once.Do(func() {
		testWalletKeys.app, _ = rsa.GenerateKey(rand.Reader, 2048)
		testWalletKeys.ali, _ = rsa.GenerateKey(rand.Reader, 2048)
	})
	return testWalletKeys.app, testWalletKeys.ali
}

func init() {
	newDemoAppKey = func() (*rsa.PrivateKey, error) { app, _ := walletTestKeys(); return app, nil }
}

// fastWalletTiming is the wallet cadence scaled down: polls every 10 ms, customers
// given 400 ms.
var fastWalletTiming = WalletTiming{PollEvery: 10 * time.Millisecond, AlipayWait: 400 * time.Millisecond, WeChatWait: 400 * time.Millisecond,
	QRWait: 400 * time.Millisecond, CancelEvery: 10 * time.Millisecond, CancelAttempts: 5, CallTimeout: 2 * time.Second}

// walletFixture is a demo till with the wallet tenders on a sandbox of its own.
type walletFixture struct {
	t       *testing.T
	path    string
	till    *Till
	j       *journal.Journal
	sandbox *walletsim.Gateway
	phone   *walletsim.Phone
	w       *Wallets

	mu       sync.Mutex
	progress []WalletProgress
}

func newWalletFixture(t *testing.T) *walletFixture {
	t.Helper()
	_, ali := walletTestKeys()
	sb, err := walletsim.Start(walletsim.Options{AlipayKey: ali})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	f := &walletFixture{t: t, path: filepath.Join(t.TempDir(), "journal.db"), sandbox: sb, phone: sb.Phone()}
	f.open()
	return f
}

// open (re)opens the till and its wallets over the fixture's journal, as a till
// starting up does (without resolving).
func (f *walletFixture) open() {
	f.t.Helper()
	f.till, f.j = openTestTillWith(f.t, DefaultConfig(), f.path, journal.Options{Now: time.Now}, nil)
	f.attach()
}

// attach builds the fixture's wallets over its till (the soak test's fixture shares
// the card fixture's till this way).
func (f *walletFixture) attach() {
	f.t.Helper()
	w, err := NewWallets(f.till, DefaultWalletConfig(), Paths{DataDir: filepath.Dir(f.path)}, WalletOptions{Now: time.Now, Timing: fastWalletTiming, Sandbox: f.sandbox})
	if err != nil {
		f.t.Fatal(err)
	}
	f.w = w
}

// openConfiguredTill opens the till of dir as configured there, with its wallets (not
// resolved), customers given a minute to confirm.
func openConfiguredTill(t *testing.T, dir string) (*Till, *Wallets) {
	t.Helper()
	paths := Paths{Config: filepath.Join(dir, "config.toml"), DataDir: dir}
	cfg, err := LoadConfig(paths.Config)
	if err != nil {
		t.Fatal(err)
	}
	till, _ := openTestTillWith(t, cfg, paths.Journal(), journal.Options{Now: time.Now, LockTimeout: 5 * time.Second}, quietLog())
	timing := fastWalletTiming
	timing.AlipayWait, timing.WeChatWait = time.Minute, time.Minute
	w, err := NewWallets(till, cfg.Wallet, paths, WalletOptions{Now: time.Now, Timing: timing})
	if err != nil {
		t.Fatal(err)
	}
	return till, w
}

// reopen is a till restart: the journal closed and opened again, new wallets.
func (f *walletFixture) reopen() {
	f.t.Helper()
	if err := f.j.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.open()
}

func (f *walletFixture) onProgress(p WalletProgress) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.progress = append(f.progress, p)
}

// sawStage reports whether a progress report of stage came.
func (f *walletFixture) sawStage(stage WalletStage) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.progress {
		if p.Stage == stage {
			return true
		}
	}
	return false
}

// waitStage waits (up to 5 s) for a progress report of stage and returns it.
func (f *walletFixture) waitStage(stage WalletStage) WalletProgress {
	f.t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		f.mu.Lock()
		for _, p := range f.progress {
			if p.Stage == stage {
				f.mu.Unlock()
				return p
			}
		}
		f.mu.Unlock()
	}
	f.t.Fatalf("no progress at stage %s", stage.Key())
	return WalletProgress{}
}

// wallet opens a customer wallet of the provider.
func (f *walletFixture) wallet(p wallet.Provider, balance money.Amount) string {
	f.t.Helper()
	id, err := f.phone.NewWallet(p, balance)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// code shows a payment code of the wallet.
func (f *walletFixture) code(walletID string, b walletsim.Behaviour) string {
	f.t.Helper()
	code, err := f.phone.ShowCode(walletID, b)
	if err != nil {
		f.t.Fatal(err)
	}
	return code
}

func (f *walletFixture) balance(walletID string) money.Amount {
	f.t.Helper()
	b, err := f.phone.Balance(walletID)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// payCode rings up water (¥2.00) and pays it with the code; amount 0 pays it all.
func (f *walletFixture) payCode(ctx context.Context, code string, amount money.Amount) (*Receipt, error) {
	f.t.Helper()
	if len(f.till.Current().Lines) == 0 {
		if _, err := f.till.Scan(water); err != nil {
			f.t.Fatal(err)
		}
	}
	tender, err := f.w.CodeTender(code, f.onProgress)
	if err != nil {
		return nil, err
	}
	return f.till.Pay(ctx, tender, PayRequest{Amount: amount})
}

// states lists the states the journal recorded for the out_trade_no, in order.
func (f *walletFixture) states(outTradeNo string) []string {
	f.t.Helper()
	var out []string
	err := f.j.Each(journal.Filter{}, func(r journal.Record) error {
		if r.Kind != KindWalletIntent && r.Kind != KindWalletState {
			return nil
		}
		in, err := decodeIntent(r.Data)
		if err == nil && in.OutTradeNo == outTradeNo {
			out = append(out, in.State)
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// lastTrade is the out_trade_no of the latest intent.
func (f *walletFixture) lastTrade() string {
	f.t.Helper()
	var no string
	err := f.j.Each(journal.Filter{Kind: KindWalletIntent}, func(r journal.Record) error {
		in, err := decodeIntent(r.Data)
		no = in.OutTradeNo
		return err
	})
	if err != nil || no == "" {
		f.t.Fatalf("no wallet intent journaled: %v", err)
	}
	return no
}

// settledAll checks that no intent is left and the till may sell.
func (f *walletFixture) settledAll() {
	f.t.Helper()
	if p, err := f.w.Pending(); err != nil || len(p) != 0 {
		f.t.Fatalf("wallet intents left: %+v, %v", p, err)
	}
	if err := f.till.SalesAllowed(); err != nil {
		f.t.Fatalf("sales refused: %v", err)
	}
}

// check ends a test case: the latest intent went through states (when given), the
// wallet holds balance, and nothing is left unsettled.
func (f *walletFixture) check(walletID string, balance money.Amount, states ...string) {
	f.t.Helper()
	if got := f.states(f.lastTrade()); len(states) > 0 && !slices.Equal(got, states) {
		f.t.Fatalf("states %v, want %v", got, states)
	}
	if got := f.balance(walletID); got != balance {
		f.t.Fatalf("balance %d, want %d", got, balance)
	}
	f.settledAll()
}

// cancelAt returns a context the cashier cancels once the payment reports stage.
func (f *walletFixture) cancelAt(stage WalletStage) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		f.waitStage(stage)
		cancel()
	}()
	f.t.Cleanup(cancel)
	return ctx
}

// wantLast checks the last journaled state of the latest intent.
func (f *walletFixture) wantLast(state string) {
	f.t.Helper()
	if got := f.states(f.lastTrade()); len(got) == 0 || got[len(got)-1] != state {
		f.t.Fatalf("states %v, want last %s", got, state)
	}
}

// setCallTimeout changes how long each provider call may take.
func (f *walletFixture) setCallTimeout(d time.Duration) {
	for _, api := range f.w.apis {
		switch a := api.(type) {
		case *alipayAPI:
			a.timeout = d
		case *wechatAPI:
			a.timeout = d
		}
	}
}

// eachWalletProvider runs fn for Alipay and WeChat Pay, each in a fresh fixture.
func eachWalletProvider(t *testing.T, fn func(t *testing.T, f *walletFixture, p wallet.Provider, m sale.Method)) {
	for _, p := range []wallet.Provider{wallet.Alipay, wallet.WeChat} {
		t.Run(string(p), func(t *testing.T) { fn(t, newWalletFixture(t), p, walletMethodOf(p)) })
	}
}
