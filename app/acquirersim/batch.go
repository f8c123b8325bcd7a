package acquirersim

import (
	"slices"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
)

// void cancels a sale of the open batch: the same card, the same amount.
func (s *Server) void(req iso8583.Message) (posmsg.Response, error) {
	v, err := posmsg.ParseVoid(req)
	if err != nil {
		return posmsg.Response{}, err
	}
	c := v.CardTransaction
	if code, ok := s.gate(req, c); !ok {
		return s.echo(req, code), nil
	}
	orig := s.ledger.txns[txnKey{c.Terminal.ID, v.Original.Batch, v.Original.STAN}]
	if orig == nil || orig.RRN != v.OriginalRRN {
		orig = s.ledger.byRRN[v.OriginalRRN]
	}
	code := "00"
	switch {
	case orig == nil || orig.Kind != Sale || orig.Terminal != c.Terminal.ID:
		code = "25" // original not found
	case !sameCard(orig, c.Card):
		code = "14"
	case orig.Status != Approved || orig.Batch != c.Batch || orig.Refunded > 0:
		code = "12" // already voided or reversed, settled, or partly refunded
	case orig.Amount != int64(c.Amount):
		code = "64"
	}
	t := s.record(c, Void, code)
	if orig != nil && orig.QR {
		t.MaskedPAN, t.QR = orig.MaskedPAN, true
	}
	if t.Status == Approved {
		s.credit(orig.pan, orig.Amount)
		orig.Status, t.original, t.Domestic = Voided, orig, orig.Domestic
	}
	s.log.Info("acquirer sandbox: void", "terminal", t.Terminal, "stan", t.STAN.String(), "card", t.MaskedPAN, "code", code)
	return s.answerFor(req, t, nil), nil
}

// refund gives money back for an earlier sale, up to what is left of it. A repeated
// refund (the same STAN) gets the first answer again.
func (s *Server) refund(req iso8583.Message) (posmsg.Response, error) {
	rf, err := posmsg.ParseRefund(req)
	if err != nil {
		return posmsg.Response{}, err
	}
	c := rf.CardTransaction
	if t := s.ledger.txns[txnKey{c.Terminal.ID, c.Batch, c.STAN}]; t != nil && t.Kind == Refund && t.Amount == int64(c.Amount) {
		return t.answer, nil
	}
	if code, ok := s.gate(req, c); !ok {
		return s.echo(req, code), nil
	}
	orig := s.ledger.byRRN[rf.OriginalRRN]
	code := "00"
	switch {
	case orig == nil || (orig.Kind != Sale && orig.Kind != Advice):
		code = "25"
	case !sameCard(orig, c.Card):
		code = "14"
	case orig.Status != Approved:
		code = "12"
	case orig.Refunded+int64(c.Amount) > orig.Amount:
		code = "64"
	}
	t := s.record(c, Refund, code)
	if orig != nil && orig.QR {
		t.MaskedPAN, t.QR = orig.MaskedPAN, true
	}
	if t.Status == Approved {
		s.credit(orig.pan, t.Amount)
		orig.Refunded += t.Amount
		t.Domestic = orig.Domestic
	}
	s.log.Info("acquirer sandbox: refund", "terminal", t.Terminal, "stan", t.STAN.String(), "card", t.MaskedPAN, "amount", t.Amount, "code", code)
	return s.answerFor(req, t, nil), nil
}

// advice takes an offline sale the card approved: it is charged when its TC verifies.
// Every advice is acknowledged with 00 (the till must stop sending it); a repeated one
// changes nothing.
func (s *Server) advice(req iso8583.Message) (posmsg.Response, error) {
	a, err := posmsg.ParseOfflineAdvice(req)
	if err != nil {
		return posmsg.Response{}, err
	}
	c := a.CardTransaction
	key := txnKey{c.Terminal.ID, c.Batch, c.STAN}
	if t := s.ledger.txns[key]; t != nil {
		return t.answer, nil
	}
	valid := false
	if acct := s.accounts[c.Card.PAN]; acct != nil {
		if d, err := issuer.ParseICCData(c.ICC); err == nil {
			check, err := issuer.CheckCryptogram(acct.Account, d)
			valid = err == nil && check.Valid && check.Type == issuer.TC
		}
	}
	t := s.record(c, Advice, "00")
	if valid {
		s.debit(t.pan, t.Amount)
	} else {
		t.Status = Declined // acknowledged, not charged: the settlement will disagree
	}
	s.log.Info("acquirer sandbox: offline advice", "terminal", t.Terminal, "stan", t.STAN.String(), "card", t.MaskedPAN, "amount", t.Amount, "tc_valid", valid)
	return s.answerFor(req, t, nil), nil
}

// hostTotals are the sandbox's totals of a terminal's batch: approved sales and
// offline sales as debits, approved refunds as credits (voided and reversed sales
// count for nothing).
func (s *Server) hostTotals(k batchKey) posmsg.Totals {
	var out posmsg.Totals
	for _, t := range s.ledger.order {
		if t.Terminal != k.terminal || t.Batch != k.batch || t.Status != Approved {
			continue
		}
		g := &out.Foreign
		if t.Domestic {
			g = &out.Domestic
		}
		switch t.Kind {
		case Sale, Advice:
			g.DebitAmount += posmsg.Amount(t.Amount)
			g.DebitCount++
		case Refund:
			g.CreditAmount += posmsg.Amount(t.Amount)
			g.CreditCount++
		}
	}
	return out
}

// counted lists the STANs behind hostTotals.
func (s *Server) counted(k batchKey) []posmsg.STAN {
	var out []posmsg.STAN
	for _, t := range s.ledger.order {
		if t.Terminal == k.terminal && t.Batch == k.batch && t.Status == Approved && t.Kind != Void {
			out = append(out, t.STAN)
		}
	}
	return out
}

// settle reconciles the till's totals with the sandbox's own (or, after a batch
// upload, with the uploaded transactions) and closes the batch when they agree or the
// upload is complete.
func (s *Server) settle(req iso8583.Message) (posmsg.Response, error) {
	st, err := posmsg.ParseSettlement(req)
	if err != nil {
		return posmsg.Response{}, err
	}
	k := batchKey{st.Terminal.ID, st.Batch}
	rec := Settlement{Terminal: k.terminal, Batch: k.batch, Till: st.Totals, Host: s.hostTotals(k)}
	answer := st.Totals
	if up := s.ledger.uploads[k]; up != nil && up.complete {
		rec.AfterUpload, rec.Uploaded = true, len(up.entries)
		rec.Balanced = combined(st.Totals) == up.totals()
		for stan := range up.entries {
			if !slices.Contains(s.counted(k), stan) {
				rec.Missing = append(rec.Missing, stan)
			}
		}
		for _, stan := range s.counted(k) {
			if _, ok := up.entries[stan]; !ok {
				rec.Extra = append(rec.Extra, stan)
			}
		}
		slices.Sort(rec.Missing)
		slices.Sort(rec.Extra)
		answer.Domestic.Result, answer.Foreign.Result = result(rec.Balanced), result(rec.Balanced)
	} else {
		answer.Domestic.Result = result(sameTotals(st.Totals.Domestic, rec.Host.Domestic))
		answer.Foreign.Result = result(sameTotals(st.Totals.Foreign, rec.Host.Foreign))
		rec.Balanced = answer.Balanced()
	}
	if rec.Balanced || rec.AfterUpload {
		s.ledger.closed[k] = true
	}
	s.ledger.settlements = append(s.ledger.settlements, rec)
	s.log.Info("acquirer sandbox: settlement", "terminal", k.terminal, "batch", k.batch.String(), "balanced", rec.Balanced, "after_upload", rec.AfterUpload)
	r := s.echo(req, "00")
	r.Totals = &answer
	return r, nil
}

func result(balanced bool) byte {
	if balanced {
		return posmsg.ReconcileInBalance
	}
	return posmsg.ReconcileOutOfBalance
}

// sameTotals compares one card group's amounts and counts.
func sameTotals(a, b posmsg.CardTotals) bool {
	return a.DebitAmount == b.DebitAmount && a.DebitCount == b.DebitCount && a.CreditAmount == b.CreditAmount && a.CreditCount == b.CreditCount
}

// groupSum is both card groups together (a batch upload does not say which group).
type groupSum struct {
	debit, credit           posmsg.Amount
	debitCount, creditCount int
}

func combined(t posmsg.Totals) groupSum {
	return groupSum{t.Domestic.DebitAmount + t.Foreign.DebitAmount, t.Domestic.CreditAmount + t.Foreign.CreditAmount,
		t.Domestic.DebitCount + t.Foreign.DebitCount, t.Domestic.CreditCount + t.Foreign.CreditCount}
}

func (u *upload) totals() groupSum {
	var g groupSum
	for _, e := range u.entries {
		switch e.TypeCode {
		case posmsg.TypeSale, posmsg.TypeOfflineAdvice:
			g.debit += e.Amount
			g.debitCount++
		case posmsg.TypeRefund:
			g.credit += e.Amount
			g.creditCount++
		}
	}
	return g
}

// batchUpload takes the till's transactions of an out-of-balance batch.
func (s *Server) batchUpload(req iso8583.Message) (posmsg.Response, error) {
	b, err := posmsg.ParseBatchUpload(req)
	if err != nil {
		return posmsg.Response{}, err
	}
	k := batchKey{b.Terminal.ID, b.Batch}
	up := s.ledger.uploads[k]
	if up == nil || up.complete {
		up = &upload{entries: map[posmsg.STAN]posmsg.BatchEntry{}} // a new upload replaces a finished one
		s.ledger.uploads[k] = up
	}
	for _, e := range b.Entries {
		up.entries[e.STAN] = e
	}
	up.complete = b.Last
	return s.echo(req, "00"), nil
}
