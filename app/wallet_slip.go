package app

import (
	"context"
	"fmt"

	"tilldesk/core/receipt"
)

// PrintPaymentQR prints a "scan to pay" slip on the receipt printer: rows (the
// screen's words: what to pay, how much) and the QR code of codeURL, a dynamic order
// QR that QRTender reported with WalletShowQR, then cuts. Call it off the UI
// goroutine; ctx bounds the job.
func (w *Wallets) PrintPaymentQR(ctx context.Context, rows []receipt.Row, codeURL string) error {
	p := w.till.currentPrinter()
	if p == nil {
		return ErrNoPrinter
	}
	if err := p.PrintReceipt(ctx, rows, codeURL); err != nil {
		w.log.Warn("payment QR slip not printed", "err", err)
		return fmt.Errorf("print payment QR slip: %w", err)
	}
	w.log.Info("payment QR slip printed")
	return nil
}
