package reports

import (
	"bytes"
	"encoding/csv"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"tilldesk/core/prepaid"
	"tilldesk/core/receipt"
	"tilldesk/core/sale"
)

// asked records the label keys a layout asks for and answers with the key itself.
type asked map[string]bool

func (a asked) label(key string) string { a[key] = true; return key }

func fullDayReport(t *testing.T, typ Type) Report {
	t.Helper()
	tp := &tape{t: t}
	fullDay(tp)
	r, err := Build(Header{Type: typ, Number: 3, Terminal: "T0000001", Operator: "op", From: start, To: start.Add(9 * time.Hour)}, tp.records)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func text(rows []receipt.Row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.Left + "|" + r.Right + "\n")
	}
	return b.String()
}

func TestRows(t *testing.T) {
	r := fullDayReport(t, Z)
	a := asked{}
	loc := time.FixedZone("CST", 8*3600)
	got := text(Rows(r, Heading{Store: "Demo Market", Location: loc}, a.label))
	for _, want := range []string{
		"Demo Market|\n", "title.z #0003|\n", "terminal|T0000001\n", "operator|op\n",
		"from|2026-11-26 09:00:00\n", "to|2026-11-26 18:00:00\n",
		"sales (5)|¥50.50\n", "cancelled (1)|¥11.00\n", "voided (2)|¥7.50\n", "items|9\n",
		"gross|¥53.50\n", "discounts|-¥3.00\n", "net_sales|¥50.50\n", "refunds (2)|-¥6.00\n",
		"net|¥44.50\n", "tax|¥1.55\n",
		"tender.cash (2)|¥19.50\n  tender.refunds (1)|-¥2.00\n",
		"tender.card (3)|¥29.00\n  UnionPay (1)|¥17.00\n  Visa (1)|¥10.00\n  brand.unknown (1)|¥2.00\n  tender.refunds (1)|-¥3.00\n",
		"tender.wechat (0)|¥0.00\n",
		"float|¥200.00\n", "cash_sales|¥19.50\n", "cash_refunds|-¥2.00\n", "cash_in|¥50.00\n", "cash_out|-¥30.00\n",
		"expected|¥237.50\n", "counted|¥237.00\n", "difference|-¥0.50\n",
		"settlement.title|\nnot_settled|\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rows lack %q:\n%s", want, got)
		}
	}
	// Settled, as an X report: the rest of the keys.
	r.Type, r.Settlements = X, []Settlement{{Batch: "000123", Result: "balanced", Count: 4, Amount: 9900},
		{Batch: "000124", Result: "balanced_after_upload"}, {Batch: "000125", Result: "out_of_balance"},
		{Batch: "000126", Result: "failed"}, {Batch: "000127", Result: "host_said_something_new"}}
	r.Tenders[0].Reversed, r.Drawer.CashReversed = Tally{Count: 1, Amount: 500}, 500 // an abandoned part-paid sale
	r.Prepaid = prepaid.Summary{Issued: prepaid.Tally{Count: 1, Amount: 10000}, Payments: prepaid.Tally{Count: 2, Amount: 3000},
		AdjustIn: prepaid.Tally{Count: 1, Amount: 100}, AdjustOut: prepaid.Tally{Count: 1, Amount: 50},
		Imported: prepaid.Tally{Count: 3, Amount: 900}, Liability: 7950, LiabilityKnown: true}
	got = text(Rows(r, Heading{}, a.label))
	for _, want := range []string{"title.x|\n", "batch 000123|settlement.balanced\n", "batch 000127|host_said_something_new\n", "  (4)|¥99.00\n", "from|2026-11-26 01:00:00\n",
		"  tender.reversed (1)|-¥5.00\n", "cash_reversed|-¥5.00\n",
		"prepaid.title|\nprepaid.issued (1)|¥100.00\nprepaid.top_ups (0)|¥0.00\nprepaid.payments (2)|¥30.00\n",
		"prepaid.imported (3)|¥9.00\nprepaid.liability|¥79.50\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("rows lack %q:\n%s", want, got)
		}
	}
	if used := slices.Sorted(maps.Keys(a)); !slices.Equal(used, slices.Sorted(slices.Values(LabelKeys))) {
		t.Errorf("Rows asked for %v\nLabelKeys lists %v", used, slices.Sorted(slices.Values(LabelKeys)))
	}
}

// With short labels, every row fits a 58 mm printer's 32 columns.
func TestRowsFit58mm(t *testing.T) {
	r := fullDayReport(t, Z)
	short := func(key string) string { return strings.ToUpper(key[:min(len(key), 12)]) }
	for _, line := range strings.Split(receipt.Text(Rows(r, Heading{Store: "收银台演示超市"}, short), 32), "\n") {
		if w := receipt.Width(line); w > 32 {
			t.Errorf("%d columns: %q", w, line)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	r := fullDayReport(t, Z)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, l := range lines {
		if i == 0 {
			if !slices.Equal(l, CSVHeader) {
				t.Errorf("header %v", l)
			}
			continue
		}
		got[l[0]+","+l[1]] = l[2] + "," + l[3]
	}
	for k, want := range map[string]string{
		"report,type": ",Z", "report,number": ",3", "report,terminal": ",T0000001", "report,from": ",2026-11-26T01:00:00Z",
		"report,first_seq": ",1", "report,last_seq": ",16",
		"sales,completed": "5,50.50", "sales,cancelled": "1,11.00", "sales,voided_lines": "2,7.50", "sales,refunds": "2,6.00",
		"sales,items": "9,", "sales,gross": ",53.50", "sales,discounts": ",3.00", "sales,net": ",44.50", "sales,tax": ",1.55",
		"tender,cash": "2,19.50", "tender_refunds,cash": "1,2.00", "tender,wechat": "0,0.00",
		"card_brand,UnionPay": "1,17.00", "card_brand,unknown": "1,2.00",
		"drawer,float": ",200.00", "drawer,expected": ",237.50", "drawer,counted": "1,237.00", "drawer,difference": ",-0.50",
		"settlement,not_settled": ",",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}

// A UnionPay QR payment is listed (only when taken) under its translated name.
func TestNamedMethodRow(t *testing.T) {
	tp := &tape{t: t}
	tp.complete(tp.newSale(prodA), other(sale.UnionPayQR, 200, "UnionPay QR 621234*********5678 auth:000001 rrn:000000100001 ref:000001/000002/1126"))
	r, err := Build(Header{Type: X, From: start, To: start.Add(time.Hour)}, tp.records)
	if err != nil {
		t.Fatal(err)
	}
	got := text(Rows(r, Heading{}, asked{}.label))
	if !strings.Contains(got, "tender.unionpay_qr (1)|¥2.00\n") {
		t.Errorf("rows lack the UnionPay QR tender:\n%s", got)
	}
	empty, err := Build(Header{Type: X, From: start, To: start.Add(time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(Rows(empty, Heading{}, asked{}.label)); strings.Contains(got, "unionpay_qr") {
		t.Errorf("an empty report lists UnionPay QR:\n%s", got)
	}
}
