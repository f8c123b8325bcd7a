package receipt

import (
	"strings"
	"testing"
	"time"

	"tilldesk/core/catalog"
	"tilldesk/core/sale"
)

func TestWidth(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"¥12.50", 6},
		{"农夫山泉", 8},
		{"可口可乐 330ml", 14},
		{"（）", 4}, // full-width punctuation
	} {
		if got := Width(tc.in); got != tc.want {
			t.Errorf("Width(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestTextAlignsColumnsCountingWideCharacters(t *testing.T) {
	rows := []Row{
		{Left: "收银台", Style: Title},
		{Style: Rule},
		{Left: "合计", Right: "¥22.00", Style: Total},
		{Left: "a name far too long to share its line with", Right: "¥1.00"},
	}
	got := Text(rows, 20)
	want := "       收银台\n" +
		"--------------------\n" +
		"合计          ¥22.00\n" +
		"a name far too long to share its line with\n" +
		"               ¥1.00\n"
	if got != want {
		t.Fatalf("Text =\n%s\nwant\n%s", got, want)
	}
	for i, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n")[1:] {
		if i != 2 && Width(line) != 20 {
			t.Errorf("line %q is %d columns, want 20", line, Width(line))
		}
	}
}

func TestBuild(t *testing.T) {
	s := sale.New("S1", time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	water := catalog.Product{Code: "6936352322870", NameZH: "农夫山泉", NameEN: "Water", Price: 200, TaxBP: 1300}
	apples := catalog.Product{Code: "P001", NameZH: "苹果", NameEN: "Apples", Price: 1280, TaxBP: 900, Weighed: true}
	s.Add(water, 2000)
	id, _ := s.Add(apples, 532) // 6.81
	s.SetLineDiscount(id, sale.Discount{Amount: 81})
	pay, _ := sale.CashPayment(2000, s.Totals().Due, time.Time{})
	if err := s.AddPayment(pay); err != nil {
		t.Fatal(err)
	}
	rows := Build(s, Header{StoreName: "店", Number: "T-1", Terminal: "DEMO0001", Time: time.Date(2026, 11, 26, 10, 0, 0, 0, time.Local), Footer: "谢谢"}, "zh", func(k string) string { return "<" + k + ">" })
	text := Text(rows, 32)
	for _, want := range []string{
		"农夫山泉", "  2 x ¥2.00", "¥4.00", "苹果", "  0.532 kg x ¥12.80", "¥6.81", "<discount>", "-¥0.81",
		"<total>", "¥10.00", "<tender.cash>", "¥20.00", "<change>", "<receipt.no>", "T-1", "2026-11-26 10:00:00", "谢谢",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "<cashier>") {
		t.Error("a receipt with no cashier prints a cashier row")
	}
}

// A payment's details print instead of its reference; a payment they give no rows
// keeps its reference line.
func TestBuildPaymentDetails(t *testing.T) {
	s := sale.New("S1", time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	s.Add(catalog.Product{Code: "6936352322870", NameZH: "农夫山泉", NameEN: "Water", Price: 200, TaxBP: 1300}, 2000)
	for _, p := range []sale.Payment{{Method: sale.Card, Amount: 300, Ref: "Visa 499999******0015 auth:1"}, {Method: sale.Alipay, Amount: 100, Ref: "2026112622001"}} {
		if err := s.AddPayment(p); err != nil {
			t.Fatal(err)
		}
	}
	details := func(p sale.Payment) []Row {
		if p.Method != sale.Card {
			return nil
		}
		return []Row{{Left: "  AID", Right: "A0000000031010"}}
	}
	text := Text(Build(s, Header{StoreName: "店", PaymentDetails: details}, "zh", func(k string) string { return k }), 32)
	if strings.Contains(text, "auth:1") || !strings.Contains(text, "A0000000031010") || !strings.Contains(text, "2026112622001") {
		t.Errorf("receipt:\n%s", text)
	}
}
