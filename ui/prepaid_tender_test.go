package ui

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/users"
	"tilldesk/devices/scanner"
)

// cheapCardPIN are argon2id parameters cheap enough for tests.
var cheapCardPIN = users.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// prepaidFixture is the console fixture (a manager and a cashier, the journal browser
// with refunds) with the store's prepaid cards enabled on the cashier screen.
type prepaidFixture struct {
	*consoleFixture
	desk *app.PrepaidDesk
}

func newPrepaidFixture(t *testing.T) *prepaidFixture {
	t.Helper()
	f := &prepaidFixture{consoleFixture: newConsoleFixture(t)}
	d, err := app.NewPrepaidDesk(f.till, app.DefaultPrepaidConfig(), app.PrepaidOptions{PINParams: &cheapCardPIN,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Resolve(); err != nil {
		t.Fatal(err)
	}
	f.desk = d
	f.c.EnablePrepaid(d, f.refunds)
	return f
}

// sellCard issues a card holding amount (paid in cash) straight through the desk.
func (f *prepaidFixture) sellCard(t *testing.T, amount money.Amount, pin string) app.CardView {
	t.Helper()
	o, err := f.desk.SellCard(app.SellCardRequest{Amount: amount, PIN: pin, Operator: uiManager})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.till.Pay(context.Background(), app.CashTender{Now: f.now}, app.PayRequest{Tendered: amount}); err != nil {
		t.Fatal(err)
	}
	return f.card(t, o.Card)
}

// card is the card's view now.
func (f *prepaidFixture) card(t *testing.T, number string) app.CardView {
	t.Helper()
	v, err := f.desk.Card(number)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// ring scans items onto the sale.
func (f *prepaidFixture) ring(codes ...string) {
	for _, c := range codes {
		f.scan(c)
	}
}

// payBy presses F12 and chooses tender i of the list (0 cash, 1 prepaid card).
func (f *prepaidFixture) payBy(t *testing.T, i int) {
	t.Helper()
	f.key(fyne.KeyF12)
	if f.c.Picker == nil {
		t.Fatalf("F12 asked nothing: %s", f.c.Message.Text)
	}
	f.c.Picker.List.Select(i)
}

// openTender pays by prepaid card: F12, then "Prepaid card".
func (f *prepaidFixture) openTender(t *testing.T) *PrepaidTenderDialog {
	t.Helper()
	f.payBy(t, 1)
	d, ok := f.c.Screen.(*PrepaidTenderDialog)
	if !ok {
		t.Fatalf("the prepaid tender opened %T: %s", f.c.Screen, f.c.Message.Text)
	}
	if f.w.Canvas().Focused() != d.Lookup.Code {
		t.Fatal("the card field does not have the focus")
	}
	return d
}

// tenderWithCard issues a card holding amount with pin, rings codes up and opens the
// prepaid tender.
func (f *prepaidFixture) tenderWithCard(t *testing.T, amount money.Amount, pin string, codes ...string) (*PrepaidTenderDialog, app.CardView) {
	t.Helper()
	card := f.sellCard(t, amount, pin)
	f.ring(codes...)
	return f.openTender(t), card
}

// scanCard scans the card's QR code with the scanner and waits for the look-up.
func (f *prepaidFixture) scanCard(d interface{ Wait() }, number string) {
	f.c.onScan(scanner.Scan{Data: prepaid.QRPayload(number), Source: "test"})
	d.Wait()
}

// typeCard types a card number (and Enter) into the look-up, then its PIN, if any.
func typeCard(l *CardLookup, wait func(), number, pin string) {
	l.Entry.SetValue(entryTyped)
	l.Code.SetText("")
	test.Type(l.Code, number)
	l.Code.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	wait()
	if pin != "" && !l.PIN.Disabled() {
		test.Type(l.PIN, pin)
		l.PIN.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		wait()
	}
}

func (f *prepaidFixture) verify(t *testing.T) prepaid.VerifyResult {
	t.Helper()
	v, err := f.desk.Verify()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// expectSettled checks that the card holds balance, with no payment left pending.
func (f *prepaidFixture) expectSettled(t *testing.T, card app.CardView, balance money.Amount) {
	t.Helper()
	if got := f.card(t, card.Number); got.Balance != balance {
		t.Errorf("card holds %s, want %s", got.Balance, balance)
	}
	if v := f.verify(t); v.Pending != 0 {
		t.Errorf("%d card payments pending", v.Pending)
	}
}

// A scanned card pays the whole sale: its masked number, status and balance are shown,
// the sale completes and the card holds the rest.
func TestPrepaidPaysTheWholeSale(t *testing.T) {
	f := newPrepaidFixture(t)
	d, card := f.tenderWithCard(t, 2000, "", noodles) // ¥5.50
	if d.PayFull.Visible() && !d.PayFull.Disabled() {
		t.Fatal("payment offered before a card was found")
	}
	f.scanCard(d, card.Number)
	l := d.Lookup
	if l.Number.Text != card.Masked || strings.Contains(l.Number.Text, card.Number[6:15]) || l.Balance.Text != "¥20.00" ||
		l.Status.Text != "Active" || d.PayFull.Disabled() || d.PayPart.Visible() {
		t.Fatalf("card shown %q %q %q; pay full disabled %v, part shown %v; %q", l.Number.Text, l.Status.Text, l.Balance.Text,
			d.PayFull.Disabled(), d.PayPart.Visible(), d.Message.Text)
	}
	if d.PayFull.Text != "Pay ¥5.50" {
		t.Errorf("pay button %q", d.PayFull.Text)
	}
	test.Tap(d.PayFull)
	if f.c.Screen != nil || f.c.Receipt == nil || f.records(t, journal.KindSaleCompleted) != 3 {
		t.Fatalf("after paying: screen %T, receipt %v, message %q", f.c.Screen, f.c.Receipt != nil, f.c.Message.Text)
	}
	f.expectSettled(t, card, 1450)
}

// A typed card asks for its PIN (balance hidden until then) and, holding less than
// due, pays what it holds; the rest is paid in cash.
func TestPrepaidPaysPartThenCash(t *testing.T) {
	f := newPrepaidFixture(t)
	d, card := f.tenderWithCard(t, 500, "2580", water, noodles) // ¥7.50
	l := d.Lookup
	typeCard(l, d.Wait, prepaid.Format(card.Number), "")
	if l.PIN.Disabled() || l.Balance.Text != "—" || f.w.Canvas().Focused() != l.PIN || !l.PIN.Password {
		t.Fatalf("typed card: PIN field enabled %v (masked %v), balance %q, message %q", !l.PIN.Disabled(), l.PIN.Password, l.Balance.Text, d.Message.Text)
	}
	test.Type(l.PIN, "2580")
	l.PIN.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	d.Wait()
	if l.Balance.Text != "¥5.00" || !d.PayFull.Disabled() || !d.PayPart.Visible() || d.PayPart.Disabled() || l.PIN.Text != "" {
		t.Fatalf("card short of the amount: balance %q, full disabled %v, part shown %v; %q", l.Balance.Text,
			d.PayFull.Disabled(), d.PayPart.Visible(), d.Message.Text)
	}
	if !strings.Contains(d.Message.Text, "¥2.50") || d.PayPart.Text != "Pay ¥5.00, rest by another tender" {
		t.Errorf("short card: message %q, button %q", d.Message.Text, d.PayPart.Text)
	}
	test.Tap(d.PayPart)
	if f.c.Screen != nil || f.till.Current().Totals().Due != 250 || !strings.Contains(f.c.Message.Text, "¥2.50 still due") ||
		!strings.Contains(f.c.Message.Text, card.Masked) {
		t.Fatalf("after the part payment: screen %T, due %s, message %q", f.c.Screen, f.till.Current().Totals().Due, f.c.Message.Text)
	}
	if v := f.verify(t); v.Pending != 1 {
		t.Fatalf("pending %d, want the card payment pending with its sale", v.Pending)
	}
	f.payBy(t, 0)
	if f.c.CashPad == nil || f.c.CashPad.Due.Text != "¥2.50" {
		t.Fatal("no cash dialog for the rest")
	}
	test.Tap(f.c.CashPad.Confirm)
	if f.c.Receipt == nil {
		t.Fatalf("sale not completed: %q", f.c.Message.Text)
	}
	f.expectSettled(t, card, 0)
}

// Cards that cannot pay are refused with the reason in the cashier's language.
func TestPrepaidRefusesUnknownAndBadCards(t *testing.T) {
	f := newPrepaidFixture(t)
	f.ring(water)
	d := f.openTender(t)
	num := prepaid.DefaultPolicy.Numbering
	unissued, err := num.Number(999)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func()
		want string
	}{
		{"unknown card scanned", func() { f.scanCard(d, unissued) }, "err.prepaid.unknown"},
		{"number mistyped", func() { typeCard(d.Lookup, d.Wait, unissued[:18]+"0", "") }, "err.prepaid.bad_number"},
		{"another shop's QR", func() { f.c.onScan(scanner.Scan{Data: "https://example.com/x"}); d.Wait() }, "err.prepaid.bad_number"},
		{"bad UID", func() {
			d.Lookup.Entry.SetValue(entryTap)
			d.Lookup.Code.SetText("")
			test.Type(d.Lookup.Code, "XYZ")
			test.Tap(d.Lookup.Find)
			d.Wait()
		}, "err.prepaid.bad_uid"},
		{"unknown UID", func() { d.Lookup.TakeTap("04:A1:B2:C3"); d.Wait() }, "err.prepaid.unknown"},
	} {
		tc.do()
		if !strings.HasPrefix(d.Message.Text, tr(tc.want)) || d.Message.Importance != widget.DangerImportance || d.Lookup.Card != nil {
			t.Errorf("%s: message %q, want %q", tc.name, d.Message.Text, tr(tc.want))
		}
		if strings.Contains(d.Message.Text, unissued) {
			t.Errorf("%s: the message shows the full number", tc.name)
		}
	}
	test.Tap(d.Cancel)
	if f.c.Screen != nil || f.c.scanWanted != nil || f.w.Canvas().Focused() != f.c.Scan {
		t.Error("cancel did not give the scans and focus back to the sale")
	}
}

// Wrong PINs are refused and, after the lockout's count, lock the card's PIN: the
// right PIN is then refused too.
func TestPrepaidWrongPINThenLockout(t *testing.T) {
	f := newPrepaidFixture(t)
	d, card := f.tenderWithCard(t, 1000, "2580", water)
	limit := app.DefaultPrepaidConfig().PINMaxFailures
	typeCard(d.Lookup, d.Wait, card.Number, "")
	for i := 1; i <= limit; i++ {
		pin := d.Lookup.PIN
		if pin.Disabled() || f.w.Canvas().Focused() != pin {
			t.Fatalf("wrong PIN %d: the PIN field is not asking again", i)
		}
		test.Type(pin, "1357")
		pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		d.Wait()
		want := "err.prepaid.wrong_pin"
		if i == limit {
			want = "err.prepaid.pin_locked"
		}
		if !strings.HasPrefix(d.Message.Text, tr(want)) || d.Lookup.Card != nil {
			t.Fatalf("wrong PIN %d: %q, want %q", i, d.Message.Text, tr(want))
		}
	}
	typeCard(d.Lookup, d.Wait, card.Number, "2580")
	if !strings.HasPrefix(d.Message.Text, tr("err.prepaid.pin_locked")) || !d.PayFull.Disabled() {
		t.Fatalf("right PIN on a locked card: %q", d.Message.Text)
	}
	// The card itself still pays when scanned (no PIN asked for scans by default).
	f.scanCard(d, card.Number)
	if d.PayFull.Disabled() {
		t.Fatalf("scanned locked-PIN card: %q", d.Message.Text)
	}
}

// A frozen card shows its status and cannot pay; so does an expired one.
func TestPrepaidFrozenCardRefused(t *testing.T) {
	f := newPrepaidFixture(t)
	card := f.sellCard(t, 1000, "")
	if _, err := f.desk.Freeze(app.CardRequest{ID: f.desk.NewRequestID(), Card: card, Operator: uiManager, Reason: "lost"}); err != nil {
		t.Fatal(err)
	}
	f.ring(water)
	d := f.openTender(t)
	f.scanCard(d, card.Number)
	if d.Lookup.Status.Text != "Frozen" || d.Message.Text != tr("err.prepaid.frozen") || !d.PayFull.Disabled() || d.PayPart.Visible() {
		t.Fatalf("frozen card: status %q, message %q, pay disabled %v", d.Lookup.Status.Text, d.Message.Text, d.PayFull.Disabled())
	}
	// Had the button been live, the ledger refuses too, and the dialog says so.
	d.PayFull.Enable()
	test.Tap(d.PayFull)
	if f.c.Screen != d || len(f.till.Current().Payments) != 0 {
		t.Fatal("a frozen card paid")
	}
}

// Lines that sell a card keep their quantity and price; the sale cannot be paid by a
// prepaid card; a cancel releases the card's reserved number.
func TestPrepaidLinesAreFixedAndCancelDropsThem(t *testing.T) {
	f := newPrepaidFixture(t)
	if _, err := f.desk.SellCard(app.SellCardRequest{Amount: 10000, Operator: uiManager}); err != nil {
		t.Fatal(err)
	}
	f.c.refresh()
	f.key(fyne.KeyF2)
	if f.c.Popup != nil || !strings.HasPrefix(f.c.Message.Text, tr("err.prepaid.line_fixed")) {
		t.Fatalf("F2 on a card line: popup %v, %q", f.c.Popup != nil, f.c.Message.Text)
	}
	f.scan("@50")
	if f.c.Screen != nil || !strings.HasPrefix(f.c.Message.Text, tr("err.prepaid.line_fixed")) || f.till.Current().Totals().Total != 10000 {
		t.Fatalf("@price on a card line: %q", f.c.Message.Text)
	}
	f.key(fyne.KeyF12)
	f.c.Picker.List.Select(1)
	if f.c.Screen != nil || !strings.HasPrefix(f.c.Message.Text, tr("err.prepaid.sold_with_card")) {
		t.Fatalf("a card sold for a prepaid card: %q", f.c.Message.Text)
	}
	f.key(fyne.KeyF8)
	test.Tap(f.c.Popup.OK)
	if orders, err := f.desk.Ledger().Orders(); err != nil || len(orders) != 0 {
		t.Fatalf("orders after the cancel: %+v %v", orders, err)
	}
}
