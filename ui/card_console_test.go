package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
	"tilldesk/devices/cardtest"
	"tilldesk/devices/sim/emvcard"
)

// payByCard pays codes by card through the dialog with a card of profile, whose PIN
// the customer types, closes the receipt, and gives the card back to the customer.
func (f *cardFixture) payByCard(t *testing.T, profile, pin string, codes ...string) *app.Receipt {
	t.Helper()
	f.insert(t, profile)
	if pin != "" {
		f.customerTypes(t, pin)
	}
	d := f.openCardDialog(t, codes...)
	d.Wait()
	f.receiptText(t)
	f.c.Receipt.close()
	f.sims.CardReader.Remove()
	return f.till.LastReceipt()
}

// Settle card batch from the console: the open batch previewed per brand, settled
// on Settle now, the result shown; the next X report lists the settlement.
func TestCardSettlementShowsOnTheNextXReport(t *testing.T) {
	f := newCardFixture(t, "en")
	shifts := newShifts(t, f.fixture)
	if _, err := shifts.Open("op1", 10000); err != nil {
		t.Fatal(err)
	}
	f.payByCard(t, "unionpay", "123456", water, noodles)
	items := f.c.cardConsoleItems()
	if len(items) != 1 || items[0].Label != "bankcard.settle.console" {
		t.Fatalf("console items %+v", items)
	}
	items[0].Open("mgr")
	s, ok := f.c.Screen.(*CardSettleScreen)
	if !ok {
		t.Fatalf("settle opened %T", f.c.Screen)
	}
	if !strings.Contains(s.Batch.Text, "UnionPay: 1 sales ¥7.50, 0 refunds ¥0.00") || !strings.Contains(s.Batch.Text, "net ¥7.50") || s.Settle.Disabled() {
		t.Fatalf("preview %q", s.Batch.Text)
	}
	test.Tap(s.Settle)
	s.Wait()
	if s.Result == nil || s.Result.Result != app.SettlementBalanced || !strings.Contains(s.Message.Text, tr("card.settlement.balanced")) ||
		!strings.Contains(s.Message.Text, "000002") {
		t.Fatalf("settled: %+v, %q", s.Result, s.Message.Text)
	}
	test.Tap(s.Close)
	if f.c.Screen != nil {
		t.Fatal("the settlement screen stayed")
	}
	v := ShowReportView(f.w, shifts, "mgr", "en")
	v.now = f.now
	test.Tap(v.XReport)
	text := rowsText(v)
	if !strings.Contains(text, tr("report.batch")+" 000001 | balanced") || strings.Contains(text, tr("report.not_settled")) {
		t.Errorf("X report lacks the settlement:\n%s", text)
	}
	v.Dismiss()
}

// A card sale refunded from the refund dialog: a prompt asks for the card the sale
// was paid with, the customer inserts it, the bank voids the sale.
func TestCardSaleRefundedThroughTheCard(t *testing.T) {
	f := newCardFixture(t, "en")
	r := f.payByCard(t, "visa", "1234", water)
	before, _ := f.sandbox.Balance("4999990000000015")
	sr, err := f.refunds.Load(r.Number)
	if err != nil {
		t.Fatal(err)
	}
	d := ShowRefundDialog(f.w, f.refunds, sr, RefundOptions{Operator: func() string { return "op1" }, Language: "en",
		Approve: func(_ string, done func(string, error)) { done("mgr", nil) }})
	test.Tap(d.Full)
	d.Reason.SetValue(refund.Reasons[0])
	test.Tap(d.Confirm)
	f.eventually(t, "the card refund asking for the card", func() bool {
		f.c.cards.work.flush()
		return f.c.cards.prompt != nil
	})
	if p := f.c.cards.prompt; !strings.Contains(p.Title.Text, "¥2.00") || p.Stage.Text != tr("card.stage.present") {
		t.Fatalf("prompt %q / %q", p.Title.Text, p.Stage.Text)
	}
	f.insert(t, "visa")
	d.Wait()
	f.c.cards.work.flush()
	if f.c.cards.prompt != nil || !d.closed {
		t.Fatalf("after the refund: prompt %v, dialog error %q", f.c.cards.prompt != nil, d.Error.Text)
	}
	if after, _ := f.sandbox.Balance("4999990000000015"); after != before+200 {
		t.Fatalf("balance %d, want %d", after, before+200)
	}
}

// The devices screen shows the card reader and the PIN pad with their status, tests
// the pad, and keeps a PC/SC reader's name.
func TestDevicesScreenShowsTheCardReaderAndPINPad(t *testing.T) {
	f := newCardFixture(t, "zh")
	s := f.c.OpenDevicesScreen(app.DefaultConfig(), func(app.Config) error { return nil })
	t.Cleanup(func() { s.Dismiss(); s.jobs.Wait() })
	s.RefreshStatus()
	for _, form := range []*LinkForm{s.CardReader, s.PINPad} {
		if form.Kind.Value() != app.LinkSim || !strings.Contains(form.Status.Text, tr("device.state.connected")) {
			t.Errorf("%s: kind %q, status %q", form.role, form.Kind.Value(), form.Status.Text)
		}
	}
	if !s.ReaderName.Disabled() {
		t.Error("the PC/SC reader name is offered for a simulated reader")
	}
	test.Tap(s.PadTest)
	s.jobs.Wait()
	if s.PadResult.Importance != widget.SuccessImportance || !strings.Contains(f.sims.PINPad.Display(), "PIN PAD OK") {
		t.Fatalf("PIN pad test: %q, the pad shows %q", s.PadResult.Text, f.sims.PINPad.Display())
	}
	s.CardReader.Kind.SetValue(app.LinkPCSC)
	s.ReaderName.SetText("ACS ACR122U 00 00")
	s.PINPad.Kind.SetValue(app.LinkNone)
	if s.PadKey.Value() != app.PINPadKeyTDES {
		t.Errorf("the pad's key shows %q, want the default TDES", s.PadKey.Value())
	}
	s.PadKey.SetValue(app.PINPadKeyAES128)
	cfg, err := s.Config()
	if err != nil || cfg.Devices.CardReader.Kind != app.LinkPCSC || cfg.Devices.CardReader.Reader != "ACS ACR122U 00 00" ||
		cfg.Devices.PINPad.Kind != app.LinkNone || cfg.Devices.PINPad.Key != app.PINPadKeyAES128 || s.ReaderName.Disabled() {
		t.Fatalf("config %+v, %v", cfg.Devices, err)
	}
}

// The simulator panel taps a phone (taken away again after a moment, or at once with
// Take out), refuses to insert a phone, and arms the bank's faults.
func TestSimulatorPanelCardSide(t *testing.T) {
	tapDwell = time.Second // a poll of the field (200 ms) and the card's part of the payment
	t.Cleanup(func() { tapDwell = 3 * time.Second })
	f := newCardFixture(t, "en")
	d := f.openCardDialog(t, water)
	test.Tap(d.Simulator)
	t.Cleanup(func() { test.Tap(f.c.SimPanel.Close) })
	p := f.c.SimPanel.Card
	p.Profile.SetSelected(profileName("wallet"))
	test.Tap(p.Insert)
	if !p.Error.Visible() || !strings.Contains(p.Error.Text, tr("sim.card.cannot_contact")) {
		t.Fatalf("inserting a phone: %q", p.Error.Text)
	}
	test.Tap(p.Tap)
	d.Wait()
	if text := f.receiptText(t); !strings.Contains(text, tr("receipt.card.entry.contactless")) ||
		f.till.LastReceipt().Sale.Payments[0].Method != sale.Card {
		t.Fatalf("tap:\n%s", text)
	}
	if len(p.Faults) != 4 {
		t.Fatalf("%d fault buttons", len(p.Faults))
	}
	test.Tap(p.Faults[2]) // garbage for the next sale
	if !strings.Contains(p.Info.Text, tr("sim.bank.garbage")) {
		t.Errorf("armed: %q", p.Info.Text)
	}
	f.c.Receipt.close()
	test.Tap(p.Remove) // the phone leaves the field at once
	f.w.Canvas().Focus(f.c.Scan)
	d = f.openCardDialog(t, water)
	test.Tap(p.Tap)
	d.Wait()
	if !strings.Contains(d.Message.Text, tr("acquirer.err.garbage")) && !strings.Contains(d.Message.Text, tr("card.err.in_doubt")) {
		t.Fatalf("garbage from the bank: %q", d.Message.Text)
	}
	if n := f.sandbox.Count(posmsg.KindReversal); n == 0 {
		f.eventually(t, "the reversal", func() bool { return f.sandbox.Count(posmsg.KindReversal) > 0 })
	}
	test.Tap(d.Cancel)
}

// The manager console wires card payments: the tender, the settlement entry, the
// sign-on right after registration (shown on the registration screen), and the
// deregistration wizard's card checks, whose settle action it runs itself.
func TestManagerConsoleWiresCards(t *testing.T) {
	s := newConsoleSession(t)
	var devs *app.Devices
	s.Cards, devs = startTestCards(t, s.Till, s.Registration)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	c := NewCashier(s.Till, w, "en", s.Log)
	w.SetContent(c.Content())
	c.EnableManagerConsole(s, func() {})
	if !slices.ContainsFunc(c.tenders, func(o TenderOption) bool { return o.Label == "bankcard.tender" }) ||
		!slices.ContainsFunc(c.console.Extra, func(i ConsoleItem) bool { return i.Label == "bankcard.settle.console" }) {
		t.Fatalf("tenders %+v", c.tenders)
	}

	c.registerItem(s).Open("1001")
	reg1, ok := c.Screen.(*RegisterScreen)
	if !ok {
		t.Fatalf("registration opened %T", c.Screen)
	}
	reg1.Acquirer.SetText("127.0.0.1:9")
	test.Tap(reg1.Submit)
	c.cards.work.Wait()
	if !strings.Contains(reg1.Message.Text, tr("reg.done")) || !strings.Contains(reg1.Message.Text, tr("bankcard.signon.done")) {
		t.Fatalf("registration screen: %q", reg1.Message.Text)
	}
	reg1.Dismiss()

	// One card sale leaves the batch to settle.
	card, _ := cardtest.NewCard(t, "mastercard", emvcard.Contact)
	devs.Simulators().CardReader.Insert(card)
	if _, err := s.Till.Scan(water); err != nil {
		t.Fatal(err)
	}
	pad := devs.Simulators().PINPad
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if pad.WaitForEntry(ctx) == nil {
			_ = pad.PressDigits("4321")
			_ = pad.PressEnter()
		}
	}()
	if _, err := s.Till.Pay(context.Background(), s.Cards.Tender(nil), app.PayRequest{}); err != nil {
		t.Fatal(err)
	}

	c.deregisterItem(s).Open("1001")
	scr, ok := c.Screen.(*DeregScreen)
	if !ok {
		t.Fatalf("deregistration opened %T: %q", c.Screen, c.Message.Text)
	}
	scr.ThisTerminal.SetChecked(true)
	scr.Reason.SetSelected(scr.Reason.Options[0])
	test.Tap(scr.Next)
	scr.jobs.Wait()
	row := deregRow(t, scr, "dereg.pre.card_batch_settled")
	if row.Importance != widget.DangerImportance || len(scr.ActionButtons) != 1 {
		t.Fatalf("card batch precondition %q, %d action buttons", row.Text, len(scr.ActionButtons))
	}
	test.Tap(scr.ActionButtons[0])
	scr.jobs.Wait()
	if row := deregRow(t, scr, "dereg.pre.card_batch_settled"); row.Importance != widget.SuccessImportance {
		t.Fatalf("after settling: %q (%s)", row.Text, scr.Message.Text)
	}
	if row := deregRow(t, scr, "dereg.pre.card_nothing_pending"); row.Importance != widget.SuccessImportance {
		t.Fatalf("nothing pending: %q", row.Text)
	}
	scr.Dismiss()
}

// deregRow is the deregistration screen's row of a precondition.
func deregRow(t *testing.T, scr *DeregScreen, key string) *widget.Label {
	t.Helper()
	for _, r := range scr.CheckRows {
		if strings.Contains(r.Text, tr(key)) {
			return r
		}
	}
	t.Fatalf("no %s among %v", key, deregRowTexts(scr.CheckRows))
	return nil
}

// The status bar follows the card terminal: ready, then the bank unreachable once a
// payment could not reach it.
func TestStatusBarShowsTheCardTerminal(t *testing.T) {
	f := newCardFixture(t, "zh")
	if !strings.Contains(f.c.Status.Text, tr("card.status.ready")) {
		t.Fatalf("status %q", f.c.Status.Text)
	}
	f.sandbox.Close()
	d := f.openCardDialog(t, water)
	f.insert(t, "unionpay")
	f.customerTypes(t, "123456")
	d.Wait()
	f.c.cards.work.flush()
	if !strings.Contains(f.c.Status.Text, tr("card.status.host_unreachable")) || !strings.Contains(d.Message.Text, tr("acquirer.err.unreachable")) {
		t.Fatalf("status %q, dialog %q", f.c.Status.Text, d.Message.Text)
	}
	test.Tap(d.Cancel)
}
