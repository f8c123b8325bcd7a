package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"tilldesk/app/acquirersim"
	"tilldesk/app/walletsim"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/money"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// The soak's operations: each rings up a sale (or refunds one, settles the batch...)
// through the same helpers the tender's own tests use, books what the till says it
// took into the rig's model, and returns an error only for what must not happen.
// Expected failures (an injected fault, a customer who refuses) end with the sale
// paid in cash, and are counted as outcomes.

// soakOp is one kind of operation and how often the soak picks it.
type soakOp struct {
	name   string
	weight int
	run    func(r *soakRig) error
}

// soakOps is the soak's mix; the weights are out of their sum. The faults take
// 0.5-3 s each (timeouts), so they are rare enough to leave most of the time to sales.
var soakOps = []soakOp{
	{"cash", 30, (*soakRig).opCash},
	{"card", 30, (*soakRig).opCard},
	{"unionpay-qr-code", 16, (*soakRig).opQRCode},
	{"unionpay-qr-shown", 10, (*soakRig).opQRShown},
	{"alipay", 14, func(r *soakRig) error { return r.opWallet(wallet.Alipay) }},
	{"wechat", 14, func(r *soakRig) error { return r.opWallet(wallet.WeChat) }},
	{"prepaid", 20, (*soakRig).opPrepaid},
	{"refund", 12, (*soakRig).opRefund},
	{"void", 8, (*soakRig).opVoid},
	{"settle", 2, (*soakRig).opSettle},
	{"card-fault", 2, (*soakRig).opCardFault},
	{"wallet-fault", 2, (*soakRig).opWalletFault},
}

// pickOp draws an operation by weight.
func (r *soakRig) pickOp() soakOp {
	total := 0
	for _, o := range soakOps {
		total += o.weight
	}
	n := r.rng.IntN(total)
	for _, o := range soakOps {
		if n -= o.weight; n < 0 {
			return o
		}
	}
	return soakOps[0]
}

func (r *soakRig) opCash() error {
	if err := r.scan(r.ringUp()); err != nil {
		return err
	}
	rc, err := r.cash()
	if err != nil {
		return err
	}
	return r.completed(rc, "")
}

// opCard pays by bank card, inserted or tapped, PIN on the pad as the card asks.
func (r *soakRig) opCard() error {
	profile := pick(r, soakCardProfiles)
	r.card.card(profile, profile == "wallet" || r.rng.IntN(2) == 0)
	rc, err := r.card.pay(r.ringUp()...)
	if err != nil {
		return fmt.Errorf("card %s: %w", profile, err)
	}
	return r.completed(rc, profile)
}

// opQRCode charges a UnionPay app's payment code: through the card tender, or typed
// into the scan field's code tender, which routes it to the acquirer.
func (r *soakRig) opQRCode() error {
	code := r.card.qrCode(pick(r, r.qr))
	codes := r.ringUp()
	var rc *Receipt
	var err error
	if r.rng.IntN(2) == 0 {
		rc, err = r.card.payQR(code, 0, codes...)
	} else if err = r.scan(codes); err == nil {
		rc, err = r.wal.payCode(context.Background(), code, 0)
	}
	if err != nil {
		return fmt.Errorf("UnionPay code: %w", err)
	}
	return r.completed(rc, "")
}

// opQRShown shows the till's UnionPay code; the customer's app pays it, or now and
// then refuses it (then cash).
func (r *soakRig) opQRShown() error {
	w, refuse := pick(r, r.qr), r.rng.IntN(8) == 0
	app := r.card.sb.UnionPayApp()
	rc, _, err := r.card.payMPM(context.Background(), func(payload string) {
		if refuse {
			_ = app.RefuseMerchantQR(w, payload)
			return
		}
		if code, err := app.PayMerchantQR(w, payload); err != nil || code != "00" {
			r.t.Logf("soak: UnionPay app could not pay: %s %v", code, err)
		}
	}, r.ringUp()...)
	if refuse {
		if err == nil {
			return errors.New("a UnionPay code the customer refused was paid")
		}
		r.outcome("unionpay-qr-shown", "refused")
		if rc, err = r.cash(); err != nil {
			return err
		}
	} else if err != nil {
		return fmt.Errorf("UnionPay code shown: %w", err)
	}
	return r.completed(rc, "")
}

// opWallet pays with an Alipay or WeChat Pay payment code, or a QR code the till
// shows and the phone scans.
func (r *soakRig) opWallet(p wallet.Provider) error {
	w := pick(r, r.wallets[p])
	codes := r.ringUp()
	if err := r.scan(codes); err != nil {
		return err
	}
	var rc *Receipt
	var err error
	if r.rng.IntN(3) == 0 {
		r.forgetProgress()
		rc, err = r.wal.payQR(context.Background(), walletMethodOf(p), func(url string) {
			if _, err := r.wal.phone.ScanQR(w, url, walletsim.PayAtOnce); err != nil {
				r.t.Logf("soak: phone could not scan: %v", err)
			}
		})
	} else {
		rc, err = r.wal.payCode(context.Background(), r.wal.code(w, walletsim.PayAtOnce), 0)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return r.completed(rc, "")
}

// opPrepaid pays from a prepaid card: in full when it holds enough, else what it
// holds and the rest in cash; or half from the card and half in cash.
func (r *soakRig) opPrepaid() error {
	c, err := r.prepaidCard()
	if err != nil {
		return err
	}
	if err := r.scan(r.ringUp()); err != nil {
		return err
	}
	req := PayRequest{}
	if r.rng.IntN(3) == 0 {
		req.Amount = max(1, r.card.till.Current().Totals().Due/2)
	}
	rc, err := r.card.till.Pay(context.Background(), r.pre.desk.Tender(c, true), req)
	if err != nil {
		return fmt.Errorf("prepaid card holding %s: %w", c.Balance, err)
	}
	if rc == nil {
		r.outcome("prepaid", "split with cash")
		if rc, err = r.cash(); err != nil {
			return err
		}
	}
	return r.completed(rc, "")
}

// opRefund refunds a recent sale in full or one unit of its first line, back to the
// tenders that took the money (a bank card is presented again). Now and then the
// host's answer to the refund is lost: the refund is in doubt and retried with the
// same ID, which must pay back once.
func (r *soakRig) opRefund() error {
	if len(r.sales) == 0 {
		r.outcome("refund", "nothing to refund")
		return nil
	}
	i := r.rng.IntN(len(r.sales))
	s := r.sales[i]
	if s.profile != "" {
		r.card.card(s.profile, s.profile == "wallet")
	}
	req := refund.Request{Full: true}
	if r.rng.IntN(3) == 0 {
		sr, err := r.pre.refunds.Load(s.number)
		if err != nil {
			return fmt.Errorf("load %s: %w", s.number, err)
		}
		req = refund.Request{Lines: []refund.LineRequest{{LineID: sr.Receipt.Sale.Lines[0].ID, QtyMilli: sale.QtyOne}}}
	}
	req.ID = r.pre.refunds.NewID()
	faulty := r.rng.IntN(6) == 0
	if faulty { // the refund's answer is lost: in doubt, then retried with the same ID
		r.card.sb.Inject(acquirersim.Fault{Kind: posmsg.KindVoid, Drop: true})
		r.card.sb.Inject(acquirersim.Fault{Kind: posmsg.KindRefund, Drop: true})
		r.wal.sandbox.Inject(walletsim.Fault{Op: wallet.OpRefund, Kind: walletsim.FaultDrop})
	}
	res, err := r.pre.refund(s.number, req)
	if faulty {
		r.card.sb.ClearFaults()
		r.wal.sandbox.ClearFaults()
		if errors.Is(err, ErrRefundInDoubt) {
			r.outcome("refund", "in doubt, retried")
			if err := r.cardQueueEmpty(10 * time.Second); err != nil {
				return err
			}
			res, err = r.pre.refund(s.number, req)
		} else if err == nil {
			r.outcome("refund", "no host call to fault")
		}
	}
	switch {
	case errors.Is(err, refund.ErrOverRefund) || errors.Is(err, refund.ErrNothing):
		r.outcome("refund", "already refunded")
		r.sales = slices.Delete(r.sales, i, i+1)
		return nil
	case err != nil:
		return fmt.Errorf("refund of %s: %w", s.number, err)
	}
	for _, tr := range res.Refund.Tenders {
		r.model[tr.Method] -= tr.Amount
	}
	if req.Full {
		r.sales = slices.Delete(r.sales, i, i+1)
	}
	return nil
}

// opVoid takes one or two part payments (cash, card, prepaid, wallet or UnionPay
// code), then abandons the sale with a manager's approval: everything is given back.
func (r *soakRig) opVoid() error {
	till := r.card.till
	var c CardView
	if r.rng.IntN(4) == 0 {
		var err error
		if c, err = r.prepaidCard(); err != nil {
			return err
		}
	}
	if err := r.scan(r.ringUp()); err != nil {
		return err
	}
	n := 1 + r.rng.IntN(2)
	part := max(1, till.Current().Totals().Due/money.Amount(n+1))
	for range n {
		var tender Tender
		var err error
		switch k := r.rng.IntN(5); {
		case k == 0:
			tender = CashTender{Now: time.Now}
		case k == 1:
			profile := pick(r, soakCardProfiles)
			r.card.card(profile, profile == "wallet")
			tender = r.card.d.Tender(r.card.onStage)
		case k == 2 && c.Number != "":
			tender = r.pre.desk.Tender(c, true)
		case k == 3:
			tender, err = r.wal.w.CodeTender(r.wal.code(pick(r, r.wallets[wallet.Alipay]), walletsim.PayAtOnce), nil)
		default:
			tender, err = r.card.d.QRTender(r.card.qrCode(pick(r, r.qr)), nil)
		}
		if err != nil {
			return err
		}
		rc, err := till.Pay(context.Background(), tender, PayRequest{Amount: part, Tendered: part})
		if err != nil || rc != nil {
			return fmt.Errorf("part payment of %s by %s: receipt %v, %w", part, tender.Method(), rc != nil, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := till.CancelPaid(ctx, "mgr-01"); err != nil {
		return fmt.Errorf("cancel a part-paid sale: %w", err)
	}
	r.outcome("void", fmt.Sprintf("%d payments given back", n))
	return nil
}

// opSettle settles the card batch; a queue still sending is a refusal to retry later.
func (r *soakRig) opSettle() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := r.card.d.Settle(ctx, "mgr-01")
	if errors.Is(err, ErrCardQueueBusy) {
		r.outcome("settle", "queue busy")
		return nil
	}
	if err != nil {
		return fmt.Errorf("settle: %w", err)
	}
	if res.Result == SettlementOutOfBalance {
		return fmt.Errorf("batch %s settled out of balance: %+v", res.Batch, res)
	}
	r.outcome("settle", res.Result)
	return nil
}

// soakCardFaults are the host's misbehaviours on a card sale: all but the decline
// leave the sale in doubt, to be reversed.
var soakCardFaults = []struct {
	name     string
	fault    acquirersim.Fault
	declined bool
}{
	{"timeout", acquirersim.Fault{Kind: posmsg.KindSale, Drop: true}, false},
	{"connection closed", acquirersim.Fault{Kind: posmsg.KindSale, Close: true}, false},
	{"garbage", acquirersim.Fault{Kind: posmsg.KindSale, Garbage: true}, false},
	{"bad MAC", acquirersim.Fault{Kind: posmsg.KindSale, BadMAC: true}, false},
	{"late answer", acquirersim.Fault{Kind: posmsg.KindSale, Delay: 3 * testResponseTimeout}, false},
	{"declined", acquirersim.Fault{Kind: posmsg.KindSale, Code: "05"}, true},
}

// opCardFault pays by card with a host fault injected (and, now and then, the first
// reversals lost too), checks the sale took nothing, pays it in cash, and waits for
// the reversal to be acknowledged.
func (r *soakRig) opCardFault() error {
	fc := pick(r, soakCardFaults)
	profile := pick(r, soakCardProfiles[:3])
	r.card.card(profile, false)
	sb := r.card.sb
	defer sb.ClearFaults()
	sb.Inject(fc.fault)
	if lost := r.rng.IntN(3); lost > 0 && !fc.declined {
		sb.Inject(acquirersim.Fault{Kind: posmsg.KindReversal, Ignore: true, Times: lost})
	}
	_, err := r.card.pay(r.ringUp()...)
	var de *CardDeclinedError
	switch {
	case fc.declined && !errors.As(err, &de):
		return fmt.Errorf("card sale the host declined: %v", err)
	case !fc.declined && !errors.Is(err, ErrCardInDoubt):
		return fmt.Errorf("card sale with the host fault %q: %v, want in doubt", fc.name, err)
	}
	if n := len(r.card.till.Current().Payments); n != 0 {
		return fmt.Errorf("fault %q: %d payments kept", fc.name, n)
	}
	r.outcome("card-fault", fc.name)
	rc, err := r.cash()
	if err != nil {
		return err
	}
	if err := r.completed(rc, ""); err != nil {
		return err
	}
	return r.cardQueueEmpty(10 * time.Second)
}

// soakWalletFaults are the wallet sandbox's misbehaviours on a code payment; the
// customer either pays at once or is asked to confirm and never does.
var soakWalletFaults = []struct {
	name  string
	fault walletsim.Fault
	ask   bool
}{
	{"pay answer lost", walletsim.Fault{Op: wallet.OpPay, Kind: walletsim.FaultDrop}, false},
	{"pay system error", walletsim.Fault{Op: wallet.OpPay, Kind: walletsim.FaultSystemError}, false},
	{"pay system error after paying", walletsim.Fault{Op: wallet.OpPay, Kind: walletsim.FaultSystemError, Done: true}, false},
	{"pay answer late", walletsim.Fault{Op: wallet.OpPay, Kind: walletsim.FaultSlow, Delay: 2500 * time.Millisecond}, false},
	{"query answers lost", walletsim.Fault{Op: wallet.OpQuery, Kind: walletsim.FaultDrop, Times: 2}, true},
	{"paid during the cancel", walletsim.Fault{Op: wallet.OpCancel, Kind: walletsim.FaultPaidDuringCancel}, true},
}

// opWalletFault pays with a wallet code while the sandbox misbehaves: the payment may
// go through or fail, but what the till says it took must be what the wallet paid,
// once the till has resolved what it left in doubt. The sale ends in cash if needed.
func (r *soakRig) opWalletFault() error {
	fc := pick(r, soakWalletFaults)
	p := pick(r, walletProviders)
	b := walletsim.PayAtOnce
	if fc.ask {
		b = walletsim.AskConfirm
	}
	code := r.wal.code(pick(r, r.wallets[p]), b)
	if err := r.scan(r.ringUp()); err != nil {
		return err
	}
	gw := r.wal.sandbox
	defer gw.ClearFaults()
	f := fc.fault
	f.Provider = p
	gw.Inject(f)
	rc, err := r.wal.payCode(context.Background(), code, 0)
	if err != nil {
		r.outcome("wallet-fault", fc.name+": failed")
		if err := r.unblock(); err != nil { // a payment left in doubt is resolved first
			return err
		}
		if rc, err = r.cash(); err != nil {
			return err
		}
	} else {
		r.outcome("wallet-fault", fc.name+": paid")
	}
	return r.completed(rc, "")
}

// cardQueueEmpty waits until no reversal or advice is left to send.
func (r *soakRig) cardQueueEmpty(within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		st, err := r.card.d.Status()
		if err != nil {
			return err
		}
		if st.PendingReversals == 0 && st.PendingAdvices == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("card queue not empty after %s: %+v", within, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
