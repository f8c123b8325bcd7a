package journal

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tilldesk/core/catalog"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// Performance target: a durable Append costs at most 2.5x the floor, one 4 KiB write
// plus fdatasync on the same file system. An Append is one entry written into the
// write-ahead log's pre-allocated blocks and one fdatasync (wal.go); every
// checkpointEvery appends a checkpoint pays a bbolt commit (two syncs) and the log's
// new header (one), which shows in the mean and the p99, not the median. The median
// ratio is what BenchmarkAppendVsFloor reports as x-floor:
//
//	median append <= 2.5 x median floor
//
// Run: go test -run=XXX -bench=. -benchtime=200x ./core/journal

// benchSalePayload is a realistic completed sale as the till journals it: five demo
// catalog lines (one weighed, one discounted), cash paid with change; about 1 KB of JSON.
func benchSalePayload(tb testing.TB) *sale.Sale {
	s := sale.New("DEMO0001-20261126T093000-417", time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC))
	for _, l := range []struct {
		p   catalog.Product
		qty int64
	}{
		{catalog.Product{Code: "6936352322870", NameZH: "农夫山泉 饮用天然水 550ml", NameEN: "Nongfu Spring Water 550ml", Price: 200, TaxBP: 1300, Unit: "瓶"}, 6000},
		{catalog.Product{Code: "6935212207081", NameZH: "康师傅 红烧牛肉面 桶装", NameEN: "Master Kong Braised Beef Noodles Cup", Price: 550, TaxBP: 1300, Unit: "桶"}, 3000},
		{catalog.Product{Code: "6918724003112", NameZH: "百事可乐 500ml", NameEN: "Pepsi 500ml", Price: 350, TaxBP: 1300, Unit: "瓶"}, 2000},
		{catalog.Product{Code: "P001", NameZH: "富士苹果", NameEN: "Fuji Apples", Price: 1280, TaxBP: 900, Unit: "kg", Weighed: true}, 1532},
		{catalog.Product{Code: "6956861094204", NameZH: "金龙鱼 调和油 1.8L", NameEN: "Arawana Blended Oil 1.8L", Price: 2590, TaxBP: 900, Unit: "桶"}, 1000},
	} {
		id, err := s.Add(l.p, l.qty)
		if err != nil {
			tb.Fatal(err)
		}
		if l.p.Code == "P001" {
			if err := s.SetLineDiscount(id, sale.Discount{PercentBP: 1000}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	pay, err := sale.CashPayment(money.Yuan(100), s.Totals().Due, s.Opened)
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.AddPayment(pay); err != nil {
		tb.Fatal(err)
	}
	if err := s.Complete(); err != nil {
		tb.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		tb.Fatal(err)
	}
	if len(b) < 900 || len(b) > 1600 {
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
func BenchmarkAppendVsFloor(b *testing.B) { appendVsFloor(b, 0) }

// BenchmarkAppendVsFloorLarge is the same on a journal that already holds 10,000
// sales (a few weeks of a busy till), where the record tree is deeper.
func BenchmarkAppendVsFloorLarge(b *testing.B) { appendVsFloor(b, 10_000) }

func appendVsFloor(b *testing.B, prefill int) {
	sale := benchSalePayload(b)
	dir := b.TempDir()
	j := benchJournal(b, dir)
	for range prefill {
		if _, err := j.Append(KindSaleCompleted, sale); err != nil {
			b.Fatal(err)
		}
	}
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
		b.ReportMetric(mean(appendNS)/mf, "mean-x-floor") // checkpoints included
		b.ReportMetric(quantile(appendNS, 0.99)/mf, "p99-x-floor")
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

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// quantile is the nearest-rank q-quantile.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func TestBenchSalePayloadSize(t *testing.T) {
	benchSalePayload(t)
	if median([]float64{3, 1, 2}) != 2 || median([]float64{4, 1, 3, 2}) != 2.5 || median(nil) != 0 {
		t.Error("median is wrong")
	}
	if mean([]float64{1, 2, 6}) != 3 || quantile([]float64{5, 1, 4, 2, 3}, 0.99) != 5 || quantile([]float64{5, 1, 4, 2, 3}, 0.5) != 3 {
		t.Error("mean or quantile is wrong")
	}
}
