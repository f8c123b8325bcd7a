// Package ui holds Tilldesk's Fyne screens. It never creates the Fyne app or the GLFW
// driver (app/desktop does), so every screen builds and tests with fyne.io/fyne/v2/test
// and no cgo.
package ui

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/catalog"
	"tilldesk/core/sale"
	"tilldesk/devices/scanner"
)

// Cashier is the till's main screen: a scan field that always has focus, the cart, the
// running totals, the function keys and a status bar. Its widgets are exported fields so
// tests drive it the way a cashier does.
type Cashier struct {
	till     *app.Till
	win      fyne.Window
	language string
	log      *slog.Logger
	now      func() time.Time

	Scan     *KeyEntry
	Cart     *widget.List
	Message  *widget.Label
	Total    *canvas.Text
	Items    *widget.Label
	Subtotal *widget.Label
	Discount *widget.Label
	Status   *widget.Label
	Clock    *widget.Label
	// PrintStatus says what happened to the last print job.
	PrintStatus *widget.Label
	Keys        map[fyne.KeyName]*widget.Button

	selected int          // index into the active lines; -1 for none
	lines    []sale.Line  // active lines as shown
	Popup    *Prompt      // the open prompt, if any
	CashPad  *CashDialog  // the open cash dialog, if any
	Receipt  *ReceiptView // the receipt shown after the last sale, if any
	Picker   *Picker      // the open search or recall list, if any
	SimPanel *SimPanel    // the demo simulator panel, if open
	// DevScreen is the open devices screen, if any.
	DevScreen *DevicesScreen
	// Screen is the open manager-console screen (shift, reports, operators, override).
	Screen dismissable
	// Operator shows who is signed on.
	Operator *widget.Label
	console  *Console

	printing sync.WaitGroup // print jobs in flight (tests wait on it)

	devices    *app.Devices           // nil until AttachDevices
	scanWanted func(code string)      // set by a dialog that takes scans (payment codes)
	tapDone    <-chan struct{}        // closed when the last tap listener let the reader go
	config     app.Config             // the configuration in force (EnableSettings)
	saveConfig func(app.Config) error // writes a new configuration
	wedge      *wedgeRouter           // catches keyboard-wedge scans in the wrong field
	idle       idleWatch              // when the operator last did anything (idle.go)
	tenders    []TenderOption         // ways to pay besides cash, offered by F12 (tenders.go)
	prepaid    *app.PrepaidDesk       // the store's prepaid cards, once EnablePrepaid
	wallets    *app.Wallets           // Alipay and WeChat Pay, once EnableWallets
	cards      *cardDesk              // bank cards, once EnableCards (card_console.go)
	// afterSignOn runs once an operator is signed on (the registration prompt).
	afterSignOn func()
}

// NewCashier builds the cashier screen for till in window win, in language "zh" or "en".
func NewCashier(till *app.Till, win fyne.Window, language string, log *slog.Logger) *Cashier {
	if log == nil {
		log = slog.Default()
	}
	c := &Cashier{till: till, win: win, language: language, log: log, now: time.Now, selected: -1}
	c.wedge = &wedgeRouter{now: time.Now, onScan: func(s scanner.Scan) { c.onScan(s) }}
	c.Scan = c.newEntry()
	c.wedge.scan = c.Scan
	c.Scan.SetPlaceHolder(tr("scan.placeholder"))
	c.Scan.OnSubmitted = c.submit
	c.Scan.OnKey = c.functionKey
	c.Message = widget.NewLabel(tr("msg.ready"))
	c.Message.Wrapping = fyne.TextWrapWord
	c.Total = canvas.NewText("¥0.00", theme.Color(theme.ColorNamePrimary))
	c.Total.TextSize = 44
	c.Total.TextStyle.Bold = true
	c.Total.Alignment = fyne.TextAlignTrailing
	c.Items = widget.NewLabel("0")
	c.Subtotal = widget.NewLabel("¥0.00")
	c.Discount = widget.NewLabel("¥0.00")
	c.Status = widget.NewLabel("")
	c.Clock = widget.NewLabel("")
	c.PrintStatus = widget.NewLabel("")
	c.Operator = widget.NewLabel("")
	c.Cart = widget.NewList(func() int { return len(c.lines) }, c.newRow, c.updateRow)
	c.Cart.OnSelected = func(id widget.ListItemID) { c.selected = id; c.focusScan() }
	c.Keys = map[fyne.KeyName]*widget.Button{}
	return c
}

// newEntry makes an entry watched for keyboard-wedge scans.
func (c *Cashier) newEntry() *KeyEntry {
	e := NewKeyEntry()
	e.wedge = c.wedge
	return e
}

// Content lays the screen out.
func (c *Cashier) Content() fyne.CanvasObject {
	header := container.New(columns{0.08, 0.44, 0.14, 0.16, 0.18},
		boldLabel("#"), boldLabel(tr("cart.item")), boldLabel(tr("cart.qty")),
		boldLabel(tr("cart.price")), widget.NewLabelWithStyle(tr("cart.amount"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	cart := container.NewBorder(header, nil, nil, nil, c.Cart)

	totals := container.New(columns{0.5, 0.5},
		container.NewVBox(widget.NewLabel(tr("totals.items")), widget.NewLabel(tr("totals.subtotal")), widget.NewLabel(tr("totals.discount"))),
		container.NewVBox(c.Items, c.Subtotal, c.Discount))
	totalBox := container.NewVBox(widget.NewLabelWithStyle(tr("totals.total"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), c.Total)

	keys := container.NewGridWithColumns(2,
		c.key(fyne.KeyF2, "key.qty", c.askQuantity),
		c.key(fyne.KeyF3, "key.void", c.voidLine),
		c.key(fyne.KeyF4, "key.discount", c.askLineDiscount),
		c.key(fyne.KeyF5, "key.order_discount", c.askOrderDiscount),
		c.key(fyne.KeyF6, "key.hold", c.hold),
		c.key(fyne.KeyF7, "key.recall", c.recall),
		c.key(fyne.KeyF8, "key.cancel", c.askCancel),
		c.key(fyne.KeyF9, "key.search", c.askSearch),
		c.key(fyne.KeyF10, "key.reprint", c.reprint),
		c.key(fyne.KeyF11, "key.devices", c.openDevices),
		c.key(fyne.KeyF1, "key.console", c.openConsole),
	)
	pay := c.key(fyne.KeyF12, "key.pay_cash", c.openPay)
	pay.Importance = widget.HighImportance
	side := container.NewVBox(totals, widget.NewSeparator(), totalBox, widget.NewSeparator(), keys, pay)

	scanRow := container.NewBorder(nil, nil, widget.NewLabelWithStyle(tr("scan.label"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, c.Scan)
	bottom := container.NewVBox(scanRow, c.Message, widget.NewSeparator(), container.NewBorder(nil, nil, nil, container.NewHBox(c.PrintStatus, c.Clock), c.Status))
	store := c.till.Config().Store.NameEN
	if c.language == "zh" {
		store = c.till.Config().Store.NameZH
	}
	top := container.NewBorder(nil, nil, widget.NewLabelWithStyle(store, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(c.Operator, c.simulatorButton(), widget.NewLabel(fmt.Sprintf("%s %s", tr("status.terminal"), c.till.Config().Terminal.ID))))
	split := container.NewHSplit(cart, container.NewPadded(side))
	split.Offset = 0.66
	c.refresh()
	return container.NewBorder(container.NewVBox(top, widget.NewSeparator()), bottom, nil, nil, split)
}

func boldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// key makes a large button for a function key and remembers it for the keyboard.
func (c *Cashier) key(k fyne.KeyName, label string, action func()) *widget.Button {
	b := widget.NewButton(fmt.Sprintf("%s  %s", k, tr(label)), func() { noteInput(); action(); c.focusScan() })
	c.Keys[k] = b
	return b
}

// functionKey runs the F-key's action; Up and Down move the selected cart line.
func (c *Cashier) functionKey(k *fyne.KeyEvent) bool {
	if b, ok := c.Keys[k.Name]; ok {
		b.OnTapped()
		return true
	}
	switch k.Name {
	case fyne.KeyUp:
		c.selectLine(c.selected - 1)
		return true
	case fyne.KeyDown:
		c.selectLine(c.selected + 1)
		return true
	}
	return false
}

func (c *Cashier) selectLine(i int) {
	if len(c.lines) == 0 {
		return
	}
	i = max(0, min(i, len(c.lines)-1))
	c.Cart.Select(i)
}

func (c *Cashier) newRow() fyne.CanvasObject {
	return container.New(columns{0.08, 0.44, 0.14, 0.16, 0.18},
		widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel(""),
		widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
}

func (c *Cashier) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(c.lines) {
		return
	}
	l := c.lines[id]
	t := c.till.Current().Totals()
	cells := o.(*fyne.Container).Objects
	name := l.Name(c.language)
	if !l.Discount.IsZero() {
		name += "  " + tr("cart.discounted")
	}
	qty := sale.FormatQty(l.QtyMilli, l.Weighed)
	if l.Weighed {
		qty += " kg"
	}
	amount := ""
	if id < len(t.Lines) {
		amount = (t.Lines[id].Gross - t.Lines[id].LineDiscount).Format()
	}
	for i, s := range []string{fmt.Sprint(id + 1), name, qty, l.UnitPrice.Format(), amount} {
		cells[i].(*widget.Label).SetText(s)
	}
}

// refresh redraws the cart and totals from the current sale.
func (c *Cashier) refresh() {
	s := c.till.Current()
	c.lines = s.ActiveLines()
	t := s.Totals()
	c.Items.SetText(fmt.Sprint(t.Items))
	c.Subtotal.SetText(t.Subtotal.Format())
	c.Discount.SetText((-(t.LineDiscounts + t.OrderDiscount)).Format())
	c.Total.Text = t.Total.Format()
	c.Total.Refresh()
	if c.selected >= len(c.lines) {
		c.selected = len(c.lines) - 1
	}
	c.Cart.Refresh()
	if c.selected >= 0 {
		c.Cart.Select(c.selected)
	} else {
		c.Cart.UnselectAll()
	}
	c.refreshStatus()
}

func (c *Cashier) refreshStatus() {
	seq, err := c.till.Journal().LastSeq()
	journal := trf("status.journal", map[string]any{"Count": seq})
	if err == nil {
		err = c.till.JournalProblem()
	}
	if err != nil {
		journal = tr("status.journal_error") + ": " + err.Error()
	}
	held, _ := c.till.Held()
	devices := c.deviceStatusText()
	status := fmt.Sprintf("%s  |  %s  |  %s", journal, trf("status.held", map[string]any{"Count": len(held)}), devices)
	if n := c.till.CatalogSkipped(); n > 0 {
		status += "  |  " + trf("status.catalog_skipped", map[string]any{"Count": n})
	}
	c.Status.SetText(status + c.cardStatusText())
}

// StartClock updates the clock in the status bar every second until stop is closed.
// The ticker goroutine touches the widget only through fyne.Do.
func (c *Cashier) StartClock(stop <-chan struct{}) {
	c.Clock.SetText(c.now().Format("2006-01-02 15:04:05"))
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				fyne.Do(func() {
					c.Clock.SetText(now.Format("2006-01-02 15:04:05"))
					c.checkIdle(now)
				})
			}
		}
	}()
}

func (c *Cashier) focusScan() {
	if c.win != nil && c.Popup == nil && c.CashPad == nil && c.Receipt == nil && c.Picker == nil && c.DevScreen == nil && c.Screen == nil {
		c.win.Canvas().Focus(c.Scan)
	}
}

// say shows an information message; fail shows an error message and logs it.
func (c *Cashier) say(msg string) {
	c.Message.Importance = widget.MediumImportance
	c.Message.SetText(msg)
}

func (c *Cashier) fail(err error) {
	c.log.Warn("cashier action refused", "err", err)
	c.Message.Importance = widget.DangerImportance
	c.Message.SetText(errorText(err))
	c.offerWalletResolve(err)
}

// submit handles Enter in the scan field: "code", "3*code" (quantity first), "@12.50"
// (the selected line's price, with a manager's approval), a customer's payment code
// (paying the sale by wallet), or text that is not a code, which searches the catalog
// by name.
func (c *Cashier) submit(text string) {
	text = strings.TrimSpace(text)
	c.Scan.SetText("")
	defer c.focusScan()
	if text == "" || c.takePaymentCode(text) {
		return
	}
	if price, ok := isPriceEntry(text); ok {
		c.overridePrice(price)
		return
	}
	qtyText, code, hasQty := strings.Cut(text, "*")
	if !hasQty {
		code, qtyText = text, "1"
	}
	code = strings.TrimSpace(code)
	p, err := c.till.Catalog().Lookup(code)
	if errors.Is(err, catalog.ErrNotFound) || errors.Is(err, catalog.ErrBadCode) {
		if !isDigits(code) {
			hits := c.till.Catalog().Search(code, 20)
			if len(hits) == 0 { // a name that matches nothing is "not found", not "bad code"
				c.fail(fmt.Errorf("%q: %w", code, catalog.ErrNotFound))
				return
			}
			c.pick(hits, qtyText)
			return
		}
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.addProduct(p, qtyText)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// addProduct puts p on the sale: counted items with the typed quantity, weighed items
// after asking for the weight.
func (c *Cashier) addProduct(p catalog.Product, qtyText string) {
	if err := c.till.SalesAllowed(); err != nil {
		c.fail(err)
		return
	}
	if p.Weighed {
		c.askWeight(p)
		return
	}
	qty, err := sale.ParseQty(qtyText, false)
	if err != nil {
		c.fail(err)
		return
	}
	id, err := c.till.Current().Add(p, qty)
	if err != nil {
		c.fail(err)
		return
	}
	c.selectByID(id)
	c.say(fmt.Sprintf("%s  %s", p.Name(c.language), p.Price.Format()))
}

// selectByID selects the line with the given ID after a refresh.
func (c *Cashier) selectByID(id int) {
	c.selected = -1
	for i, l := range c.till.Current().ActiveLines() {
		if l.ID == id {
			c.selected = i
		}
	}
	c.refresh()
}

// selectedLine returns the selected line, or the last one.
func (c *Cashier) selectedLine() (sale.Line, bool) {
	if len(c.lines) == 0 {
		return sale.Line{}, false
	}
	if c.selected < 0 || c.selected >= len(c.lines) {
		return c.lines[len(c.lines)-1], true
	}
	return c.lines[c.selected], true
}
