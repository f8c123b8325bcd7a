package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tilldesk/app/acquirersim"
	"tilldesk/app/walletsim"
	"tilldesk/core/money"
	"tilldesk/core/receipt"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// The soak test's till: ONE till (journal, card payments on the sandbox acquirer with
// UnionPay QR both ways, the wallets on the wallet sandbox, the prepaid desk, refunds
// and a shift) built from the other tests' fixtures, which share its till: the card
// fixture owns it, the wallet and prepaid fixtures are views of it, so their helpers
// (pay, payQR, payMPM, payCode, sellCard, refund...) drive the same journal.

// soakBalance is what every customer account starts with at the sandboxes: enough
// that no sale of a soak is declined for want of funds.
const soakBalance = 1_000_000_000_00

// soakCardProfiles are the virtual cards the soak pays with; "wallet" (a phone,
// contactless only) is always tapped.
var soakCardProfiles = []string{"unionpay", "visa", "mastercard", "wallet"}

// soakRig is the soak's till, its sandboxes' customers and what it has sold.
type soakRig struct {
	t      *testing.T
	rng    *rand.Rand
	card   *cardFixture
	wal    *walletFixture
	pre    *prepaidFixture
	shifts *Shifts
	float  money.Amount

	products []string                     // counted catalog items (codes)
	cardPAN  map[string]string            // card profile -> PAN
	qr       []string                     // UnionPay app wallets
	wallets  map[wallet.Provider][]string // Alipay / WeChat Pay wallets
	prepaid  []string                     // prepaid card numbers sold
	initial  map[string]int64             // starting balance by PAN or wallet ID
	sales    []soakSale                   // completed sales that may be refunded
	model    map[sale.Method]money.Amount // net taken, from the receipts and refunds
	issued   money.Amount                 // prepaid value sold (issues and top-ups)
	outcomes map[string]map[string]int    // op -> outcome -> count
}

// soakSale is a completed sale the soak may refund.
type soakSale struct {
	number  string
	profile string // the card that paid, if a bank card did
}

// soakPrinter is a printer that keeps nothing (a remembering one would grow).
type soakPrinter struct{}

func (soakPrinter) PrintReceipt(context.Context, []receipt.Row, string) error { return nil }
func (soakPrinter) OpenDrawer(context.Context) error                          { return nil }

// newSoakRig opens the soak's till with every tender, its shift open, and customers
// with ample funds at each sandbox.
func newSoakRig(t *testing.T, seed uint64) *soakRig {
	t.Helper()
	r := &soakRig{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), float: 500_00,
		cardPAN: map[string]string{}, wallets: map[wallet.Provider][]string{}, initial: map[string]int64{},
		model: map[sale.Method]money.Amount{}, outcomes: map[string]map[string]int{}}
	r.card = newMPMFixture(t, 1500*time.Millisecond)
	till, j := r.card.till, r.card.j

	_, ali := walletTestKeys()
	gw, err := walletsim.Start(walletsim.Options{AlipayKey: ali, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	r.wal = &walletFixture{t: t, path: filepath.Join(r.card.dir, "journal.db"), till: till, j: j, sandbox: gw, phone: gw.Phone()}
	r.wal.attach()
	r.wal.w.RouteUnionPayQR(r.card.d) // as the session does
	t.Cleanup(func() { r.wal.w.Close() })

	r.pre = &prepaidFixture{refundFixture: &refundFixture{till: till, j: j, path: r.wal.path,
		clock: &refundClock{t: time.Now()}, refunds: NewRefunds(till, RefundsOptions{Language: "en"})}}
	till.SetPrinter(soakPrinter{})
	r.pre.openDesk(t) // registers the prepaid refunder
	r.pre.refunds.Register(r.card.d.Refunder(nil))
	r.wal.w.RegisterRefunders(r.pre.refunds) // Alipay, WeChat Pay and UnionPay QR

	r.shifts = NewShifts(till, ShiftOptions{ReportDir: t.TempDir()})
	if _, err := r.shifts.Open("mgr-01", r.float); err != nil {
		t.Fatal(err)
	}
	for _, p := range till.Catalog().Products() {
		if !p.Weighed && p.Price > 0 && p.Price <= 50_00 {
			r.products = append(r.products, p.Code)
		}
	}
	for _, name := range soakCardProfiles {
		p := pan(t, name)
		r.card.sb.UpdateAccount(p, func(a *acquirersim.Account) { a.Balance, a.Limit = soakBalance, 0 })
		r.cardPAN[name], r.initial[p] = p, soakBalance
	}
	for range 3 {
		id := r.card.qrWallet(soakBalance)
		r.qr, r.initial[id] = append(r.qr, id), soakBalance
		for _, pv := range walletProviders {
			id := r.wal.wallet(pv, soakBalance)
			r.wallets[pv], r.initial[id] = append(r.wallets[pv], id), soakBalance
		}
	}
	return r
}

// pick returns a random element of xs.
func pick[T any](r *soakRig, xs []T) T { return xs[r.rng.IntN(len(xs))] }

// ringUp puts one to three random items on the current sale.
func (r *soakRig) ringUp() []string {
	codes := make([]string, 1+r.rng.IntN(3))
	for i := range codes {
		codes[i] = pick(r, r.products)
	}
	return codes
}

// scan adds codes to the current sale.
func (r *soakRig) scan(codes []string) error {
	for _, c := range codes {
		if _, err := r.card.till.Scan(c); err != nil {
			return fmt.Errorf("scan %s: %w", c, err)
		}
	}
	return nil
}

// outcome counts how an operation ended.
func (r *soakRig) outcome(op, what string) {
	m := r.outcomes[op]
	if m == nil {
		m = map[string]int{}
		r.outcomes[op] = m
	}
	m[what]++
}

// completed books a completed sale: its payments into the model, and the sale into
// the refundable ones (not a prepaid card's own sale, which is not refunded as goods).
func (r *soakRig) completed(rc *Receipt, profile string) error {
	if rc == nil {
		return errors.New("the sale was paid in full but not completed")
	}
	var due money.Amount
	for _, p := range rc.Sale.Payments {
		r.model[p.Method] += p.Amount
		due += p.Amount
	}
	if tot := rc.Sale.Totals().Total; due != tot {
		return fmt.Errorf("receipt %s: payments %s for a total of %s", rc.Number, due, tot)
	}
	if CheckRefund(rc.Sale, refund.Request{Full: true}) == nil {
		r.sales = append(r.sales, soakSale{number: rc.Number, profile: profile})
		if len(r.sales) > 500 { // only recent sales are refunded; the list stays bounded
			r.sales = slices.Delete(r.sales, 0, 100)
		}
	}
	return nil
}

// cash pays what is due in cash, handing over a round amount.
func (r *soakRig) cash() (*Receipt, error) {
	due := r.card.till.Current().Totals().Due
	handed := (due/100_00 + 1) * 100_00
	return r.card.till.Pay(context.Background(), CashTender{Now: time.Now}, PayRequest{Tendered: handed})
}

// abandon leaves no sale open after an operation that failed half way: payments taken
// are given back (a manager approved), an unpaid sale is cancelled.
func (r *soakRig) abandon() error {
	s := r.card.till.Current()
	if len(s.Lines) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return r.card.till.CancelPaid(ctx, "mgr-01")
}

// unblock lets the till sell again when a sales gate refuses: a card queue still
// sending, a wallet payment in doubt (resolved as the screen asks), a prepaid payment
// left pending.
func (r *soakRig) unblock() error {
	till := r.card.till
	deadline := time.Now().Add(30 * time.Second)
	for till.SalesAllowed() != nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("sales still refused after 30 s: %w", till.SalesAllowed())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := r.wal.w.ResolvePending(ctx)
		cancel()
		if err == nil {
			err = r.pre.desk.Resolve()
		}
		if err != nil {
			r.t.Logf("soak: unblocking: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// forgetProgress clears the fixtures' progress and stage lists: the wallet fixture
// waits for the first WalletShowQR it has seen, and both lists would grow all soak.
func (r *soakRig) forgetProgress() {
	r.wal.mu.Lock()
	r.wal.progress = nil
	r.wal.mu.Unlock()
	r.card.mu.Lock()
	r.card.stages = nil
	r.card.mu.Unlock()
}

// prepaidCard returns a prepaid card holding something, selling one (for cash) or
// topping one up when none does.
func (r *soakRig) prepaidCard() (CardView, error) {
	d := r.pre.desk
	if len(r.prepaid) > 0 && r.rng.IntN(8) != 0 {
		c, err := d.Card(pick(r, r.prepaid))
		if err != nil || c.Balance >= 1_00 {
			return c, err
		}
		if _, err := d.SellTopUp(c, 100_00, "mgr-01"); err != nil {
			return CardView{}, fmt.Errorf("top-up: %w", err)
		}
		rc, err := r.cash()
		if err == nil {
			r.issued += 100_00
			err = r.completed(rc, "")
		}
		if err != nil {
			return CardView{}, err
		}
		return d.Card(c.Number)
	}
	amount := money.Amount(20_00 + r.rng.IntN(18)*10_00)
	c := r.pre.sellCard(r.t, amount, "")
	r.issued += amount
	r.model[sale.Cash] += amount // sellCard pays it in cash
	r.prepaid = append(r.prepaid, c.Number)
	return c, nil
}
