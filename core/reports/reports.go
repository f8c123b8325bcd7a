// Package reports builds X reports (a shift so far, any time, not numbered) and Z
// reports (the business period since the previous Z, numbered) from the till's journal
// records. Build is a pure function of the records, so a Z report can be reproduced from
// the journal alone. The package also lays a report out for the receipt printer
// (Rows), writes it as CSV (WriteCSV) and counts cash by CNY denomination (Count).
//
// # Records read
//
// Unknown kinds are skipped. The JSON read from each kind:
//
//   - "sale.completed", "sale.cancelled" (app.Till): {"sale": sale.Sale, "totals":
//     {"items", "subtotal", "discount", "total", "tax", ...}}; amounts in fen.
//   - "payment" (app.Till, split tender): {"sale_id", "payment": sale.Payment}. Every
//     payment of a split sale but the last is journaled this way when it is taken; the
//     last one only in the sale.completed record. Tender totals therefore count each
//     "payment" record plus the LAST payment of each completed sale, so that money is
//     counted in the period in which it was taken, and cash taken for a sale that never
//     completed is still expected in the drawer. A payment may carry "brand" (card
//     scheme); without it a card payment's brand is the first word of its "ref" when
//     that is a known scheme (UnionPay, Visa, ...).
//   - "refund" (core/refund, see RefundRecord): "amount" positive fen; "tenders"
//     [{"method", "amount"}] split it by tender; without "tenders", "method" names it.
//   - "shift.opened", "shift.cash_in", "shift.cash_out", "shift.closed" (app.Shifts):
//     ShiftOpened, CashMovement and ShiftClosed below.
//   - "settlement" (card batch settlement, not written yet): Settlement below.
//   - "report.z" (app.Shifts): a Report; a report never counts another report.
//   - "prepaid.<kind>" (core/prepaid): a prepaid.Batch of card movements; a completed
//     sale's record may carry one too, under "extras" -> "prepaid" (cards sold on the
//     sale, its card payments settled). They make the Prepaid section.
package reports

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/sale"
)

// Record kinds written by the shift and report use cases and read here.
const (
	KindShiftOpened = "shift.opened"
	KindCashIn      = "shift.cash_in"
	KindCashOut     = "shift.cash_out"
	KindShiftClosed = "shift.closed"
	KindZReport     = "report.z"
	KindXReport     = "report.x" // an X report taken (shown, printed or exported): who and when
	// KindPaymentReversed is a payment given back when its part-paid sale was abandoned
	// (app.KindPaymentReversed).
	KindPaymentReversed = "payment.reversed"
	KindRefund          = "refund"
	KindSettlement      = "settlement"
)

// ShiftOpened is the data of a "shift.opened" record.
type ShiftOpened struct {
	Shift    string       `json:"shift"` // shift ID
	Operator string       `json:"operator"`
	Float    money.Amount `json:"float"` // cash put in the drawer to start with
}

// CashMovement is the data of a "shift.cash_in" or "shift.cash_out" record: cash put
// into or taken out of the drawer other than by a sale (change float top-up, a bank
// drop). Amount is positive.
type CashMovement struct {
	Shift    string       `json:"shift"`
	Operator string       `json:"operator"`
	Amount   money.Amount `json:"amount"`
	Reason   string       `json:"reason"`
}

// ShiftClosed is the data of a "shift.closed" record: the drawer as counted at the end
// of a shift against what the journal says should be in it.
type ShiftClosed struct {
	Shift      string       `json:"shift"`
	Operator   string       `json:"operator"`  // who closed it
	OpenedBy   string       `json:"opened_by"` // who opened it
	Expected   money.Amount `json:"expected"`
	Counted    money.Amount `json:"counted"`
	Difference money.Amount `json:"difference"` // Counted - Expected: negative is short
	Count      Count        `json:"count"`      // the count, by denomination
}

// RefundRecord is what a report reads of a "refund" record (written by the refund use
// case, core/refund): the amount refunded and how it was paid back. Other fields
// ("id", "original_receipt", "lines", ...) are ignored here.
type RefundRecord struct {
	OriginalReceipt string         `json:"original_receipt"`
	Amount          money.Amount   `json:"amount"` // positive fen handed back
	Method          sale.Method    `json:"method"` // the one method, or "mixed"
	Tenders         []RefundTender `json:"tenders"`
}

// RefundTender is the part of a refund paid back through one tender method.
type RefundTender struct {
	Method sale.Method  `json:"method"`
	Amount money.Amount `json:"amount"` // positive fen
}

// Settlement is the data of a "settlement" record: the outcome of settling the card
// batch with the acquirer. (Provisional: the settlement use case does not exist yet and
// may add fields; these four are what a report shows.)
type Settlement struct {
	Batch  string       `json:"batch"`
	Result string       `json:"result"` // e.g. "balanced", "out_of_balance", "failed"
	Count  int          `json:"count"`
	Amount money.Amount `json:"amount"`
}

// Type is X or Z.
type Type string

// Report types.
const (
	X Type = "X" // the open shift so far; any time, not numbered, changes nothing
	Z Type = "Z" // end of day: the period since the previous Z, numbered, journaled
)

// Tally is a number of things and their amount.
type Tally struct {
	Count  int          `json:"count"`
	Amount money.Amount `json:"amount"`
}

func (t *Tally) add(a money.Amount) { t.Count++; t.Amount += a }

// Tender is what one tender method took and gave back.
type Tender struct {
	Method  sale.Method `json:"method"`
	Sales   Tally       `json:"sales"`   // payments taken (cash: applied, change excluded)
	Refunds Tally       `json:"refunds"` // refunds paid back through the method
	// Reversed is payments given back because their sale was abandoned after part
	// payment (counted in Sales when taken).
	Reversed Tally   `json:"reversed,omitzero"`
	Brands   []Brand `json:"brands,omitempty"`
}

// Net is what the tender took less what it gave back.
func (t Tender) Net() money.Amount { return t.Sales.Amount - t.Refunds.Amount - t.Reversed.Amount }

// Brand is the card payments of one card scheme; Name "" gathers card payments whose
// scheme is not known.
type Brand struct {
	Name  string `json:"name"`
	Sales Tally  `json:"sales"`
}

// Drawer is the cash drawer's reconciliation: what should be in it, and (once a shift
// is closed) what was counted.
type Drawer struct {
	Float       money.Amount `json:"float"`
	CashSales   money.Amount `json:"cash_sales"`
	CashRefunds money.Amount `json:"cash_refunds"`
	// CashReversed is cash handed back when a part-paid sale was abandoned.
	CashReversed money.Amount `json:"cash_reversed,omitzero"`
	CashIn       money.Amount `json:"cash_in"`
	CashOut      money.Amount `json:"cash_out"`
	// Expected = Float + CashSales - CashRefunds - CashReversed + CashIn - CashOut.
	Expected money.Amount `json:"expected"`
	// Closes is the number of shift closes in the period; Counted and Difference sum
	// what they counted and found.
	Closes     int          `json:"closes"`
	Counted    money.Amount `json:"counted"`
	Difference money.Amount `json:"difference"`
}

// Report is an X or a Z report.
type Report struct {
	Type     Type      `json:"type"`
	Number   uint64    `json:"number,omitempty"` // Z only
	Terminal string    `json:"terminal"`
	Operator string    `json:"operator"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// FirstSeq and LastSeq are the journal records the report was built from.
	FirstSeq uint64 `json:"first_seq"`
	LastSeq  uint64 `json:"last_seq"`
	// Records is how many of them counted (sales, payments, refunds, shift records,
	// settlements); a Z with none is refused.
	Records int `json:"records"`

	Sales     Tally        `json:"sales"`     // completed sales and their totals
	Cancelled Tally        `json:"cancelled"` // cancelled sales and what they came to
	Voided    Tally        `json:"voided"`    // voided lines (of completed and cancelled sales)
	Refunds   Tally        `json:"refunds"`
	Items     int64        `json:"items"`
	Gross     money.Amount `json:"gross"`     // before discounts
	Discounts money.Amount `json:"discounts"` // line and order discounts
	NetSales  money.Amount `json:"net_sales"` // Gross - Discounts
	Net       money.Amount `json:"net"`       // NetSales - Refunds
	Tax       money.Amount `json:"tax"`       // VAT included in NetSales

	Tenders     []Tender     `json:"tenders"`
	Drawer      Drawer       `json:"drawer"`
	Settlements []Settlement `json:"settlements,omitempty"`
	// Prepaid is the period's prepaid card movements and the liability after them
	// (core/prepaid; read from "prepaid.*" records and completed sales' "extras").
	Prepaid prepaid.Summary `json:"prepaid,omitzero"`
}

// Header is what the caller says about a report: everything but the figures.
type Header struct {
	Type     Type
	Number   uint64
	Terminal string
	Operator string
	From, To time.Time
}

// StandardMethods are the tender methods every report lists, in order, even when they
// took nothing.
var StandardMethods = []sale.Method{sale.Cash, sale.Card, sale.Alipay, sale.WeChat, sale.Prepaid}

// payment is a sale.Payment as journaled, with the card scheme if the tender gave one.
type payment struct {
	sale.Payment
	Brand string `json:"brand,omitempty"`
}

// saleData is what a report reads of a sale.completed or sale.cancelled record.
type saleData struct {
	Sale struct {
		Lines    []sale.Line `json:"lines"`
		Payments []payment   `json:"payments"`
	} `json:"sale"`
	Totals struct {
		Items    int64        `json:"items"`
		Subtotal money.Amount `json:"subtotal"`
		Discount money.Amount `json:"discount"`
		Total    money.Amount `json:"total"`
		Tax      money.Amount `json:"tax"`
	} `json:"totals"`
}

// Build computes a report from records (oldest first: the caller selects the period).
// A record of a known kind that does not decode is an error naming it.
func Build(h Header, records []journal.Record) (Report, error) {
	r := Report{Type: h.Type, Number: h.Number, Terminal: h.Terminal, Operator: h.Operator, From: h.From, To: h.To}
	if len(records) > 0 {
		r.FirstSeq, r.LastSeq = records[0].Seq, records[len(records)-1].Seq
	}
	b := builder{r: &r}
	for _, rec := range records {
		counted, err := b.add(rec)
		if err != nil {
			return Report{}, fmt.Errorf("reports: record %d (%s): %w", rec.Seq, rec.Kind, err)
		}
		if counted {
			r.Records++
		}
	}
	b.finish()
	return r, nil
}

// builder accumulates a report.
type builder struct {
	r       *Report
	tenders map[sale.Method]*Tender
	brands  map[string]*Brand
}

// add counts one record; it reports whether the record was of a kind reports count.
func (b *builder) add(rec journal.Record) (bool, error) {
	r := b.r
	switch rec.Kind {
	case journal.KindSaleCompleted, journal.KindSaleCancelled:
		var d saleData
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return false, err
		}
		b.voids(d.Sale.Lines)
		if rec.Kind == journal.KindSaleCancelled {
			r.Cancelled.add(d.Totals.Total)
			return true, nil
		}
		r.Sales.add(d.Totals.Total)
		r.Items += d.Totals.Items
		r.Gross += d.Totals.Subtotal
		r.Discounts += d.Totals.Discount
		r.NetSales += d.Totals.Total
		r.Tax += d.Totals.Tax
		if n := len(d.Sale.Payments); n > 0 { // the earlier ones have "payment" records
			b.payment(d.Sale.Payments[n-1])
		}
		if _, err := r.Prepaid.Add(rec); err != nil { // cards sold and payments settled with it
			return false, err
		}
	case journal.KindPayment:
		var d struct {
			Payment payment `json:"payment"`
		}
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return false, err
		}
		b.payment(d.Payment)
	case KindPaymentReversed:
		var d struct {
			Payment payment `json:"payment"`
		}
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return false, err
		}
		a := abs(d.Payment.Amount)
		b.tender(d.Payment.Method).Reversed.add(a)
		if d.Payment.Method == sale.Cash {
			b.r.Drawer.CashReversed += a
		}
	case KindRefund:
		var d RefundRecord
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return false, err
		}
		b.refund(d)
	case KindShiftOpened:
		var d ShiftOpened
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return false, err
		}
		r.Drawer.Float += d.Float
	case KindCashIn, KindCashOut:
		var d CashMovement
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return false, err
		}
		if rec.Kind == KindCashIn {
			r.Drawer.CashIn += d.Amount
		} else {
			r.Drawer.CashOut += d.Amount
		}
	case KindShiftClosed:
		var d ShiftClosed
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return false, err
		}
		r.Drawer.Closes++
		r.Drawer.Counted += d.Counted
		r.Drawer.Difference += d.Difference
	case KindSettlement:
		var d Settlement
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return false, err
		}
		r.Settlements = append(r.Settlements, d)
	default:
		return r.Prepaid.Add(rec) // a "prepaid.*" movement, or not counted
	}
	return true, nil
}

func (b *builder) voids(lines []sale.Line) {
	for _, l := range lines {
		if l.Voided {
			b.r.Voided.add(l.Gross())
		}
	}
}

func (b *builder) tender(m sale.Method) *Tender {
	if b.tenders == nil {
		b.tenders = map[sale.Method]*Tender{}
		for _, std := range StandardMethods {
			b.tenders[std] = &Tender{Method: std}
		}
	}
	t, ok := b.tenders[m]
	if !ok {
		t = &Tender{Method: m}
		b.tenders[m] = t
	}
	return t
}

func (b *builder) payment(p payment) {
	b.tender(p.Method).Sales.add(p.Amount)
	if p.Method == sale.Cash {
		b.r.Drawer.CashSales += p.Amount
	}
	if p.Method != sale.Card {
		return
	}
	name := brandOf(p)
	if b.brands == nil {
		b.brands = map[string]*Brand{}
	}
	br, ok := b.brands[name]
	if !ok {
		br = &Brand{Name: name}
		b.brands[name] = br
	}
	br.Sales.add(p.Amount)
}

func (b *builder) refund(d RefundRecord) {
	b.r.Refunds.add(abs(d.Amount))
	parts := d.Tenders
	if len(parts) == 0 {
		parts = []RefundTender{{Method: d.Method, Amount: d.Amount}}
	}
	for _, p := range parts {
		a := abs(p.Amount) // documented positive; a sign slip must not add to the drawer
		b.tender(p.Method).Refunds.add(a)
		if p.Method == sale.Cash {
			b.r.Drawer.CashRefunds += a
		}
	}
}

func abs(a money.Amount) money.Amount { return max(a, -a) }

// finish derives the totals and orders the tenders: the standard methods first, then
// any others by name; card brands by name, the unknown brand last.
func (b *builder) finish() {
	r := b.r
	r.Net = r.NetSales - r.Refunds.Amount
	d := &r.Drawer
	d.Expected = d.Float + d.CashSales - d.CashRefunds - d.CashReversed + d.CashIn - d.CashOut
	b.tender(sale.Cash) // make sure the standard methods exist
	for _, m := range StandardMethods {
		r.Tenders = append(r.Tenders, *b.tenders[m])
	}
	var others []Tender
	for m, t := range b.tenders {
		if !slices.Contains(StandardMethods, m) {
			others = append(others, *t)
		}
	}
	slices.SortFunc(others, func(x, y Tender) int { return cmp.Compare(x.Method, y.Method) })
	r.Tenders = append(r.Tenders, others...)
	var brands []Brand
	for _, br := range b.brands {
		brands = append(brands, *br)
	}
	slices.SortFunc(brands, func(x, y Brand) int {
		if (x.Name == "") != (y.Name == "") {
			return cmp.Compare(y.Name, x.Name) // "" sorts after any name
		}
		return cmp.Compare(x.Name, y.Name)
	})
	r.Tenders[slices.Index(StandardMethods, sale.Card)].Brands = brands
}

// knownBrands are card schemes recognised as the first word of a payment's Ref.
var knownBrands = []string{"UnionPay", "Visa", "Mastercard", "Amex", "JCB", "Discover", "Diners"}

// brandOf is a card payment's scheme: its "brand" field, else the first word of its
// reference when that names a known scheme, else "".
func brandOf(p payment) string {
	if p.Brand != "" {
		return p.Brand
	}
	word, _, _ := strings.Cut(strings.TrimSpace(p.Ref), " ")
	for _, b := range knownBrands {
		if strings.EqualFold(word, b) {
			return b
		}
	}
	return ""
}
