package journal

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Performance target: a durable Append (one bbolt commit: write the dirty pages,
// fdatasync, write the meta page, fdatasync) costs at most 2.5x the floor, one 4 KiB
// write plus fdatasync on the same file system. Two syncs make 2x the least bbolt can
// do; the journal keeps the rest small by writing three pages per append (the chain
// head shares the newest record's page, see schema.go), filling pages fully, and
// pre-allocating real blocks ahead of bbolt so syncs carry no file-system metadata
// (prealloc.go). The median ratio is what
// BenchmarkAppendVsFloor reports as x-floor:
//
//	median append <= 2.5 x median floor
//
// Run: go test -run=XXX -bench=. -benchtime=200x ./core/journal

type benchLine struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Qty       int    `json:"qty"`
	UnitPrice int64  `json:"unit_price"`
	TaxRate   string `json:"tax_rate"`
	Discount  int64  `json:"discount"`
	Total     int64  `json:"total"`
}

type benchSale struct {
	ID       string      `json:"id"`
	Cashier  string      `json:"cashier"`
	Opened   time.Time   `json:"opened"`
	Currency string      `json:"currency"`
	Lines    []benchLine `json:"lines"`
	Totals   struct {
		Subtotal int64 `json:"subtotal"`
		Discount int64 `json:"discount"`
		Tax      int64 `json:"tax"`
		Total    int64 `json:"total"`
	} `json:"totals"`
	Payments []struct {
		Method   string `json:"method"`
		Amount   int64  `json:"amount"`
		Tendered int64  `json:"tendered"`
		Change   int64  `json:"change"`
		CardLast string `json:"card_last4,omitempty"`
		AuthCode string `json:"auth_code,omitempty"`
	} `json:"payments"`
	Receipt string `json:"receipt"`
}

// benchSalePayload is a realistic completed sale, about 1 KB of JSON.
func benchSalePayload(tb testing.TB) benchSale {
	s := benchSale{
		ID: "T01-20250301-000417", Cashier: "maria.k", Currency: "EUR",
		Opened: time.Date(2025, 3, 1, 9, 41, 7, 250_000_000, time.UTC),
		Lines: []benchLine{
			{"4006381333931", "Filter coffee 250g, medium roast", 2, 649, "7%", 0, 1298},
			{"5000112637922", "Sparkling water 1.5l", 6, 89, "19%", 54, 480},
			{"4311501682212", "Oat milk barista 1l", 3, 219, "7%", 0, 657},
			{"4008400402222", "Dark chocolate 70% 100g", 4, 159, "7%", 64, 572},
			{"9002490100070", "Energy drink 250ml can", 1, 139, "19%", 0, 139},
		},
		Receipt: "R-000417",
	}
	s.Totals.Subtotal, s.Totals.Discount, s.Totals.Tax, s.Totals.Total = 3264, 118, 246, 3146
	s.Payments = make([]struct {
		Method   string `json:"method"`
		Amount   int64  `json:"amount"`
		Tendered int64  `json:"tendered"`
		Change   int64  `json:"change"`
		CardLast string `json:"card_last4,omitempty"`
		AuthCode string `json:"auth_code,omitempty"`
	}, 2)
	s.Payments[0].Method, s.Payments[0].Amount, s.Payments[0].Tendered, s.Payments[0].Change = "cash", 1000, 2000, 1000
	s.Payments[1].Method, s.Payments[1].Amount, s.Payments[1].Tendered = "card", 2146, 2146
	s.Payments[1].CardLast, s.Payments[1].AuthCode = "4417", "A7F3Q2"
	b, err := json.Marshal(s)
	if err != nil {
		tb.Fatal(err)
	}
	if len(b) < 900 || len(b) > 1300 {
		tb.Fatalf("sale payload is %d bytes, want about 1 KB", len(b))
	}
	return s
}

func benchJournal(b *testing.B, dir string) *Journal {
	b.Helper()
	j, err := Open(filepath.Join(dir, "journal.db"), Options{Terminal: testTerminal})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = j.Close() })
	return j
}

// floorFile is a 4 KiB file already allocated and synced, so that overwriting it
// and fdatasync flush only data.
func floorFile(b *testing.B, dir string) (*os.File, []byte) {
	b.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "floor.dat"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = f.Close() })
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(i)
	}
	if _, err := f.WriteAt(buf, 0); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	return f, buf
}

func floorOp(b *testing.B, f *os.File, buf []byte, i int) {
	buf[0] = byte(i)
	if _, err := f.WriteAt(buf, 0); err != nil {
		b.Fatal(err)
	}
	if err := syncData(f); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAppendSale is one durable Append of a ~1 KB sale.
func BenchmarkAppendSale(b *testing.B) {
	sale := benchSalePayload(b)
	j := benchJournal(b, b.TempDir())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := j.Append(KindSaleCompleted, sale); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFsyncFloor is the floor: rewrite 4 KiB in place and fdatasync.
func BenchmarkFsyncFloor(b *testing.B) {
	f, buf := floorFile(b, b.TempDir())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		floorOp(b, f, buf, i)
	}
}

// BenchmarkAppendVsFloor interleaves an Append and a floor write in every iteration
// (alternating which goes first), so both see the same disk conditions, and reports
// the medians and their ratio. ns/op is the sum of both.
func BenchmarkAppendVsFloor(b *testing.B) {
	sale := benchSalePayload(b)
	dir := b.TempDir()
	j := benchJournal(b, dir)
	f, buf := floorFile(b, dir)
	appendNS := make([]float64, 0, b.N)
	floorNS := make([]float64, 0, b.N)
	timeAppend := func() {
		t0 := time.Now()
		if _, err := j.Append(KindSaleCompleted, sale); err != nil {
			b.Fatal(err)
		}
		appendNS = append(appendNS, float64(time.Since(t0).Nanoseconds()))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 1 {
			timeAppend()
		}
		t0 := time.Now()
		floorOp(b, f, buf, i)
		floorNS = append(floorNS, float64(time.Since(t0).Nanoseconds()))
		if i%2 == 0 {
			timeAppend()
		}
	}
	b.StopTimer()
	ma, mf := median(appendNS), median(floorNS)
	b.ReportMetric(mf, "floor-ns")
	b.ReportMetric(ma, "append-ns")
	if mf > 0 {
		b.ReportMetric(ma/mf, "x-floor")
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func TestBenchSalePayloadSize(t *testing.T) {
	benchSalePayload(t)
	if median([]float64{3, 1, 2}) != 2 || median([]float64{4, 1, 3, 2}) != 2.5 || median(nil) != 0 {
		t.Error("median is wrong")
	}
}
