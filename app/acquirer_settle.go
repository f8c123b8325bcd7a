package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"tilldesk/app/acquirer"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/reports"
)

// Settlement results (reports.Settlement.Result of the journal record).
const (
	SettlementBalanced            = "balanced"
	SettlementBalancedAfterUpload = "balanced_after_upload"
	SettlementOutOfBalance        = "out_of_balance"
)

// BrandTotals are one card brand's part of a batch.
type BrandTotals struct {
	Brand   string        `json:"brand"`
	Sales   reports.Tally `json:"sales"`   // online and offline sales, not voided
	Refunds reports.Tally `json:"refunds"` // refunds (0220); voids take the sale out instead
}

// BatchSummary is the open batch as the till counts it.
type BatchSummary struct {
	Batch  string
	Totals posmsg.Totals // domestic (UnionPay) and foreign cards, as a 0500 sends them
	Brands []BrandTotals
	Count  int          // transactions counted
	Net    money.Amount // sales less refunds
	// Waiting counts reversals and offline sales not yet acknowledged by the host,
	// and payments of a sale in progress: settlement waits for them.
	Waiting int
}

// SettlementResult is a settled batch.
type SettlementResult struct {
	BatchSummary
	Result   string        // SettlementBalanced, SettlementBalancedAfterUpload or SettlementOutOfBalance
	Answer   posmsg.Totals // the host's totals answer (its reconciliation digits)
	Uploaded int           // transactions sent in the batch upload
	Next     string        // the batch opened after it
	Seq      uint64        // the settlement's journal record
	At       time.Time
}

// settlementRecord is the journal data of a settlement: reports.Settlement's fields
// (what the X/Z reports show) and the details.
type settlementRecord struct {
	reports.Settlement
	Totals   posmsg.Totals `json:"till_totals"`
	Answer   posmsg.Totals `json:"host_answer"`
	Brands   []BrandTotals `json:"brands,omitempty"`
	Uploaded int           `json:"uploaded,omitempty"`
	Operator string        `json:"operator"`
	Next     string        `json:"next_batch"`
}

// OpenBatch counts the open batch: what Settle would send.
func (d *CardPayments) OpenBatch() (BatchSummary, error) {
	meta, err := d.meta()
	if err != nil {
		return BatchSummary{}, err
	}
	txns, err := d.batchTxns(meta.Batch)
	if err != nil {
		return BatchSummary{}, err
	}
	sum := summarise(meta.Batch, txns)
	sum.Waiting, err = d.waiting()
	return sum, err
}

// batchTxns lists the transactions of a batch, by STAN.
func (d *CardPayments) batchTxns(batch posmsg.BatchNumber) ([]batchTxn, error) {
	var out []batchTxn
	err := eachEntry(d.journal(), prefixTxn+batch.String()+"/", func(_ string, t batchTxn) error {
		out = append(out, t)
		return nil
	})
	return out, err
}

// summarise counts transactions the way the host does: sales and offline sales not
// voided are debits, refunds credits; voids themselves count for nothing.
func summarise(batch posmsg.BatchNumber, txns []batchTxn) BatchSummary {
	s := BatchSummary{Batch: batch.String()}
	brands := map[string]*BrandTotals{}
	for _, t := range txns {
		g := &s.Totals.Foreign
		if t.Card.Domestic {
			g = &s.Totals.Domestic
		}
		b := brands[t.Card.Brand]
		if b == nil {
			b = &BrandTotals{Brand: t.Card.Brand}
			brands[t.Card.Brand] = b
		}
		switch {
		case (t.Kind == txnSale || t.Kind == txnAdvice) && !t.Voided:
			g.DebitAmount += posmsg.Amount(t.Amount)
			g.DebitCount++
			b.Sales.Count++
			b.Sales.Amount += t.Amount
			s.Net += t.Amount
		case t.Kind == txnRefund:
			g.CreditAmount += posmsg.Amount(t.Amount)
			g.CreditCount++
			b.Refunds.Count++
			b.Refunds.Amount += t.Amount
			s.Net -= t.Amount
		default:
			continue
		}
		s.Count++
	}
	for _, b := range brands {
		if b.Sales.Count+b.Refunds.Count > 0 {
			s.Brands = append(s.Brands, *b)
		}
	}
	slices.SortFunc(s.Brands, func(a, b BrandTotals) int { return strings.Compare(a.Brand, b.Brand) })
	return s
}

// uploadEntries are the batch upload lines of the counted transactions.
func uploadEntries(txns []batchTxn) posmsg.BatchEntries {
	var out posmsg.BatchEntries
	for _, t := range txns {
		code := map[string]string{txnSale: posmsg.TypeSale, txnAdvice: posmsg.TypeOfflineAdvice, txnRefund: posmsg.TypeRefund}[t.Kind]
		if code == "" || t.Voided {
			continue
		}
		out = append(out, posmsg.BatchEntry{TypeCode: code, STAN: t.STAN, Amount: posmsg.Amount(t.Amount)})
	}
	return out
}

// waiting counts what settlement must wait for: reversals, unsent or held offline
// sales, and authorisations of a sale in progress.
func (d *CardPayments) waiting() (int, error) {
	n := 0
	j := d.journal()
	err := eachEntry(j, prefixIntent, func(string, cardIntent) error { n++; return nil })
	if err == nil {
		err = eachEntry(j, prefixAdvice, func(string, pendingAdvice) error { n++; return nil })
	}
	return n, err
}

// Settle closes the open batch with the host: reversals and offline sales are sent
// first (settlement refuses with ErrCardQueueBusy while any is unacknowledged, or a
// sale's payment is in progress; card payments wait meanwhile), then
// a 0500 with the till's totals; when the host finds them out of balance the batch's
// transactions are uploaded (0320) and a closing 0500 sent. The result is journaled
// as a "settlement" record (the X and Z reports show it) in the same transaction that
// opens the next batch.
func (d *CardPayments) Settle(ctx context.Context, operator string) (*SettlementResult, error) {
	d.settleMu.Lock()
	defer d.settleMu.Unlock()
	d.setSettling(true)
	defer d.setSettling(false)
	d.flushReversals(ctx, true)
	d.flushAdvices(ctx, true)
	if n, err := d.waiting(); err != nil || n > 0 {
		if err == nil {
			err = fmt.Errorf("%w (%d)", ErrCardQueueBusy, n)
		}
		return nil, err
	}
	meta, err := d.meta()
	if err != nil {
		return nil, err
	}
	txns, err := d.batchTxns(meta.Batch)
	if err != nil {
		return nil, err
	}
	res := &SettlementResult{BatchSummary: summarise(meta.Batch, txns)}
	res.Answer, err = d.settlement(ctx, meta.Batch, res.Totals, operator)
	if err != nil {
		return nil, err
	}
	res.Result = SettlementBalanced
	if !res.Answer.Balanced() {
		entries := uploadEntries(txns)
		if err := d.batchUpload(ctx, meta.Batch, entries); err != nil {
			return nil, fmt.Errorf("settlement of batch %s: out of balance, and the batch upload failed: %w", meta.Batch, err)
		}
		res.Uploaded = len(entries)
		if res.Answer, err = d.settlement(ctx, meta.Batch, res.Totals, operator); err != nil {
			return nil, fmt.Errorf("settlement of batch %s: closing settlement after the upload: %w", meta.Batch, err)
		}
		res.Result = SettlementOutOfBalance
		if res.Answer.Balanced() {
			res.Result = SettlementBalancedAfterUpload
		}
	}
	if err := d.closeBatch(meta.Batch, txns, res, operator); err != nil {
		return nil, err
	}
	d.log.Info("card batch settled", "batch", res.Batch, "result", res.Result, "count", res.Count, "net", res.Net.Plain(), "uploaded", res.Uploaded, "operator", operator)
	d.changed()
	return res, nil
}

// settlement sends one 0500 and returns the host's totals answer.
func (d *CardPayments) settlement(ctx context.Context, batch posmsg.BatchNumber, totals posmsg.Totals, operator string) (posmsg.Totals, error) {
	_, resp, err := d.request(ctx, "settlement of batch "+batch.String(), true, func(meta linkMeta) (iso8583.Message, error) {
		return posmsg.Settlement{Terminal: d.terminal(), STAN: meta.STAN, Batch: batch, Totals: totals, Operator: operatorCode(operator)}.Message()
	})
	if err == nil && resp.Totals == nil {
		err = fmt.Errorf("settlement of batch %s: the answer has no totals: %w", batch, acquirer.ErrGarbage)
	}
	if err != nil {
		return posmsg.Totals{}, err
	}
	return *resp.Totals, nil
}

// batchUpload sends the batch's transactions, MaxBatchEntries per 0320.
func (d *CardPayments) batchUpload(ctx context.Context, batch posmsg.BatchNumber, entries posmsg.BatchEntries) error {
	for start := 0; start < len(entries); start += posmsg.MaxBatchEntries {
		end := min(start+posmsg.MaxBatchEntries, len(entries))
		_, _, err := d.request(ctx, "batch upload of batch "+batch.String(), true, func(meta linkMeta) (iso8583.Message, error) {
			return posmsg.BatchUpload{Terminal: d.terminal(), STAN: meta.STAN, Batch: batch, Entries: entries[start:end], Last: end == len(entries)}.Message()
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// closeBatch journals the settlement, drops the batch's transactions and opens the
// next batch, in one transaction.
func (d *CardPayments) closeBatch(batch posmsg.BatchNumber, txns []batchTxn, res *SettlementResult, operator string) error {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	meta, err := d.meta()
	if err != nil {
		return err
	}
	meta.Batch = batch.Next()
	mc, err := put(keyLinkMeta, meta)
	if err != nil {
		return err
	}
	changes := []journal.StateChange{mc}
	for _, t := range txns {
		changes = append(changes, remove(txnKey(t.Batch, t.STAN)))
	}
	res.Next = meta.Batch.String()
	rec := settlementRecord{Settlement: reports.Settlement{Batch: res.Batch, Result: res.Result, Count: res.Count, Amount: res.Net},
		Totals: res.Totals, Answer: res.Answer, Brands: res.Brands, Uploaded: res.Uploaded, Operator: operator, Next: res.Next}
	r, err := d.journal().AppendWith(reports.KindSettlement, rec, changes...)
	if err != nil {
		d.log.Error("settlement done with the host but not journaled: settle again", "batch", res.Batch, "err", err)
		return fmt.Errorf("settlement %w: %v", ErrNotRecorded, err)
	}
	res.Seq, res.At = r.Seq, r.Time
	return nil
}

// operatorCode is DE63's operator: three characters, or none.
func operatorCode(operator string) string {
	if len(operator) == 3 {
		return operator
	}
	return ""
}
