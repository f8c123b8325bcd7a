package ui

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// CardSimPanel is the simulator panel's bank card side (demo mode): a virtual card of
// any profile inserted into the simulated serial reader, tapped on it or taken out;
// the simulated PIN pad's display and keypad; and the sandbox acquirer's faults for
// the next card payment. The cards and keys travel through the real drivers, as with
// hardware. Its widgets are exported so tests drive it.
type CardSimPanel struct {
	Profile *widget.Select // the virtual card to use
	Insert  *widget.Button
	Tap     *widget.Button
	Remove  *widget.Button
	// TapStore taps the store's own prepaid card (no EMV application: known by its
	// UID) on the reader.
	TapStore *widget.Button
	Info     *widget.Label // the card chosen (its PIN) and where it is
	// PadLines are the PIN pad's two display lines; Keys its keypad by key: "0"-"9",
	// "enter", "clear", "cancel".
	PadLines [2]*canvas.Text
	Keys     map[string]*widget.Button
	// Faults make the bank misbehave on the next card payment.
	Faults []*widget.Button
	Error  *widget.Label

	reader   *sim.CardReader
	pad      *sim.PINPad
	sandbox  *acquirersim.Server
	profiles []*emvcard.Profile
	cards    map[string]*emvcard.Card // one card per profile, kept for the panel's life
	stopPad  chan struct{}
	work     worker
}

// tapDwell is how long a tapped card stays in the reader's field: a customer holds
// it there for a moment, then takes it away.
var tapDwell = 3 * time.Second

// newCardSimPanel builds the card side over the demo's simulated reader and PIN pad,
// or returns nil when the till has neither.
func (c *Cashier) newCardSimPanel(sims CardSimulators) *CardSimPanel {
	if sims.Reader == nil && sims.PINPad == nil {
		return nil
	}
	p := &CardSimPanel{reader: sims.Reader, pad: sims.PINPad, sandbox: sims.Sandbox, profiles: emvcard.Profiles(),
		cards: map[string]*emvcard.Card{}, Keys: map[string]*widget.Button{}, Info: widget.NewLabel(""), Error: resultLabel(),
		stopPad: make(chan struct{})}
	p.Error.Importance = widget.DangerImportance
	p.Error.Hide()
	names := make([]string, len(p.profiles))
	for i, pr := range p.profiles {
		names[i] = profileName(pr.Name)
	}
	p.Profile = widget.NewSelect(names, func(string) { p.showCard("") })
	p.Insert = widget.NewButton(tr("sim.card.insert"), func() { p.present(emvcard.Contact) })
	p.Tap = widget.NewButton(tr("sim.card.tap"), func() { p.present(emvcard.Contactless) })
	p.Remove = widget.NewButton(tr("sim.card.remove"), p.remove)
	p.TapStore = widget.NewButton(trf("sim.card.tap_store", map[string]any{"UID": sim.DemoStoreCardUID}), p.tapStoreCard)
	p.Profile.SetSelectedIndex(0)
	if p.reader == nil {
		setEnabled(false, p.Insert, p.Tap, p.Remove, p.TapStore)
	}
	p.buildPad()
	p.buildFaults()
	return p
}

// CardSimulators are what the card side drives.
type CardSimulators struct {
	Reader  *sim.CardReader
	PINPad  *sim.PINPad
	Sandbox *acquirersim.Server // nil: no fault buttons
}

// profileName is a virtual card's name for people.
func profileName(name string) string { return tr("sim.card.profile." + name) }

// content lays the card side out.
func (p *CardSimPanel) content() fyne.CanvasObject {
	card := container.NewVBox(boldLabel(tr("sim.card.title")), p.Profile,
		container.NewGridWithColumns(3, p.Insert, p.Tap, p.Remove), p.TapStore, p.Info)
	lcd := canvas.NewRectangle(color.NRGBA{R: 0xC8, G: 0xDC, B: 0xA8, A: 0xFF})
	lcd.CornerRadius = 4
	display := container.NewStack(lcd, container.NewPadded(container.NewVBox(p.PadLines[0], p.PadLines[1])))
	key := func(k string) fyne.CanvasObject { return p.Keys[k] }
	keypad := container.NewGridWithColumns(4,
		key("1"), key("2"), key("3"), key("cancel"),
		key("4"), key("5"), key("6"), key("clear"),
		key("7"), key("8"), key("9"), key("enter"),
		layout.NewSpacer(), key("0"), layout.NewSpacer(), layout.NewSpacer())
	box := container.NewVBox(card, widget.NewSeparator(), boldLabel(tr("sim.pad.title")), display, keypad)
	if len(p.Faults) > 0 {
		faults := container.NewGridWithColumns(2)
		for _, b := range p.Faults {
			faults.Add(b)
		}
		box.Add(widget.NewSeparator())
		box.Add(boldLabel(tr("sim.bank.title")))
		box.Add(faults)
	}
	box.Add(p.Error)
	return box
}

// profile is the profile chosen.
func (p *CardSimPanel) profile() *emvcard.Profile {
	i := p.Profile.SelectedIndex()
	if i < 0 || i >= len(p.profiles) {
		i = 0
	}
	return p.profiles[i]
}

// card is the chosen profile's card, personalised the first time.
func (p *CardSimPanel) card() (*emvcard.Card, error) {
	pr := p.profile()
	if c, ok := p.cards[pr.Name]; ok {
		return c, nil
	}
	c, err := emvcard.New(pr)
	if err != nil {
		return nil, fmt.Errorf("virtual card %s: %w", pr.Name, err)
	}
	p.cards[pr.Name] = c
	return c, nil
}

// present inserts the chosen card into the reader's slot, or taps it on the antenna
// (taken away again after tapDwell).
func (p *CardSimPanel) present(iface emvcard.Interface) {
	c, err := p.card()
	var presented *emvcard.Presented
	if err == nil {
		presented, err = c.Present(iface)
	}
	if err != nil {
		p.fail(fmt.Errorf("%s: %w", tr(cannotPresent[iface]), err))
		return
	}
	p.fail(nil)
	if iface == emvcard.Contactless {
		p.tap(presented)
		return
	}
	p.reader.Insert(presented)
	p.showCard(tr("sim.card.inserted"))
}

// tap holds card in the reader's field for tapDwell.
func (p *CardSimPanel) tap(card sim.CardApp) {
	p.reader.Tap(card)
	p.showCard(tr("sim.card.tapped"))
	time.AfterFunc(tapDwell, func() {
		p.reader.TakeAway()
		p.work.post(func() { p.showCard("") })
	})
}

// tapStoreCard taps the demo's store card: a prepaid card linked to its UID is
// looked up by the prepaid screens, and the manager's link form takes the UID.
func (p *CardSimPanel) tapStoreCard() {
	card, err := sim.NewStoreCard(sim.DemoStoreCardUID)
	if err != nil {
		p.fail(err)
		return
	}
	p.fail(nil)
	p.tap(card)
}

// cannotPresent says a card has no such interface.
var cannotPresent = map[emvcard.Interface]string{emvcard.Contact: "sim.card.cannot_contact", emvcard.Contactless: "sim.card.cannot_contactless"}

// remove takes the card out of the slot and away from the antenna.
func (p *CardSimPanel) remove() {
	p.reader.Remove()
	p.reader.TakeAway()
	p.fail(nil)
	p.showCard(tr("sim.card.removed"))
}

// showCard describes the card chosen, with its PIN (a test card's), and where.
func (p *CardSimPanel) showCard(where string) {
	pr := p.profile()
	text := trf("sim.card.info", map[string]any{"PIN": pr.Applications[0].PIN})
	if where != "" {
		text += "  —  " + where
	}
	p.Info.SetText(text)
}

// buildPad makes the PIN pad's display and keypad, and follows the pad's display.
func (p *CardSimPanel) buildPad() {
	for i := range p.PadLines {
		p.PadLines[i] = canvas.NewText("", color.Black)
		p.PadLines[i].TextStyle.Monospace = true
		p.PadLines[i].TextSize = 18
	}
	press := func(fn func() error) {
		if p.pad == nil {
			p.fail(errNoSimPad)
			return
		}
		p.fail(fn())
	}
	for _, d := range "0123456789" {
		digit := string(d)
		p.Keys[digit] = widget.NewButton(digit, func() { press(func() error { return p.pad.PressDigits(digit) }) })
	}
	for _, k := range []struct {
		name       string
		importance widget.Importance
		fn         func() error
	}{
		{"enter", widget.SuccessImportance, func() error { return p.pad.PressEnter() }},
		{"clear", widget.WarningImportance, func() error { return p.pad.PressClear() }},
		{"cancel", widget.DangerImportance, func() error { return p.pad.PressCancel() }},
	} {
		b := widget.NewButton(tr("sim.pad."+k.name), func() { press(k.fn) })
		b.Importance = k.importance
		p.Keys[k.name] = b
	}
	if p.pad == nil {
		p.PadLines[0].Text = tr("sim.pad.none")
		return
	}
	p.showPad()
	go p.followPad()
}

// errNoSimPad: the keypad was pressed and no PIN pad is simulated.
var errNoSimPad = fmt.Errorf("no simulated PIN pad")

// followPad hands every change of the pad's display to the UI goroutine until the
// panel closes.
func (p *CardSimPanel) followPad() {
	for {
		changed := p.pad.Changed()
		select {
		case <-p.stopPad:
			return
		case <-changed:
			p.work.post(p.showPad)
		}
	}
}

// showPad shows what the pad's display shows (during PIN entry: one star a digit).
func (p *CardSimPanel) showPad() {
	lines := strings.SplitN(p.pad.Display(), "\n", 2)
	for i := range p.PadLines {
		text := ""
		if i < len(lines) {
			text = lines[i]
		}
		p.PadLines[i].Text = text
		p.PadLines[i].Refresh()
	}
}

// bankFaults are the sandbox's misbehaviours the panel offers, for the next sale.
var bankFaults = []struct {
	key   string
	fault acquirersim.Fault
}{
	{"sim.bank.delay", acquirersim.Fault{Kind: posmsg.KindSale, Delay: 5 * time.Second}},
	{"sim.bank.drop", acquirersim.Fault{Kind: posmsg.KindSale, Drop: true}},
	{"sim.bank.garbage", acquirersim.Fault{Kind: posmsg.KindSale, Garbage: true}},
	{"sim.bank.late", acquirersim.Fault{Kind: posmsg.KindSale, Delay: 40 * time.Second}},
}

// buildFaults makes the sandbox's fault buttons.
func (p *CardSimPanel) buildFaults() {
	if p.sandbox == nil {
		return
	}
	for _, f := range bankFaults {
		p.Faults = append(p.Faults, widget.NewButton(tr(f.key), func() {
			p.sandbox.Inject(f.fault)
			p.fail(nil)
			p.Info.SetText(tr("sim.bank.armed") + ": " + tr(f.key))
		}))
	}
}

// fail shows why the panel could not do what was asked (nil clears it).
func (p *CardSimPanel) fail(err error) {
	p.Error.Hidden = err == nil
	if err != nil {
		p.Error.SetText(err.Error())
	}
}

// stop ends following the PIN pad when the panel closes.
func (p *CardSimPanel) stop() { close(p.stopPad) }

// Wait runs the updates handed over so far (tests).
func (p *CardSimPanel) Wait() { p.work.Wait() }
