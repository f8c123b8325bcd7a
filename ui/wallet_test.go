package ui

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/app/walletsim"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
	"tilldesk/devices/scanner"
)

// walletTiming is the wallet cadence of the screen tests: polls every 10 ms, the
// customer given 10 s (the tests answer on the phone at once), cancels retried 5 times.
var walletTiming = app.WalletTiming{PollEvery: 10 * time.Millisecond, AlipayWait: 10 * time.Second, WeChatWait: 10 * time.Second,
	QRWait: 10 * time.Second, CancelEvery: 10 * time.Millisecond, CancelAttempts: 5, CallTimeout: 2 * time.Second}

// walletSandboxKey is the sandbox's "Alipay" key pair, made once for every test.
var walletSandboxKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// walletFixture is the cashier fixture with the wallet tenders on a sandbox of its own.
type walletFixture struct {
	*fixture
	wallets *app.Wallets
	sandbox *walletsim.Gateway
	phone   *walletsim.Phone
}

func newWalletFixture(t *testing.T, language string) *walletFixture {
	t.Helper()
	f := &walletFixture{fixture: newFixture(t, language)}
	f.wallets, f.sandbox = startTestWallets(t, f.till)
	f.phone = f.sandbox.Phone()
	f.c.EnableWallets(f.wallets, nil)
	return f
}

// startTestWallets starts a wallet sandbox and the wallet tenders of till over it.
func startTestWallets(t *testing.T, till *app.Till) (*app.Wallets, *walletsim.Gateway) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sb, err := walletsim.Start(walletsim.Options{AlipayKey: walletSandboxKey(), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	w, err := app.NewWallets(till, app.DefaultWalletConfig(), app.Paths{DataDir: t.TempDir()},
		app.WalletOptions{Now: time.Now, Timing: walletTiming, Sandbox: sb, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return w, sb
}

// code opens a customer wallet of provider holding balance and shows a payment code
// of it; it returns the wallet and the code.
func (f *walletFixture) code(t *testing.T, provider wallet.Provider, balance money.Amount, b walletsim.Behaviour) (string, string) {
	t.Helper()
	id, err := f.phone.NewWallet(provider, balance)
	if err != nil {
		t.Fatal(err)
	}
	code, err := f.phone.ShowCode(id, b)
	if err != nil {
		t.Fatal(err)
	}
	return id, code
}

func (f *walletFixture) balance(t *testing.T, id string) money.Amount {
	t.Helper()
	b, err := f.phone.Balance(id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openCodeDialog rings up water (¥2.00) and picks the payment code tender on F12.
func (f *walletFixture) openCodeDialog(t *testing.T) *WalletDialog {
	t.Helper()
	f.scan(water)
	f.key(fyne.KeyF12)
	if f.c.Picker == nil || len(f.c.Picker.Labels) != 3 || f.c.Picker.Labels[1] != tr("tender.wallet_code") {
		t.Fatalf("F12 offers %v", f.c.Picker)
	}
	f.scan("2")
	d, ok := f.c.Screen.(*WalletDialog)
	if !ok || f.w.Canvas().Focused() != d.Code {
		t.Fatalf("no payment code dialog with focus: %T, %q", f.c.Screen, f.c.Message.Text)
	}
	return d
}

// payWaiting rings up water (¥2.00) and pays it with the code of a new wallet of
// provider holding ¥100 whose customer confirms on the phone, until the dialog says
// it waits for them. It returns the wallet and the dialog.
func (f *walletFixture) payWaiting(t *testing.T, provider wallet.Provider) (string, *WalletDialog) {
	t.Helper()
	id, code := f.code(t, provider, money.Yuan(100), walletsim.AskConfirm)
	d := f.openCodeDialog(t)
	f.scan(code)
	waitStage(t, d, app.WalletWaitingCustomer)
	return id, d
}

// waitStage runs the dialog's progress reports until one says stage (up to 5 s).
func waitStage(t *testing.T, d *WalletDialog, stage app.WalletStage) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		d.work.flush()
		if d.stop != nil && d.last.Stage == stage {
			return
		}
	}
	t.Fatalf("the payment never reached %s: stage %q, message %q", stage.Key(), d.Stage.Text, d.Message.Text)
}

// paid checks that the sale was paid by method and its receipt shown, and waits for
// its print job.
func (f *walletFixture) paid(t *testing.T, method sale.Method) *app.Receipt {
	t.Helper()
	f.c.printing.Wait()
	r := f.till.LastReceipt()
	if f.c.Receipt == nil || r == nil || len(r.Sale.Payments) != 1 || r.Sale.Payments[0].Method != method {
		t.Fatalf("not paid by %s: receipt %+v, message %q", method, r, f.c.Message.Text)
	}
	if f.c.Screen != nil || f.c.scanWanted != nil {
		t.Fatalf("the wallet dialog stayed: %T", f.c.Screen)
	}
	f.settled(t)
	return r
}

// settled checks that no wallet payment is left unsettled and the till may sell.
func (f *walletFixture) settled(t *testing.T) {
	t.Helper()
	if p, err := f.wallets.Pending(); err != nil || len(p) != 0 {
		t.Fatalf("wallet payments left: %+v, %v", p, err)
	}
	if err := f.till.SalesAllowed(); err != nil {
		t.Fatalf("sales refused: %v", err)
	}
}

// A code that pays at once: F12, the payment code tender, the scan; the receipt shows,
// the wallet is charged, and the code is shown and journaled masked only.
func TestWalletCodePaidAtOnce(t *testing.T) {
	f := newWalletFixture(t, "en")
	id, code := f.code(t, wallet.Alipay, money.Yuan(500), walletsim.PayAtOnce)
	d := f.openCodeDialog(t)
	if d.Due.Text != "¥2.00" || d.Message.Text != tr("wallet.code.hint") {
		t.Fatalf("dialog: due %q, message %q", d.Due.Text, d.Message.Text)
	}
	f.scan(code)
	if !d.Code.Disabled() || d.Cancel.Text != tr("wallet.cancel_payment") || !strings.Contains(d.CodeSeen.Text, wallet.MaskCode(code)) {
		t.Fatalf("while paying: code entry enabled %v, cancel %q, seen %q", !d.Code.Disabled(), d.Cancel.Text, d.CodeSeen.Text)
	}
	d.Wait()
	f.paid(t, sale.Alipay)
	if got := f.balance(t, id); got != money.Yuan(498) {
		t.Errorf("wallet balance %s", got.Format())
	}
	var all strings.Builder
	_ = f.j.Each(journal.Filter{}, func(r journal.Record) error { b, _ := json.Marshal(r); all.Write(b); return nil })
	if strings.Contains(all.String(), code) || !strings.Contains(all.String(), wallet.MaskCode(code)) {
		t.Error("the payment code is in the journal in clear, or not at all")
	}
	if strings.Contains(d.CodeSeen.Text, code) {
		t.Errorf("the dialog shows the code in clear: %q", d.CodeSeen.Text)
	}
}

// The customer confirms on the phone: the dialog says so, then the sale completes.
func TestWalletCodeWaitsForTheCustomer(t *testing.T) {
	f := newWalletFixture(t, "zh")
	id, d := f.payWaiting(t, wallet.WeChat)
	if !strings.Contains(d.Stage.Text, "等待顾客在手机上确认付款") || !strings.Contains(d.Title.Text, "微信支付") || !d.Progress.Visible() {
		t.Fatalf("waiting: stage %q, title %q", d.Stage.Text, d.Title.Text)
	}
	_, another := f.code(t, wallet.WeChat, money.Yuan(100), walletsim.PayAtOnce)
	f.c.onScan(scanner.Scan{Data: another, Source: "test"}) // a second code meanwhile is not sent
	if d.Message.Text != tr("wallet.msg.busy") {
		t.Errorf("a scan while paying: %q", d.Message.Text)
	}
	waiting := f.phone.Pending()
	if len(waiting) != 1 || waiting[0].Amount != money.Yuan(2) {
		t.Fatalf("phone shows %+v", waiting)
	}
	if err := f.phone.Confirm(waiting[0].OutTradeNo); err != nil {
		t.Fatal(err)
	}
	d.Wait()
	f.paid(t, sale.WeChat)
	if got := f.balance(t, id); got != money.Yuan(98) {
		t.Errorf("wallet balance %s", got.Format())
	}
}

// The cashier cancels while the customer has not confirmed: the provider cancels the
// trade, the dialog closes, the sale stays open and nothing was taken.
func TestWalletCodeCashierCancels(t *testing.T) {
	f := newWalletFixture(t, "en")
	id, d := f.payWaiting(t, wallet.Alipay)
	f.key(fyne.KeyEscape) // Escape is Cancel
	if !d.Cancel.Disabled() || !strings.Contains(d.Stage.Text, "Cancelling") {
		t.Fatalf("cancelling: button enabled %v, stage %q", !d.Cancel.Disabled(), d.Stage.Text)
	}
	d.Wait()
	if f.c.Screen != nil || f.c.Message.Text != tr("wallet.msg.cancelled") || f.w.Canvas().Focused() != f.c.Scan {
		t.Fatalf("after cancelling: screen %T, message %q", f.c.Screen, f.c.Message.Text)
	}
	if s := f.till.Current(); len(s.ActiveLines()) != 1 || len(s.Payments) != 0 {
		t.Fatalf("sale after cancelling: %d lines, payments %+v", len(s.ActiveLines()), s.Payments)
	}
	if got := f.balance(t, id); got != money.Yuan(100) || len(f.phone.Pending()) != 0 {
		t.Errorf("wallet balance %s, phone still asks %+v", got.Format(), f.phone.Pending())
	}
	f.settled(t)
}

// A refusal keeps the dialog open with its reason, and another code then pays.
func TestWalletCodeDeclined(t *testing.T) {
	f := newWalletFixture(t, "en")
	_, poor := f.code(t, wallet.Alipay, money.Yuan(1), walletsim.PayAtOnce)
	d := f.openCodeDialog(t)
	f.scan(poor)
	d.Wait()
	if !strings.HasPrefix(d.Message.Text, tr("wallet.decline.balance")) || d.Message.Importance != widget.DangerImportance ||
		d.Code.Disabled() || d.Cancel.Text != tr("btn.close") || f.w.Canvas().Focused() != d.Code {
		t.Fatalf("after the refusal: message %q, entry enabled %v, cancel %q", d.Message.Text, !d.Code.Disabled(), d.Cancel.Text)
	}
	_, rich := f.code(t, wallet.WeChat, money.Yuan(50), walletsim.PayAtOnce)
	f.scan(rich)
	d.Wait()
	f.paid(t, sale.WeChat)
}

// Codes of no wallet, letters and UnionPay codes are refused in the dialog and never
// sent to a provider; Escape then closes it.
func TestWalletUnknownCodeRefusedWithoutARequest(t *testing.T) {
	f := newWalletFixture(t, "en")
	d := f.openCodeDialog(t)
	for _, tc := range []struct{ code, key string }{
		{"991234567890123456", "err.wallet.unknown"},
		{"28ABC", "err.wallet.malformed"},
		{"6212345678901234567", "err.wallet.unionpay"},
		{"2812345", "err.wallet.unknown"}, // too short for Alipay
	} {
		f.scan(tc.code)
		if !strings.HasPrefix(d.Message.Text, tr(tc.key)) || d.stop != nil {
			t.Errorf("%s: message %q, paying %v", tc.code, d.Message.Text, d.stop != nil)
		}
		if strings.Contains(d.Message.Text, tc.code) && len(tc.code) > 8 {
			t.Errorf("%s: shown in clear: %q", tc.code, d.Message.Text)
		}
	}
	if n := f.records(t, app.KindWalletIntent); n != 0 {
		t.Fatalf("%d wallet payments asked for", n)
	}
	f.key(fyne.KeyEscape)
	if f.c.Screen != nil || f.c.scanWanted != nil || f.w.Canvas().Focused() != f.c.Scan {
		t.Fatalf("Escape left %T open", f.c.Screen)
	}
}

// A payment whose cancel the provider never confirms is in doubt: the resolution
// dialog opens, the till sells nothing (any try reopens it), and Retry settles it.
func TestWalletInDoubtThenRetryResolves(t *testing.T) {
	f := newWalletFixture(t, "en")
	id, d := f.payWaiting(t, wallet.Alipay)
	f.sandbox.Inject(walletsim.Fault{Op: wallet.OpCancel, Kind: walletsim.FaultSystemError, Times: -1})
	test.Tap(d.Cancel)
	d.Wait()
	rd, ok := f.c.Screen.(*WalletResolveDialog)
	if !ok || !strings.HasPrefix(f.c.Message.Text, tr("err.wallet.in_doubt")) {
		t.Fatalf("after the doubt: screen %T, message %q", f.c.Screen, f.c.Message.Text)
	}
	if !strings.Contains(rd.Pending.Text, "¥2.00") || !strings.Contains(rd.Pending.Text, tr("wallet.state.cancelling")) {
		t.Fatalf("in doubt: %q", rd.Pending.Text)
	}
	test.Tap(rd.Retry) // the provider still does not answer
	rd.Wait()
	if rd.Message.Importance != widget.DangerImportance || !rd.Retry.Visible() {
		t.Fatalf("a failed retry: %q", rd.Message.Text)
	}
	test.Tap(rd.Close)
	f.scan(noodles) // refused, and the resolution offered again
	rd, ok = f.c.Screen.(*WalletResolveDialog)
	if !ok || !strings.HasPrefix(f.c.Message.Text, tr("err.wallet.unresolved")) || len(f.c.lines) != 1 {
		t.Fatalf("a sale while in doubt: screen %T, message %q", f.c.Screen, f.c.Message.Text)
	}
	f.sandbox.ClearFaults()
	f.press(fyne.KeyReturn) // Enter retries
	rd.Wait()
	if rd.Message.Text != tr("wallet.resolve.done") || rd.Pending.Text != tr("wallet.resolve.none") || rd.Retry.Visible() {
		t.Fatalf("after the retry: %q, %q", rd.Message.Text, rd.Pending.Text)
	}
	f.press(fyne.KeyEscape)
	f.settled(t)
	if got := f.balance(t, id); got != money.Yuan(100) {
		t.Errorf("wallet balance %s", got.Format())
	}
	f.scan(noodles)
	if len(f.c.lines) != 2 {
		t.Fatalf("no sale after the resolution: %q", f.c.Message.Text)
	}
}

// A payment code scanned into the scan field pays the sale at once; product codes
// still ring up, and a code with nothing to pay is refused.
func TestPaymentCodeInTheScanField(t *testing.T) {
	f := newWalletFixture(t, "en")
	id, code := f.code(t, wallet.WeChat, money.Yuan(100), walletsim.PayAtOnce)
	f.scan(code)
	wantMessage(t, f.fixture, "err.empty")
	if f.c.Screen != nil || f.records(t, app.KindWalletIntent) != 0 {
		t.Fatalf("an empty sale was paid for: %T", f.c.Screen)
	}
	f.scan(water)
	f.scan("2*" + noodles)
	if len(f.c.lines) != 2 {
		t.Fatalf("products: %q", f.c.Message.Text)
	}
	f.scan(code)
	d, ok := f.c.Screen.(*WalletDialog)
	if !ok {
		t.Fatalf("no wallet dialog: %q", f.c.Message.Text)
	}
	d.Wait()
	r := f.paid(t, sale.WeChat)
	if r.Sale.Payments[0].Amount != money.Amount(1300) || f.balance(t, id) != money.Amount(8700) {
		t.Errorf("paid %s, balance %s", r.Sale.Payments[0].Amount.Format(), f.balance(t, id).Format())
	}
	f.c.Receipt.close()

	// A scanner's scan while the dialog waits goes to the dialog.
	d = f.openCodeDialog(t)
	_, code = f.code(t, wallet.Alipay, money.Yuan(100), walletsim.PayAtOnce)
	f.c.onScan(scanner.Scan{Data: code, Source: "serial"})
	d.Wait()
	f.paid(t, sale.Alipay)
}

// A dialog dismissed while its payment runs cancels the payment and closes with its
// outcome, so the sale is never touched while the payment holds it.
func TestWalletDialogDismissedWhilePaying(t *testing.T) {
	f := newWalletFixture(t, "en")
	_, d := f.payWaiting(t, wallet.WeChat)
	d.Dismiss()
	if f.c.Screen != d || !d.stopping {
		t.Fatalf("dismissed while paying: screen %T, cancelling %v", f.c.Screen, d.stopping)
	}
	d.Wait()
	if f.c.Screen != nil || f.c.Message.Text != tr("wallet.msg.cancelled") {
		t.Fatalf("after the cancel: screen %T, message %q", f.c.Screen, f.c.Message.Text)
	}
	f.settled(t)
}
