package reports

import (
	"strings"
	"testing"

	"tilldesk/core/journal"
	"tilldesk/core/prepaid"
)

// The prepaid section counts "prepaid.*" records and the movements a completed sale
// carries, and shows the liability after the last of them.
func TestPrepaidSection(t *testing.T) {
	tp := &tape{t: t}
	tp.add("prepaid.payment", prepaid.Batch{Movements: []prepaid.Movement{{ID: "p1", Kind: prepaid.Payment, Amount: -700}}, Liability: 9300})
	tp.add(journal.KindSaleCompleted, map[string]any{
		"sale": map[string]any{"lines": []any{}}, "totals": map[string]any{"total": 5000},
		"extras": map[string]any{"prepaid": prepaid.Batch{Movements: []prepaid.Movement{
			{ID: "settle/p1", Kind: prepaid.Settle}, {ID: "o1", Kind: prepaid.TopUp, Amount: 5000}}, Liability: 14300}},
	})
	tp.add("prepaid.adjust", prepaid.Batch{Movements: []prepaid.Movement{{ID: "a1", Kind: prepaid.Adjust, Amount: -300}}, Liability: 14000})
	tp.add("prepaid.freeze", prepaid.Batch{Movements: []prepaid.Movement{{ID: "f1", Kind: prepaid.Freeze}}, Liability: 14000})
	r, err := Build(Header{Type: X}, tp.records)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Prepaid
	if p.Payments != (prepaid.Tally{Count: 1, Amount: 700}) || p.TopUps != (prepaid.Tally{Count: 1, Amount: 5000}) ||
		p.AdjustOut != (prepaid.Tally{Count: 1, Amount: 300}) || p.Frozen != 1 || p.Liability != 14000 || !p.LiabilityKnown {
		t.Fatalf("prepaid section %+v", p)
	}
	if p.Net() != 4000 || r.Records != 4 {
		t.Fatalf("net %s, records %d", p.Net(), r.Records)
	}
	var csv strings.Builder
	if err := WriteCSV(&csv, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"prepaid,top_ups,1,50.00\n", "prepaid,adjust_out,1,3.00\n", "prepaid,liability,,140.00\n"} {
		if !strings.Contains(csv.String(), want) {
			t.Errorf("CSV lacks %q:\n%s", want, csv.String())
		}
	}
	if empty, _ := Build(Header{Type: X}, nil); !empty.Prepaid.IsZero() {
		t.Fatal("prepaid section without movements")
	}
}
