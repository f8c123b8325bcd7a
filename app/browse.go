package app

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/receipt"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
)

// Browser is the journal browser's query side: records newest first, page by page,
// filtered by kind, text and time; one record in full; the filtered set exported. It
// only reads the journal and is safe for concurrent use.
type Browser struct {
	src browseSource
}

// browseSource is what a Browser reads: a journal, and the terminal whose receipts its
// records are (their numbers and the heading of their receipts). *Till is one, reading
// its journal at each use, since deregistration replaces it; a backup is another
// (backupSource).
type browseSource interface {
	Journal() *journal.Journal
	receiptNumber(seq uint64) string
	receiptHeader(number string, at time.Time, language string) receipt.Header
}

// NewBrowser browses the till's journal.
func NewBrowser(t *Till) *Browser { return &Browser{src: t} }

// BrowseKinds are the record kinds the browser offers as filters, most useful first.
// Other kinds are found with the text search.
var BrowseKinds = []string{
	journal.KindSaleCompleted, refund.Kind, journal.KindSaleCancelled, journal.KindPayment,
	journal.KindSaleHeld, journal.KindSaleRecalled, journal.KindAdmin, journal.KindJournalOpened,
}

// BrowseQuery filters records; zero fields match everything.
type BrowseQuery struct {
	Kind     string
	Text     string    // part of the record's data, kind or receipt number, any case
	From, To time.Time // at or after From, before To
}

// RecordRow is one record as the browser lists it.
type RecordRow struct {
	Seq      uint64
	Time     time.Time
	Kind     string
	Receipt  string        // the record's own receipt number (sales and refunds)
	Amount   money.Amount  // a sale's total, a refund's or payment's amount
	Items    int64         // a sale's items
	Methods  []sale.Method // tenders of a sale, refund or payment
	Original string        // a refund's original receipt
}

// BrowsePage is one page of rows, newest first. Next, when not 0, is the Before of the
// next (older) page.
type BrowsePage struct {
	Rows []RecordRow
	Next uint64
}

// Page lists up to limit records matching q with sequence numbers below before (0: from
// the newest), newest first.
func (b *Browser) Page(q BrowseQuery, before uint64, limit int) (BrowsePage, error) {
	if limit <= 0 {
		limit = 50
	}
	j := b.src.Journal()
	last, err := j.LastSeq()
	if err != nil {
		return BrowsePage{}, fmt.Errorf("browse: %w", err)
	}
	seq := last
	if before != 0 && before <= last {
		seq = before - 1
	}
	var page BrowsePage
	for first := j.FirstSeq(); seq >= first && seq > 0; seq-- {
		rec, err := j.Get(seq)
		if err != nil {
			return page, fmt.Errorf("browse: %w", err)
		}
		if !b.match(rec, q) {
			continue
		}
		if len(page.Rows) == limit {
			page.Next = seq + 1
			break
		}
		page.Rows = append(page.Rows, b.row(rec))
	}
	return page, nil
}

// receiptOf is the receipt number a record has: sales and refunds have one.
func (b *Browser) receiptOf(rec journal.Record) string {
	if rec.Kind == journal.KindSaleCompleted || rec.Kind == refund.Kind {
		return b.src.receiptNumber(rec.Seq)
	}
	return ""
}

// match applies q to a record.
func (b *Browser) match(rec journal.Record, q BrowseQuery) bool {
	if (q.Kind != "" && rec.Kind != q.Kind) || (!q.From.IsZero() && rec.Time.Before(q.From)) || (!q.To.IsZero() && !rec.Time.Before(q.To)) {
		return false
	}
	if q.Text == "" {
		return true
	}
	want := strings.ToLower(q.Text)
	for _, s := range []string{string(rec.Data), rec.Kind, b.receiptOf(rec)} {
		if strings.Contains(strings.ToLower(s), want) {
			return true
		}
	}
	return false
}

// row summarises a record; data it cannot read is left out of the row, not an error
// (the detail view shows the raw record).
func (b *Browser) row(rec journal.Record) RecordRow {
	row := RecordRow{Seq: rec.Seq, Time: rec.Time, Kind: rec.Kind, Receipt: b.receiptOf(rec)}
	switch rec.Kind {
	case journal.KindSaleCompleted, journal.KindSaleCancelled, journal.KindSaleHeld:
		var d saleData
		if json.Unmarshal(rec.Data, &d) == nil {
			row.Amount, row.Items, row.Methods = d.Totals.Total, d.Totals.Items, methodsOf(d.Sale.Payments)
		}
	case refund.Kind:
		var rf refund.Refund
		if json.Unmarshal(rec.Data, &rf) == nil {
			row.Amount, row.Original = rf.Total, rf.OriginalReceipt
			for _, t := range rf.Tenders {
				row.Methods = append(row.Methods, t.Method)
			}
		}
	case journal.KindPayment:
		var p paymentRecord
		if json.Unmarshal(rec.Data, &p) == nil {
			row.Amount, row.Methods = p.Payment.Amount, []sale.Method{p.Payment.Method}
		}
	}
	return row
}

// RecordDetail is one record in full: pretty JSON, and for a completed sale its
// receipt, for a refund its refund receipt's makings.
type RecordDetail struct {
	Record journal.Record
	Pretty string
	Sale   *Receipt      // set for sale.completed
	Refund *RefundResult // set for refund
}

// Record returns record seq in full.
func (b *Browser) Record(seq uint64) (RecordDetail, error) {
	rec, err := b.src.Journal().Get(seq)
	if err != nil {
		return RecordDetail{}, fmt.Errorf("browse: %w", err)
	}
	pretty, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return RecordDetail{}, fmt.Errorf("browse: record %d: %w", seq, err)
	}
	d := RecordDetail{Record: rec, Pretty: string(pretty)}
	switch rec.Kind {
	case journal.KindSaleCompleted:
		s, err := decodeSale(rec)
		if err != nil {
			return d, err
		}
		d.Sale = &Receipt{Sale: s, Number: b.src.receiptNumber(seq), Time: rec.Time}
	case refund.Kind:
		if d.Refund, err = refundResultIn(b.src, rec); err != nil {
			return d, err
		}
	}
	return d, nil
}

// refundResultIn rebuilds a RefundResult from its record in src's journal and the
// original sale there.
func refundResultIn(src browseSource, rec journal.Record) (*RefundResult, error) {
	var rf refund.Refund
	if err := json.Unmarshal(rec.Data, &rf); err != nil {
		return nil, fmt.Errorf("refund record %d unreadable: %w", rec.Seq, err)
	}
	res := &RefundResult{Refund: rf, Number: src.receiptNumber(rec.Seq), Seq: rec.Seq, Time: rec.Time}
	orig, err := src.Journal().Get(rf.OriginalSeq)
	if err != nil {
		return nil, fmt.Errorf("refund %s: original sale: %w", res.Number, err)
	}
	if res.Original, err = decodeSale(orig); err != nil {
		return nil, fmt.Errorf("refund %s: %w", res.Number, err)
	}
	return res, nil
}

// Rows lays out the receipt of a record shown in full (a sale's, or a refund's with
// negative amounts) in language with labels, headed with the terminal its journal
// belongs to; nil for other records.
func (b *Browser) Rows(d RecordDetail, language string, tr receipt.Labels) []receipt.Row {
	switch {
	case d.Sale != nil:
		if t, ok := b.src.(*Till); ok { // the live till's receipt, with its payments' details (EMV fields)
			return t.Rows(d.Sale, language, tr)
		}
		return receipt.Build(d.Sale.Sale, b.src.receiptHeader(d.Sale.Number, d.Sale.Time, language), language, tr)
	case d.Refund != nil:
		return refund.Rows(d.Refund.Refund, d.Refund.Original, b.src.receiptHeader(d.Refund.Number, d.Refund.Time, language), language, tr)
	}
	return nil
}

// Export writes the records matching q, oldest first, as "csv" or "jsonl" in
// journal.Export's format, and returns how many it wrote.
func (b *Browser) Export(w io.Writer, format string, q BrowseQuery) (int, error) {
	f := journal.Filter{Kind: q.Kind, From: q.From, To: q.To}
	if q.Text == "" {
		n, err := b.src.Journal().Export(w, format, f)
		if err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
		return n, nil
	}
	// The journal filters by kind and time; the text filter drops whole lines of its
	// output. Both formats write one record per line: the data is compact JSON, whose
	// strings never hold a raw newline.
	lf := &lineFilter{w: w, header: format == "csv", keep: func(line []byte) bool {
		rec, err := parseExportLine(format, line)
		return err == nil && b.match(rec, q)
	}}
	_, err := b.src.Journal().Export(lf, format, f)
	if err == nil {
		err = lf.flush()
	}
	if err != nil {
		return lf.kept, fmt.Errorf("export: %w", err)
	}
	return lf.kept, nil
}

// parseExportLine reads back the fields of one exported record that match needs.
func parseExportLine(format string, line []byte) (journal.Record, error) {
	var rec journal.Record
	if format == "jsonl" {
		err := json.Unmarshal(line, &rec)
		return rec, err
	}
	fields, err := csv.NewReader(bytes.NewReader(line)).Read()
	if err != nil || len(fields) < 5 {
		return rec, fmt.Errorf("csv line: %v", err)
	}
	seq, err := strconv.ParseUint(fields[0], 10, 64)
	if err != nil {
		return rec, err
	}
	at, err := time.Parse(time.RFC3339Nano, fields[2])
	if err != nil {
		return rec, err
	}
	return journal.Record{Seq: seq, Time: at, Kind: fields[3], Data: json.RawMessage(fields[4])}, nil
}

// lineFilter passes on the lines of what is written to it that keep accepts (and a
// first header line, when header is set), counting the records it kept.
type lineFilter struct {
	w      io.Writer
	keep   func(line []byte) bool
	header bool
	buf    []byte
	kept   int
}

func (f *lineFilter) Write(p []byte) (int, error) {
	f.buf = append(f.buf, p...)
	for {
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := f.line(f.buf[:i+1]); err != nil {
			return 0, err
		}
		f.buf = f.buf[i+1:]
	}
}

func (f *lineFilter) line(line []byte) error {
	switch {
	case f.header:
		f.header = false
	case f.keep(bytes.TrimRight(line, "\r\n")):
		f.kept++
	default:
		return nil
	}
	_, err := f.w.Write(line)
	return err
}

// flush handles a last line with no newline.
func (f *lineFilter) flush() error {
	if len(f.buf) == 0 {
		return nil
	}
	err := f.line(f.buf)
	f.buf = nil
	return err
}
