// Package receipt turns a completed sale into a receipt: a list of rows that the screen
// previews and a printer prints, and a plain-text layout for fixed-width printers that
// counts Chinese characters as two columns.
package receipt

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"tilldesk/core/sale"
)

// Style is how a row is drawn.
type Style int

// Row styles.
const (
	Plain  Style = iota
	Title        // centred, emphasised (store name)
	Centre       // centred
	Total        // emphasised left/right pair
	Rule         // a separator line
)

// Row is one line of a receipt: Left text and an optional right-aligned Right text.
type Row struct {
	Left, Right string
	Style       Style
}

// Header is what the receipt says about the store and the transaction.
type Header struct {
	StoreName  string
	Address    string
	Phone      string
	MerchantID string
	Terminal   string
	Number     string    // receipt number
	Cashier    string    // operator, when known
	Time       time.Time // local time of the sale
	Footer     string
	// PaymentDetails, when set, gives rows printed under a payment instead of its
	// reference (a card payment's EMV fields and signature line); a payment it gives
	// no rows keeps its reference line.
	PaymentDetails func(p sale.Payment) []Row
}

// Labels are the receipt's fixed words in the chosen language, looked up by key:
// "receipt.no", "terminal", "merchant", "time", "subtotal", "discount", "total",
// "tax", "items", "change", "tendered", and "tender.<method>".
type Labels func(key string) string

// Build lays out the receipt for a completed sale.
func Build(s *sale.Sale, h Header, language string, tr Labels) []Row {
	t := s.Totals()
	rows := []Row{{Left: h.StoreName, Style: Title}}
	for _, line := range []string{h.Address, h.Phone} {
		if line != "" {
			rows = append(rows, Row{Left: line, Style: Centre})
		}
	}
	rows = append(rows,
		Row{Style: Rule},
		Row{Left: tr("receipt.no"), Right: h.Number},
		Row{Left: tr("time"), Right: h.Time.Format("2006-01-02 15:04:05")},
		Row{Left: tr("merchant"), Right: h.MerchantID},
		Row{Left: tr("terminal"), Right: h.Terminal},
	)
	if h.Cashier != "" {
		rows = append(rows, Row{Left: tr("cashier"), Right: h.Cashier})
	}
	rows = append(rows, Row{Style: Rule})
	for i, l := range s.ActiveLines() {
		lt := t.Lines[i]
		rows = append(rows, Row{Left: l.Name(language)})
		qty := sale.FormatQty(l.QtyMilli, l.Weighed)
		if l.Weighed {
			qty += " kg"
		}
		rows = append(rows, Row{Left: fmt.Sprintf("  %s x %s", qty, l.UnitPrice.Format()), Right: lt.Gross.Format()})
		if lt.LineDiscount != 0 {
			rows = append(rows, Row{Left: "  " + tr("discount"), Right: (-lt.LineDiscount).Format()})
		}
	}
	rows = append(rows, Row{Style: Rule},
		Row{Left: tr("items"), Right: fmt.Sprint(t.Items)},
		Row{Left: tr("subtotal"), Right: t.Subtotal.Format()})
	if off := t.LineDiscounts + t.OrderDiscount; off != 0 {
		rows = append(rows, Row{Left: tr("discount"), Right: (-off).Format()})
	}
	rows = append(rows, Row{Left: tr("total"), Right: t.Total.Format(), Style: Total},
		Row{Left: tr("tax"), Right: t.Tax.Format()}, Row{Style: Rule})
	for _, p := range s.Payments {
		amount := p.Amount
		if p.Tendered != 0 {
			amount = p.Tendered
		}
		rows = append(rows, Row{Left: tr("tender." + string(p.Method)), Right: amount.Format()})
		var details []Row
		if h.PaymentDetails != nil {
			details = h.PaymentDetails(p)
		}
		if p.Ref != "" && len(details) == 0 {
			rows = append(rows, Row{Left: "  " + p.Ref})
		}
		rows = append(rows, details...)
	}
	if t.Change != 0 {
		rows = append(rows, Row{Left: tr("change"), Right: t.Change.Format(), Style: Total})
	}
	if h.Footer != "" {
		rows = append(rows, Row{Style: Rule}, Row{Left: h.Footer, Style: Centre})
	}
	return rows
}

// Width is the number of printer columns s takes: East Asian wide characters take two.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	if unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x30FF) || (r >= 0xFF01 && r <= 0xFF60) || (r >= 0xFFE0 && r <= 0xFFE6) {
		return 2
	}
	return 1
}

// Text renders rows for a fixed-width printer of width columns. Left text that does not
// fit beside the right text goes on its own line.
func Text(rows []Row, width int) string {
	var b strings.Builder
	for _, r := range rows {
		switch r.Style {
		case Rule:
			b.WriteString(strings.Repeat("-", width))
		case Title, Centre:
			pad := max(0, (width-Width(r.Left))/2)
			b.WriteString(strings.Repeat(" ", pad) + r.Left)
		default:
			gap := width - Width(r.Left) - Width(r.Right)
			if gap < 1 && r.Right != "" {
				b.WriteString(r.Left + "\n")
				gap = width - Width(r.Right)
				b.WriteString(strings.Repeat(" ", max(0, gap)) + r.Right)
			} else {
				b.WriteString(r.Left + strings.Repeat(" ", max(0, gap)) + r.Right)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
