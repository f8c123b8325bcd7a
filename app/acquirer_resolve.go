package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/iso8583/respcode"
	"tilldesk/core/journal"
)

// Resolve settles what a stopped till left behind, before any new sale: an
// authorisation sent without a recorded answer, and an approval whose sale never
// completed (the sale died with the process: a completed sale would have ended its
// intent in its own record), are made due for reversal; an offline approval whose
// sale never completed is dropped unsent. A card payment already journaled as a
// split-tender "payment" is marked given back ("payment.reversed") in the same
// record. Until Resolve succeeds and Start's first send has run, the sales gate
// refuses sales.
func (d *CardPayments) Resolve() error {
	err := d.resolve()
	d.gateMu.Lock()
	d.problem = err
	d.gateMu.Unlock()
	if err != nil {
		d.log.Error("card payments: start-up resolution failed: sales refused", "err", err)
		return fmt.Errorf("%w: %w", ErrCardUnresolved, err)
	}
	return nil
}

func (d *CardPayments) resolve() error {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	j := d.journal()
	var intents []cardIntent
	var advices []pendingAdvice
	if err := eachEntry(j, prefixIntent, func(_ string, in cardIntent) error {
		if in.State == intentSent || in.State == intentApproved || in.State == intentOrderOpen {
			intents = append(intents, in)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := eachEntry(j, prefixAdvice, func(_ string, a pendingAdvice) error {
		if a.State == adviceHeld {
			advices = append(advices, a)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(intents)+len(advices) == 0 {
		return nil
	}
	journaled, err := journaledCardPayments(j)
	if err != nil {
		return err
	}
	now := d.opt.Now().UTC()
	for _, in := range intents {
		why := "no answer recorded before the till stopped"
		in.Reason = reasonNoResponse
		switch in.State {
		case intentApproved:
			why, in.Reason = "approved, but the sale did not complete before the till stopped", reasonOther
		case intentOrderOpen: // the 0400 closes the order, or gives back what was paid
			why, in.Reason = "UnionPay QR order shown when the till stopped", reasonOther
		}
		in.State, in.Why, in.NextTry = intentReversalDue, why, now
		change, err := put(prefixIntent+in.ID, in)
		if err != nil {
			return err
		}
		if err := d.commitGivenBack(journaled[in.ID], KindCardReversalDue, in.event(why), change); err != nil {
			return err
		}
		d.log.Warn("card payment left by the last run: to be reversed", "id", in.ID, "sale", in.SaleID, "card", in.Card.MaskedPAN, "amount", in.Amount.Plain(), "why", why)
	}
	for _, a := range advices {
		why := "approved offline, but the sale did not complete before the till stopped"
		if err := d.commitGivenBack(journaled[a.ID], KindCardAdviceDropped, a.event(why), remove(prefixAdvice+a.ID)); err != nil {
			return err
		}
		d.log.Warn("offline card payment left by the last run: dropped", "id", a.ID, "sale", a.SaleID, "card", a.Card.MaskedPAN)
	}
	return nil
}

// commitGivenBack journals a resolution; when the payment was journaled as a split-
// tender "payment" record (p), the record is a "payment.reversed" of it instead, so
// the reports see the money given back.
func (d *CardPayments) commitGivenBack(p *paymentRecord, kind string, event cardEvent, change journal.StateChange) error {
	if p == nil {
		return d.commit(kind, event, change)
	}
	return d.commit(KindPaymentReversed, reversalRecord{SaleID: p.SaleID, Payment: p.Payment, ApprovedBy: "system: " + event.Reason}, change)
}

// journaledCardPayments finds the card payments journaled as "payment" records (a
// split tender's earlier payments), by transaction ID.
func journaledCardPayments(j *journal.Journal) (map[string]*paymentRecord, error) {
	out := map[string]*paymentRecord{}
	err := j.Each(journal.Filter{Kind: journal.KindPayment}, func(rec journal.Record) error {
		var p paymentRecord
		if json.Unmarshal(rec.Data, &p) != nil || !viaAcquirer(p.Payment.Method) {
			return nil
		}
		if ref, err := parseCardRef(p.Payment.Ref); err == nil {
			out[ref.id()] = &p
		}
		return nil
	})
	return out, err
}

// Start runs the background sender: first the reversals left by the last run (the
// sales gate opens after that first attempt), then reversals and advices as they fall
// due, with backoff, and a sign-on still pending from registration.
func (d *CardPayments) Start() {
	if d.reversalsWaiting() == 0 { // nothing to send first: the gate opens at once
		d.gateMu.Lock()
		d.recovered = true
		d.gateMu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.stop, d.done = cancel, make(chan struct{})
	go d.run(ctx)
}

func (d *CardPayments) run(ctx context.Context) {
	defer close(d.done)
	if n := d.flushReversals(ctx, true); n > 0 {
		d.log.Warn("card reversals not yet acknowledged at start-up: card payments wait for them", "pending", n)
	}
	d.gateMu.Lock()
	d.recovered = true
	d.gateMu.Unlock()
	for {
		d.signOnIfPending(ctx)
		d.flushReversals(ctx, false)
		d.flushAdvices(ctx, false)
		var timer <-chan time.Time
		if wait, ok := d.nextTry(); ok {
			timer = time.After(max(wait, 10*time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-d.kick:
		case <-timer:
		}
	}
}

// salesGate refuses sales until the start-up resolution has run.
func (d *CardPayments) salesGate() error {
	d.gateMu.Lock()
	defer d.gateMu.Unlock()
	switch {
	case d.problem != nil:
		return ErrCardUnresolved
	case !d.recovered:
		return ErrCardRecovering
	}
	return nil
}

// nextTry is how long until the next reversal or advice falls due.
func (d *CardPayments) nextTry() (time.Duration, bool) {
	var next time.Time
	consider := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	j := d.journal()
	_ = eachEntry(j, prefixIntent, func(_ string, in cardIntent) error {
		if in.State == intentReversalDue {
			consider(in.NextTry)
		}
		return nil
	})
	_ = eachEntry(j, prefixAdvice, func(_ string, a pendingAdvice) error {
		if a.State == adviceDue {
			consider(a.NextTry)
		}
		return nil
	})
	if next.IsZero() {
		return 0, false
	}
	return next.Sub(d.opt.Now()), true
}

// flushReversals sends the reversals that are due (all of them with force) and
// returns how many remain unacknowledged.
// reversalsWaiting counts the reversals that still wait for the host (an unreadable
// state counts as one).
func (d *CardPayments) reversalsWaiting() int {
	n := 0
	if err := eachEntry(d.journal(), prefixIntent, func(_ string, in cardIntent) error {
		if in.State == intentReversalDue {
			n++
		}
		return nil
	}); err != nil {
		return 1
	}
	return n
}

func (d *CardPayments) flushReversals(ctx context.Context, force bool) int {
	return flushDue(d, ctx, prefixIntent, force, func(in cardIntent) (retries, bool) { return in.retries, in.State == intentReversalDue }, d.sendReversal)
}

// flushDue sends the entries under prefix that wait for the host (pending says which,
// with their retries): all of them with force, else those due. It returns how many
// still wait.
func flushDue[T any](d *CardPayments, ctx context.Context, prefix string, force bool, pending func(T) (retries, bool), send func(context.Context, T) error) int {
	d.flushMu.Lock()
	defer d.flushMu.Unlock()
	var all []T
	if err := eachEntry(d.journal(), prefix, func(_ string, v T) error {
		all = append(all, v)
		return nil
	}); err != nil {
		d.log.Error("card payment state unreadable", "prefix", prefix, "err", err)
		return 1
	}
	left := 0
	for _, v := range all {
		r, waiting := pending(v)
		if waiting && (force || !d.opt.Now().Before(r.NextTry)) && ctx.Err() == nil && send(ctx, v) == nil {
			continue
		}
		if waiting {
			left++
		}
	}
	return left
}

// sendReversal sends one 0400; an acknowledgement ends the intent, a failure
// schedules the next try.
func (d *CardPayments) sendReversal(ctx context.Context, in cardIntent) error {
	msg, err := posmsg.Reversal{Original: iso8583.Message{MTI: posmsg.MTIFinancial, Fields: in.Original}, Reason: in.Reason,
		AuthCode: in.AuthCode, ICC: in.ICC}.Message()
	if err == nil {
		var ans answer
		ans, err = d.ask(ctx, msg)
		if err == nil && !ans.acknowledges() {
			err = fmt.Errorf("reversal answered %s (%s)", ans.code.Code, ans.code.Meaning)
		}
	}
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	cur, ok, gerr := getEntry[cardIntent](d.journal(), prefixIntent+in.ID)
	if gerr != nil || !ok || cur.State != intentReversalDue {
		return gerr // ended meanwhile
	}
	if err != nil {
		return d.retryLater(prefixIntent+in.ID, &cur.retries, &cur, err)
	}
	cur.Attempts++
	d.log.Info("card payment reversed", "id", cur.ID, "sale", cur.SaleID, "card", cur.Card.MaskedPAN, "amount", cur.Amount.Plain(), "attempts", cur.Attempts)
	changes := []journal.StateChange{remove(prefixIntent + in.ID)}
	if cur.RefundKey != "" { // a void reversed: its refund did nothing and may be tried again
		changes = append(changes, remove(cur.RefundKey))
	}
	return d.commit(KindCardReversed, cur.event(cur.Why), changes...)
}

// retryLater counts a failed attempt of the entry v under key (whose retries are r)
// and schedules the next; no journal record: attempts are bookkeeping. Callers hold
// stateMu.
func (d *CardPayments) retryLater(key string, r *retries, v any, cause error) error {
	r.failed(d.opt.Now(), d.opt.Backoff, cause)
	d.log.Warn("card message not acknowledged: retrying later", "key", key, "attempts", r.Attempts, "next", r.NextTry, "err", cause)
	change, err := put(key, v)
	if err == nil {
		err = d.journal().PutState(change)
	}
	return errors.Join(cause, err)
}

// answer is a host's answer with its interpreted code.
type answer struct {
	resp posmsg.Response
	code respcode.Code
}

// acknowledges reports whether the answer settles a reversal or advice: approved, or
// the host has nothing to reverse (25) or has it already (94).
func (a answer) acknowledges() bool {
	return a.code.Approved() || a.code.Code == "25" || a.code.Code == "94"
}

// ask exchanges a message, signing on again once when the host asks for it.
func (d *CardPayments) ask(ctx context.Context, msg iso8583.Message) (answer, error) {
	for attempt := 0; ; attempt++ {
		ans, err := d.exchange(ctx, msg)
		if err != nil {
			return answer{}, err
		}
		a := answer{resp: ans.Response, code: ans.Response.Result()}
		if a.code.Action == respcode.SignOn && attempt == 0 && d.signOnAgain(ctx) == nil {
			continue
		}
		return a, nil
	}
}
