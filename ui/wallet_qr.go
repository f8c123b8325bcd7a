package ui

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"tilldesk/core/receipt"
	"tilldesk/core/sale"
)

// qrSide is the QR code's side on screen, quiet zone included. An order's code_url
// (30 to 80 characters: 29 to 41 modules at level M) gets 7 or more pixels a module,
// which a phone reads from across the counter.
const qrSide = 340

// qrQuietModules is the white margin the QR specification asks for, in modules.
const qrQuietModules = 4

// qrModulePixels is the smallest module drawn: a longer content (a UnionPay EMVCo
// payload of 150 to 250 characters, 53 to 73 modules) gets a code larger than qrSide
// rather than modules a phone struggles to read across the counter.
const qrModulePixels = 7

// OpenWalletQR shows a QR code of method (sale.Alipay or sale.WeChat) for the amount
// due, for the customer to scan, and returns the dialog (nil when the sale cannot be
// paid so: the reason is on the message line).
func (c *Cashier) OpenWalletQR(method sale.Method) *WalletDialog {
	d := c.openWalletDialog(flowQR, method)
	if d != nil {
		d.showNewQR()
	}
	return d
}

// chooseWalletQR asks which wallet's QR code to show, when the till takes both.
func (c *Cashier) chooseWalletQR() {
	if err := c.walletPayable(); err != nil {
		c.fail(err)
		return
	}
	methods := c.wallets.Enabled()
	if len(methods) == 1 {
		c.OpenWalletQR(methods[0])
		return
	}
	labels := make([]string, len(methods))
	for i, m := range methods {
		labels[i] = walletName(m)
	}
	c.pickFrom(trf("wallet.qr.choose", map[string]any{"Due": c.till.Current().Totals().Due.Format()}), labels, func(i int) {
		c.OpenWalletQR(methods[i])
	})
}

// buildQR is the QR flow's body: a white square the QR code is drawn in.
func (d *WalletDialog) buildQR() fyne.CanvasObject {
	d.Title.SetText(trf("wallet.qr.title", map[string]any{"Wallet": walletName(d.method)}))
	d.QR = canvas.NewImageFromImage(nil)
	d.QR.FillMode = canvas.ImageFillContain
	d.QR.ScaleMode = canvas.ImageScalePixels
	d.QR.SetMinSize(fyne.NewSize(qrSide, qrSide))
	d.QR.Hide()
	paper := canvas.NewRectangle(color.White)
	paper.SetMinSize(fyne.NewSize(qrSide, qrSide))
	d.qrBox = container.NewStack(paper, d.QR)
	d.Print = widget.NewButton(tr("wallet.qr.print"), d.printQR)
	d.Again = widget.NewButton(tr("wallet.qr.again"), d.showNewQR)
	d.Again.Importance = widget.HighImportance
	return container.NewCenter(d.qrBox)
}

// showNewQR asks the provider for a new order QR code for the amount due.
func (d *WalletDialog) showNewQR() {
	if d.closed || d.stop != nil {
		return
	}
	tender, err := d.qrTender()
	if err != nil {
		d.refused(err)
		return
	}
	d.pay(tender)
}

// showQR draws the order's code_url.
func (d *WalletDialog) showQR(codeURL string) {
	img, err := qrImage(codeURL)
	if err != nil {
		d.c.log.Error("order QR code not drawn", "err", err)
		d.say(errorText(err), widget.DangerImportance)
		return
	}
	d.codeURL = codeURL
	d.QR.Image = img
	side := max(qrSide, float32(img.Bounds().Dx()))
	d.QR.SetMinSize(fyne.NewSize(side, side))
	d.QR.Show()
	d.QR.Refresh()
	d.Print.Enable()
}

// clearQR takes the QR code off the screen.
func (d *WalletDialog) clearQR() {
	if d.QR == nil {
		return
	}
	d.codeURL = ""
	d.QR.Hide()
	d.Print.Disable()
}

// qrImage draws content as a QR code (level M) with its quiet zone, each module a
// whole number of pixels, about qrSide across.
func qrImage(content string) (image.Image, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("QR code of the order: %w", err)
	}
	modules := code.Bounds().Dx()
	px := max(qrModulePixels, qrSide/(modules+2*qrQuietModules))
	scaled, err := barcode.Scale(code, modules*px, modules*px)
	if err != nil {
		return nil, fmt.Errorf("QR code of the order: %w", err)
	}
	side := (modules + 2*qrQuietModules) * px
	img := image.NewGray(image.Rect(0, 0, side, side))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	margin := qrQuietModules * px
	draw.Draw(img, image.Rect(margin, margin, margin+modules*px, margin+modules*px), scaled, image.Point{}, draw.Src)
	return img, nil
}

// printQR prints the QR code shown on a "scan to pay" slip, for a customer who would
// rather scan paper (or when the screen faces away).
func (d *WalletDialog) printQR() {
	if d.codeURL == "" {
		return
	}
	rows, codeURL, t := d.slipRows(), d.codeURL, d.c.till
	d.say(tr("wallet.qr.printing"), widget.MediumImportance)
	d.work.run(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), printTimeout)
		defer cancel()
		return t.PrintPaymentQR(ctx, rows, codeURL)
	}, func(err error) {
		switch {
		case d.closed:
		case err != nil:
			d.say(errorText(err), widget.DangerImportance)
		default:
			d.say(tr("wallet.qr.printed"), widget.SuccessImportance)
		}
	})
}

// slipRows are the printed slip's words; the printer adds the QR code below them.
func (d *WalletDialog) slipRows() []receipt.Row {
	name := walletName(d.method)
	return []receipt.Row{
		{Left: d.c.storeName(), Style: receipt.Title},
		{Left: trf("wallet.slip.title", map[string]any{"Wallet": name}), Style: receipt.Centre},
		{Style: receipt.Rule},
		{Left: tr("wallet.slip.amount"), Right: d.due.Format(), Style: receipt.Total},
		{Left: tr("wallet.slip.order"), Right: d.last.OutTradeNo},
		{Left: tr("wallet.slip.until"), Right: d.qrUntil.Local().Format("15:04:05")},
		{Style: receipt.Rule},
		{Left: trf("wallet.slip.scan", map[string]any{"Wallet": name}), Style: receipt.Centre},
	}
}

// storeName is the store's name in the cashier's language.
func (c *Cashier) storeName() string {
	if c.language == "zh" {
		return c.till.Config().Store.NameZH
	}
	return c.till.Config().Store.NameEN
}
