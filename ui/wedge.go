package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"tilldesk/devices/scanner"
)

// wedgeRouter watches every entry of the cashier screen for keyboard-wedge scanner
// bursts. A burst typed into the scan field is an ordinary scan. A burst that lands in
// another field (the cash amount, a quantity prompt) is taken back out of that field and
// handed to the scan router instead, so a scan never lands in the wrong field.
type wedgeRouter struct {
	detector scanner.Wedge
	now      func() time.Time
	scan     *KeyEntry          // the scan field
	onScan   func(scanner.Scan) // where bursts from other fields go
	last     fyne.Focusable     // the entry the last key went to
}

// key records a typed rune in entry e.
func (w *wedgeRouter) key(e *KeyEntry, r rune) {
	if fyne.Focusable(e) != w.last {
		w.detector.Reset() // keys in another field are another line
		w.last = e
	}
	w.detector.Key(r, w.now())
}

// enter records Enter in entry e and reports whether it was consumed as a scan that
// had landed in the wrong field.
func (w *wedgeRouter) enter(e *KeyEntry) bool {
	code, isScan := w.detector.Enter(w.now())
	if !isScan || e == w.scan {
		return false
	}
	_, runes := w.detector.Burst()
	if burst := string(runes); strings.HasSuffix(e.Text, burst) {
		e.SetText(strings.TrimSuffix(e.Text, burst))
	}
	w.onScan(scanner.Scan{Data: code, Source: "keyboard wedge", At: w.now()})
	return true
}
