package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/core/journal"
)

// StartupError is the screen shown when the till cannot start: what is wrong in words
// for the person at the till, the technical detail for the technician, and Quit.
func StartupError(err error, quit func()) fyne.CanvasObject {
	key := "startup.other"
	switch {
	case errors.Is(err, journal.ErrLocked):
		key = "startup.locked"
	case errors.Is(err, journal.ErrCorrupt):
		key = "startup.corrupt"
	case errors.Is(err, journal.ErrNewerSchema):
		key = "startup.newer"
	case errors.Is(err, journal.ErrTerminal):
		key = "startup.terminal"
	}
	reason := widget.NewLabelWithStyle(tr(key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	reason.Wrapping = fyne.TextWrapWord
	detail := widget.NewLabel(err.Error())
	detail.Wrapping = fyne.TextWrapWord
	detail.Importance = widget.DangerImportance
	quitButton := widget.NewButton(tr("startup.quit"), quit)
	return container.NewBorder(widget.NewLabelWithStyle(tr("startup.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		quitButton, nil, nil, container.NewVBox(reason, detail))
}
