package refund

import (
	"fmt"
	"slices"

	"tilldesk/core/receipt"
	"tilldesk/core/sale"
)

// Reasons are the refund reason codes the till offers; the journal stores the code and
// receipts and screens translate it ("refund.reason.<code>"). They are the manager
// override's codes (core/users) that apply to a refund.
var Reasons = []string{"customer_changed_mind", "wrong_item", "damaged", "price_error", "other"}

// ValidReason reports whether code is one of Reasons.
func ValidReason(code string) bool { return slices.Contains(Reasons, code) }

// Rows lays out the refund receipt of r against the original sale: the same header as a
// sale's receipt, then the refunded lines, the total and each tender paid back, all as
// negative amounts. h.Number is the refund's own receipt number and h.Cashier the
// operator. Beyond the sale receipt's labels it asks tr for "refund.title",
// "refund.original", "refund.approved_by", "refund.reason", "refund.reason.<code>" and
// "refund.total".
func Rows(r Refund, original *sale.Sale, h receipt.Header, language string, tr receipt.Labels) []receipt.Row {
	rows := []receipt.Row{{Left: h.StoreName, Style: receipt.Title}}
	for _, line := range []string{h.Address, h.Phone} {
		if line != "" {
			rows = append(rows, receipt.Row{Left: line, Style: receipt.Centre})
		}
	}
	rows = append(rows,
		receipt.Row{Left: tr("refund.title"), Style: receipt.Title},
		receipt.Row{Style: receipt.Rule},
		receipt.Row{Left: tr("receipt.no"), Right: h.Number},
		receipt.Row{Left: tr("refund.original"), Right: r.OriginalReceipt},
		receipt.Row{Left: tr("time"), Right: h.Time.Format("2006-01-02 15:04:05")},
		receipt.Row{Left: tr("merchant"), Right: h.MerchantID},
		receipt.Row{Left: tr("terminal"), Right: h.Terminal},
		receipt.Row{Left: tr("cashier"), Right: r.Operator},
		receipt.Row{Left: tr("refund.approved_by"), Right: r.ApprovedBy},
		receipt.Row{Left: tr("refund.reason"), Right: tr("refund.reason." + r.Reason)},
		receipt.Row{Style: receipt.Rule},
	)
	for _, rl := range r.Lines {
		l := findLine(original, rl.LineID)
		name, qty := rl.Code, sale.FormatQty(rl.QtyMilli, l.Weighed)
		if l.ID != 0 {
			name = l.Name(language)
		}
		if l.Weighed {
			qty += " kg"
		}
		rows = append(rows, receipt.Row{Left: name},
			receipt.Row{Left: fmt.Sprintf("  %s x %s", qty, l.UnitPrice.Format()), Right: (-rl.Amount).Format()})
	}
	rows = append(rows, receipt.Row{Style: receipt.Rule},
		receipt.Row{Left: tr("refund.total"), Right: (-r.Total).Format(), Style: receipt.Total},
		receipt.Row{Style: receipt.Rule})
	for _, t := range r.Tenders {
		rows = append(rows, receipt.Row{Left: tr("tender." + string(t.Method)), Right: (-t.Amount).Format()})
		if t.OriginalRef != "" {
			rows = append(rows, receipt.Row{Left: "  " + t.OriginalRef})
		}
		if t.Ref != "" {
			rows = append(rows, receipt.Row{Left: "  " + t.Ref})
		}
	}
	if h.Footer != "" {
		rows = append(rows, receipt.Row{Style: receipt.Rule}, receipt.Row{Left: h.Footer, Style: receipt.Centre})
	}
	return rows
}

// findLine returns the sale's line with id, or the zero Line.
func findLine(s *sale.Sale, id int) sale.Line {
	if s != nil {
		for _, l := range s.Lines {
			if l.ID == id {
				return l
			}
		}
	}
	return sale.Line{}
}
