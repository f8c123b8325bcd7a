package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tilldesk/core/dereg"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
	"tilldesk/core/users"
)

// cheapPIN are argon2id parameters cheap enough for tests.
var cheapPIN = users.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// prepaidFixture is a refund fixture (till, journal, refunds) with a prepaid desk.
type prepaidFixture struct {
	*refundFixture
	desk *PrepaidDesk
}

func newPrepaidFixture(t *testing.T) *prepaidFixture {
	t.Helper()
	f := &prepaidFixture{refundFixture: newRefundFixture(t)}
	f.openDesk(t)
	return f
}

// openDesk builds the desk over the fixture's (re)opened till and resolves.
func (f *prepaidFixture) openDesk(t *testing.T) {
	t.Helper()
	d, err := NewPrepaidDesk(f.till, DefaultPrepaidConfig(), PrepaidOptions{PINParams: &cheapPIN, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Resolve(); err != nil {
		t.Fatal(err)
	}
	f.refunds.Register(d.Refunder())
	f.desk = d
}

// sellCard sells a new card with amount for cash and returns it.
func (f *prepaidFixture) sellCard(t *testing.T, amount money.Amount, pin string) CardView {
	t.Helper()
	o, err := f.desk.SellCard(SellCardRequest{Amount: amount, PIN: pin, Operator: "mgr-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.till.Pay(context.Background(), CashTender{Now: f.clock.now}, PayRequest{Tendered: amount}); err != nil {
		t.Fatal(err)
	}
	card, err := f.desk.Card(o.Card)
	if err != nil {
		t.Fatal(err)
	}
	return card
}

func (f *prepaidFixture) verify(t *testing.T) prepaid.VerifyResult {
	t.Helper()
	v, err := f.desk.Verify()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A card is sold for cash, pays part of a sale (the rest in cash), and the refund of
// that sale goes back to the card and the drawer.
func TestPrepaidSellPaySplitRefund(t *testing.T) {
	f := newPrepaidFixture(t)
	card := f.sellCard(t, 500, "")
	if card.Balance != 500 || card.Status != prepaid.Active {
		t.Fatalf("card sold: %+v", card)
	}
	if n := f.count(t, "prepaid.issue"); n != 0 {
		t.Fatalf("the issue has a record of its own (%d): it belongs in the sale's", n)
	}
	// ¥7.50 of goods: the card pays what it holds (¥5), cash the rest.
	for _, c := range []string{water, noodles} {
		if _, err := f.till.Scan(c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.till.Pay(context.Background(), f.desk.Tender(card, false), PayRequest{}); !errors.Is(err, prepaid.ErrInsufficient) {
		t.Fatalf("full payment from a card holding less: %v", err)
	}
	r, err := f.till.Pay(context.Background(), f.desk.Tender(card, true), PayRequest{})
	if err != nil || r != nil {
		t.Fatalf("partial card payment: %v %v", r, err)
	}
	if v := f.verify(t); v.Pending != 1 {
		t.Fatalf("pending %d", v.Pending)
	}
	r, err = f.till.Pay(context.Background(), CashTender{Now: f.clock.now}, PayRequest{Tendered: 1000})
	if err != nil || r == nil {
		t.Fatalf("cash for the rest: %v", err)
	}
	if v := f.verify(t); v.Pending != 0 || v.Liability != 0 {
		t.Fatalf("after the sale: %+v", v)
	}
	res, err := f.refund(r.Number, refund.Request{Full: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.desk.Card(card.Number); got.Balance != 500 {
		t.Fatalf("refunded card holds %s (refund %+v)", got.Balance, res.Refund.Tenders)
	}
	if again, err := f.refund(r.Number, refund.Request{ID: res.Refund.ID, Full: true}); err != nil || !again.Replayed {
		t.Fatalf("retried refund: %v", err)
	}
	if got, _ := f.desk.Card(card.Number); got.Balance != 500 {
		t.Fatalf("retried refund moved the card to %s", got.Balance)
	}
	f.verify(t)
}

// partPaid sells a card with ¥20 and pays ¥3 of a ¥5.50 sale from it.
func (f *prepaidFixture) partPaid(t *testing.T) CardView {
	t.Helper()
	card := f.sellCard(t, 2000, "")
	if _, err := f.till.Scan(noodles); err != nil {
		t.Fatal(err)
	}
	if _, err := f.till.Pay(context.Background(), f.desk.Tender(card, false), PayRequest{Amount: 300}); err != nil {
		t.Fatal(err)
	}
	return card
}

// A part-paid sale abandoned with a manager's approval gives the card payment back.
func TestPrepaidCancelPaidGivesBack(t *testing.T) {
	f := newPrepaidFixture(t)
	card := f.partPaid(t)
	if err := f.till.CancelPaid(context.Background(), "mgr-01"); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.desk.Card(card.Number); got.Balance != 2000 {
		t.Fatalf("card holds %s after the cancelled sale", got.Balance)
	}
	if v := f.verify(t); v.Pending != 0 {
		t.Fatalf("pending %d", v.Pending)
	}
}

// A till that stops with a card payment on an unfinished sale gives it back at the
// next start, before any sale.
func TestPrepaidResolveAtStart(t *testing.T) {
	f := newPrepaidFixture(t)
	card := f.partPaid(t)
	f.j.Close() // the till stops with the sale open
	f.open(t)
	d, err := NewPrepaidDesk(f.till, DefaultPrepaidConfig(), PrepaidOptions{PINParams: &cheapPIN, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	pre := &dereg.Registry{}
	d.AddDeregPreconditions(pre)
	if failing := dereg.Failing(pre.Check()); len(failing) != 1 || !errors.Is(failing[0].Err, ErrPrepaidPending) {
		t.Fatalf("preconditions before the start-up resolution: %+v", failing)
	}
	if err := d.Resolve(); err != nil {
		t.Fatal(err)
	}
	if failing := dereg.Failing(pre.Check()); len(failing) != 0 {
		t.Fatalf("preconditions after: %+v", failing)
	}
	if got, _ := d.Card(card.Number); got.Balance != 2000 {
		t.Fatalf("card holds %s", got.Balance)
	}
	if err := f.till.SalesAllowed(); err != nil {
		t.Fatal(err)
	}
}

// Card identity: scanned QR or barcode, a tapped UID, a typed number with its PIN.
func TestPrepaidIdentify(t *testing.T) {
	f := newPrepaidFixture(t)
	o, err := f.desk.SellCard(SellCardRequest{Amount: 1000, PIN: "2580", UID: "04:a1:b2:c3", Operator: "mgr-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.till.Pay(context.Background(), f.desk.Tender(CardView{Number: o.Card}, false), PayRequest{}); !errors.Is(err, ErrTopUpWithCard) {
		t.Fatalf("a card sold for a prepaid card: %v", err)
	}
	if _, err := f.till.Pay(context.Background(), CashTender{Now: f.clock.now}, PayRequest{Tendered: 1000}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []CardCredential{
		{Entry: CardScanned, Code: prepaid.QRPayload(o.Card)},
		{Entry: CardScanned, Code: o.Card},
		{Entry: CardTapped, Code: "04A1B2C3"},
		{Entry: CardTyped, Code: prepaid.Format(o.Card), PIN: "2580"},
	} {
		v, err := f.desk.Identify(c)
		if err != nil || v.Number != o.Card || v.Balance != 1000 || !strings.Contains(v.Masked, "*") {
			t.Errorf("%s %q: %+v %v", c.Entry, c.Code, v, err)
		}
	}
	if _, err := f.desk.Identify(CardCredential{Entry: CardTyped, Code: o.Card}); !errors.Is(err, ErrPINNeeded) {
		t.Fatalf("typed without PIN: %v", err)
	}
	if _, err := f.desk.Identify(CardCredential{Entry: CardTyped, Code: o.Card, PIN: "1111"}); !errors.Is(err, prepaid.ErrWrongPIN) {
		t.Fatalf("typed with a wrong PIN: %v", err)
	}
	if _, err := f.desk.Identify(CardCredential{Entry: CardScanned, Code: "TDPC:2:" + o.Card}); !errors.Is(err, prepaid.ErrBadQR) {
		t.Fatalf("QR of an unknown version: %v", err)
	}
}

// A top-up is a sale line credited when the sale completes; abandoned, it credits
// nothing and its order is dropped.
func TestPrepaidTopUpAndManage(t *testing.T) {
	f := newPrepaidFixture(t)
	card := f.sellCard(t, 1000, "")
	if _, err := f.desk.SellTopUp(card, 5000, "mgr-01"); err != nil {
		t.Fatal(err)
	}
	if err := f.till.Cancel(); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.DropAbandonedOrders(); err != nil {
		t.Fatal(err)
	}
	if orders, _ := f.desk.Ledger().Orders(); len(orders) != 0 {
		t.Fatalf("orders of a cancelled sale: %+v", orders)
	}
	if _, err := f.desk.SellTopUp(card, 5000, "mgr-01"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.till.Pay(context.Background(), CashTender{Now: f.clock.now}, PayRequest{Tendered: 5000}); err != nil {
		t.Fatal(err)
	}
	card, _ = f.desk.Card(card.Number)
	if card.Balance != 6000 {
		t.Fatalf("after the top-up: %s", card.Balance)
	}
	var topUpSale *sale.Sale
	_ = f.j.Each(journal.Filter{Kind: journal.KindSaleCompleted}, func(r journal.Record) error {
		topUpSale, _ = decodeSale(r)
		return nil
	})
	if err := CheckRefund(topUpSale, refund.Request{Full: true}); !errors.Is(err, ErrPrepaidLineRefund) {
		t.Fatalf("refund of a top-up: %v", err)
	}
	req := CardRequest{ID: f.desk.NewRequestID(), Card: card, Operator: "mgr-01", Reason: "lost"}
	if v, err := f.desk.Freeze(req); err != nil || v.Status != prepaid.Frozen {
		t.Fatalf("freeze: %+v %v", v, err)
	}
	if _, err := f.desk.SellTopUp(card, 100, "mgr-01"); !errors.Is(err, prepaid.ErrFrozen) {
		t.Fatalf("top-up of a frozen card: %v", err)
	}
	adj := CardRequest{ID: f.desk.NewRequestID(), Card: card, Operator: "mgr-01", ApprovedBy: "mgr-02", Reason: "damaged card, goodwill"}
	if v, err := f.desk.Adjust(adj, 250); err != nil || v.Balance != 6250 {
		t.Fatalf("adjust: %+v %v", v, err)
	}
	days, err := f.desk.MovementsByDay(time.Time{}, time.Time{}, nil)
	if err != nil || len(days) != 1 || days[0].Summary.TopUps.Amount != 5000 || days[0].Summary.Issued.Amount != 1000 {
		t.Fatalf("movements by day: %+v %v", days, err)
	}
	if tot, _ := f.desk.Liability(); tot.Liability != 6250 || tot.Cards != 1 {
		t.Fatalf("liability %+v", tot)
	}
	f.verify(t)
}

// A retired terminal's ledger comes back, balances and all, on its replacement.
func TestPrepaidImportFromBackup(t *testing.T) {
	old := newPrepaidFixture(t)
	a := old.sellCard(t, 1500, "2580")
	b := old.sellCard(t, 700, "")
	file := sealJournal(t, old.refundFixture)

	f := newPrepaidFixture(t)
	mine := f.sellCard(t, 100, "")
	tmp := filepath.Join(t.TempDir(), "tmp")
	res, err := ImportPrepaidBackup(f.desk.Ledger(), file, oldPass, tmp)
	if err == nil || !errors.Is(err, prepaid.ErrCardExists) {
		t.Fatalf("import over a card issued here: %+v %v", res, err)
	}
	_ = mine
	g := newPrepaidFixture(t)
	for range 2 {
		if res, err = ImportPrepaidBackup(g.desk.Ledger(), file, oldPass, tmp); err != nil || res.Cards != 2 || res.Liability != 2200 {
			t.Fatalf("import: %+v %v", res, err)
		}
	}
	if res.Imported != 0 || res.Already != 2 {
		t.Fatalf("second import: %+v", res)
	}
	for _, c := range []CardView{a, b} {
		got, err := g.desk.Card(c.Number)
		if err != nil || got.Balance != c.Balance || got.HasPIN != c.HasPIN {
			t.Fatalf("imported %+v: %+v %v", c, got, err)
		}
	}
	if _, err := g.desk.Identify(CardCredential{Entry: CardTyped, Code: a.Number, PIN: "2580"}); err != nil {
		t.Fatalf("imported PIN: %v", err)
	}
	if next := g.sellCard(t, 100, ""); next.Number == a.Number || next.Number == b.Number {
		t.Fatal("a new card took an imported number")
	}
	if v := g.verify(t); v.Liability != 2300 {
		t.Fatalf("verify %+v", v)
	}
	var src *prepaid.Source
	_ = g.j.Each(journal.Filter{Kind: "prepaid.import"}, func(r journal.Record) error {
		mv, _, _ := prepaid.MovementsOf(r)
		src = mv.Movements[0].Source
		return nil
	})
	if src == nil || src.BackupSHA256 == "" || src.LastSeq == 0 {
		t.Fatalf("import movement's source %+v", src)
	}
}

// `tilldesk prepaid import BACKUP` brings a retired terminal's cards to this one (the
// till closed); a second run imports nothing; `verify` replays the ledger.
func TestPrepaidImportCommand(t *testing.T) {
	old := newPrepaidFixture(t)
	old.sellCard(t, 1500, "")
	file := sealJournal(t, old.refundFixture)
	dir := t.TempDir()
	paths := Paths{Config: filepath.Join(dir, "config.toml"), DataDir: filepath.Join(dir, "data")}
	t.Setenv(PassphraseEnv, oldPass)
	for i, want := range []string{"1 cards, 1 imported now, 0 imported before", "1 cards, 0 imported now, 1 imported before"} {
		var out, errOut strings.Builder
		if code := PrepaidCommand(paths, []string{"import", file}, strings.NewReader(""), &out, &errOut); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, errOut.String())
		}
		if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "liability ¥15.00") {
			t.Fatalf("run %d: %s", i, out.String())
		}
	}
	var out, errOut strings.Builder
	if code := PrepaidCommand(paths, []string{"verify"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "OK, 1 cards") {
		t.Fatalf("verify: %d %s %s", code, out.String(), errOut.String())
	}
	if code := PrepaidCommand(paths, []string{"import"}, nil, &out, &errOut); code != 2 {
		t.Fatalf("usage: exit %d", code)
	}
}
