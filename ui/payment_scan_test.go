package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"tilldesk/devices/scanner"
)

// A payment code scanned while a card payment runs is refused: it would otherwise
// open a second payment of the same sale.
func TestScanRefusedWhileACardPaymentRuns(t *testing.T) {
	f := newCardFixture(t, "en")
	d := f.openCardDialog(t, water)
	f.c.onScan(scanner.Scan{Data: "6212345678901234567", Source: "test"})
	if f.c.Screen != d || !strings.Contains(f.c.Message.Text, tr("err.scan_ignored")) {
		t.Fatalf("after the scan: screen %T, message %q", f.c.Screen, f.c.Message.Text)
	}
	if s := f.till.Current(); len(s.Payments) != 0 || len(s.ActiveLines()) != 1 {
		t.Fatalf("sale %+v", s)
	}
	test.Tap(d.Cancel)
	d.Wait()
}
