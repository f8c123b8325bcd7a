package ui

import (
	"fmt"
	"strings"
	"time"

	"tilldesk/app"
	"tilldesk/core/journal"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
)

// How the journal browser words its list: kinds, records and sales.

// kindKeys name the record kinds in the browser; "" is every kind.
var kindKeys = map[string]string{
	"":                        "browser.kind.all",
	journal.KindSaleCompleted: "browser.kind.sale",
	refund.Kind:               "browser.kind.refund",
	journal.KindSaleCancelled: "browser.kind.cancelled",
	journal.KindPayment:       "browser.kind.payment",
	journal.KindSaleHeld:      "browser.kind.held",
	journal.KindSaleRecalled:  "browser.kind.recalled",
	journal.KindAdmin:         "browser.kind.admin",
	journal.KindJournalOpened: "browser.kind.opened",
}

// kindLabel names a record kind; kinds the browser does not know show as they are.
func kindLabel(kind string) string {
	if key, ok := kindKeys[kind]; ok {
		return tr(key)
	}
	return kind
}

// recordRows words journal records for the list: number, time, kind, receipt, amount
// (a refund negative, with the receipt it refunds), items and tenders.
func (b *JournalBrowser) recordRows(rows []app.RecordRow) []BrowserRow {
	out := make([]BrowserRow, 0, len(rows))
	for _, r := range rows {
		parts := []string{fmt.Sprintf("#%d", r.Seq), b.when(r.Time), kindLabel(r.Kind), r.Receipt}
		switch {
		case r.Kind == refund.Kind:
			parts = append(parts, (-r.Amount).Format(), trf("browser.refund_of", map[string]any{"Receipt": r.Original}))
		case r.Amount != 0:
			parts = append(parts, r.Amount.Format())
		}
		if r.Items > 0 {
			parts = append(parts, trf("browser.items", map[string]any{"Count": r.Items}))
		}
		parts = append(parts, methodNames(r.Methods))
		out = append(out, BrowserRow{Seq: r.Seq, Kind: r.Kind, Receipt: r.Receipt, Text: joinNonEmpty(parts)})
	}
	return out
}

// saleRows words the sales Refunds.Find found for the list.
func (b *JournalBrowser) saleRows(found []app.SaleSummary) []BrowserRow {
	out := make([]BrowserRow, 0, len(found))
	for _, s := range found {
		out = append(out, BrowserRow{Seq: s.Seq, Kind: journal.KindSaleCompleted, Receipt: s.Receipt, Text: b.saleText(s)})
	}
	return out
}

// saleText words one sale: receipt, time, total, items, tenders, refunded so far.
func (b *JournalBrowser) saleText(s app.SaleSummary) string {
	parts := []string{s.Receipt, b.when(s.Time), s.Total.Format(), trf("browser.items", map[string]any{"Count": s.Items}), methodNames(s.Methods)}
	if s.RefundedSoFar > 0 {
		parts = append(parts, trf("browser.refunded", map[string]any{"Amount": s.RefundedSoFar.Format()}))
	}
	return joinNonEmpty(parts)
}

// when writes a time in the browser's time zone.
func (b *JournalBrowser) when(t time.Time) string {
	return t.In(b.opt.Location).Format("2006-01-02 15:04:05")
}

// methodNames names tender methods as the receipt does, joined by "+".
func methodNames(ms []sale.Method) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = receiptLabel("tender." + string(m))
	}
	return strings.Join(names, "+")
}

// joinNonEmpty joins the parts that say something.
func joinNonEmpty(parts []string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "   ")
}
