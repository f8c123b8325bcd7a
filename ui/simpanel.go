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
// printer out of paper; the customer's wallet phone; and the bank card side: virtual
// cards, the PIN pad's display and keypad, the bank's faults. Each has a tab.
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
	// Card is the bank card side, when the card reader or PIN pad is simulated.
	Card *CardSimPanel
	// Sections switch the panel between the devices with the phone, and the bank
	// card side (when there is one); each section is as wide as it needs.
	Sections []*widget.Button
	shown    int // the section shown
	contents []fyne.CanvasObject
	popup    *widget.PopUp
	canvas   fyne.Canvas
}

// The panel's sections, and how wide each is drawn at least.
const (
	simDevices = iota
	simCard
)

var simSectionWidths = [...]float32{simDevices: 560, simCard: 400}

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
	p.Card = c.newCardSimPanel(c.cardSimulators(sims))
	p.Close = widget.NewButton(tr("btn.close"), func() {
		p.popup.Hide()
		if p.Phone != nil {
			p.Phone.stop()
		}
		if p.Card != nil {
			p.Card.stop()
		}
		c.SimPanel = nil
		c.focusScan()
	})
	devicesBox := container.NewVBox(container.NewBorder(nil, nil, nil, p.Scan, p.Code), grid,
		widget.NewSeparator(), container.NewHBox(p.Receipt, p.PaperOut), p.Error)
	if p.Phone != nil {
		devicesBox.Add(widget.NewSeparator())
		devicesBox.Add(p.Phone.content())
	}
	p.contents = []fyne.CanvasObject{devicesBox}
	box := container.NewVBox(widget.NewLabelWithStyle(tr("sim.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	if p.Card != nil {
		p.contents = append(p.contents, p.Card.content())
		for i, key := range []string{"sim.tab.devices", "sim.tab.card"} {
			p.Sections = append(p.Sections, widget.NewButton(tr(key), func() { p.show(i) }))
		}
		box.Add(container.NewGridWithColumns(len(p.Sections), p.Sections[0], p.Sections[1]))
	}
	box.Add(container.NewStack(p.contents...))
	box.Add(p.Close)
	p.canvas = c.win.Canvas()
	p.popup = widget.NewPopUp(container.NewPadded(box), p.canvas)
	section := simDevices
	if _, paying := c.Screen.(*CardDialog); paying && p.Card != nil {
		section = simCard
	}
	p.show(section)
	p.popup.Show()
	c.SimPanel = p
	c.win.Canvas().Focus(p.Code)
}

// show shows section i alone, and draws the panel as wide as it needs at the window's
// right edge.
func (p *SimPanel) show(i int) {
	p.shown = i
	for j, content := range p.contents {
		if j == i {
			content.Show()
		} else {
			content.Hide()
		}
	}
	for j, b := range p.Sections {
		b.Importance = widget.MediumImportance
		if j == i {
			b.Importance = widget.HighImportance
		}
		b.Refresh()
	}
	need := p.popup.Content.MinSize()
	size := fyne.NewSize(max(simSectionWidths[i], need.Width), need.Height)
	p.popup.Resize(size)
	p.popup.Move(fyne.NewPos(p.canvas.Size().Width-size.Width-10, 50))
}

// CardShown reports whether the panel shows its bank card side.
func (p *SimPanel) CardShown() bool { return p.Card != nil && p.shown == simCard }

// cardSimulators are the simulated card reader and PIN pad, and the sandbox acquirer.
func (c *Cashier) cardSimulators(sims app.Simulators) CardSimulators {
	cs := CardSimulators{Reader: sims.CardReader, PINPad: sims.PINPad}
	if c.cards != nil {
		cs.Sandbox = c.cards.payments.Sandbox()
	}
	return cs
}

// raiseCardSimulator puts the simulator panel over the open dialog with its card tab
// showing (demo mode), opening it if needed.
func (c *Cashier) raiseCardSimulator() {
	if c.SimPanel == nil {
		c.openSimPanel()
	} else {
		c.SimPanel.popup.Hide()
		c.SimPanel.popup.Show()
	}
	if p := c.SimPanel; p != nil && p.Card != nil {
		p.show(simCard)
	}
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
