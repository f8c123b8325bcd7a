package reports

import (
	"fmt"
	"slices"
	"time"

	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/receipt"
	"tilldesk/core/sale"
)

// LabelKeys lists every key Rows asks its labels for. Tender methods outside
// StandardMethods are shown by their own name, but for NamedMethods ("tender." + the
// method's name).
var LabelKeys = []string{
	"title.x", "title.z", "terminal", "operator", "from", "to",
	"sales.title", "sales", "cancelled", "voided", "items", "gross", "discounts", "net_sales",
	"refunds", "net", "tax",
	"tenders.title", "tender.cash", "tender.card", "tender.alipay", "tender.wechat", "tender.prepaid",
	"tender.refunds", "tender.reversed", "brand.unknown",
	"drawer.title", "float", "cash_sales", "cash_refunds", "cash_reversed", "cash_in", "cash_out", "expected",
	"counted", "difference",
	"settlement.title", "not_settled", "batch",
	"settlement.balanced", "settlement.balanced_after_upload", "settlement.out_of_balance", "settlement.failed",
	"prepaid.title", "prepaid.liability", "prepaid.issued", "prepaid.top_ups", "prepaid.payments", "prepaid.reversals",
	"prepaid.refunds", "prepaid.adjust_in", "prepaid.adjust_out", "prepaid.imported",
}

// Heading is what a printed report says above the figures besides the report's own
// header: the store's name, and the time zone its times are shown in (UTC when nil).
type Heading struct {
	Store    string
	Location *time.Location
}

// timeLayout is how report times are printed: local time to the second.
const timeLayout = "2006-01-02 15:04:05"

// Rows lays a report out for the screen and the receipt printer (58 mm or 80 mm: the
// rows are short enough for 32 columns), its fixed words translated by tr.
func Rows(r Report, h Heading, tr receipt.Labels) []receipt.Row {
	loc := h.Location
	if loc == nil {
		loc = time.UTC
	}
	title := tr("title.x")
	if r.Type == Z {
		title = fmt.Sprintf("%s #%04d", tr("title.z"), r.Number)
	}
	rows := []receipt.Row{{Left: h.Store, Style: receipt.Title}, {Left: title, Style: receipt.Centre}, {Style: receipt.Rule},
		{Left: tr("terminal"), Right: r.Terminal},
		{Left: tr("operator"), Right: r.Operator},
		{Left: tr("from"), Right: r.From.In(loc).Format(timeLayout)},
		{Left: tr("to"), Right: r.To.In(loc).Format(timeLayout)},
	}
	rows = append(rows, salesRows(r, tr)...)
	rows = append(rows, tenderRows(r, tr)...)
	rows = append(rows, drawerRows(r.Drawer, tr)...)
	rows = append(rows, settlementRows(r.Settlements, tr)...)
	return append(rows, prepaidRows(r.Prepaid, tr)...)
}

// prepaidRows is the prepaid card section, shown when the period had movements.
func prepaidRows(p prepaid.Summary, tr receipt.Labels) []receipt.Row {
	if p.IsZero() {
		return nil
	}
	rows := section(tr, "prepaid.title")
	for _, l := range p.Lines() {
		rows = append(rows, tally(tr("prepaid."+l.Key), Tally(l.Tally), false))
	}
	if p.LiabilityKnown {
		rows = append(rows, receipt.Row{Left: tr("prepaid.liability"), Right: p.Liability.Format(), Style: receipt.Total})
	}
	return rows
}

// section starts a section: a rule and its centred title.
func section(tr receipt.Labels, key string) []receipt.Row {
	return []receipt.Row{{Style: receipt.Rule}, {Left: tr(key), Style: receipt.Centre}}
}

// tally is a row "label (count)  amount"; negate shows the amount as taken off.
func tally(label string, t Tally, negate bool) receipt.Row {
	a := t.Amount
	if negate {
		a = -a
	}
	return receipt.Row{Left: fmt.Sprintf("%s (%d)", label, t.Count), Right: a.Format()}
}

func amountRow(label string, a money.Amount) receipt.Row {
	return receipt.Row{Left: label, Right: a.Format()}
}

func salesRows(r Report, tr receipt.Labels) []receipt.Row {
	return append(section(tr, "sales.title"),
		tally(tr("sales"), r.Sales, false),
		tally(tr("cancelled"), r.Cancelled, false),
		tally(tr("voided"), r.Voided, false),
		receipt.Row{Left: tr("items"), Right: fmt.Sprint(r.Items)},
		amountRow(tr("gross"), r.Gross),
		amountRow(tr("discounts"), -r.Discounts),
		amountRow(tr("net_sales"), r.NetSales),
		tally(tr("refunds"), r.Refunds, true),
		receipt.Row{Left: tr("net"), Right: r.Net.Format(), Style: receipt.Total},
		amountRow(tr("tax"), r.Tax),
	)
}

// NamedMethods are tender methods a report names in words (like the standard ones)
// but lists only when they took something.
var NamedMethods = []sale.Method{sale.UnionPayQR}

// methodLabel names a tender method: translated for the standard and named ones.
func methodLabel(m sale.Method, tr receipt.Labels) string {
	if slices.Contains(StandardMethods, m) || slices.Contains(NamedMethods, m) {
		return tr("tender." + string(m))
	}
	return string(m)
}

func tenderRows(r Report, tr receipt.Labels) []receipt.Row {
	rows := section(tr, "tenders.title")
	for _, t := range r.Tenders {
		rows = append(rows, tally(methodLabel(t.Method, tr), t.Sales, false))
		if named := slices.ContainsFunc(t.Brands, func(b Brand) bool { return b.Name != "" }); named {
			for _, b := range t.Brands {
				name := b.Name
				if name == "" {
					name = tr("brand.unknown")
				}
				rows = append(rows, tally("  "+name, b.Sales, false))
			}
		}
		if t.Refunds.Count > 0 {
			rows = append(rows, tally("  "+tr("tender.refunds"), t.Refunds, true))
		}
		if t.Reversed.Count > 0 {
			rows = append(rows, tally("  "+tr("tender.reversed"), t.Reversed, true))
		}
	}
	return rows
}

func drawerRows(d Drawer, tr receipt.Labels) []receipt.Row {
	rows := append(section(tr, "drawer.title"),
		amountRow(tr("float"), d.Float),
		amountRow(tr("cash_sales"), d.CashSales),
		amountRow(tr("cash_refunds"), -d.CashRefunds),
	)
	if d.CashReversed != 0 {
		rows = append(rows, amountRow(tr("cash_reversed"), -d.CashReversed))
	}
	rows = append(rows,
		amountRow(tr("cash_in"), d.CashIn),
		amountRow(tr("cash_out"), -d.CashOut),
		receipt.Row{Left: tr("expected"), Right: d.Expected.Format(), Style: receipt.Total},
	)
	if d.Closes > 0 {
		rows = append(rows, amountRow(tr("counted"), d.Counted),
			receipt.Row{Left: tr("difference"), Right: d.Difference.Format(), Style: receipt.Total})
	}
	return rows
}

// SettlementResults are the settlement outcomes reports translate; any other is shown
// as it was recorded.
var SettlementResults = []string{"balanced", "balanced_after_upload", "out_of_balance", "failed"}

func settlementResult(result string, tr receipt.Labels) string {
	if slices.Contains(SettlementResults, result) {
		return tr("settlement." + result)
	}
	return result
}

func settlementRows(ss []Settlement, tr receipt.Labels) []receipt.Row {
	rows := section(tr, "settlement.title")
	if len(ss) == 0 {
		return append(rows, receipt.Row{Left: tr("not_settled")})
	}
	for _, s := range ss {
		rows = append(rows, receipt.Row{Left: tr("batch") + " " + s.Batch, Right: settlementResult(s.Result, tr)},
			tally(" ", Tally{Count: s.Count, Amount: s.Amount}, false))
	}
	return rows
}
