package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/app/walletsim"
	"tilldesk/core/money"
	"tilldesk/core/receipt"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
	"tilldesk/devices/scanner"
)

// openQRDialog rings up water (¥2.00), picks "show a QR code" on F12 and the wallet
// (1 Alipay, 2 WeChat Pay), and waits for the QR code.
func (f *walletFixture) openQRDialog(t *testing.T, choice string) *WalletDialog {
	t.Helper()
	f.scan(water)
	f.key(fyne.KeyF12)
	f.scan("3")
	if f.c.Picker == nil || len(f.c.Picker.Labels) != 2 {
		t.Fatalf("no wallet choice: %v, %q", f.c.Picker, f.c.Message.Text)
	}
	f.scan(choice)
	d, ok := f.c.Screen.(*WalletDialog)
	if !ok {
		t.Fatalf("no QR dialog: %T, %q", f.c.Screen, f.c.Message.Text)
	}
	waitStage(t, d, app.WalletShowQR)
	return d
}

// The till shows a QR code big enough to scan; the customer's phone scans and pays it.
func TestWalletQRShownThenPaidByThePhone(t *testing.T) {
	f := newWalletFixture(t, "en")
	d := f.openQRDialog(t, "2")
	if !d.QR.Visible() || d.codeURL == "" || !strings.Contains(d.Title.Text, "WeChat Pay") || d.Print.Disabled() || d.Again.Visible() {
		t.Fatalf("QR dialog: shown %v, url %q, title %q, print enabled %v, again offered %v",
			d.QR.Visible(), d.codeURL, d.Title.Text, !d.Print.Disabled(), d.Again.Visible())
	}
	if !strings.Contains(d.Stage.Text, "Waiting for the customer to scan") {
		t.Errorf("stage %q", d.Stage.Text)
	}
	wantScannableQR(t, d)
	f.c.onScan(scanner.Scan{Data: water}) // the cashier's scanner has nothing to do here
	if d.Message.Text != tr("wallet.qr.scan_ignored") {
		t.Errorf("a scan at the QR dialog: %q", d.Message.Text)
	}
	id, err := f.phone.NewWallet(wallet.WeChat, money.Yuan(20))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.phone.ScanQR(id, d.codeURL, walletsim.PayAtOnce); err != nil {
		t.Fatal(err)
	}
	d.Wait()
	f.paid(t, sale.WeChat)
	if got := f.balance(t, id); got != money.Yuan(18) {
		t.Errorf("wallet balance %s", got.Format())
	}
}

// wantScannableQR checks the QR code's image: on white, at least 300 pixels, each
// module 7 pixels or more, with its 4-module quiet zone.
func wantScannableQR(t *testing.T, d *WalletDialog) {
	t.Helper()
	img := d.QR.Image
	side := img.Bounds().Dx()
	if side < 300 || d.QR.MinSize().Width < 300 {
		t.Fatalf("QR code %d pixels, shown at %v", side, d.QR.MinSize())
	}
	dark := func(x, y int) bool { r, _, _, _ := img.At(x, y).RGBA(); return r < 0x8000 }
	first := -1 // the finder pattern's first dark pixel on the diagonal
	for i := 0; i < side && first < 0; i++ {
		if dark(i, i) {
			first = i
		}
	}
	module := 0
	for x := first; x < side && dark(x, first); x++ {
		module++
	}
	module /= 7 // the finder pattern's top edge is 7 modules
	if module < 7 || first != 4*module {
		t.Fatalf("QR modules of %d pixels, quiet zone %d pixels", module, first)
	}
}

// Cancel while the QR code is shown: the order is closed, the dialog closes and
// the QR code no longer pays.
func TestWalletQRCancelled(t *testing.T) {
	f := newWalletFixture(t, "en")
	d := f.openQRDialog(t, "1")
	codeURL := d.codeURL
	test.Tap(d.Cancel)
	d.Wait()
	if f.c.Screen != nil || f.c.Message.Text != tr("wallet.msg.cancelled") || d.QR.Visible() {
		t.Fatalf("after cancelling: screen %T, message %q", f.c.Screen, f.c.Message.Text)
	}
	f.settled(t)
	id, err := f.phone.NewWallet(wallet.Alipay, money.Yuan(20))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.phone.ScanQR(id, codeURL, walletsim.PayAtOnce); err == nil {
		t.Fatal("a closed QR code paid")
	}
	if len(f.till.Current().Payments) != 0 || f.balance(t, id) != money.Yuan(20) {
		t.Fatal("money taken for a cancelled QR code")
	}
}

// A QR code refused on the phone keeps the dialog open; New QR code shows another,
// and Print puts it on a "scan to pay" slip.
func TestWalletQRRefusedThenNewCodePrinted(t *testing.T) {
	f := newWalletFixture(t, "zh")
	printer := &fakePrinter{}
	f.till.SetPrinter(printer)
	d := f.openQRDialog(t, "1")
	id, err := f.phone.NewWallet(wallet.Alipay, money.Yuan(20))
	if err != nil {
		t.Fatal(err)
	}
	no, err := f.phone.ScanQR(id, d.codeURL, walletsim.AskConfirm)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.phone.Refuse(no); err != nil {
		t.Fatal(err)
	}
	d.Wait()
	if f.c.Screen != d || !strings.HasPrefix(d.Message.Text, tr("wallet.decline.customer")) || !d.Again.Visible() || d.QR.Visible() {
		t.Fatalf("after the refusal: screen %T, message %q, again offered %v", f.c.Screen, d.Message.Text, d.Again.Visible())
	}
	test.Tap(d.Again)
	waitStage(t, d, app.WalletShowQR)
	test.Tap(d.Print)
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && d.Message.Text != tr("wallet.qr.printed"); time.Sleep(2 * time.Millisecond) {
		d.work.flush()
	}
	printer.mu.Lock()
	if len(printer.qrs) != 1 || printer.qrs[0] != d.codeURL || !slipSays(printer.printed[0], "请用支付宝扫码付款", "¥2.00", d.last.OutTradeNo) {
		t.Errorf("printed %v with QR codes %q (shown %q)", printer.printed, printer.qrs, d.codeURL)
	}
	printer.mu.Unlock()
	if _, err := f.phone.ScanQR(id, d.codeURL, walletsim.PayAtOnce); err != nil {
		t.Fatal(err)
	}
	d.Wait()
	f.paid(t, sale.Alipay)
}

// slipSays reports whether the printed rows hold every text.
func slipSays(rows []receipt.Row, texts ...string) bool {
	var all strings.Builder
	for _, r := range rows {
		all.WriteString(r.Left + " " + r.Right + "\n")
	}
	for _, s := range texts {
		if !strings.Contains(all.String(), s) {
			return false
		}
	}
	return true
}
