package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/app/walletsim"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// A wallet sale is refunded from the journal browser back to the customer's wallet.
func TestWalletSaleRefundedFromTheJournalBrowser(t *testing.T) {
	f := newWalletFixture(t, "en")
	refunds := app.NewRefunds(f.till, app.RefundsOptions{Language: "en", Labels: receiptLabel})
	f.c.tenders = nil
	f.c.EnableWallets(f.wallets, refunds)
	id, code := f.code(t, wallet.WeChat, money.Yuan(100), walletsim.PayAtOnce)
	d := f.openCodeDialog(t)
	f.scan(code)
	d.Wait()
	r := f.paid(t, sale.WeChat)
	f.c.Receipt.close()
	if got := f.balance(t, id); got != money.Yuan(98) {
		t.Fatalf("paid: balance %s", got.Format())
	}

	b := f.c.OpenJournalBrowser(refunds, BrowserOptions{Operator: func() string { return "op-01" },
		Approve: (&approver{who: "mgr-01"}).approve, Location: time.UTC, Now: f.now})
	b.Wait()
	rd := (&browserFixture{fixture: f.fixture, b: b}).openRefund(t, r.Number)
	test.Tap(rd.Full)
	rd.Reason.SetValue("damaged")
	if !strings.Contains(rd.Tenders.Text, "WeChat Pay") {
		t.Errorf("refund goes back by %q", rd.Tenders.Text)
	}
	test.Tap(rd.Confirm)
	b.Wait()
	if b.RefundPad != nil {
		t.Fatalf("refund not done: %q", rd.Error.Text)
	}
	if got := f.balance(t, id); got != money.Yuan(100) {
		t.Errorf("after the refund: balance %s", got.Format())
	}
	if n := f.records(t, app.KindWalletRefund); n != 1 {
		t.Errorf("%d wallet refunds journaled", n)
	}
}

// The manager console of a started session offers the wallet tenders, and the
// deregistration wizard refuses while a wallet payment is in doubt and settles it
// itself with the precondition's action.
func TestManagerConsoleWiresWallets(t *testing.T) {
	s := newConsoleSession(t)
	var sandbox *walletsim.Gateway
	s.Wallets, sandbox = startTestWallets(t, s.Till)
	leaveWalletPaymentInDoubt(t, s.Till, s.Wallets, sandbox)

	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	c := NewCashier(s.Till, w, "en", s.Log)
	w.SetContent(c.Content())
	c.EnableManagerConsole(s, func() {})
	if !slices.ContainsFunc(c.tenders, func(o TenderOption) bool { return o.Label == "tender.wallet_qr" }) {
		t.Fatalf("tenders %+v", c.tenders)
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
	row := walletCheckRow(t, scr)
	if row.Importance != widget.DangerImportance || !strings.Contains(row.Text, tr("dereg.action.wallet_resolve")) || len(scr.ActionButtons) != 1 {
		t.Fatalf("wallet precondition %q, %d action buttons", row.Text, len(scr.ActionButtons))
	}
	sandbox.ClearFaults()
	test.Tap(scr.ActionButtons[0])
	scr.jobs.Wait()
	if row := walletCheckRow(t, scr); row.Importance != widget.SuccessImportance || len(scr.ActionButtons) != 0 {
		t.Fatalf("after the action: %q (%s)", row.Text, scr.Message.Text)
	}
	scr.Dismiss()
}

// walletCheckRow is the deregistration screen's row of the wallet precondition.
func walletCheckRow(t *testing.T, scr *DeregScreen) *widget.Label {
	t.Helper()
	for _, r := range scr.CheckRows {
		if strings.Contains(r.Text, tr("dereg.pre.wallet_no_intents")) {
			return r
		}
	}
	t.Fatalf("no wallet precondition among %v", deregRowTexts(scr.CheckRows))
	return nil
}

// leaveWalletPaymentInDoubt pays water with a code whose customer never confirms and
// whose cancel the provider never answers, as the cashier cancels: the payment is in
// doubt until the faults are cleared and it is resolved.
func leaveWalletPaymentInDoubt(t *testing.T, till *app.Till, w *app.Wallets, sandbox *walletsim.Gateway) {
	t.Helper()
	phone := sandbox.Phone()
	id, err := phone.NewWallet(wallet.Alipay, money.Yuan(10))
	if err != nil {
		t.Fatal(err)
	}
	code, err := phone.ShowCode(id, walletsim.AskConfirm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := till.Scan(water); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tender, err := w.CodeTender(code, func(p app.WalletProgress) {
		if p.Stage == app.WalletWaitingCustomer {
			sandbox.Inject(walletsim.Fault{Op: wallet.OpCancel, Kind: walletsim.FaultSystemError, Times: -1})
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := till.Pay(ctx, tender, app.PayRequest{}); !errors.Is(err, app.ErrWalletInDoubt) {
		t.Fatalf("payment: %v, want it in doubt", err)
	}
	if err := till.Cancel(); err != nil {
		t.Fatal(err)
	}
}
