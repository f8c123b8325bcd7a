package ui

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/app"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/users"
)

// openScreen signs id on and opens the prepaid card screen from its console entry.
func (f *prepaidFixture) openScreen(t *testing.T, id, pin string) *PrepaidScreen {
	t.Helper()
	if _, err := f.auth.Login(id, pin); err != nil {
		t.Fatal(err)
	}
	items := f.c.prepaidConsoleItems()
	if len(items) != 1 || items[0].Perm != "" {
		t.Fatalf("prepaid console entries %+v", items)
	}
	items[0].Open(id)
	s, ok := f.c.Screen.(*PrepaidScreen)
	if !ok {
		t.Fatalf("the console entry opened %T: %s", f.c.Screen, f.c.Message.Text)
	}
	return s
}

// screenWithCard issues a card holding amount with pin, signs id on, opens the
// prepaid card screen and scans the card there.
func (f *prepaidFixture) screenWithCard(t *testing.T, id, idPIN string, amount money.Amount, pin string) (*PrepaidScreen, app.CardView) {
	t.Helper()
	card := f.sellCard(t, amount, pin)
	s := f.openScreen(t, id, idPIN)
	f.scanCard(s, card.Number)
	return s, card
}

// action taps the screen's action button and returns its form.
func (s *PrepaidScreen) action(t *testing.T, label string) *CardForm {
	t.Helper()
	b := s.Actions[label]
	if b.Disabled() {
		t.Fatalf("%s is not offered: %q", label, s.Message.Text)
	}
	test.Tap(b)
	if s.Form == nil {
		t.Fatalf("%s opened no form: %q", label, s.Message.Text)
	}
	return s.Form
}

// confirm taps the form's Confirm and waits for the action.
func (s *PrepaidScreen) confirm(f *CardForm) {
	test.Tap(f.Confirm)
	s.Wait()
}

// approveOverride approves the screen's open override as the manager.
func (f *prepaidFixture) approveOverride(t *testing.T, s *PrepaidScreen) {
	t.Helper()
	o := s.Override
	if o == nil {
		t.Fatal("no manager override asked for")
	}
	o.Reason.SetValue(string(users.Damaged))
	o.ManagerID.SetText(uiManager)
	o.PIN.SetText(uiManagerPIN)
	test.Tap(o.Approve)
	s.Wait()
}

// movements returns the journaled movements of kind.
func (f *prepaidFixture) movements(t *testing.T, kind prepaid.Kind) []prepaid.Movement {
	t.Helper()
	var out []prepaid.Movement
	err := f.j.Each(journal.Filter{Kind: prepaid.RecordPrefix + string(kind)}, func(r journal.Record) error {
		b, _, err := prepaid.MovementsOf(r)
		out = append(out, b.Movements...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A new card sold from the screen goes on the sale as a line; paid in cash, the card
// exists with its value and its PIN, and the liability counts it.
func TestPrepaidScreenSellsACardThenTheSaleIsPaid(t *testing.T) {
	f := newPrepaidFixture(t)
	s := f.openScreen(t, uiManager, uiManagerPIN)
	if s.Liability.Text != "Owed to card holders: ¥0.00 on 0 cards" || f.w.Canvas().Focused() != s.Lookup.Code {
		t.Fatalf("liability %q", s.Liability.Text)
	}
	for label, b := range s.Actions {
		if b.Disabled() != (label != "card.action.sell") {
			t.Errorf("with no card: %s disabled %v", label, b.Disabled())
		}
	}
	form := s.action(t, "card.action.sell")
	if form.Amount == nil || form.Number == nil || !form.PIN.Password || !form.PINAgain.Password || form.Reason != nil {
		t.Fatalf("sell form fields: %+v", form)
	}
	form.Amount.SetText("100")
	form.PIN.SetText("2580")
	form.PINAgain.SetText("2581")
	s.confirm(form)
	if s.Form != form || form.Error.Text != tr("auth.err.pin_mismatch") || len(f.till.Current().Lines) != 0 {
		t.Fatalf("mismatched PINs: %q", form.Error.Text)
	}
	form.PIN.SetText("2580")
	form.PINAgain.SetText("2580")
	s.confirm(form)
	if s.Form != nil || len(f.till.Current().Lines) != 1 || !strings.Contains(s.Message.Text, "¥100.00") || !strings.Contains(s.Message.Text, "F12") {
		t.Fatalf("after selling: form open %v, lines %d, message %q, error %q", s.Form != nil, len(f.till.Current().Lines), s.Message.Text, form.Error.Text)
	}
	test.Tap(s.Close)
	if f.c.Screen != nil || len(f.c.lines) != 1 || f.c.Total.Text != "¥100.00" || f.w.Canvas().Focused() != f.c.Scan {
		t.Fatalf("after closing: cart %d lines, total %q", len(f.c.lines), f.c.Total.Text)
	}
	f.payBy(t, 0)
	test.Tap(f.c.CashPad.Confirm)
	if f.c.Receipt == nil {
		t.Fatalf("the card's sale did not complete: %q", f.c.Message.Text)
	}
	var cards []prepaid.Account
	_ = f.desk.Ledger().EachAccount(func(a prepaid.Account) error { cards = append(cards, a); return nil })
	if len(cards) != 1 || cards[0].Balance != 10000 || !cards[0].HasPIN() {
		t.Fatalf("cards after the sale: %+v", cards)
	}
	if _, err := f.desk.Identify(app.CardCredential{Entry: app.CardTyped, Code: cards[0].Number, PIN: "2580"}); err != nil {
		t.Fatalf("the sold card with its PIN: %v", err)
	}
	f.c.Receipt.close()
	s = f.openScreen(t, uiManager, uiManagerPIN)
	if s.Liability.Text != "Owed to card holders: ¥100.00 on 1 cards" {
		t.Errorf("liability after the sale %q", s.Liability.Text)
	}
}

// The screen shows a scanned card's full number; a cashier tops it up (no permission
// needed: the top-up is a sale line), and the sale's payment credits the card.
func TestPrepaidScreenTopUp(t *testing.T) {
	f := newPrepaidFixture(t)
	s, card := f.screenWithCard(t, uiCashier, uiCashierPIN, 1000, "")
	l := s.Lookup
	if l.Number.Text != prepaid.Format(card.Number) || l.Balance.Text != "¥10.00" || s.PINState.Text != "No PIN" ||
		s.UID.Text != "Not linked" || s.Actions["card.action.unfreeze"].Disabled() == false {
		t.Fatalf("card shown %q %q %q %q", l.Number.Text, l.Balance.Text, s.PINState.Text, s.UID.Text)
	}
	form := s.action(t, "card.action.topup")
	form.Amount.SetText("-5")
	s.confirm(form)
	if !strings.HasPrefix(form.Error.Text, tr("err.amount")) {
		t.Fatalf("negative top-up: %q", form.Error.Text)
	}
	form.Amount.SetText("50")
	s.confirm(form)
	if s.Override != nil || s.Form != nil || len(f.till.Current().Lines) != 1 {
		t.Fatalf("top-up: override %v, form %v, lines %d (%q)", s.Override != nil, s.Form != nil, len(f.till.Current().Lines), form.Error.Text)
	}
	s.Dismiss()
	f.payBy(t, 0)
	test.Tap(f.c.CashPad.Confirm)
	f.expectSettled(t, card, 6000)
}

// Freezing needs a reason and, for a cashier, a manager's override; unfreezing by a
// manager needs none.
func TestPrepaidScreenFreezeUnfreeze(t *testing.T) {
	f := newPrepaidFixture(t)
	s, card := f.screenWithCard(t, uiCashier, uiCashierPIN, 1000, "")
	form := s.action(t, "card.action.freeze")
	s.confirm(form)
	if form.Error.Text != tr("card.err.reason") || s.Override != nil {
		t.Fatalf("freeze without a reason: %q", form.Error.Text)
	}
	form.Reason.SetText("reported lost")
	s.confirm(form)
	if f.card(t, card.Number).Status != prepaid.Active || s.Form != form {
		t.Fatal("frozen before a manager approved")
	}
	f.approveOverride(t, s)
	if s.Form != nil || s.Lookup.Status.Text != "Frozen" || !s.Actions["card.action.freeze"].Disabled() ||
		s.Actions["card.action.unfreeze"].Disabled() || !s.Actions["card.action.topup"].Disabled() {
		t.Fatalf("after freezing: status %q, message %q", s.Lookup.Status.Text, s.Message.Text)
	}
	if m := f.movements(t, prepaid.Freeze); len(m) != 1 || m[0].Reason != "reported lost" || m[0].Operator != uiCashier {
		t.Errorf("freeze movements %+v", m)
	}
	if _, err := f.auth.Login(uiManager, uiManagerPIN); err != nil {
		t.Fatal(err)
	}
	form = s.action(t, "card.action.unfreeze")
	s.confirm(form)
	if s.Override != nil && !s.Override.closed {
		t.Fatal("a manager was asked for an override")
	}
	if s.Form != nil || f.card(t, card.Number).Status != prepaid.Active || !strings.Contains(s.Message.Text, "Active") {
		t.Fatalf("after unfreezing: %q (%q)", s.Message.Text, form.Error.Text)
	}
}

// An adjustment needs a manager's approval: cancelled, nothing moves; approved, the
// movement names the cashier and the approving manager. A debit below zero is refused.
func TestPrepaidScreenAdjustNeedsAManager(t *testing.T) {
	f := newPrepaidFixture(t)
	s, card := f.screenWithCard(t, uiCashier, uiCashierPIN, 1000, "")
	form := s.action(t, "card.action.adjust")
	form.Amount.SetText("+5")
	form.Reason.SetText("damaged card, goodwill")
	s.confirm(form)
	s.Override.Dismiss()
	if f.card(t, card.Number).Balance != 1000 || s.Form != form {
		t.Fatal("adjusted without an approval")
	}
	s.confirm(form)
	f.approveOverride(t, s)
	if got := f.card(t, card.Number).Balance; got != 1500 || s.Lookup.Balance.Text != "¥15.00" {
		t.Fatalf("after the approved adjustment: %s (%q)", got, s.Message.Text)
	}
	if !strings.Contains(s.Message.Text, "+¥5.00") || !strings.Contains(s.Message.Text, uiManager) {
		t.Errorf("result %q", s.Message.Text)
	}
	m := f.movements(t, prepaid.Adjust)
	if len(m) != 1 || m[0].Operator != uiCashier || m[0].Approver != uiManager || m[0].Reason != "damaged card, goodwill" {
		t.Fatalf("adjust movements %+v", m)
	}
	form = s.action(t, "card.action.adjust")
	form.Amount.SetText("-20")
	form.Reason.SetText("mistake")
	s.confirm(form)
	f.approveOverride(t, s)
	if !strings.HasPrefix(form.Error.Text, tr("err.prepaid.insufficient")) || f.card(t, card.Number).Balance != 1500 {
		t.Fatalf("debit below zero: %q", form.Error.Text)
	}
	f.verify(t)
}

// A manager renews a card, resets its PIN and links a tapped card's UID; the card is
// then found by its UID and typed with its new PIN.
func TestPrepaidScreenRenewResetPINLinkUID(t *testing.T) {
	f := newPrepaidFixture(t)
	s, card := f.screenWithCard(t, uiManager, uiManagerPIN, 1000, "2580")
	if s.PINState.Text != "Set" {
		t.Fatalf("PIN state %q", s.PINState.Text)
	}
	before := f.card(t, card.Number).Expires
	s.confirm(s.action(t, "card.action.renew"))
	if after := f.card(t, card.Number).Expires; !after.After(before) || !strings.Contains(s.Message.Text, after.Local().Format(time.DateOnly)) {
		t.Fatalf("renewed: %v -> %v, %q", before, after, s.Message.Text)
	}
	form := s.action(t, "card.action.reset_pin")
	form.PIN.SetText("1111")
	form.PINAgain.SetText("1111")
	s.confirm(form)
	if form.Error.Text != tr("card.err.pin_weak") {
		t.Fatalf("weak PIN: %q", form.Error.Text)
	}
	form.PIN.SetText("4826")
	form.PINAgain.SetText("4826")
	s.confirm(form)
	if s.Form != nil {
		t.Fatalf("PIN reset: %q", form.Error.Text)
	}
	form = s.action(t, "card.action.link_uid")
	form.UID.SetText("04:a1:b2:c3")
	form.UID.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	s.Wait()
	if s.Form != nil || s.UID.Text != "04A1B2C3" {
		t.Fatalf("UID linked: %q %q", s.UID.Text, form.Error.Text)
	}
	s.Lookup.Entry.SetValue(entryTap)
	test.Type(s.Lookup.Code, "04A1B2C3")
	test.Tap(s.Lookup.Find)
	s.Wait()
	if s.Lookup.Card == nil || s.Lookup.Card.Number != card.Number {
		t.Fatalf("found by UID: %q", s.Message.Text)
	}
	typeCard(s.Lookup, s.Wait, card.Number, "4826")
	if s.Lookup.Card == nil {
		t.Fatalf("typed with the new PIN: %q", s.Message.Text)
	}
	for _, k := range []prepaid.Kind{prepaid.Renew, prepaid.PINReset, prepaid.LinkUID} {
		if m := f.movements(t, k); len(m) != 1 || m[0].Operator != uiManager {
			t.Errorf("%s movements %+v", k, m)
		}
	}
	// Nothing in the journal or the log holds the PIN: only its hash is in the state.
	var all strings.Builder
	_ = f.j.Each(journal.Filter{}, func(r journal.Record) error { b, _ := json.Marshal(r); all.Write(b); return nil })
	if strings.Contains(all.String(), "4826") {
		t.Error("the new PIN is in the journal")
	}
}

// A sale paid by card is refunded back to the card from the journal browser.
func TestPrepaidRefundBackToTheCard(t *testing.T) {
	f := newPrepaidFixture(t)
	d, card := f.tenderWithCard(t, 2000, "", noodles)
	f.scanCard(d, card.Number)
	test.Tap(d.PayFull)
	f.c.printing.Wait() // its print job touches the status bar when it ends
	number := f.till.LastReceipt().Number
	f.expectSettled(t, card, 1450)
	f.c.Receipt.close()

	if _, err := f.auth.Login(uiManager, uiManagerPIN); err != nil {
		t.Fatal(err)
	}
	f.c.JournalConsoleItem(f.refunds, "").Open(uiManager)
	b := f.c.Screen.(*JournalBrowser)
	rd := (&browserFixture{fixture: f.fixture, b: b}).openRefund(t, number)
	test.Tap(rd.Full)
	rd.Reason.SetValue("damaged")
	test.Tap(rd.Confirm)
	b.Wait()
	if b.RefundPad != nil {
		t.Fatalf("refund not done: %q", rd.Error.Text)
	}
	f.expectSettled(t, card, 2000)
	if m := f.movements(t, prepaid.Refund); len(m) != 1 || m[0].Amount != 550 {
		t.Errorf("refund movements %+v", m)
	}
}

// The manager console of a started session offers the prepaid tender and the prepaid
// card screen, and the deregistration wizard checks the prepaid ledger.
func TestManagerConsoleWiresPrepaidCards(t *testing.T) {
	s := newConsoleSession(t)
	s.Prepaid = app.StartPrepaid(s)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	c := NewCashier(s.Till, w, "en", s.Log)
	w.SetContent(c.Content())
	c.EnableManagerConsole(s, func() {})
	if !slices.ContainsFunc(c.tenders, func(o TenderOption) bool { return o.Label == "tender.prepaid" }) {
		t.Fatalf("tenders %+v", c.tenders)
	}
	var labels []string
	for _, it := range c.consoleItems() {
		labels = append(labels, it.Label)
	}
	if !strings.Contains(strings.Join(labels, " "), "console.prepaid") {
		t.Fatalf("console entries %v", labels)
	}
	c.deregisterItem(s).Open("1001")
	scr, ok := c.Screen.(*DeregScreen)
	if !ok {
		t.Fatalf("deregistration opened %T: %q", c.Screen, c.Message.Text)
	}
	var names []string
	for _, r := range scr.wiz.Preconditions() {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "prepaid_no_pending") || !strings.Contains(got, "prepaid_ledger_verified") {
		t.Errorf("deregistration preconditions %s", got)
	}
}
