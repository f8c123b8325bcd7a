package refund

import (
	"strings"
	"testing"

	"tilldesk/core/receipt"
	"tilldesk/core/sale"
)

func TestRowsShowTheRefundAsNegativeAmounts(t *testing.T) {
	s := completedSale(t, []item{{price: 200, qty: 2000}, {price: 1280, qty: 500, weighed: true}}, sale.Discount{})
	r := mustPlan(t, s, nil, Request{Lines: []LineRequest{{LineID: 1, QtyMilli: 1000}, {LineID: 2, QtyMilli: 500}}})
	r.OriginalReceipt, r.Operator, r.ApprovedBy, r.Reason = "DEMO0001-00000002", "op1", "mgr1", "damaged"
	rows := Rows(r, s, receipt.Header{StoreName: "Shop", Number: "DEMO0001-00000005", Terminal: "DEMO0001", Time: opened, Footer: "Bye"},
		"en", func(k string) string { return k })
	text := receipt.Text(rows, 48)
	for _, want := range []string{"refund.title", "DEMO0001-00000005", "refund.original", "DEMO0001-00000002",
		"Item 0", "1 x ¥2.00", "-¥2.00", "0.500 kg x ¥12.80", "-¥6.40", "refund.total", "-¥8.40",
		"tender.cash", "op1", "mgr1", "refund.reason.damaged", "Bye"} {
		if !strings.Contains(text, want) {
			t.Errorf("refund receipt lacks %q:\n%s", want, text)
		}
	}
	if !ValidReason("damaged") || ValidReason("because") {
		t.Error("ValidReason disagrees with Reasons")
	}
}
