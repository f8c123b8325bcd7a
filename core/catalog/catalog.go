// Package catalog holds the products the till sells: barcodes with validated check
// digits, names in Chinese and English, prices in fen and tax rates, loaded from CSV.
package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"tilldesk/core/money"
)

// Product is one item the store sells.
type Product struct {
	Code    string       // barcode (EAN-13/EAN-8/UPC-A) or store-internal code
	NameZH  string       // name in Chinese
	NameEN  string       // name in English
	Price   money.Amount // tax-inclusive price per unit, or per kg when Weighed
	TaxBP   int64        // VAT rate in basis points: 1300 = 13%
	Unit    string       // selling unit as printed: "瓶", "袋", "kg"
	Weighed bool         // sold by weight; quantities are kg with 3 decimals
}

// Name returns the product's name in the given language ("zh" or "en"), falling back to
// the other language when one is missing.
func (p Product) Name(language string) string {
	if strings.HasPrefix(language, "zh") {
		if p.NameZH != "" {
			return p.NameZH
		}
		return p.NameEN
	}
	if p.NameEN != "" {
		return p.NameEN
	}
	return p.NameZH
}

// ErrNotFound is returned when no product has the code.
var ErrNotFound = errors.New("product not found")

// MaxTaxBP is the highest tax rate accepted (100%).
const MaxTaxBP = 10000

// Validate checks a product's fields.
func (p Product) Validate() error {
	if _, err := ClassifyCode(p.Code); err != nil {
		return err
	}
	if strings.TrimSpace(p.NameZH) == "" && strings.TrimSpace(p.NameEN) == "" {
		return errors.New("catalog: product has no name")
	}
	if p.Price < 0 || p.Price > money.MaxAmount {
		return fmt.Errorf("catalog: price %s out of range", p.Price)
	}
	if p.TaxBP < 0 || p.TaxBP > MaxTaxBP {
		return fmt.Errorf("catalog: tax rate %d bp out of range", p.TaxBP)
	}
	return nil
}

// Catalog is a set of products indexed by code. It is read-only once built.
type Catalog struct {
	byCode map[string]Product
	order  []string
}

// New builds a catalog from products; a later product with the same code replaces the
// earlier one.
func New(products []Product) *Catalog {
	c := &Catalog{byCode: make(map[string]Product, len(products))}
	for _, p := range products {
		if _, dup := c.byCode[p.Code]; !dup {
			c.order = append(c.order, p.Code)
		}
		c.byCode[p.Code] = p
	}
	return c
}

// Len is the number of products.
func (c *Catalog) Len() int { return len(c.order) }

// Products returns every product in file order.
func (c *Catalog) Products() []Product {
	out := make([]Product, 0, len(c.order))
	for _, code := range c.order {
		out = append(out, c.byCode[code])
	}
	return out
}

// Lookup finds a product by its code. A GS1 code with a wrong check digit is reported as
// ErrCheckDigit (a misread), not as unknown.
func (c *Catalog) Lookup(code string) (Product, error) {
	code = strings.TrimSpace(code)
	if _, err := ClassifyCode(code); err != nil {
		return Product{}, err
	}
	p, ok := c.byCode[code]
	if !ok {
		return Product{}, fmt.Errorf("catalog: %s: %w", code, ErrNotFound)
	}
	return p, nil
}

// Search returns up to limit products whose code starts with q or whose Chinese or
// English name contains q (case-insensitive), best matches (code prefix) first.
func (c *Catalog) Search(q string, limit int) []Product {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return nil
	}
	type hit struct {
		p    Product
		rank int
	}
	var hits []hit
	for i, code := range c.order {
		p := c.byCode[code]
		switch {
		case strings.HasPrefix(strings.ToLower(p.Code), q):
			hits = append(hits, hit{p, i})
		case strings.Contains(strings.ToLower(p.NameZH), q), strings.Contains(strings.ToLower(p.NameEN), q):
			hits = append(hits, hit{p, len(c.order) + i})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].rank < hits[b].rank })
	out := make([]Product, 0, max(0, min(limit, len(hits))))
	for _, h := range hits {
		if len(out) == limit {
			break
		}
		out = append(out, h.p)
	}
	return out
}
