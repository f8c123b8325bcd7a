package app

import (
	"context"
	"errors"
	"sync"

	"tilldesk/core/receipt"
	"tilldesk/core/sale"
)

// ReceiptPrinter is the receipt printer as checkout sees it. The devices layer
// implements it (ESC/POS over serial or USB); nil means no printer is configured.
type ReceiptPrinter interface {
	// PrintReceipt prints the rows and an optional QR code, then cuts.
	PrintReceipt(ctx context.Context, rows []receipt.Row, qr string) error
	// OpenDrawer kicks the cash drawer connected to the printer.
	OpenDrawer(ctx context.Context) error
}

// ErrNoPrinter is returned when printing is asked for with no printer configured.
var ErrNoPrinter = errors.New("no receipt printer configured")

// printerSlot holds the till's printer, which the device supervisor swaps in and out
// as the printer is plugged, unplugged and reconfigured.
type printerSlot struct {
	mu   sync.Mutex
	p    ReceiptPrinter
	last *Receipt
}

// SetPrinter installs (or with nil removes) the receipt printer.
func (t *Till) SetPrinter(p ReceiptPrinter) {
	t.printer.mu.Lock()
	t.printer.p = p
	t.printer.mu.Unlock()
}

func (t *Till) currentPrinter() ReceiptPrinter {
	t.printer.mu.Lock()
	defer t.printer.mu.Unlock()
	return t.printer.p
}

// HasPrinter reports whether a receipt printer is installed (connected) now.
func (t *Till) HasPrinter() bool { return t.currentPrinter() != nil }

// LastReceipt is the receipt of the last completed sale, for reprinting.
func (t *Till) LastReceipt() *Receipt {
	t.printer.mu.Lock()
	defer t.printer.mu.Unlock()
	return t.printer.last
}

func (t *Till) rememberReceipt(r *Receipt) {
	t.printer.mu.Lock()
	t.printer.last = r
	t.printer.mu.Unlock()
}

// AfterSale does the paper work of a completed sale: opens the drawer when cash was
// taken and prints the receipt. It runs after the sale is committed and never undoes
// it: a printer fault is returned for the screen to show, and the receipt can be
// reprinted. Call it off the UI goroutine; ctx bounds the whole job.
func (t *Till) AfterSale(ctx context.Context, r *Receipt, language string, tr receipt.Labels) error {
	p := t.currentPrinter()
	if p == nil {
		return ErrNoPrinter
	}
	var errs []error
	for _, pay := range r.Sale.Payments {
		if pay.Method == sale.Cash {
			if err := p.OpenDrawer(ctx); err != nil {
				t.log.Warn("cash drawer did not open", "receipt", r.Number, "err", err)
				errs = append(errs, err)
			}
			break
		}
	}
	if err := t.PrintReceipt(ctx, r, language, tr); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// PrintReceipt prints (or reprints) a receipt.
func (t *Till) PrintReceipt(ctx context.Context, r *Receipt, language string, tr receipt.Labels) error {
	p := t.currentPrinter()
	if p == nil {
		return ErrNoPrinter
	}
	if err := p.PrintReceipt(ctx, t.Rows(r, language, tr), r.Number); err != nil {
		t.log.Warn("receipt not printed", "receipt", r.Number, "err", err)
		return err
	}
	t.log.Info("receipt printed", "receipt", r.Number)
	return nil
}
