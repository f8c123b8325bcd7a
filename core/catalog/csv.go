package catalog

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"tilldesk/core/money"
)

// CSVHeader is the header row a catalog file starts with. Columns:
//
//	code            EAN-13 / EAN-8 / UPC-A barcode (check digit verified) or store code
//	name_zh         Chinese name
//	name_en         English name
//	price           tax-inclusive price in yuan, at most 2 decimals ("12.50")
//	tax_rate        VAT in percent, at most 2 decimals ("13", "9")
//	unit            selling unit as printed ("瓶", "kg")
//	weighed         "yes" when sold by weight (price is per kg), else "no" or empty
var CSVHeader = []string{"code", "name_zh", "name_en", "price", "tax_rate", "unit", "weighed"}

// RowError says why one line of a catalog file was refused.
type RowError struct {
	Line   int    // 1-based line number in the file
	Reason string // human-readable reason
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// ErrNoRows is returned when a catalog file holds no valid product.
var ErrNoRows = errors.New("catalog: no valid products in file")

// ReadCSV parses a catalog file. Good rows become products; each bad row is reported
// with its line number and reason and skipped, so a manager can fix the file and import
// again. A missing or wrong header is a fatal error.
func ReadCSV(r io.Reader) ([]Product, []RowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: read header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // Excel writes a BOM
	}
	if len(header) != len(CSVHeader) {
		return nil, nil, fmt.Errorf("catalog: header has %d columns, want %d: %s", len(header), len(CSVHeader), strings.Join(CSVHeader, ","))
	}
	for i, h := range CSVHeader {
		if strings.ToLower(strings.TrimSpace(header[i])) != h {
			return nil, nil, fmt.Errorf("catalog: header column %d is %q, want %q", i+1, header[i], h)
		}
	}
	var products []Product
	var rowErrs []RowError
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rowErrs = append(rowErrs, RowError{Line: pe.StartLine, Reason: pe.Err.Error()})
				continue
			}
			return nil, nil, fmt.Errorf("catalog: read: %w", err)
		}
		line, _ := cr.FieldPos(0) // only valid after a successful Read
		p, reason := parseRow(rec)
		if reason == "" {
			if first, dup := seen[p.Code]; dup {
				reason = fmt.Sprintf("code %s already on line %d", p.Code, first)
			}
		}
		if reason != "" {
			rowErrs = append(rowErrs, RowError{Line: line, Reason: reason})
			continue
		}
		seen[p.Code] = line
		products = append(products, p)
	}
	if len(products) == 0 {
		return nil, rowErrs, ErrNoRows
	}
	return products, rowErrs, nil
}

func parseRow(rec []string) (Product, string) {
	if len(rec) != len(CSVHeader) {
		return Product{}, fmt.Sprintf("has %d columns, want %d", len(rec), len(CSVHeader))
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	p := Product{Code: rec[0], NameZH: rec[1], NameEN: rec[2], Unit: rec[5]}
	if _, err := ClassifyCode(p.Code); err != nil {
		if errors.Is(err, ErrCheckDigit) {
			return p, fmt.Sprintf("code %s has a wrong check digit", p.Code)
		}
		return p, fmt.Sprintf("code %q is not a barcode or store code", p.Code)
	}
	if p.NameZH == "" && p.NameEN == "" {
		return p, "no name"
	}
	price, err := money.Parse(rec[3])
	if err != nil || price < 0 {
		return p, fmt.Sprintf("price %q is not an amount in yuan", rec[3])
	}
	p.Price = price
	tax, err := parsePercentBP(rec[4])
	if err != nil {
		return p, fmt.Sprintf("tax rate %q: %v", rec[4], err)
	}
	p.TaxBP = tax
	switch strings.ToLower(rec[6]) {
	case "yes", "y", "1", "true", "是":
		p.Weighed = true
	case "no", "n", "0", "false", "否", "":
	default:
		return p, fmt.Sprintf("weighed %q must be yes or no", rec[6])
	}
	return p, ""
}

// parsePercentBP reads "13" or "6.5" percent as basis points, exactly.
func parsePercentBP(s string) (int64, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 {
		return 0, errors.New("want a percentage with at most 2 decimals")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || v < 0 || v > MaxTaxBP {
		return 0, errors.New("want a percentage from 0 to 100")
	}
	return v, nil
}

// WriteCSV writes products in the format ReadCSV reads.
func WriteCSV(w io.Writer, products []Product) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, p := range products {
		weighed := "no"
		if p.Weighed {
			weighed = "yes"
		}
		tax := fmt.Sprintf("%d", p.TaxBP/100)
		if p.TaxBP%100 != 0 {
			tax = fmt.Sprintf("%d.%02d", p.TaxBP/100, p.TaxBP%100)
		}
		if err := cw.Write([]string{p.Code, p.NameZH, p.NameEN, p.Price.Plain(), tax, p.Unit, weighed}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
