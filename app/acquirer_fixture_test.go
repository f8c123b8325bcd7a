package app

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tilldesk/app/acquirersim"
	"tilldesk/core/dukpt"
	"tilldesk/core/emv/kernel"
	"tilldesk/core/journal"
	"tilldesk/core/pinblock"
	"tilldesk/devices/cardtest"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// The card payment tests run the real EMV kernel against devices/sim/emvcard's
// virtual cards, with a DUKPT PIN pad built from the PIN pad simulator's test keys,
// and the sandbox acquirer over loopback TCP with the X9.19 MAC on.

// testResponseTimeout is how long the till waits for an answer in the tests.
const testResponseTimeout = 400 * time.Millisecond

// testPINPad is a PIN pad that types the queued PINs (the last one again when the
// queue runs out) and encrypts them as the simulator does: ISO 9564 format 0 under
// the TDES DUKPT PIN key of the test keys.
type testPINPad struct {
	mu   sync.Mutex
	orig *dukpt.TDESOriginator
	pins []string
	asks int
}

func newTestPINPad(t testing.TB, pins ...string) *testPINPad {
	t.Helper()
	cfg := sim.TestPINPadConfig()
	o, err := dukpt.NewTDESOriginator(cfg.IPEK, cfg.KSN)
	if err != nil {
		t.Fatal(err)
	}
	return &testPINPad{orig: o, pins: pins}
}

func (p *testPINPad) OnlinePIN(_ context.Context, req kernel.PINRequest) (kernel.EncipheredPIN, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asks++
	pin := p.pins[0]
	if len(p.pins) > 1 {
		p.pins = p.pins[1:]
	}
	ksn, key, err := p.orig.Next()
	if err != nil {
		return kernel.EncipheredPIN{}, err
	}
	clearBlock, err := pinblock.EncodeFormat0([]byte(pin), req.PAN)
	if err != nil {
		return kernel.EncipheredPIN{}, err
	}
	block := dukpt.EncryptPINBlock(key, clearBlock) // the PIN variant is applied inside
	return kernel.EncipheredPIN{Block: block[:], KSN: ksn[:], Format: 0}, nil
}

func (p *testPINPad) asked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.asks
}

// testKernelConfig is the card tests' terminal (cardtest.Terminal: kernel.ChinaTerminal
// with the test CA's public keys) with this till's IDs and a floor limit of floorFen
// for contact and contactless alike (0: every sale goes online).
func testKernelConfig(t testing.TB, terminalID, merchantID string, floorFen int64) *kernel.Config {
	t.Helper()
	cfg, err := cardtest.Terminal()
	if err != nil {
		t.Fatal(err)
	}
	cfg.TerminalID, cfg.MerchantID = terminalID, merchantID
	for i := range cfg.AIDs {
		cfg.AIDs[i].FloorLimit, cfg.AIDs[i].ContactlessFloorLimit = floorFen, floorFen
	}
	return cfg
}

// cardFixture is a demo till with card payments, a virtual card reader, a PIN pad and
// a sandbox acquirer of its own.
type cardFixture struct {
	t      testing.TB
	dir    string
	sb     *acquirersim.Server
	till   *Till
	j      *journal.Journal
	d      *CardPayments
	reg    *Registration
	reader *VirtualCardReader
	pad    *testPINPad
	floor  int64 // the kernel's floor limit (0: every sale online)
	addr   string
	change func(*CardPaymentsOptions) // applied to the options on open

	mu     sync.Mutex
	stages []CardStage
}

func newCardFixture(t testing.TB) *cardFixture {
	t.Helper()
	sb, err := acquirersim.Start(acquirersim.Options{MAC: mustRetail(demoMACKey), RequireSignOn: true, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return openCardFixture(t, t.TempDir(), sb.Addr(), sb)
}

// openCardFixture opens the till of dir with card payments on sb (a restart after a
// crash), on the sandbox at addr (sb, or nil in the crash test's child, whose sandbox
// runs in the parent).
func openCardFixture(t testing.TB, dir, addr string, sb *acquirersim.Server) *cardFixture {
	t.Helper()
	f := &cardFixture{t: t, dir: dir, sb: sb, addr: addr, reader: NewVirtualCardReader(), pad: newTestPINPad(t, "123456")}
	f.open()
	return f
}

// options are the card payments' options over the fixture's devices and sandbox.
func (f *cardFixture) options() CardPaymentsOptions {
	paths := Paths{DataDir: f.dir}
	kcfg := testKernelConfig(f.t, f.till.cfg.Terminal.ID, f.till.cfg.Terminal.MerchantID, f.floor)
	cfg := DefaultAcquirerConfig()
	cfg.MAC = MACX919
	return CardPaymentsOptions{Config: cfg, Address: f.addr, MAC: mustRetail(demoMACKey),
		Terminal: &CardTerminal{Kernel: kcfg, Cards: f.reader, PINPad: f.pad},
		Seal:     func(name string, plain []byte) (string, error) { return SealSecret(paths, name, plain) },
		Open:     func(name, sealed string) ([]byte, error) { return OpenSecret(paths, name, sealed) },
		Backoff:  func(int) time.Duration { return 20 * time.Millisecond }, ConnectTimeout: time.Second,
		ResponseTimeout: testResponseTimeout, Log: quietLog()}
}

// open (re)opens the till and its card payments over the fixture's journal, resolved
// and started.
func (f *cardFixture) open() {
	f.t.Helper()
	f.till, f.j = openTestTillWith(f.t, DefaultConfig(), filepath.Join(f.dir, "journal.db"), journal.Options{Now: time.Now, LockTimeout: 5 * time.Second}, quietLog())
	reg, err := NewRegistration(f.till)
	if err != nil {
		f.t.Fatal(err)
	}
	f.reg = reg
	opt := f.options()
	if f.change != nil {
		f.change(&opt)
	}
	f.d = NewCardPayments(f.till, reg, opt)
	if err := f.d.Resolve(); err != nil {
		f.t.Fatal(err)
	}
	f.d.Start()
	f.t.Cleanup(func() { f.d.Close() })
	f.waitGate()
}

// reopen is a till restart.
func (f *cardFixture) reopen() {
	f.t.Helper()
	f.d.Close()
	if err := f.j.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.open()
}

// waitGate waits until the start-up resolution lets sales through.
func (f *cardFixture) waitGate() {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.d.salesGate() != nil {
		if time.Now().After(deadline) {
			f.t.Fatalf("sales gate still closed: %v", f.d.salesGate())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// card puts a fresh virtual card of profile into the reader, and its PIN in the
// customer's mind.
func (f *cardFixture) card(profile string, tapped bool) *emvcard.Card {
	f.t.Helper()
	p, ok := emvcard.Lookup(profile)
	if !ok {
		f.t.Fatalf("no virtual card %q", profile)
	}
	c, err := emvcard.New(p)
	if err != nil {
		f.t.Fatal(err)
	}
	f.reader.Present(c, tapped)
	f.pad.mu.Lock()
	f.pad.pins = []string{p.Applications[0].PIN} // the customer knows the PIN (tests change it after)
	f.pad.mu.Unlock()
	return c
}

// pan is the card number of profile's first application.
func pan(t testing.TB, profile string) string {
	t.Helper()
	p, ok := emvcard.Lookup(profile)
	if !ok {
		t.Fatalf("no virtual card %q", profile)
	}
	return p.Applications[0].PAN
}

// pay rings up codes and pays the sale by card.
func (f *cardFixture) pay(codes ...string) (*Receipt, error) {
	f.t.Helper()
	for _, c := range codes {
		if _, err := f.till.Scan(c); err != nil {
			f.t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return f.till.Pay(ctx, f.d.Tender(f.onStage), PayRequest{})
}

func (f *cardFixture) onStage(s CardStage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stages = append(f.stages, s)
}

func (f *cardFixture) saw(s CardStage) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range f.stages {
		if x == s {
			return true
		}
	}
	return false
}

// balance is a virtual card's balance at the sandbox.
func (f *cardFixture) balance(profile string) int64 {
	f.t.Helper()
	b, ok := f.sb.Balance(pan(f.t, profile))
	if !ok {
		f.t.Fatalf("sandbox has no %s card", profile)
	}
	return b
}

// eventually waits for cond (the background sender works on its own time).
func (f *cardFixture) eventually(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// status reads the card link's state.
func (f *cardFixture) status() CardStatus {
	f.t.Helper()
	st, err := f.d.Status()
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// kinds counts the journal's records by kind.
func (f *cardFixture) kinds() map[string]int {
	f.t.Helper()
	out := map[string]int{}
	if err := f.j.Each(journal.Filter{}, func(r journal.Record) error { out[r.Kind]++; return nil }); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// records returns the data of the journal's records of kind.
func (f *cardFixture) records(kind string) []json.RawMessage {
	f.t.Helper()
	var out []json.RawMessage
	if err := f.j.Each(journal.Filter{Kind: kind}, func(r journal.Record) error { out = append(out, r.Data); return nil }); err != nil {
		f.t.Fatal(err)
	}
	return out
}
