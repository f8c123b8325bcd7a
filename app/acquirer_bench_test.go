package app

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkCardSaleLoopback is a whole card sale: the EMV kernel with a virtual
// contact card (online PIN, DDA, two GENERATE ACs), the 0200 to the sandbox over
// loopback TCP with the MAC, the journal records (intent, approval, the completed
// sale), with no simulated human or card delays. It reports the median and 99th
// percentile of the sale and the median of each step.
func BenchmarkCardSaleLoopback(b *testing.B) {
	f := newCardFixture(b)
	f.card("visa", false)
	marks := map[string]time.Time{}
	mark := func(point string) { marks[point] = time.Now() }
	setCardTestHook(b, mark)
	tender := f.d.Tender(func(s CardStage) {
		if s == CardReading || s == CardProcessing {
			if _, seen := marks[s.Key()]; !seen {
				mark(s.Key())
			}
		}
	})
	steps := []struct{ name, from, to string }{
		{"card-to-online", "card.stage.reading", "card.stage.processing"}, // selection, records, ODA, PIN, first GENERATE AC
		{"intent-journal", "card.stage.processing", "intent.committed"},
		{"host", "sale.sending", "sale.answered"}, // connect, 0200, 0210 over loopback with MACs
		{"approval-journal", "sale.answered", "sale.recorded"},
		{"card-completion", "sale.recorded", "sale.completing"}, // issuer authentication, second GENERATE AC
		{"sale-journal", "sale.completing", "paid"},
	}
	took := map[string][]time.Duration{}
	for b.Loop() {
		clear(marks)
		if _, err := f.till.Scan(water); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if r, err := f.till.Pay(context.Background(), tender, PayRequest{}); err != nil || r == nil {
			b.Fatalf("sale: %v", err)
		}
		mark("paid")
		took["sale"] = append(took["sale"], time.Since(start))
		for _, s := range steps {
			took[s.name] = append(took[s.name], marks[s.to].Sub(marks[s.from]))
		}
	}
	for name, d := range took {
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, name+"-p50-ms")
		if name == "sale" {
			b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, name+"-p99-ms")
		}
	}
}
