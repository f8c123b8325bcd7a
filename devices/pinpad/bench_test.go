package pinpad

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"tilldesk/devices/pinpad/ipp"
	"tilldesk/devices/serialport"
	"tilldesk/devices/sim"
)

// BenchmarkPINRequest runs whole PIN transactions against the simulated pad over a
// pseudo-terminal: RequestPIN sends Z2 and Z60, a customer goroutine types four
// digits and ENTER as soon as the pad takes the PIN, the pad encrypts under DUKPT
// and answers with packet 73, the driver ACKs. Reported: p50-ns and p99-ns of a
// transaction, and x-wire, the median as a multiple of the wire time of the bytes
// exchanged at the baud rate. A pseudo-terminal moves bytes at memory speed whatever
// the baud rate, so x-wire well under 1 means a real line, not the software, would
// set the pace.
func BenchmarkPINRequest(b *testing.B) {
	for _, baud := range []int{115200, 9600} {
		b.Run(fmt.Sprintf("baud=%d", baud), func(b *testing.B) {
			cfg := sim.TestPINPadConfig()
			cfg.Logger = slog.New(slog.DiscardHandler)
			pad, err := sim.StartPINPad(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer pad.Close()
			port, err := serialport.Open(serialport.Config{Path: pad.Path(), Baud: baud})
			if err != nil {
				b.Fatal(err)
			}
			defer port.Close()
			drv := New(port, Config{Logger: slog.New(slog.DiscardHandler)})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()

			samples := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				customer := make(chan error, 1)
				go func() {
					if err := pad.WaitForEntry(ctx); err != nil {
						customer <- err
						return
					}
					if err := pad.PressDigits("1234"); err != nil {
						customer <- err
						return
					}
					customer <- pad.PressEnter()
				}()
				start := time.Now()
				if _, err := drv.RequestPIN(ctx, testPAN, 12_34); err != nil {
					b.Fatal(err)
				}
				samples = append(samples, time.Since(start))
				if err := <-customer; err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			size := transactionBytes(b)
			wire := serialport.Config{Baud: baud}.WireTime(size)
			p50 := sim.Percentile(samples, 50)
			b.ReportMetric(float64(p50), "p50-ns")
			b.ReportMetric(float64(sim.Percentile(samples, 99)), "p99-ns")
			b.ReportMetric(float64(p50)/float64(wire), "x-wire")
			b.ReportMetric(float64(size), "bytes/txn")
		})
	}
}

// transactionBytes counts the bytes of one PIN transaction on the line: Z2, Z60 and
// packet 73 with their ACKs.
func transactionBytes(b *testing.B) int {
	prompt, err := displayText(amountLine(defaultCurrency, 12_34), enterPINPrompt)
	if err != nil {
		b.Fatal(err)
	}
	display, _ := ipp.DisplayRequest(prompt)
	request, _ := ipp.PINRequest(testPAN, ipp.TDES)
	_, ksn := sim.PINPadTestKeys()
	total := 0
	for _, f := range []ipp.Frame{display, request, ipp.PINBlockResponse(ksn.WithCounter(1), [8]byte{})} {
		raw, err := ipp.Encode(f)
		if err != nil {
			b.Fatal(err)
		}
		total += len(raw) + 1 // and its ACK
	}
	return total
}
