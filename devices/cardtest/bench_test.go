package cardtest

import (
	"context"
	"syscall"
	"testing"
	"time"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices/cardreader/crt"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// benchCard is the Mastercard-like card: CDA, so the most RSA a contact transaction
// has (issuer and ICC certificate recovery, a CDA signature made and checked on both
// GENERATE ACs). With no PIN pad its online PIN fails over to signature, so nothing
// but the card, the kernel and the issuer is timed.
func benchCard(b *testing.B) (*emvcard.Card, *kernel.Kernel) {
	b.Helper()
	cfg, err := Terminal()
	if err != nil {
		b.Fatal(err)
	}
	iss, err := NewIssuer()
	if err != nil {
		b.Fatal(err)
	}
	p, _ := emvcard.Lookup("mastercard")
	card, err := emvcard.New(p)
	if err != nil {
		b.Fatal(err)
	}
	k, err := kernel.New(cfg, kernel.Options{Host: iss, Now: func() time.Time { return Date }})
	if err != nil {
		b.Fatal(err)
	}
	return card, k
}

// approved runs one contact transaction and insists on an online approval with CDA.
func approved(b *testing.B, k *kernel.Kernel, card kernel.Card) {
	res, err := k.Run(context.Background(), card, kernel.Request{Amount: 100_00})
	if err != nil || res.Outcome != kernel.ApprovedOnline || res.ODA != "CDA" || res.TVR.Has(kernel.TVRCDAFailed) {
		b.Fatalf("%v %s", err, res)
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkContactTransactionInProcess is a whole online contact transaction with a
// virtual card held straight to the kernel: selection, GPO, records, CDA key
// recovery, CVM, risk management, the first GENERATE AC with a CDA signature made by
// the card and checked by the kernel, the issuer's ARQC check and ARPC, EXTERNAL
// AUTHENTICATE and the second GENERATE AC with CDA. Reported: cpu-ms/txn, the
// process's CPU time per transaction (target: under 5 ms, RSA included, card and
// issuer included).
func BenchmarkContactTransactionInProcess(b *testing.B) {
	card, k := benchCard(b)
	app, err := card.Present(emvcard.Contact)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuTime(b)
	b.ResetTimer()
	for range b.N {
		approved(b, k, Insert(app))
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N)/1e6, "cpu-ms/txn")
}

// BenchmarkContactTransactionSerial is the same transaction through the serial
// reader: the crt driver on the till's side of a pseudo-terminal at 115200 baud, the
// simulated reader on the other, from power-on to power-off. Reported: p50-ns and
// p99-ns of a transaction, bytes/txn on the line both ways (packets, ACKs), wire-ns
// (their time on an RS-232 line at 115200 baud, ten bits a byte) and x-wire, the
// median as a multiple of it (target: at most 1.3).
//
// line=rs232 paces the simulated reader like a real line (a command counts as
// received when its last byte would have arrived, responses go out at line speed):
// x-wire is then what the software adds to the line's own time. line=pty moves bytes
// at memory speed, as the other serial benchmarks do: x-wire well under 1 means the
// line, not the software, sets the pace. A paced transaction takes about a seventh of
// a second, so line=rs232 times at most 20 of them whatever b.N (its ns/op is theirs).
func BenchmarkContactTransactionSerial(b *testing.B) {
	for _, line := range []struct {
		name string
		baud int
		max  int
	}{{"rs232", 115200, 20}, {"pty", 0, 0}} {
		b.Run("line="+line.name, func(b *testing.B) {
			card, k := benchCard(b)
			app, err := card.Present(emvcard.Contact)
			if err != nil {
				b.Fatal(err)
			}
			s, reader := StartSerialReader(b, sim.CardReaderConfig{LineBaud: line.baud}, crt.Config{})
			n := b.N
			if line.max > 0 {
				n = min(n, line.max)
			}
			samples := make([]time.Duration, 0, n)
			var bytes int
			b.ResetTimer()
			for range n {
				s.Insert(app)
				s.ResetTraffic()
				start := time.Now()
				c, err := reader.PowerOn(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				approved(b, k, c)
				if err := c.Close(); err != nil {
					b.Fatal(err)
				}
				samples = append(samples, time.Since(start))
				fromHost, toHost := s.Traffic()
				bytes = fromHost + toHost
			}
			b.StopTimer()
			wire := serialport.Config{Baud: 115200}.WireTime(bytes)
			p50 := sim.Percentile(samples, 50)
			b.ReportMetric(float64(p50), "p50-ns")
			b.ReportMetric(float64(sim.Percentile(samples, 99)), "p99-ns")
			b.ReportMetric(float64(bytes), "bytes/txn")
			b.ReportMetric(float64(wire), "wire-ns")
			b.ReportMetric(float64(p50)/float64(wire), "x-wire")
			if n < b.N { // ns/op from the transactions timed, not from b.N
				b.ReportMetric(float64(b.Elapsed())/float64(n), "ns/op")
			}
		})
	}
}
