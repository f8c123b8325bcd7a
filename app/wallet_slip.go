package app

import (
	"context"
	"fmt"

	"tilldesk/core/receipt"
)

// PrintPaymentQR prints a "scan to pay" slip on the receipt printer: rows (the
// screen's words: what to pay, how much) and the QR code of codeURL, any dynamic QR
// code the till shows (a wallet order's code_url, a UnionPay EMVCo payload), then
// cuts. Call it off the UI goroutine; ctx bounds the job.
func (t *Till) PrintPaymentQR(ctx context.Context, rows []receipt.Row, codeURL string) error {
	p := t.currentPrinter()
	if p == nil {
		return ErrNoPrinter
	}
	if err := p.PrintReceipt(ctx, rows, codeURL); err != nil {
		t.log.Warn("payment QR slip not printed", "err", err)
		return fmt.Errorf("print payment QR slip: %w", err)
	}
	t.log.Info("payment QR slip printed")
	return nil
}
