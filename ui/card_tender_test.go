package ui

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/app/acquirersim"
	"tilldesk/core/journal"
	"tilldesk/core/receipt"
	"tilldesk/core/sale"
	"tilldesk/devices/cardtest"
	"tilldesk/devices/sim/emvcard"
)

// cardFixture is the cashier fixture with bank card payments as the demo runs them:
// the simulated serial card reader and PIN pad on pseudo-terminals through their real
// drivers (the till's devices), the kernel of the demo [emv] configuration, and a
// sandbox acquirer of its own. Device goroutines never touch widgets: the dialogs'
// stages and the panel's PIN pad display wait in their workers' queues, which the
// tests run.
type cardFixture struct {
	*fixture
	devices *app.Devices
	sims    app.Simulators
	cards   *app.CardPayments
	sandbox *acquirersim.Server
	refunds *app.Refunds
}

func newCardFixture(t *testing.T, language string) *cardFixture {
	t.Helper()
	f := &cardFixture{fixture: newFixture(t, language)}
	reg, err := app.NewRegistration(f.till)
	if err != nil {
		t.Fatal(err)
	}
	f.cards, f.devices = startTestCards(t, f.till, reg)
	f.sims, f.sandbox, f.c.devices = f.devices.Simulators(), f.cards.Sandbox(), f.devices
	f.refunds = app.NewRefunds(f.till, app.RefundsOptions{Language: language, Labels: receiptLabel})
	f.c.EnableCards(f.cards, f.refunds)
	return f
}

// startTestCards starts card payments for till on a sandbox acquirer of their own,
// and the demo devices with the card terminal attached, and waits until the card
// reader and the PIN pad are in their slots.
func startTestCards(t *testing.T, till *app.Till, reg *app.Registration) (*app.CardPayments, *app.Devices) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sb, err := acquirersim.Start(acquirersim.Options{RequireSignOn: true, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	cards := app.NewCardPayments(till, reg, app.CardPaymentsOptions{Config: app.DefaultAcquirerConfig(), Address: sb.Addr(),
		Backoff: func(int) time.Duration { return 20 * time.Millisecond }, ConnectTimeout: time.Second, ResponseTimeout: 2 * time.Second, Log: quiet,
		Sandbox: sb}) // closed with the card payments
	t.Cleanup(func() { cards.Close() })
	if err := cards.Resolve(); err != nil {
		t.Fatal(err)
	}
	cards.Start()
	d, err := app.StartDevices(app.DefaultConfig(), app.Paths{DataDir: t.TempDir()}, till, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := app.AttachCardTerminal(&app.Session{Config: app.DefaultConfig(), Cards: cards, Log: quiet}, d); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(10 * time.Second); d.CardReader().Ready() != nil || d.PINPad().Ready() != nil || cards.Readiness().State != app.CardReady; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("card terminal not ready: %+v", cards.Readiness())
		}
	}
	return cards, d
}

// eventually waits up to 10 s for cond.
func (f *cardFixture) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// openCardDialog rings up codes and picks the bank card tender on F12.
func (f *cardFixture) openCardDialog(t *testing.T, codes ...string) *CardDialog {
	t.Helper()
	for _, code := range codes {
		f.scan(code)
	}
	f.key(fyne.KeyF12)
	if f.c.Picker == nil || len(f.c.Picker.Labels) < 2 || f.c.Picker.Labels[1] != tr("bankcard.tender") {
		t.Fatalf("F12 offers %v", f.c.Picker)
	}
	f.scan("2")
	d, ok := f.c.Screen.(*CardDialog)
	if !ok {
		t.Fatalf("no card dialog: %T, %q", f.c.Screen, f.c.Message.Text)
	}
	return d
}

// insert puts a fresh virtual card of profile into the simulated reader.
func (f *cardFixture) insert(t *testing.T, profile string) {
	t.Helper()
	card, _ := cardtest.NewCard(t, profile, emvcard.Contact)
	f.sims.CardReader.Insert(card)
}

// customerTypes types pin on the simulated pad the next time it asks for one (no
// widget is touched).
func (f *cardFixture) customerTypes(t *testing.T, pin string) {
	t.Helper()
	pad := f.sims.PINPad
	done := make(chan struct{})
	t.Cleanup(func() { <-done })
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if pad.WaitForEntry(ctx) == nil {
			_ = pad.PressDigits(pin)
			_ = pad.PressEnter()
		}
	}()
}

// waitCardStage runs the dialog's stage reports until one says stage (up to 10 s).
func waitCardStage(t *testing.T, d *CardDialog, stage app.CardStage) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		d.work.flush()
		if d.stop != nil && d.stage == stage {
			return
		}
	}
	t.Fatalf("the payment never reached %s: stage %q, message %q", stage.Key(), d.Stage.Text, d.Message.Text)
}

// receiptText is the receipt shown, one row a line.
func (f *cardFixture) receiptText(t *testing.T) string {
	t.Helper()
	f.c.printing.Wait()
	if f.c.Receipt == nil {
		t.Fatalf("no receipt: %q", f.c.Message.Text)
	}
	return receipt.Text(f.c.Receipt.Rows, 48)
}

// The whole sale at the till: F12, Bank card; the dialog asks for the card, the
// simulator panel inserts a UnionPay card, the dialog says to enter the PIN on the
// pad (whose display shows the amount), the PIN is typed on the panel's keypad, the
// bank approves; the receipt shows the EMV fields and the pad says so.
func TestCardSaleApprovedWithThePINTypedOnThePad(t *testing.T) {
	f := newCardFixture(t, "en")
	d := f.openCardDialog(t, water)
	if d.Due.Text != "¥2.00" || d.Stage.Text != tr("card.stage.present") || d.Cancel.Disabled() || d.Retry.Visible() {
		t.Fatalf("dialog: due %q, stage %q, cancel off %v", d.Due.Text, d.Stage.Text, d.Cancel.Disabled())
	}
	if !strings.Contains(f.c.Status.Text, tr("card.status.ready")) {
		t.Errorf("status bar %q", f.c.Status.Text)
	}
	test.Tap(d.Simulator)
	p := f.c.SimPanel.Card
	if p == nil || !f.c.SimPanel.CardShown() {
		t.Fatal("the simulator panel's card side is not shown")
	}
	t.Cleanup(func() { test.Tap(f.c.SimPanel.Close) })
	p.Profile.SetSelected(profileName("unionpay"))
	test.Tap(p.Insert)
	waitCardStage(t, d, app.CardEnterPIN)
	if d.Stage.Text != tr("card.stage.pin") || !strings.Contains(d.Message.Text, "¥2.00") {
		t.Errorf("PIN stage %q, %q", d.Stage.Text, d.Message.Text)
	}
	f.eventually(t, "the pad asking for the PIN", f.sims.PINPad.InEntry)
	p.work.flush()
	if !strings.Contains(p.PadLines[0].Text, "2.00") || p.PadLines[1].Text != "ENTER PIN" {
		t.Errorf("the panel's pad shows %q / %q", p.PadLines[0].Text, p.PadLines[1].Text)
	}
	for _, k := range "123456" {
		test.Tap(p.Keys[string(k)])
	}
	f.eventually(t, "six stars", func() bool { return strings.Contains(f.sims.PINPad.Display(), "******") })
	test.Tap(p.Keys["enter"])
	d.Wait()
	text := f.receiptText(t)
	for _, want := range []string{tr("receipt.card.aid"), "A000000333010101", tr("receipt.card.auth_code"), tr("receipt.card.rrn"),
		tr("receipt.card.tvr"), tr("receipt.card.cryptogram"), tr("receipt.card.entry.chip"), tr("receipt.card.cvm.online_pin"), "629999*********0012"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "6299990000000000012") || strings.Contains(text, tr("receipt.card.signature")) {
		t.Errorf("receipt shows the full card number or a signature line:\n%s", text)
	}
	if f.c.Screen != nil || !d.closed {
		t.Error("the card dialog stayed open")
	}
	f.eventually(t, "the pad saying so", func() bool { return strings.Contains(f.sims.PINPad.Display(), "APPROVED") })
}

// A decline (51) keeps the dialog open with the bank's reason, Try again and Other
// tender; Other tender asks how else to pay.
func TestCardDeclinedForInsufficientFunds(t *testing.T) {
	f := newCardFixture(t, "zh")
	f.sandbox.UpdateAccount("6299990000000000012", func(a *acquirersim.Account) { a.Balance = 100 })
	d := f.openCardDialog(t, water)
	f.insert(t, "unionpay")
	f.customerTypes(t, "123456")
	d.Wait()
	if !strings.Contains(d.Message.Text, tr("resp.insufficient_funds")) || d.Message.Importance != widget.DangerImportance ||
		!d.Retry.Visible() || !d.Other.Visible() || d.Cancel.Text != tr("btn.close") || d.Progress.Visible() {
		t.Fatalf("declined: %q (retry %v, other %v, cancel %q)", d.Message.Text, d.Retry.Visible(), d.Other.Visible(), d.Cancel.Text)
	}
	if s := f.till.Current(); len(s.Payments) != 0 || f.c.Screen != d {
		t.Fatalf("payments %+v, screen %T", s.Payments, f.c.Screen)
	}
	test.Tap(d.Other)
	if f.c.Screen != nil || f.c.Picker == nil {
		t.Fatalf("Other tender: screen %T, picker %v", f.c.Screen, f.c.Picker)
	}
	f.key(fyne.KeyEscape)
}

// Cancel while the dialog waits for the card: nothing is sent to the bank and the
// sale stays to be paid.
func TestCardPaymentCancelledWhileWaitingForTheCard(t *testing.T) {
	f := newCardFixture(t, "en")
	d := f.openCardDialog(t, water)
	test.Tap(d.Cancel)
	d.Wait()
	if f.c.Screen != nil || f.c.Message.Text != tr("bankcard.cancelled") {
		t.Fatalf("after cancelling: screen %T, message %q", f.c.Screen, f.c.Message.Text)
	}
	if s := f.till.Current(); len(s.Payments) != 0 || len(s.ActiveLines()) != 1 {
		t.Fatalf("sale %+v", s)
	}
	if n := len(f.sandbox.Transactions("")); n != 0 {
		t.Fatalf("the bank saw %d transactions", n)
	}
}

// The card pulled out while the customer enters the PIN ends the payment with
// nothing taken, and says why; Try again takes the card when it is back.
func TestCardRemovedMidTransaction(t *testing.T) {
	f := newCardFixture(t, "en")
	d := f.openCardDialog(t, water)
	f.insert(t, "unionpay")
	waitCardStage(t, d, app.CardEnterPIN)
	f.sims.CardReader.Remove()
	f.customerTypes(t, "123456")
	d.Wait()
	if !strings.Contains(d.Message.Text, tr("bankcard.err.removed")) || !d.Retry.Visible() {
		t.Fatalf("card removed: %q", d.Message.Text)
	}
	f.insert(t, "unionpay")
	f.customerTypes(t, "123456")
	test.Tap(d.Retry)
	d.Wait()
	f.receiptText(t)
	if r := f.till.LastReceipt(); r == nil || r.Sale.Payments[0].Method != sale.Card {
		t.Fatalf("not paid by card after trying again: %+v", r)
	}
}

// A card that asks for a signature gets a signature line on the receipt (in Chinese
// here), and its record keeps it with the card number masked.
func TestCardSignatureLineOnTheReceipt(t *testing.T) {
	f := newCardFixture(t, "zh")
	d := f.openCardDialog(t, noodles)
	f.insert(t, "signature")
	d.Wait()
	text := f.receiptText(t)
	for _, want := range []string{tr("receipt.card.signature"), "______", tr("receipt.card.signature_note"), tr("receipt.card.cvm.signature")} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	var records []string
	_ = f.j.Each(journal.Filter{Kind: journal.KindSaleCompleted}, func(r journal.Record) error {
		records = append(records, string(r.Data))
		return nil
	})
	if len(records) != 1 || !strings.Contains(records[0], `"signature_line":true`) || strings.Contains(records[0], "4999990000000080") {
		t.Errorf("sale record %v", records)
	}
}

// A tap the card or the amount refuses asks for the card inserted, and says why; a
// wrong PIN says to enter it again; once the request is with the bank, Cancel waits.
func TestCardDialogStages(t *testing.T) {
	f := newCardFixture(t, "en")
	d := f.openCardDialog(t, water)
	d.showStage(app.CardInsert)
	if d.Stage.Text != tr("card.stage.insert") || d.Message.Text != tr("bankcard.tap_refused") || d.Cancel.Disabled() {
		t.Errorf("insert: %q, %q", d.Stage.Text, d.Message.Text)
	}
	d.showStage(app.CardWrongPIN)
	if d.Message.Text != tr("bankcard.wrong_pin") || d.Message.Importance != widget.WarningImportance {
		t.Errorf("wrong PIN: %q", d.Message.Text)
	}
	d.showStage(app.CardProcessing)
	if !d.Cancel.Disabled() {
		t.Error("Cancel is offered while the bank decides")
	}
	d.cancelOrClose()
	if d.Message.Text != tr("bankcard.wait_bank") || d.stopping {
		t.Errorf("cancel while with the bank: %q", d.Message.Text)
	}
	d.showStage(app.CardPresent)
	test.Tap(d.Cancel)
	d.Wait()
	if f.c.Screen != nil {
		t.Fatal("the dialog stayed open")
	}
}
