package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// KeyEntry is a single-line entry that lets its screen handle function keys and Escape
// before the entry does: the scan field keeps focus while F-keys drive the till, as a
// keyboard-wedge scanner and a cashier's keyboard both expect.
type KeyEntry struct {
	widget.Entry
	// OnKey is called first for every key; returning true consumes the key.
	OnKey func(*fyne.KeyEvent) bool
	// wedge, when set, sees every key to catch keyboard-wedge scans.
	wedge *wedgeRouter
}

// NewKeyEntry returns an empty KeyEntry.
func NewKeyEntry() *KeyEntry {
	e := &KeyEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey offers the key to OnKey, then to the wedge router (Enter ending a scanner
// burst in the wrong field), then to the entry.
func (e *KeyEntry) TypedKey(k *fyne.KeyEvent) {
	noteInput()
	if e.OnKey != nil && e.OnKey(k) {
		return
	}
	if e.wedge != nil && (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && e.wedge.enter(e) {
		return
	}
	e.Entry.TypedKey(k)
}

// KeyDown tells the wedge router which physical key is pressed, then lets the entry
// handle it (selection with Shift).
func (e *KeyEntry) KeyDown(k *fyne.KeyEvent) {
	if e.wedge != nil {
		e.wedge.keyDown(k)
	}
	e.Entry.KeyDown(k)
}

// TypedRune shows the rune to the wedge router, then types it.
func (e *KeyEntry) TypedRune(r rune) {
	noteInput()
	if e.wedge != nil {
		e.wedge.key(e, r)
	}
	e.Entry.TypedRune(r)
}

// columns lays objects out side by side with fixed fractions of the width.
type columns []float32

// MinSize is the widest minimum per fraction and the tallest child.
func (c columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for i, o := range objs {
		ms := o.MinSize()
		if i < len(c) && c[i] > 0 {
			w = max(w, ms.Width/c[i])
		}
		h = max(h, ms.Height)
	}
	return fyne.NewSize(w, h)
}

// Layout places each child in its fraction of the width.
func (c columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for i, o := range objs {
		w := size.Width * c[min(i, len(c)-1)]
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}
