package app

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
)

// SaleQuery selects completed sales for Refunds.Find; zero fields match every sale.
type SaleQuery struct {
	Receipt  string       // a receipt number, or its digits: that sale only
	From, To time.Time    // completed at or after From and before To
	Amount   money.Amount // the sale's total exactly, in fen
	Ref      string       // part of a payment reference (masked PAN, wallet trade number), any case
	Text     string       // part of a payment reference, or of a product's name or code, any case
	Limit    int          // most sales returned, newest first; 50 when 0
}

// SaleSummary is one sale Find found.
type SaleSummary struct {
	Receipt       string
	Seq           uint64
	Time          time.Time
	SaleID        string
	Total         money.Amount
	Items         int64
	Methods       []sale.Method // the tender methods, in payment order, each once
	RefundedSoFar money.Amount
}

// receiptShaped matches a whole receipt number, "DEMO0001-00000012".
var receiptShaped = regexp.MustCompile(`^[0-9A-Za-z]+-[0-9]+$`)

// ParseSaleQuery reads what a cashier types to find a sale: a receipt number or just
// its digits ("DEMO0001-00000012", "12"), an amount written with a decimal point or a
// yuan sign ("20.50", "¥20"), a payment reference after a star ("*1234", the end of a
// masked card number, which alone would read as a receipt), or else text to find in
// payment references and product names and codes.
func ParseSaleQuery(text string) SaleQuery {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return SaleQuery{}
	case isAllDigits(text) || receiptShaped.MatchString(text):
		return SaleQuery{Receipt: text}
	case strings.ContainsAny(text, ".¥￥"):
		if a, err := money.Parse(text); err == nil && a > 0 {
			return SaleQuery{Amount: a}
		}
	}
	if ref, ok := strings.CutPrefix(text, "*"); ok {
		return SaleQuery{Ref: strings.TrimLeft(ref, "*")}
	}
	return SaleQuery{Text: text}
}

func isAllDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// match reports whether a completed sale meets the query (all but Receipt, which
// Find applies by sequence number).
func (q SaleQuery) match(at time.Time, s *sale.Sale, total money.Amount) bool {
	if (!q.From.IsZero() && at.Before(q.From)) || (!q.To.IsZero() && !at.Before(q.To)) || (q.Amount != 0 && total != q.Amount) {
		return false
	}
	return (q.Ref == "" || refMatches(s, q.Ref)) && (q.Text == "" || refMatches(s, q.Text) || productMatches(s, q.Text))
}

// refMatches reports whether a payment reference of s contains part, in any case.
func refMatches(s *sale.Sale, part string) bool {
	part = strings.ToLower(part)
	return slices.ContainsFunc(s.Payments, func(p sale.Payment) bool { return strings.Contains(strings.ToLower(p.Ref), part) })
}

// productMatches reports whether an active line's code or name contains part, in any case.
func productMatches(s *sale.Sale, part string) bool {
	part = strings.ToLower(part)
	return slices.ContainsFunc(s.ActiveLines(), func(l sale.Line) bool {
		return strings.Contains(strings.ToLower(l.Code+"\n"+l.NameZH+"\n"+l.NameEN), part)
	})
}

// Find lists the completed sales matching q, newest first, each with what has been
// refunded of it so far.
func (r *Refunds) Find(q SaleQuery) ([]SaleSummary, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Receipt != "" {
		return r.findReceipt(q)
	}
	var found []SaleSummary
	refunded := map[uint64]money.Amount{}
	err := r.till.journal.Each(journal.Filter{}, func(rec journal.Record) error {
		switch rec.Kind {
		case refund.Kind:
			var rf refund.Refund
			if err := json.Unmarshal(rec.Data, &rf); err != nil {
				return fmt.Errorf("refund record %d unreadable: %w", rec.Seq, err)
			}
			refunded[rf.OriginalSeq] += rf.Total
		case journal.KindSaleCompleted:
			sum, ok, err := r.summarize(rec, q)
			if err != nil || !ok {
				return err
			}
			if found = append(found, sum); len(found) > q.Limit {
				found = found[1:] // keep the newest
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find sales: %w", err)
	}
	slices.Reverse(found)
	for i := range found {
		found[i].RefundedSoFar = refunded[found[i].Seq]
	}
	return found, nil
}

// findReceipt looks one receipt up by its sequence number.
func (r *Refunds) findReceipt(q SaleQuery) ([]SaleSummary, error) {
	seq, err := r.till.receiptSeq(q.Receipt)
	if err != nil {
		return nil, err
	}
	rec, err := r.till.journal.Get(seq)
	if err != nil || rec.Kind != journal.KindSaleCompleted {
		return nil, nil // no such sale: nothing found
	}
	sum, ok, err := r.summarize(rec, q)
	if err != nil || !ok {
		return nil, err
	}
	prior, err := r.till.refundsOf(seq)
	if err != nil {
		return nil, err
	}
	for _, rf := range prior {
		sum.RefundedSoFar += rf.Total
	}
	return []SaleSummary{sum}, nil
}

// summarize reads a sale.completed record and reports whether it meets q.
func (r *Refunds) summarize(rec journal.Record, q SaleQuery) (SaleSummary, bool, error) {
	var d saleData
	if err := json.Unmarshal(rec.Data, &d); err != nil {
		return SaleSummary{}, false, fmt.Errorf("sale record %d unreadable: %w", rec.Seq, err)
	}
	if !q.match(rec.Time, &d.Sale, d.Totals.Total) {
		return SaleSummary{}, false, nil
	}
	return SaleSummary{Receipt: r.till.receiptNumber(rec.Seq), Seq: rec.Seq, Time: rec.Time, SaleID: d.Sale.ID,
		Total: d.Totals.Total, Items: d.Totals.Items, Methods: methodsOf(d.Sale.Payments)}, true, nil
}

// methodsOf lists the payments' methods in order, each once.
func methodsOf(payments []sale.Payment) []sale.Method {
	var out []sale.Method
	for _, p := range payments {
		if !slices.Contains(out, p.Method) {
			out = append(out, p.Method)
		}
	}
	return out
}
