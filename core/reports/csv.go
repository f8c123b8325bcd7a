package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"tilldesk/core/money"
)

// CSVHeader is the first line WriteCSV writes.
var CSVHeader = []string{"section", "item", "count", "value"}

// WriteCSV writes a report as CSV for spreadsheets and head office: one figure per line,
// "section,item,count,value", with language-neutral item names, amounts in yuan with two
// decimals ("1234.50", no symbol or grouping) and times in RFC 3339 UTC.
func WriteCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	var rows [][]string
	add := func(sect, item string, count int, hasCount bool, value string) {
		c := ""
		if hasCount {
			c = strconv.Itoa(count)
		}
		rows = append(rows, []string{sect, item, c, value})
	}
	info := func(item, value string) { add("report", item, 0, false, value) }
	amount := func(sect, item string, a money.Amount) { add(sect, item, 0, false, a.Plain()) }
	tally := func(sect, item string, t Tally) { add(sect, item, t.Count, true, t.Amount.Plain()) }

	info("type", string(r.Type))
	if r.Type == Z {
		info("number", strconv.FormatUint(r.Number, 10))
	}
	info("terminal", r.Terminal)
	info("operator", r.Operator)
	info("from", r.From.UTC().Format(time.RFC3339))
	info("to", r.To.UTC().Format(time.RFC3339))
	info("first_seq", strconv.FormatUint(r.FirstSeq, 10))
	info("last_seq", strconv.FormatUint(r.LastSeq, 10))

	tally("sales", "completed", r.Sales)
	tally("sales", "cancelled", r.Cancelled)
	tally("sales", "voided_lines", r.Voided)
	tally("sales", "refunds", r.Refunds)
	add("sales", "items", int(r.Items), true, "")
	amount("sales", "gross", r.Gross)
	amount("sales", "discounts", r.Discounts)
	amount("sales", "net_sales", r.NetSales)
	amount("sales", "net", r.Net)
	amount("sales", "tax", r.Tax)

	for _, t := range r.Tenders {
		m := string(t.Method)
		tally("tender", m, t.Sales)
		tally("tender_refunds", m, t.Refunds)
		if t.Reversed.Count > 0 {
			tally("tender_reversed", m, t.Reversed)
		}
		for _, b := range t.Brands {
			name := b.Name
			if name == "" {
				name = "unknown"
			}
			tally("card_brand", name, b.Sales)
		}
	}

	d := r.Drawer
	amount("drawer", "float", d.Float)
	amount("drawer", "cash_sales", d.CashSales)
	amount("drawer", "cash_refunds", d.CashRefunds)
	if d.CashReversed != 0 {
		amount("drawer", "cash_reversed", d.CashReversed)
	}
	amount("drawer", "cash_in", d.CashIn)
	amount("drawer", "cash_out", d.CashOut)
	amount("drawer", "expected", d.Expected)
	if d.Closes > 0 {
		add("drawer", "counted", d.Closes, true, d.Counted.Plain())
		amount("drawer", "difference", d.Difference)
	}

	if len(r.Settlements) == 0 {
		add("settlement", "not_settled", 0, false, "")
	}
	for _, s := range r.Settlements {
		add("settlement", s.Batch, s.Count, true, s.Amount.Plain())
		add("settlement_result", s.Batch, 0, false, s.Result)
	}

	if !r.Prepaid.IsZero() {
		for _, l := range r.Prepaid.Lines() {
			tally("prepaid", l.Key, Tally(l.Tally))
		}
		if r.Prepaid.LiabilityKnown {
			amount("prepaid", "liability", r.Prepaid.Liability)
		}
	}

	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("reports: write CSV: %w", err)
	}
	if err := cw.WriteAll(rows); err != nil { // WriteAll flushes
		return fmt.Errorf("reports: write CSV: %w", err)
	}
	return nil
}
