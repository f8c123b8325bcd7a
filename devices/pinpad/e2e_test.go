package pinpad

// End-to-end tests: the driver talks over a real pseudo-terminal, opened with
// devices/serialport as a USB PIN pad is, to the simulated PIN pad in devices/sim.
// The issuer side decrypts what comes back with the BDK, proving the whole chain:
// keypad -> format 0 block -> DUKPT encryption -> packet 73 -> BDK + KSN -> PIN.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"tilldesk/core/dukpt"
	"tilldesk/core/money"
	"tilldesk/core/pinblock"
	"tilldesk/devices/pinpad/ipp"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
)

// testPAN is a Visa test card number.
const testPAN = "4761739001010010"

// rig is a simulated PIN pad, the till's port to it, the driver, and everything
// either of them logged.
type rig struct {
	sim  *sim.PINPad
	port *serialport.Port
	pad  *Pad
	logs *logBuffer
}

type rigOptions struct {
	baud   int
	pad    Config
	simCfg func(*sim.PINPadConfig)
}

func newRig(t testing.TB, opts rigOptions) *rig {
	t.Helper()
	logs := &logBuffer{t: t}
	cfg := sim.TestPINPadConfig()
	cfg.AckTimeout = 500 * time.Millisecond
	cfg.Logger = logs.logger()
	if opts.simCfg != nil {
		opts.simCfg(&cfg)
	}
	s, err := sim.StartPINPad(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if opts.baud == 0 {
		opts.baud = 9600
	}
	port, err := serialport.Open(serialport.Config{Path: s.Path(), Baud: opts.baud})
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	if opts.pad.AckTimeout == 0 {
		opts.pad.AckTimeout = 300 * time.Millisecond
	}
	opts.pad.Logger = logs.logger()
	r := &rig{sim: s, port: port, pad: New(port, opts.pad), logs: logs}
	t.Cleanup(func() {
		port.Close()
		s.Close()
	})
	return r
}

// logBuffer keeps every log line and passes it on to the test log.
type logBuffer struct {
	t   testing.TB
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) logger() *slog.Logger {
	// No timestamps: digits in them could look like a PIN.
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: noTime}))
}

func (l *logBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Log(strings.TrimSuffix(string(b), "\n"))
	return l.buf.Write(b)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func timeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// pinResult is what RequestPIN returned.
type pinResult struct {
	pin EncryptedPIN
	err error
}

// requestPIN starts RequestPIN in a goroutine, as the checkout screen does, and
// waits until the pad is taking the PIN.
func (r *rig) requestPIN(t testing.TB, ctx context.Context, pan string, amount money.Amount) <-chan pinResult {
	t.Helper()
	out := make(chan pinResult, 1)
	go func() {
		pin, err := r.pad.RequestPIN(ctx, pan, amount)
		out <- pinResult{pin, err}
	}()
	if err := r.sim.WaitForEntry(timeout(t, 5*time.Second)); err != nil {
		t.Fatalf("pad never took the PIN request: %v", err)
	}
	return out
}

// customerTypes presses the PIN and ENTER on the simulated keypad.
func (r *rig) customerTypes(t testing.TB, pin string) {
	t.Helper()
	if err := r.sim.PressDigits(pin); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.PressEnter(); err != nil {
		t.Fatal(err)
	}
}

func result(t testing.TB, out <-chan pinResult) pinResult {
	t.Helper()
	select {
	case res := <-out:
		return res
	case <-time.After(10 * time.Second):
		t.Fatal("RequestPIN did not return")
		return pinResult{}
	}
}

// issuerPIN is the issuer's side: derive the pad's IPEK from the BDK and the KSN,
// then the transaction's PIN key, decrypt the block and read the PIN from it.
func issuerPIN(t testing.TB, pin EncryptedPIN, pan string) string {
	t.Helper()
	bdk, _ := sim.PINPadTestKeys()
	if pin.Key != ipp.TDES || len(pin.KSN) != 10 || len(pin.Block) != 8 {
		t.Fatalf("not a TDES DUKPT PIN: %v", pin)
	}
	ksn := dukpt.KSN(pin.KSN)
	ipek := dukpt.DeriveIPEK(bdk, ksn)
	key, err := dukpt.TransactionKey(ipek, ksn)
	if err != nil {
		t.Fatalf("transaction key for KSN %s: %v", ksn, err)
	}
	block := dukpt.DecryptPINBlock(key, [8]byte(pin.Block)) // the PIN variant is applied inside
	digits, err := pinblock.DecodeFormat0(block, pan)
	if err != nil {
		t.Fatalf("decrypted block does not decode for the PAN: %v", err)
	}
	return string(digits)
}

func TestPINEntry(t *testing.T) {
	for _, baud := range []int{9600, 115200} {
		t.Run(fmt.Sprint(baud), func(t *testing.T) {
			r := newRig(t, rigOptions{baud: baud})
			ctx := timeout(t, 20*time.Second)
			if err := r.pad.ShowAmount(ctx, 12_34); err != nil {
				t.Fatal(err)
			}
			if got := r.sim.Display(); got != "AMOUNT CNY 12.34\n" {
				t.Errorf("display %q after ShowAmount", got)
			}

			out := r.requestPIN(t, ctx, testPAN, 12_34)
			if got := r.sim.Display(); got != "AMOUNT CNY 12.34\nENTER PIN" {
				t.Errorf("display %q while waiting for the PIN", got)
			}
			if err := r.sim.PressDigits("802497"); err != nil {
				t.Fatal(err)
			}
			waitDisplay(t, r.sim, "AMOUNT CNY 12.34\n******")
			if err := r.sim.PressEnter(); err != nil {
				t.Fatal(err)
			}
			res := result(t, out)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if got := issuerPIN(t, res.pin, testPAN); got != "802497" {
				t.Errorf("issuer recovers PIN %q", got)
			}
			_, initial := sim.PINPadTestKeys()
			if first := initial.WithCounter(1); !bytes.Equal(res.pin.KSN, first[:]) {
				t.Errorf("KSN %s, want the first transaction of %s", res.pin.KSN, initial)
			}
			if s := fmt.Sprint(res.pin); strings.Contains(s, fmt.Sprintf("%X", res.pin.Block)) {
				t.Errorf("EncryptedPIN prints its block: %s", s)
			}
			checkLogsKeepSecrets(t, r.logs.String(), "802497", res.pin)
		})
	}
}

// checkLogsKeepSecrets fails unless the logs show neither the PAN (only masked),
// nor the PIN, nor the PIN block.
func checkLogsKeepSecrets(t *testing.T, logs, pin string, block EncryptedPIN) {
	t.Helper()
	for what, secret := range map[string]string{
		"PAN":                     testPAN,
		"PIN":                     pin,
		"PIN block":               fmt.Sprintf("%X", block.Block),
		"PIN block in lower case": fmt.Sprintf("%x", block.Block),
	} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs show the %s", what)
		}
	}
	if !strings.Contains(logs, maskPAN(testPAN)) {
		t.Errorf("the logs do not show the masked PAN %s", maskPAN(testPAN))
	}
}

func waitDisplay(t testing.TB, pad *sim.PINPad, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for pad.Display() != want {
		if time.Now().After(deadline) {
			t.Fatalf("display %q, want %q", pad.Display(), want)
		}
		select {
		case <-pad.Changed():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func TestKSNCounterAdvancesPerTransaction(t *testing.T) {
	r := newRig(t, rigOptions{baud: 115200})
	ctx := timeout(t, 30*time.Second)
	pins := []string{"1234", "0000", "987654321012", "55555", "4321"}
	var blocks [][]byte
	for i, want := range pins {
		out := r.requestPIN(t, ctx, testPAN, money.Yuan(int64(i+1)))
		r.customerTypes(t, want)
		res := result(t, out)
		if res.err != nil {
			t.Fatalf("transaction %d: %v", i+1, res.err)
		}
		if got := dukpt.KSN(res.pin.KSN).Counter(); got != uint32(i+1) {
			t.Errorf("transaction %d has counter %d", i+1, got)
		}
		if got := issuerPIN(t, res.pin, testPAN); got != want {
			t.Errorf("transaction %d: issuer recovers %q, want %q", i+1, got, want)
		}
		blocks = append(blocks, res.pin.Block)
	}
	if r.sim.PINBlocks() != len(pins) {
		t.Errorf("pad encrypted %d blocks, want %d", r.sim.PINBlocks(), len(pins))
	}
	// Same PIN, same PAN, another transaction: another key, another block.
	out := r.requestPIN(t, ctx, testPAN, 1)
	r.customerTypes(t, "1234")
	if res := result(t, out); res.err != nil || bytes.Equal(res.pin.Block, blocks[0]) {
		t.Errorf("repeat of PIN 1234: %v, same block %v", res.err, bytes.Equal(res.pin.Block, blocks[0]))
	}
}

func TestCustomerClearsAndRetypes(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx := timeout(t, 20*time.Second)
	out := r.requestPIN(t, ctx, testPAN, 5_00)
	if err := r.sim.PressDigits("99"); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.PressClear(); err != nil {
		t.Fatal(err)
	}
	r.customerTypes(t, "12") // too short: the pad keeps waiting
	r.customerTypes(t, "34") // now 1234
	res := result(t, out)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if got := issuerPIN(t, res.pin, testPAN); got != "1234" {
		t.Errorf("issuer recovers %q, want 1234", got)
	}
}

// customerCancels types two digits and presses CANCEL: the PIN request in progress
// must end with ErrCancelled.
func (r *rig) customerCancels(t testing.TB, out <-chan pinResult) {
	t.Helper()
	if err := r.sim.PressDigits("12"); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.PressCancel(); err != nil {
		t.Fatal(err)
	}
	if res := result(t, out); !errors.Is(res.err, ErrCancelled) {
		t.Fatalf("RequestPIN error %v, want ErrCancelled", res.err)
	}
}

func TestCustomerCancels(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx := timeout(t, 20*time.Second)
	r.customerCancels(t, r.requestPIN(t, ctx, testPAN, 5_00))
	// The pad serves the next customer.
	out := r.requestPIN(t, ctx, testPAN, 5_00)
	r.customerTypes(t, "2468")
	if res := result(t, out); res.err != nil || issuerPIN(t, res.pin, testPAN) != "2468" {
		t.Fatalf("after a cancel: %v", res.err)
	}
}

func TestCustomerEntersNoPIN(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx := timeout(t, 20*time.Second)
	out := r.requestPIN(t, ctx, testPAN, 5_00)
	if err := r.sim.PressEnter(); err != nil {
		t.Fatal(err)
	}
	if res := result(t, out); !errors.Is(res.err, ErrNoPIN) {
		t.Fatalf("RequestPIN error %v, want ErrNoPIN", res.err)
	}
	if r.sim.PINBlocks() != 0 {
		t.Errorf("pad encrypted a block for no PIN")
	}
}

func TestCheckDUKPT(t *testing.T) {
	r := newRig(t, rigOptions{simCfg: func(c *sim.PINPadConfig) { c.Engine = '2' }})
	ctx := timeout(t, 10*time.Second)
	for range 2 { // twice: the EOT ending the first exchange must not disturb the next
		engine, err := r.pad.CheckDUKPT(ctx)
		if err != nil || engine != 2 {
			t.Fatalf("CheckDUKPT = %d, %v; want 2", engine, err)
		}
	}
	if err := r.pad.Show(ctx, "THANK YOU"); err != nil {
		t.Fatal(err)
	}
}

func TestShowRefusesWhatThePadCannotShow(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx := timeout(t, 10*time.Second)
	for _, lines := range [][]string{{"请输入密码"}, {"12345678901234567"}, {"a", "b", "c"}} {
		if err := r.pad.Show(ctx, lines...); !errors.Is(err, ErrDisplayText) {
			t.Errorf("Show(%q) error %v, want ErrDisplayText", lines, err)
		}
	}
	if _, err := r.pad.RequestPIN(ctx, "4761-7390", 1); !errors.Is(err, ErrInvalidPAN) || strings.Contains(err.Error(), "4761") {
		t.Errorf("RequestPIN with a bad PAN: %v", err)
	}
	if err := r.pad.Show(ctx, "THANK YOU", "GOODBYE"); err != nil {
		t.Fatal(err)
	}
	if got := r.sim.Display(); got != "THANK YOU\nGOODBYE" {
		t.Errorf("display %q", got)
	}
}
