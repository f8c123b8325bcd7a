package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/receipt"
)

// ReceiptView previews the receipt of the sale just paid. The same rows go to the
// receipt printer.
type ReceiptView struct {
	Rows   []receipt.Row
	Body   *fyne.Container
	Done   *widget.Button
	Number string
	popup  *widget.PopUp
	close  func()
}

// receiptLabel translates the receipt's fixed words.
func receiptLabel(key string) string { return tr("receipt." + key) }

func (c *Cashier) showReceipt(r *app.Receipt) {
	v := &ReceiptView{Rows: c.till.Rows(r, c.language, receiptLabel), Number: r.Number, Body: container.NewVBox()}
	for _, row := range v.Rows {
		v.Body.Add(receiptRow(row))
	}
	closeView := func() {
		v.popup.Hide()
		c.Receipt = nil
		c.focusScan()
	}
	v.close = func() {
		c.win.Canvas().SetOnTypedKey(nil)
		closeView()
	}
	v.Done = widget.NewButton(tr("receipt.next"), v.close)
	v.Done.Importance = widget.HighImportance
	paper := container.NewThemeOverride(v.Body, compactTheme{})
	content := container.NewBorder(nil, v.Done, nil, nil, container.NewVScroll(paper))
	v.popup = widget.NewModalPopUp(content, c.win.Canvas())
	v.popup.Resize(fyne.NewSize(400, min(c.win.Canvas().Size().Height-40, 720)))
	c.Receipt = v
	v.popup.Show()
	c.win.Canvas().Focus(nil)
	// Enter or Escape on the receipt starts the next sale.
	c.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if c.Receipt == v && (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter || k.Name == fyne.KeyEscape) {
			c.win.Canvas().SetOnTypedKey(nil)
			closeView()
		}
	})
}

func receiptRow(r receipt.Row) fyne.CanvasObject {
	switch r.Style {
	case receipt.Rule:
		return widget.NewSeparator()
	case receipt.Title:
		return widget.NewLabelWithStyle(r.Left, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	case receipt.Centre:
		return widget.NewLabelWithStyle(r.Left, fyne.TextAlignCenter, fyne.TextStyle{})
	}
	style := fyne.TextStyle{Bold: r.Style == receipt.Total}
	left := widget.NewLabelWithStyle(r.Left, fyne.TextAlignLeading, style)
	right := widget.NewLabelWithStyle(r.Right, fyne.TextAlignTrailing, style)
	return container.NewBorder(nil, nil, left, right)
}

// compactTheme sets receipt rows close together, as on paper.
type compactTheme struct{ Theme }

// Size shrinks padding and text for the receipt preview.
func (t compactTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameInnerPadding:
		return 3
	case theme.SizeNamePadding:
		return 2
	case theme.SizeNameText:
		return 15
	}
	return t.Theme.Size(n)
}
