package scanner

import (
	"context"
	"testing"
	"time"

	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
)

// BenchmarkScanToEvent measures scan-to-event latency over a real pseudo-terminal and
// the real serial adapter: from writing a scan's bytes on the device side to its Scan
// arriving on the Reader's channel. The floor is the same path without the Reader's
// framing: a one-byte write until a raw Read of the serial adapter, blocked in another
// goroutine, hands the byte over a channel. Reported: p50-ns and
// p99-ns of the scan, floor-p50-ns and floor-p99-ns, and x-floor, the ratio of the
// two medians. The pseudo-terminal takes longer to carry a whole frame than one byte,
// so x-frame-floor compares with the floor for the scan's own 14 bytes: that ratio is
// what the read loop, decoder and channel add.
func BenchmarkScanToEvent(b *testing.B) {
	scans := scanLatencies(b)
	floor := floorLatencies(b, []byte{'\r'})
	frameFloor := floorLatencies(b, []byte(benchCode+"\r"))
	p50, p99 := percentile(scans, 50), percentile(scans, 99)
	f50, f99 := percentile(floor, 50), percentile(floor, 99)
	b.ReportMetric(float64(p50), "p50-ns")
	b.ReportMetric(float64(p99), "p99-ns")
	b.ReportMetric(float64(f50), "floor-p50-ns")
	b.ReportMetric(float64(f99), "floor-p99-ns")
	b.ReportMetric(float64(p50)/float64(f50), "x-floor")
	b.ReportMetric(float64(p50)/float64(percentile(frameFloor, 50)), "x-frame-floor")
}

// benchCode is the scanned code: an EAN-13, sent with a CR suffix.
const benchCode = "4006381333931"

// scanLatencies times b.N scans through a Reader.
func scanLatencies(b *testing.B) []time.Duration {
	s, err := sim.StartScanner("\r")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p, err := serialport.Open(serialport.Config{Path: s.Path()})
	if err != nil {
		b.Fatal(err)
	}
	r := &Reader{Port: p, Decoder: &LineDecoder{Suffix: cr}, Log: quietLog}
	out := make(chan Scan)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, out) }()
	defer func() {
		cancel()
		<-done
	}()

	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := s.Scan(benchCode); err != nil {
			b.Fatal(err)
		}
		got := <-out
		samples = append(samples, time.Since(start))
		if got.Data != benchCode {
			b.Fatalf("scan %q", got.Data)
		}
	}
	b.StopTimer()
	return samples
}

// floorLatencies is sim.SerialReadFloor for b.N samples.
func floorLatencies(b *testing.B, payload []byte) []time.Duration {
	samples, err := sim.SerialReadFloor(b.N, payload)
	if err != nil {
		b.Fatal(err)
	}
	return samples
}

func percentile(samples []time.Duration, p int) time.Duration { return sim.Percentile(samples, p) }
