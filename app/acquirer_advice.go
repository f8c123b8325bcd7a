package app

import (
	"context"
	"fmt"

	"tilldesk/core/iso8583/posmsg"
)

// flushAdvices sends the offline approvals that are due (all of them with force) and
// returns how many of them remain unsent.
func (d *CardPayments) flushAdvices(ctx context.Context, force bool) int {
	return flushDue(d, ctx, prefixAdvice, force, func(a pendingAdvice) (retries, bool) { return a.retries, a.State == adviceDue }, d.sendAdvice)
}

// sendAdvice sends one 0220 for an offline approval; the host's acknowledgement ends
// it (and erases the sealed card number), a failure schedules the next try.
func (d *CardPayments) sendAdvice(ctx context.Context, a pendingAdvice) error {
	var err error
	var ans answer
	if d.opt.Open == nil {
		err = fmt.Errorf("no secret store to open the card number of offline sale %s", a.ID)
	} else {
		var pan []byte
		pan, err = d.opt.Open(adviceSecretName(a.ID), a.SealedPAN)
		if err == nil {
			adv := posmsg.OfflineAdvice{CardTransaction: posmsg.CardTransaction{Terminal: d.terminal(), STAN: a.STAN, Batch: a.Batch,
				Amount: posmsg.Amount(a.Amount), ICC: a.ICC, Field60Rest: field60Chip,
				Card: posmsg.Card{PAN: string(pan), Expiry: a.Expiry, SequenceNumber: sequence3(a.Sequence), EntryMode: a.EntryMode}}}
			clear(pan)
			msg, merr := adv.Message()
			if err = merr; err == nil {
				ans, err = d.ask(ctx, msg)
				clear(msg.Fields[2])
			}
		}
		if err == nil && !ans.acknowledges() {
			err = fmt.Errorf("offline advice answered %s (%s)", ans.code.Code, ans.code.Meaning)
		}
	}
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	cur, ok, gerr := getEntry[pendingAdvice](d.journal(), prefixAdvice+a.ID)
	if gerr != nil || !ok || cur.State != adviceDue {
		return gerr
	}
	if err != nil {
		return d.retryLater(prefixAdvice+a.ID, &cur.retries, &cur, err)
	}
	cur.Attempts++
	ev := cur.event("acknowledged")
	ev.RRN, ev.Code = ans.resp.RRN, ans.resp.ResponseCode
	d.log.Info("offline card payment sent", "id", cur.ID, "card", cur.Card.MaskedPAN, "amount", cur.Amount.Plain(), "attempts", cur.Attempts)
	txn, found, terr := getEntry[batchTxn](d.journal(), txnKey(cur.Batch, cur.STAN))
	if terr != nil {
		return terr
	}
	change := remove(prefixAdvice + a.ID)
	if !found {
		return d.commit(KindCardAdviceSent, ev, change)
	}
	txn.RRN = ans.resp.RRN
	tc, err := put(txnKey(cur.Batch, cur.STAN), txn)
	if err != nil {
		return err
	}
	return d.commit(KindCardAdviceSent, ev, change, tc)
}
