package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Prompt is a small modal that asks for one value (a quantity, a weight, a discount)
// or, with no entry, for a yes/no confirmation. Enter confirms and Escape cancels.
type Prompt struct {
	Title  *widget.Label
	Entry  *KeyEntry // nil for a confirmation
	Error  *widget.Label
	OK     *widget.Button
	Cancel *widget.Button
	popup  *widget.PopUp
}

// prompt opens a Prompt. submit gets the entry's text; an error keeps the prompt open
// with the message shown, nil closes it.
func (c *Cashier) prompt(title, placeholder string, withEntry bool, submit func(string) error) *Prompt {
	p := &Prompt{Title: widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), Error: widget.NewLabel("")}
	p.Error.Importance = widget.DangerImportance
	p.Error.Wrapping = fyne.TextWrapWord
	p.Error.Hide()
	closePrompt := func() {
		p.popup.Hide()
		c.Popup = nil
		if p.Entry == nil {
			c.win.Canvas().SetOnTypedKey(nil)
		}
		c.focusScan()
	}
	confirm := func() {
		text := ""
		if p.Entry != nil {
			text = p.Entry.Text
		}
		if err := submit(text); err != nil {
			c.log.Warn("prompt refused", "title", title, "err", err)
			p.Error.SetText(errorText(err))
			p.Error.Show()
			return
		}
		closePrompt()
	}
	p.OK = widget.NewButton(tr("btn.ok"), confirm)
	p.OK.Importance = widget.HighImportance
	p.Cancel = widget.NewButton(tr("btn.cancel"), closePrompt)
	box := container.NewVBox(p.Title)
	escape := func(k *fyne.KeyEvent) bool {
		if k.Name == fyne.KeyEscape {
			closePrompt()
			return true
		}
		return false
	}
	if withEntry {
		p.Entry = c.newEntry()
		p.Entry.SetPlaceHolder(placeholder)
		p.Entry.OnSubmitted = func(string) { confirm() }
		p.Entry.OnKey = escape
		box.Add(p.Entry)
	} else {
		// A confirmation has nothing to focus, so its keys go to the canvas.
		c.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
			switch k.Name {
			case fyne.KeyReturn, fyne.KeyEnter:
				confirm()
			case fyne.KeyEscape:
				closePrompt()
			}
		})
	}
	box.Add(p.Error)
	box.Add(container.NewGridWithColumns(2, p.Cancel, p.OK))
	p.popup = widget.NewModalPopUp(container.NewPadded(box), c.win.Canvas())
	p.popup.Resize(fyne.NewSize(460, p.popup.MinSize().Height))
	c.Popup = p
	p.popup.Show()
	if p.Entry != nil {
		c.win.Canvas().Focus(p.Entry)
	}
	return p
}

// Picker is a modal list to choose from: search results or held sales. Touch a row,
// or type its number and Enter; Escape cancels.
type Picker struct {
	Title  *widget.Label
	List   *widget.List
	Number *KeyEntry
	Cancel *widget.Button
	Labels []string
	popup  *widget.PopUp
}

// pickFrom opens a Picker over labels; choose gets the chosen index.
func (c *Cashier) pickFrom(title string, labels []string, choose func(int)) *Picker {
	p := &Picker{Title: widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), Labels: labels}
	closePicker := func() {
		p.popup.Hide()
		c.Picker = nil
		c.focusScan()
	}
	p.List = widget.NewList(func() int { return len(labels) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(fmt.Sprintf("%d.  %s", i+1, labels[i]))
		})
	p.List.OnSelected = func(i widget.ListItemID) {
		closePicker()
		choose(i)
	}
	p.Number = c.newEntry()
	p.Number.SetPlaceHolder(tr("picker.number"))
	p.Number.OnSubmitted = func(text string) {
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil || n < 1 || n > len(labels) {
			p.Number.SetText("")
			return
		}
		p.List.Select(n - 1)
	}
	p.Number.OnKey = func(k *fyne.KeyEvent) bool {
		if k.Name == fyne.KeyEscape {
			closePicker()
			return true
		}
		return false
	}
	p.Cancel = widget.NewButton(tr("btn.cancel"), closePicker)
	content := container.NewBorder(p.Title, container.NewBorder(nil, nil, nil, p.Cancel, p.Number), nil, nil, p.List)
	p.popup = widget.NewModalPopUp(container.NewPadded(content), c.win.Canvas())
	p.popup.Resize(fyne.NewSize(600, 440))
	c.Picker = p
	p.popup.Show()
	c.win.Canvas().Focus(p.Number)
	return p
}
