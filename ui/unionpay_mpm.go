package ui

import (
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/sale"
)

// UnionPay QR codes the till shows (银联二维码主扫): F12 offers "UnionPay QR (customer
// scans)" when the acquirer takes them (CardPayments.TakesMerchantQR). The wallets'
// QR dialog (WalletDialog, flow QR) shows them: the same drawing, countdown, print and
// Cancel, with the acquirer's tender (MerchantQRTender) in place of a wallet's. The
// simulator panel's phone scans the code with its UnionPay app and pays or refuses.

// enableUnionPayQR offers the UnionPay QR code on F12 when cards can show one.
func (c *Cashier) enableUnionPayQR(cards *app.CardPayments) {
	if cards.TakesMerchantQR() {
		c.AddTender(TenderOption{Label: "tender.unionpay_mpm", Open: func() { c.OpenUnionPayQR() }})
	}
}

// OpenUnionPayQR shows a UnionPay QR code for the amount due, for the customer's
// UnionPay app to scan, and returns the dialog (nil when the sale cannot be paid so:
// the reason is on the message line).
func (c *Cashier) OpenUnionPayQR() *WalletDialog { return c.OpenWalletQR(sale.UnionPayQR) }

// qrTender is the tender of the QR dialog's method: the acquirer's for UnionPay, the
// wallet's otherwise.
func (d *WalletDialog) qrTender() (app.Tender, error) {
	if d.method == sale.UnionPayQR {
		if d.c.cards == nil {
			return nil, app.ErrMerchantQROff
		}
		return d.c.cards.payments.MerchantQRTender(d.onProgress)
	}
	return d.c.wallets.QRTender(d.method, d.onProgress)
}

// payableBy says why the sale cannot be paid with method's dialog now, or nil.
func (c *Cashier) payableBy(method sale.Method) error {
	if method != sale.UnionPayQR {
		return c.walletPayable()
	}
	if c.cards == nil || !c.cards.payments.TakesMerchantQR() {
		return app.ErrMerchantQROff
	}
	return c.salePayable()
}

// hasPhone reports whether the simulator's phone can pay method's dialog (demo mode).
func (c *Cashier) hasPhone(method sale.Method) bool {
	if method == sale.UnionPayQR {
		return c.cards != nil && c.cards.payments.Sandbox() != nil && c.wallets != nil && c.wallets.Sandbox() != nil
	}
	return c.wallets != nil && c.wallets.Sandbox() != nil
}

// upScan is a till's UnionPay code the phone scanned, waiting for the customer to pay
// or refuse.
type upScan struct{ wallet, payload string }

// scanUnionPayQR scans the till's UnionPay code with the phone's UnionPay app: paid at
// once, or, with "ask" ticked, listed for the customer to pay or refuse.
func (p *PhonePanel) scanUnionPayQR(walletID, payload string) error {
	if p.unionPay == nil {
		return errNoQRShown
	}
	if p.Ask.Checked {
		p.upScanned = &upScan{wallet: walletID, payload: payload}
		p.refresh()
		return nil
	}
	_, err := p.unionPay.PayMerchantQR(walletID, payload)
	return err
}

// listUnionPayQR adds the scanned UnionPay code waiting for the customer to the list.
func (p *PhonePanel) listUnionPayQR() {
	s := p.upScanned
	if s == nil {
		return
	}
	row := &PhonePayment{Label: widget.NewLabel(trf("sim.phone.waiting", map[string]any{"Wallet": walletName(sale.UnionPayQR), "Amount": ""}))}
	done := func(err error) {
		p.upScanned = nil
		p.fail(err)
		p.refresh()
	}
	row.Confirm = widget.NewButton(tr("sim.phone.confirm"), func() {
		_, err := p.unionPay.PayMerchantQR(s.wallet, s.payload)
		done(err)
	})
	row.Confirm.Importance = widget.HighImportance
	row.Refuse = widget.NewButton(tr("sim.phone.refuse"), func() { done(p.unionPay.RefuseMerchantQR(s.wallet, s.payload)) })
	p.Waiting = append(p.Waiting, row)
	p.list.Add(container.NewBorder(nil, nil, nil, container.NewHBox(row.Confirm, row.Refuse), row.Label))
}
