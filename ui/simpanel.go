package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
)

// SimPanel is the demo mode's simulator panel: scan a product with the simulated
// scanner (its bytes travel over a pseudo-terminal to the till's serial adapter, as a
// real scanner's would), see the receipt the simulated printer received, and put the
// printer out of paper.
type SimPanel struct {
	Code     *KeyEntry
	Scan     *widget.Button
	Products []*widget.Button
	Receipt  *widget.Button
	PaperOut *widget.Check
	Close    *widget.Button
	Error    *widget.Label
	// Phone is the customer's wallet phone, when the wallet sandbox runs.
	Phone *PhonePanel
	popup *widget.PopUp
}

// simulatorButton is the top-bar button that opens the panel (demo mode only).
func (c *Cashier) simulatorButton() fyne.CanvasObject {
	if !c.till.Config().Terminal.Demo {
		return widget.NewLabel("")
	}
	return widget.NewButton(tr("sim.open"), c.openSimPanel)
}

// ShowSimulator opens the simulator panel (demo mode).
func (c *Cashier) ShowSimulator() { c.openSimPanel() }

// openSimPanel shows the panel.
func (c *Cashier) openSimPanel() {
	if c.devices == nil {
		return
	}
	sims := c.devices.Simulators()
	p := &SimPanel{Code: NewKeyEntry(), Error: widget.NewLabel("")}
	p.Error.Importance = widget.DangerImportance
	p.Code.SetPlaceHolder(tr("sim.code"))
	scan := func(code string) {
		if sims.Scanner == nil {
			p.Error.SetText(tr("sim.no_scanner"))
			return
		}
		if err := sims.Scanner.Scan(code); err != nil {
			p.Error.SetText(errorText(err))
			return
		}
		p.Error.SetText("")
	}
	p.Scan = widget.NewButton(tr("sim.scan"), func() { scan(p.Code.Text); p.Code.SetText("") })
	p.Code.OnSubmitted = func(string) { p.Scan.OnTapped() }
	grid := container.NewGridWithColumns(2)
	for i, prod := range c.till.Catalog().Products() {
		if i == 8 {
			break
		}
		b := widget.NewButton(fmt.Sprintf("%s %s", prod.Name(c.language), prod.Price.Format()), func() { scan(prod.Code) })
		p.Products = append(p.Products, b)
		grid.Add(b)
	}
	p.Receipt = widget.NewButton(tr("sim.receipt"), func() { c.showPrinted(sims, p) })
	p.PaperOut = widget.NewCheck(tr("sim.paper_out"), func(on bool) {
		if sims.Printer != nil {
			sims.Printer.SetPaperOut(on)
		}
	})
	p.Phone = c.newPhonePanel(scan)
	p.Close = widget.NewButton(tr("btn.close"), func() {
		p.popup.Hide()
		if p.Phone != nil {
			p.Phone.stop()
		}
		c.SimPanel = nil
		c.focusScan()
	})
	box := container.NewVBox(
		widget.NewLabelWithStyle(tr("sim.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewBorder(nil, nil, nil, p.Scan, p.Code), grid,
		widget.NewSeparator(), container.NewHBox(p.Receipt, p.PaperOut), p.Error)
	if p.Phone != nil {
		box.Add(widget.NewSeparator())
		box.Add(p.Phone.content())
	}
	box.Add(p.Close)
	p.popup = widget.NewPopUp(container.NewPadded(box), c.win.Canvas())
	p.popup.Resize(fyne.NewSize(560, box.MinSize().Height+20))
	p.popup.ShowAtPosition(fyne.NewPos(c.win.Canvas().Size().Width-580, 50))
	c.SimPanel = p
	c.win.Canvas().Focus(p.Code)
}

// showPrinted shows the last receipt the simulated printer received, rendered from the
// ESC/POS bytes it decoded.
func (c *Cashier) showPrinted(sims app.Simulators, p *SimPanel) {
	if sims.Printer == nil || sims.Printer.ReceiptCount() == 0 {
		p.Error.SetText(tr("sim.nothing_printed"))
		return
	}
	docs := sims.Printer.Receipts()
	img, err := docs[len(docs)-1].Image()
	if err != nil {
		p.Error.SetText(err.Error())
		return
	}
	picture := canvas.NewImageFromImage(img)
	picture.FillMode = canvas.ImageFillContain
	picture.SetMinSize(fyne.NewSize(float32(img.Bounds().Dx())/1.5, float32(img.Bounds().Dy())/1.5))
	var view *widget.PopUp
	done := widget.NewButton(tr("btn.close"), func() { view.Hide() })
	view = widget.NewModalPopUp(container.NewBorder(nil, done, nil, nil, container.NewVScroll(picture)), c.win.Canvas())
	view.Resize(fyne.NewSize(float32(img.Bounds().Dx())/1.5+40, min(c.win.Canvas().Size().Height-60, 760)))
	view.Show()
}
