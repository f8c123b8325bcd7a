package app

import (
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"time"

	"tilldesk/app/acquirersim"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// The soak's invariants, checked at a quiet moment (no sale open) every so many
// operations and at the end. Three books must agree for every tender: the rig's model
// (what the till's receipts and refund results said), the till's journal (the open
// shift's X report) and the sandboxes' ledgers (what the customers' accounts lost).

// check verifies every invariant; the error names the first broken one.
func (r *soakRig) check() error {
	if err := r.card.till.CheckJournal(); err != nil {
		return fmt.Errorf("journal chain: %w", err)
	}
	ledger, err := r.quiesce()
	if err != nil {
		return err
	}
	if err := r.checkMoney(ledger); err != nil {
		return err
	}
	return r.checkHost()
}

// quiesce waits for the till to resolve what it left in flight and checks nothing is
// left pending: no card reversal or advice to send, no wallet intent open, no prepaid
// payment pending, the sales gates open. It returns the prepaid ledger's verification.
func (r *soakRig) quiesce() (prepaid.VerifyResult, error) {
	if n := len(r.card.till.Current().Lines); n != 0 {
		return prepaid.VerifyResult{}, fmt.Errorf("a sale of %d lines is still open", n)
	}
	if err := r.cardQueueEmpty(30 * time.Second); err != nil {
		return prepaid.VerifyResult{}, err
	}
	if err := r.unblock(); err != nil {
		return prepaid.VerifyResult{}, err
	}
	if p, err := r.wal.w.Pending(); err != nil || len(p) != 0 {
		return prepaid.VerifyResult{}, fmt.Errorf("wallet intents left open: %+v, %v", p, err)
	}
	v, err := r.pre.desk.Verify()
	if err != nil {
		return v, fmt.Errorf("prepaid ledger: %w", err)
	}
	if v.Pending != 0 {
		return v, fmt.Errorf("prepaid payments left pending: %d", v.Pending)
	}
	return v, nil
}

// checkMoney compares, for each tender, the model, the X report and the sandbox; v is
// the prepaid ledger's verification quiesce made.
func (r *soakRig) checkMoney(v prepaid.VerifyResult) error {
	rep, err := r.shifts.XReport(time.Now())
	if err != nil {
		return err
	}
	journaled := map[sale.Method]money.Amount{}
	for _, t := range rep.Tenders {
		journaled[t.Method] = t.Net()
	}
	methods := slices.Sorted(maps.Keys(journaled))
	for m := range r.model {
		if !slices.Contains(methods, m) {
			methods = append(methods, m)
		}
	}
	var errs []error
	for _, m := range methods {
		if journaled[m] != r.model[m] {
			errs = append(errs, fmt.Errorf("%s: the journal's X report says %s net, the receipts and refunds %s", m, journaled[m], r.model[m]))
		}
	}
	if want := r.float + r.model[sale.Cash]; rep.Drawer.Expected != want {
		errs = append(errs, fmt.Errorf("drawer: X report expects %s, float and cash taken make %s", rep.Drawer.Expected, want))
	}
	for m, moved := range r.moved() {
		if moved != r.model[m] {
			errs = append(errs, fmt.Errorf("%s: the sandbox's customers paid %s net, the till says it took %s (charged twice, or not given back?)", m, moved, r.model[m]))
		}
	}
	ps := rep.Prepaid
	flows := ps.Issued.Amount + ps.TopUps.Amount - ps.Payments.Amount + ps.Refunds.Amount + ps.Reversals.Amount
	switch {
	case v.Liability != r.issued-r.model[sale.Prepaid]:
		errs = append(errs, fmt.Errorf("prepaid: the ledger owes %s, value sold less net payments is %s", v.Liability, r.issued-r.model[sale.Prepaid]))
	case flows != v.Liability:
		errs = append(errs, fmt.Errorf("prepaid: issued+top-ups-payments+refunds+reversals = %s, the ledger owes %s (%+v)", flows, v.Liability, ps))
	}
	return errors.Join(errs...)
}

// moved is what each sandbox-backed tender's customers paid, net: their accounts'
// starting balances less their balances now.
func (r *soakRig) moved() map[sale.Method]money.Amount {
	out := map[sale.Method]money.Amount{}
	for _, p := range r.cardPAN {
		b, _ := r.card.sb.Balance(p)
		out[sale.Card] += money.Amount(r.initial[p] - b)
	}
	for _, w := range r.qr {
		out[sale.UnionPayQR] += money.Amount(r.initial[w] - r.card.qrBalance(w))
	}
	for p, ws := range r.wallets {
		for _, w := range ws {
			out[walletMethodOf(p)] += money.Amount(r.initial[w]) - r.wal.balance(w)
		}
	}
	return out
}

// hostKey names a host transaction: its batch and trace number.
func hostKey(b fmt.Stringer, stan fmt.Stringer) string { return b.String() + "/" + stan.String() }

// checkHost matches the acquirer sandbox's ledger against the journal's completed
// sales: every approved (or since voided) host sale belongs to exactly one completed
// sale's payment of the same amount, no completed sale's payment was reversed at the
// host, and no UnionPay QR order is left open.
func (r *soakRig) checkHost() error {
	paid := map[string]money.Amount{}
	var errs []error
	err := r.card.j.Each(journal.Filter{Kind: journal.KindSaleCompleted}, func(rec journal.Record) error {
		s, err := decodeSale(rec)
		if err != nil {
			return err
		}
		for _, p := range s.Payments {
			if !viaAcquirer(p.Method) {
				continue
			}
			ref, err := parseCardRef(p.Ref)
			if err != nil {
				return fmt.Errorf("sale %s: %w", s.ID, err)
			}
			k := hostKey(ref.Batch, ref.STAN)
			if _, dup := paid[k]; dup {
				errs = append(errs, fmt.Errorf("host transaction %s is the payment of two sales", k))
			}
			paid[k] = p.Amount
		}
		return nil
	})
	if err != nil {
		return err
	}
	seen := map[string]int{}
	for _, x := range r.card.sb.Transactions("") {
		if x.Kind != acquirersim.Sale && x.Kind != acquirersim.Advice {
			continue
		}
		k := hostKey(x.Batch, x.STAN)
		amount, ok := paid[k]
		switch x.Status {
		case acquirersim.Approved, acquirersim.Voided:
			seen[k]++
			if !ok {
				errs = append(errs, fmt.Errorf("host approved %s (%s %d, %s) but no completed sale took it and it was not reversed", k, x.MaskedPAN, x.Amount, x.Status))
			} else if int64(amount) != x.Amount {
				errs = append(errs, fmt.Errorf("host transaction %s is %d, the sale's payment %s", k, x.Amount, amount))
			}
		case acquirersim.Reversed:
			if ok {
				errs = append(errs, fmt.Errorf("the payment %s of a completed sale was reversed at the host", k))
			}
		case acquirersim.Open:
			errs = append(errs, fmt.Errorf("UnionPay QR order %s (%d) left open at the host", k, x.Amount))
		}
	}
	for k := range paid {
		if seen[k] != 1 {
			errs = append(errs, fmt.Errorf("completed sale's payment %s is %d approved host transactions", k, seen[k]))
		}
	}
	return errors.Join(errs...)
}

// soakResources is a sample of the process's goroutines and heap.
type soakResources struct {
	goroutines int
	heap       uint64 // bytes live after a GC
}

func sampleResources() soakResources {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return soakResources{goroutines: runtime.NumGoroutine(), heap: m.HeapAlloc}
}

func (s soakResources) String() string {
	return fmt.Sprintf("%d goroutines, heap %.1f MiB", s.goroutines, float64(s.heap)/(1<<20))
}

// settleDown waits (up to idle) for the goroutine count to fall to at most limit, as
// idle connections and finished exchanges go away, and samples the resources.
func settleDown(limit int, idle time.Duration) soakResources {
	deadline := time.Now().Add(idle)
	for runtime.NumGoroutine() > limit && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	return sampleResources()
}

// walletProviders lists the wallet providers in a fixed order.
var walletProviders = []wallet.Provider{wallet.Alipay, wallet.WeChat}
