package catalog

import (
	"errors"
	"strings"
	"testing"

	"tilldesk/core/money"
)

func testCatalog() *Catalog {
	return New([]Product{
		{Code: "6936095145095", NameZH: "可口可乐 330ml 罐装", NameEN: "Coca-Cola 330ml Can", Price: 300, TaxBP: 1300, Unit: "罐"},
		{Code: "6918724003112", NameZH: "百事可乐 500ml", NameEN: "Pepsi Cola 500ml", Price: 350, TaxBP: 1300, Unit: "瓶"},
		{Code: "4006381333931", NameZH: "思必乐荧光笔", NameEN: "STABILO Highlighter", Price: 890, TaxBP: 1300, Unit: "支"},
		{Code: "96385074", NameZH: "口香糖", NameEN: "Chewing Gum", Price: 250, TaxBP: 1300, Unit: "条"},
		{Code: "036000291452", NameZH: "", NameEN: "Kleenex Tissues", Price: 1290, TaxBP: 1300, Unit: "盒"},
		{Code: "P001", NameZH: "苹果 红富士", NameEN: "", Price: 1280, TaxBP: 900, Unit: "kg", Weighed: true},
		{Code: "P002", NameZH: "香蕉", NameEN: "Banana", Price: 698, TaxBP: 900, Unit: "kg", Weighed: true},
		{Code: "COLA-1", NameZH: "散装可乐", NameEN: "Fountain cola", Price: 500, TaxBP: 1300, Unit: "杯"},
	})
}

func codes(ps []Product) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Code
	}
	return strings.Join(out, " ")
}

func TestProductName(t *testing.T) {
	both := Product{NameZH: "香蕉", NameEN: "Banana"}
	zhOnly := Product{NameZH: "香蕉"}
	enOnly := Product{NameEN: "Banana"}
	tests := []struct {
		p    Product
		lang string
		want string
	}{
		{both, "zh", "香蕉"},
		{both, "zh-CN", "香蕉"},
		{both, "en", "Banana"},
		{both, "", "Banana"},
		{zhOnly, "en", "香蕉"},
		{enOnly, "zh", "Banana"},
		{Product{}, "zh", ""},
	}
	for _, tt := range tests {
		if got := tt.p.Name(tt.lang); got != tt.want {
			t.Errorf("%+v.Name(%q) = %q, want %q", tt.p, tt.lang, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	good := Product{Code: "4006381333931", NameEN: "Pen", Price: 890, TaxBP: 1300}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", good, err)
	}
	tests := []struct {
		name   string
		change func(*Product)
		want   string
	}{
		{"bad check digit", func(p *Product) { p.Code = "4006381333932" }, "check digit"},
		{"bad code", func(p *Product) { p.Code = "a b" }, "not a barcode"},
		{"no name", func(p *Product) { p.NameEN = "  " }, "no name"},
		{"negative price", func(p *Product) { p.Price = -1 }, "price"},
		{"price too large", func(p *Product) { p.Price = money.MaxAmount + 1 }, "price"},
		{"negative tax", func(p *Product) { p.TaxBP = -1 }, "tax rate"},
		{"tax over 100%", func(p *Product) { p.TaxBP = MaxTaxBP + 1 }, "tax rate"},
	}
	for _, tt := range tests {
		p := good
		tt.change(&p)
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate = %v, want error containing %q", tt.name, err, tt.want)
		}
	}
	edge := Product{Code: "P1", NameZH: "免费", Price: 0, TaxBP: 0}
	if err := edge.Validate(); err != nil {
		t.Errorf("free, untaxed product: Validate = %v", err)
	}
	edge = Product{Code: "P1", NameZH: "贵", Price: money.MaxAmount, TaxBP: MaxTaxBP}
	if err := edge.Validate(); err != nil {
		t.Errorf("product at the limits: Validate = %v", err)
	}
}

func TestNewKeepsFileOrderAndLaterDuplicateWins(t *testing.T) {
	c := New([]Product{
		{Code: "A", NameEN: "first A", Price: 100},
		{Code: "B", NameEN: "B", Price: 200},
		{Code: "A", NameEN: "second A", Price: 300},
	})
	if c.Len() != 2 {
		t.Fatalf("Len = %d, want 2", c.Len())
	}
	ps := c.Products()
	if codes(ps) != "A B" {
		t.Fatalf("Products order = %q, want %q", codes(ps), "A B")
	}
	if ps[0].NameEN != "second A" || ps[0].Price != 300 {
		t.Errorf("duplicate code: got %+v, want the later product", ps[0])
	}
	if New(nil).Len() != 0 || len(New(nil).Products()) != 0 {
		t.Error("empty catalog is not empty")
	}
}

func TestLookup(t *testing.T) {
	c := testCatalog()
	tests := []struct {
		code     string
		wantName string
		wantErr  error
	}{
		{"4006381333931", "STABILO Highlighter", nil},
		{" 4006381333931\t", "STABILO Highlighter", nil},
		{"96385074", "Chewing Gum", nil},
		{"036000291452", "Kleenex Tissues", nil},
		{"P001", "苹果 红富士", nil},
		{"4006381333932", "", ErrCheckDigit}, // misread: not reported as unknown
		{"96385075", "", ErrCheckDigit},
		{"5901234123457", "", ErrNotFound}, // valid EAN-13, not sold here
		{"p001", "", ErrNotFound},          // codes are case-sensitive
		{"P999", "", ErrNotFound},
		{"", "", ErrBadCode},
		{"P 001", "", ErrBadCode},
	}
	for _, tt := range tests {
		p, err := c.Lookup(tt.code)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Lookup(%q) error = %v, want %v", tt.code, err, tt.wantErr)
			}
			if tt.wantErr == ErrCheckDigit && errors.Is(err, ErrNotFound) {
				t.Errorf("Lookup(%q): a check digit error must not also be ErrNotFound", tt.code)
			}
			if p != (Product{}) {
				t.Errorf("Lookup(%q) returned %+v with an error", tt.code, p)
			}
			continue
		}
		if err != nil {
			t.Errorf("Lookup(%q) error = %v", tt.code, err)
			continue
		}
		if got := p.Name("en"); got != tt.wantName {
			t.Errorf("Lookup(%q) = %q, want %q", tt.code, got, tt.wantName)
		}
	}
}

func TestSearch(t *testing.T) {
	c := testCatalog()
	tests := []struct {
		q     string
		limit int
		want  string // codes, in order
	}{
		// Code prefixes first, in file order.
		{"69", 10, "6936095145095 6918724003112"},
		{"6936", 10, "6936095145095"},
		{"p00", 10, "P001 P002"}, // code match is case-insensitive
		// Names, Chinese and English, case-insensitive.
		{"可乐", 10, "6936095145095 6918724003112 COLA-1"},
		{"COLA", 10, "COLA-1 6936095145095 6918724003112"}, // COLA-1 by code first
		{"cola", 10, "COLA-1 6936095145095 6918724003112"},
		{"kleenex", 10, "036000291452"},
		{"苹果", 10, "P001"},
		{"  banana  ", 10, "P002"},
		// A code prefix beats an earlier product that only matches by name.
		{"0", 10, "036000291452 6936095145095 6918724003112"},
		// Limits.
		{"可乐", 2, "6936095145095 6918724003112"},
		{"cola", 1, "COLA-1"},
		{"cola", 0, ""},
		{"cola", -1, "COLA-1 6936095145095 6918724003112"}, // no limit; used to panic
		// Nothing.
		{"", 10, ""},
		{"   ", 10, ""},
		{"durian", 10, ""},
	}
	for _, tt := range tests {
		got := c.Search(tt.q, tt.limit)
		if codes(got) != tt.want {
			t.Errorf("Search(%q, %d) = [%s], want [%s]", tt.q, tt.limit, codes(got), tt.want)
		}
		if tt.limit >= 0 && len(got) > tt.limit {
			t.Errorf("Search(%q, %d) returned %d products", tt.q, tt.limit, len(got))
		}
	}
}
