package printer

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"tilldesk/devices/escpos"
	"tilldesk/devices/serialport"
)

// BenchmarkPrintThroughput prints the typical 30-row receipt to the simulated printer
// over a pseudo-terminal, from Print until the simulator has decoded the cut, and
// reports that time as a multiple of the receipt's theoretical wire time at the
// configured baud rate (x-wire). A pseudo-terminal moves bytes at memory speed
// whatever the baud rate, so x-wire measures the driver's and simulator's overhead
// (three status round trips, chunking, decoding) against the wire time, not a real
// line: well under 1 means the serial line, not the software, sets the pace.
func BenchmarkPrintThroughput(b *testing.B) {
	rows := typicalReceipt()
	const qrData = "https://tilldesk.example/r/T-000123"
	for _, baud := range []int{115200, 9600} {
		for _, qr := range []string{"none", "raster"} {
			b.Run(fmt.Sprintf("baud=%d/qr=%s", baud, qr), func(b *testing.B) {
				data := ""
				if qr != "none" {
					data = qrData
				}
				r := newRig(b, baud, Config{Width: escpos.Columns80mm, Logger: slog.New(slog.DiscardHandler)})
				size := len(escpos.Receipt(rows, escpos.Columns80mm, data, false))
				wire := serialport.Config{Baud: baud}.WireTime(size)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				b.ResetTimer()
				start := time.Now()
				for i := range b.N {
					if err := r.printer.Print(ctx, rows, data); err != nil {
						b.Fatal(err)
					}
					if err := r.sim.WaitReceipts(ctx, i+1); err != nil {
						b.Fatal(err)
					}
				}
				perReceipt := time.Since(start) / time.Duration(b.N)
				b.StopTimer()
				b.ReportMetric(float64(perReceipt)/float64(wire), "x-wire")
				b.ReportMetric(float64(size), "bytes/receipt")
				b.ReportMetric(float64(wire.Microseconds())/1000, "wire-ms")
				b.SetBytes(int64(size))
			})
		}
	}
}
