package ui

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// unionPayFixture is the wallet fixture with card payments on a sandbox acquirer of
// their own, UnionPay QR codes routed to them as the session does.
type unionPayFixture struct {
	*walletFixture
	cards   *app.CardPayments
	sandbox *acquirersim.Server
}

func newUnionPayFixture(t *testing.T, language string) *unionPayFixture {
	t.Helper()
	f := &unionPayFixture{walletFixture: newWalletFixture(t, language)}
	f.cards, f.sandbox = startQRCards(t, f.till)
	f.wallets.RouteUnionPayQR(f.cards)
	f.c.EnableCards(f.cards, nil)
	return f
}

// startQRCards starts card payments for till on a sandbox acquirer of their own (no
// card terminal: UnionPay QR codes need none).
func startQRCards(t *testing.T, till *app.Till) (*app.CardPayments, *acquirersim.Server) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sb, err := acquirersim.Start(acquirersim.Options{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	cards := app.NewCardPayments(till, nil, app.CardPaymentsOptions{Config: app.DefaultAcquirerConfig(), Address: sb.Addr(),
		Backoff: func(int) time.Duration { return 20 * time.Millisecond }, ConnectTimeout: time.Second, ResponseTimeout: 2 * time.Second,
		Log: quiet, Sandbox: sb}) // closed with the card payments
	t.Cleanup(func() { cards.Close() })
	if err := cards.Resolve(); err != nil {
		t.Fatal(err)
	}
	cards.Start()
	return cards, sb
}

// qrCode opens a UnionPay app wallet holding balance and shows a code of it.
func (f *unionPayFixture) qrCode(t *testing.T, balance money.Amount) (string, string) {
	t.Helper()
	id, err := f.sandbox.UnionPayApp().NewWallet(int64(balance))
	if err != nil {
		t.Fatal(err)
	}
	code, err := f.sandbox.UnionPayApp().ShowCode(id)
	if err != nil {
		t.Fatal(err)
	}
	return id, code
}

func (f *unionPayFixture) qrBalance(t *testing.T, id string) money.Amount {
	t.Helper()
	b, err := f.sandbox.UnionPayApp().Balance(id)
	if err != nil {
		t.Fatal(err)
	}
	return money.Amount(b)
}

// receiptText is the receipt on screen, a row a line.
func (f *unionPayFixture) receiptText() string {
	var b strings.Builder
	for _, r := range f.c.Receipt.Rows {
		b.WriteString(r.Left + " " + r.Right + "\n")
	}
	return b.String()
}

// A UnionPay code scanned into the scan field pays the sale through the acquirer: the
// wallet dialog takes it, and the receipt names UnionPay QR with the masked code, the
// authorisation code and RRN.
func TestUnionPayCodeInTheScanField(t *testing.T) {
	f := newUnionPayFixture(t, "en")
	id, code := f.qrCode(t, money.Yuan(100))
	f.scan(water)
	f.scan(noodles)
	f.scan(code)
	d, ok := f.c.Screen.(*WalletDialog)
	if !ok {
		t.Fatalf("no wallet dialog: %q", f.c.Message.Text)
	}
	if !strings.Contains(d.CodeSeen.Text, "UnionPay QR") || strings.Contains(d.CodeSeen.Text, code) {
		t.Errorf("dialog shows %q", d.CodeSeen.Text)
	}
	d.Wait()
	r := f.paid(t, sale.UnionPayQR)
	if r.Sale.Payments[0].Amount != 750 || f.qrBalance(t, id) != money.Yuan(100)-750 {
		t.Fatalf("paid %s, balance %s", r.Sale.Payments[0].Amount.Format(), f.qrBalance(t, id).Format())
	}
	text := f.receiptText()
	for _, want := range []string{tr("receipt.tender.unionpay_qr"), tr("receipt.card.qr_code"), iso8583.MaskPAN(code), tr("receipt.card.auth_code"), tr("receipt.card.rrn")} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
}

// On F12's payment code tender: a code the UnionPay app never showed is refused with
// the reason and the dialog waits for another; a good one pays.
func TestUnionPayCodeInTheWalletDialog(t *testing.T) {
	f := newUnionPayFixture(t, "zh")
	f.scan(water)
	f.key(fyne.KeyF12)
	pickLabel(t, f.fixture, tr("tender.wallet_code"))
	d, ok := f.c.Screen.(*WalletDialog)
	if !ok {
		t.Fatalf("no wallet dialog: %T %q", f.c.Screen, f.c.Message.Text)
	}
	f.scan("6212345678901234567")
	d.Wait()
	if f.c.Screen != d || !strings.HasPrefix(d.Message.Text, tr("unionpay.decline.code")) {
		t.Fatalf("unknown code: screen %T, message %q", f.c.Screen, d.Message.Text)
	}
	_, code := f.qrCode(t, money.Yuan(10))
	f.scan(code)
	d.Wait()
	f.paid(t, sale.UnionPayQR)
}

// The simulator's phone opens a UnionPay app wallet at the sandbox acquirer and shows
// its payment code, which travels through the simulated scanner and pays the sale.
func TestPhoneShowsAUnionPayCode(t *testing.T) {
	f := newUnionPayFixture(t, "en")
	devices := startDemoDevices(t, f.fixture)
	f.scan(water)
	f.c.openSimPanel()
	p := f.c.SimPanel.Phone
	if p == nil || len(p.Wallet.Options) != 3 {
		t.Fatalf("phone wallets %v", p.Wallet.Options)
	}
	p.Wallet.SetSelected(providerName(wallet.UnionPay))
	p.Balance.SetText("50.00")
	test.Tap(p.ShowCode)
	if !strings.HasPrefix(p.Info.Text, "UnionPay QR wallet: ¥50.00  code 62") || p.Error.Visible() {
		t.Fatalf("phone: %q, error %q", p.Info.Text, p.Error.Text)
	}
	nextScan(t, f.fixture, devices)
	d, ok := f.c.Screen.(*WalletDialog)
	if !ok {
		t.Fatalf("the scanned code did not start a payment: %q", f.c.Message.Text)
	}
	d.Wait()
	f.paid(t, sale.UnionPayQR)
	p.refresh()
	if !strings.Contains(p.Info.Text, "¥48.00") {
		t.Errorf("after paying: %q", p.Info.Text)
	}
	test.Tap(f.c.SimPanel.Close)
}

// A till that takes no wallet but reaches an acquirer offers the payment code tender
// (not the wallets' QR code) for UnionPay QR codes.
func TestUnionPayCodeWithoutWallets(t *testing.T) {
	f := newFixture(t, "en")
	cfg := app.DefaultWalletConfig()
	cfg.Alipay.Enabled, cfg.WeChat.Enabled = false, false
	w, err := app.NewWallets(f.till, cfg, app.Paths{DataDir: t.TempDir()}, app.WalletOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	cards, sb := startQRCards(t, f.till)
	w.RouteUnionPayQR(cards)
	f.c.EnableWallets(w, nil)
	f.scan(water)
	f.key(fyne.KeyF12)
	if p := f.c.Picker; p == nil || len(p.Labels) != 2 || p.Labels[1] != tr("tender.wallet_code") {
		t.Fatalf("F12 offers %v", f.c.Picker)
	}
	pickLabel(t, f, tr("tender.wallet_code"))
	d, ok := f.c.Screen.(*WalletDialog)
	if !ok {
		t.Fatalf("no payment code dialog: %T %q", f.c.Screen, f.c.Message.Text)
	}
	id, _ := sb.UnionPayApp().NewWallet(10_00)
	code, _ := sb.UnionPayApp().ShowCode(id)
	f.scan(code)
	d.Wait()
	f.c.printing.Wait()
	if r := f.till.LastReceipt(); r == nil || r.Sale.Payments[0].Method != sale.UnionPayQR {
		t.Fatalf("not paid by UnionPay QR: %+v, %q", r, d.Message.Text)
	}
}

// F12 offers the UnionPay QR code the customer scans; the dialog draws the till's
// EMVCo payload, the simulator's phone scans it with its UnionPay app and pays, and
// the receipt shows the UnionPay QR payment.
func TestUnionPayQRShownThenPaidByThePhone(t *testing.T) {
	f := newUnionPayFixture(t, "en")
	startDemoDevices(t, f.fixture)
	f.scan(water)
	f.key(fyne.KeyF12)
	choice := -1
	if f.c.Picker != nil {
		for i, l := range f.c.Picker.Labels {
			if l == tr("tender.unionpay_mpm") {
				choice = i + 1
			}
		}
	}
	if choice < 0 {
		t.Fatalf("F12 offers %v", f.c.Picker)
	}
	f.scan(fmt.Sprint(choice))
	d, ok := f.c.Screen.(*WalletDialog)
	if !ok {
		t.Fatalf("no QR dialog: %T %q", f.c.Screen, f.c.Message.Text)
	}
	waitStage(t, d, app.WalletShowQR)
	wantScannableQR(t, d)
	if m, _, err := wallet.ParseMPM(d.codeURL); err != nil || m.Amount != "2.00" || !strings.Contains(d.Title.Text, "UnionPay QR") {
		t.Fatalf("payload %q: %+v %v, title %q", d.codeURL, m, err, d.Title.Text)
	}
	if !strings.Contains(d.Stage.Text, "s") || d.Phone.Hidden {
		t.Errorf("stage %q, phone hidden %v", d.Stage.Text, d.Phone.Hidden)
	}
	f.c.openSimPanel()
	p := f.c.SimPanel.Phone
	p.Balance.SetText("50.00")
	test.Tap(p.ScanQR)
	if p.Error.Visible() {
		t.Fatalf("phone: %q", p.Error.Text)
	}
	d.Wait()
	r := f.paid(t, sale.UnionPayQR)
	if ref := r.Sale.Payments[0].Ref; !strings.HasPrefix(ref, "UnionPay QR 623000") || !strings.Contains(ref, "rrn:") {
		t.Fatalf("payment ref %q", ref)
	}
	text := receiptText(f.c.Receipt)
	for _, want := range []string{"UnionPay QR", "623000"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	p.refresh()
	if !strings.Contains(p.Info.Text, "¥48.00") {
		t.Errorf("after paying: %q", p.Info.Text)
	}
	test.Tap(f.c.SimPanel.Close)
}
