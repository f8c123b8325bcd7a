package ui

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/core/receipt"
	"tilldesk/devices"
)

// fakePrinter records what the till asks of the receipt printer.
type fakePrinter struct {
	mu      sync.Mutex
	fail    error
	drawers int
	printed [][]receipt.Row
	qrs     []string
}

func (p *fakePrinter) PrintReceipt(_ context.Context, rows []receipt.Row, qr string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.printed = append(p.printed, rows)
	p.qrs = append(p.qrs, qr)
	return nil
}

func (p *fakePrinter) OpenDrawer(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drawers++
	return p.fail
}

func payExactCash(t *testing.T, f *fixture) {
	t.Helper()
	f.key(fyne.KeyF12)
	test.Tap(f.c.CashPad.Confirm)
	if f.c.Receipt == nil {
		t.Fatalf("no receipt: %s", f.c.CashPad.Error.Text)
	}
	f.c.printing.Wait()
}

func TestReceiptPrintsAndDrawerOpensAfterCashSale(t *testing.T) {
	f := newFixture(t, "en")
	p := &fakePrinter{}
	f.till.SetPrinter(p)
	f.scan(water)
	payExactCash(t, f)
	if p.drawers != 1 || len(p.printed) != 1 || p.qrs[0] != f.c.Receipt.Number {
		t.Fatalf("drawer kicks %d, receipts %d, qr %q", p.drawers, len(p.printed), p.qrs)
	}
	if f.c.PrintStatus.Text != tr("msg.printed") {
		t.Errorf("print status %q", f.c.PrintStatus.Text)
	}
	// F10 reprints the same receipt without opening the drawer again.
	f.press(fyne.KeyReturn) // close the receipt preview
	f.key(fyne.KeyF10)
	f.c.printing.Wait()
	if p.drawers != 1 || len(p.printed) != 2 || fmt.Sprint(p.printed[0]) != fmt.Sprint(p.printed[1]) {
		t.Fatalf("reprint: drawer kicks %d, receipts %d", p.drawers, len(p.printed))
	}
}

func TestPrinterFaultNeverUndoesTheSale(t *testing.T) {
	f := newFixture(t, "zh")
	p := &fakePrinter{fail: devices.Wrap("write", "/dev/ttyUSB0", devices.ErrUnplugged)}
	f.till.SetPrinter(p)
	f.scan(water)
	payExactCash(t, f)
	if f.c.PrintStatus.Text != tr("msg.print_failed") {
		t.Errorf("print status %q", f.c.PrintStatus.Text)
	}
	wantMessage(t, f, "err.device_unplugged")
	if n := f.records(t, "sale.completed"); n != 1 {
		t.Fatalf("%d sale.completed records after a printer fault, want 1", n)
	}
	// Fixed printer: F10 prints the receipt.
	p.mu.Lock()
	p.fail = nil
	p.mu.Unlock()
	f.press(fyne.KeyReturn)
	f.key(fyne.KeyF10)
	f.c.printing.Wait()
	if len(p.printed) != 1 || f.c.PrintStatus.Text != tr("msg.printed") {
		t.Fatalf("reprint after fix: %d receipts, status %q", len(p.printed), f.c.PrintStatus.Text)
	}
}

func TestNoPrinterConfigured(t *testing.T) {
	f := newFixture(t, "en")
	f.key(fyne.KeyF10)
	wantMessage(t, f, "err.no_receipt")
	f.scan(water)
	payExactCash(t, f)
	if f.c.PrintStatus.Text != tr("msg.no_printer") {
		t.Errorf("print status %q", f.c.PrintStatus.Text)
	}
}
