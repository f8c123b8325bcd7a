package app

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"tilldesk/devices/sim"
)

// BenchmarkScanToCart measures scan-to-cart latency in demo mode: from the simulated
// scanner's last byte written on its pseudo-terminal, through the real serial adapter,
// the supervised scanner reader and the Scans channel, to the line in the sale model
// (what the cashier screen does on the UI goroutine). Reported: p50-ns, p99-ns, the
// floor (a raw one-frame read through the serial adapter, sim.SerialReadFloor) and
// x-floor, the ratio of the medians.
func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func BenchmarkScanToCart(b *testing.B) {
	till, _, _ := newTestTill(b)
	d, err := StartDevices(DefaultConfig(), Paths{DataDir: b.TempDir()}, till, quietLog())
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	waitFor(b, "scanner connected", func() bool { return deviceState(d, RoleScanner).State == "connected" })
	sc := d.Simulators().Scanner
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		if i%500 == 499 { // keep the sale within its line limit
			till.Current().Cancel()
		}
		start := time.Now()
		if err := sc.Scan(water); err != nil { // one write: its end is the last byte
			b.Fatal(err)
		}
		s := <-d.Scans
		if _, err := till.Scan(s.Data); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(start))
	}
	b.StopTimer()
	floor, err := sim.SerialReadFloor(b.N, []byte(water+"\r"))
	if err != nil {
		b.Fatal(err)
	}
	p50, f50 := sim.Percentile(samples, 50), sim.Percentile(floor, 50)
	b.ReportMetric(float64(p50), "p50-ns")
	b.ReportMetric(float64(sim.Percentile(samples, 99)), "p99-ns")
	b.ReportMetric(float64(f50), "floor-p50-ns")
	b.ReportMetric(float64(p50)/float64(f50), "x-floor")
}
