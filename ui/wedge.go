package ui

import (
	"runtime"
	"time"

	"fyne.io/fyne/v2"

	"tilldesk/devices/scanner"
)

// wedgeRouter watches every entry of the cashier screen for keyboard-wedge scanner
// bursts. A burst typed into the scan field is an ordinary scan. A burst that lands in
// another field (the cash amount, a quantity prompt) is taken back out of that field and
// handed to the scan router instead, so a scan never lands in the wrong field.
//
// Scanners in keyboard mode emulate a US keyboard, so under another layout (French
// AZERTY types "&é\"'(" for "12345") the runes are wrong. Where the platform reports
// physical scan codes, keys of the digit row are read by position instead, so codes
// of digits (EAN/UPC barcodes, Alipay and WeChat payment codes) come through whatever
// the layout.
type wedgeRouter struct {
	detector scanner.Wedge
	now      func() time.Time
	scan     *KeyEntry          // the scan field
	onScan   func(scanner.Scan) // where bursts from other fields go
	last     fyne.Focusable     // the entry the last key went to
	scanCode int                // physical key of the key being typed (0: unknown)
}

// keyDown notes the physical key, which the rune that follows was typed with.
func (w *wedgeRouter) keyDown(ev *fyne.KeyEvent) { w.scanCode = ev.Physical.ScanCode }

// key records a typed rune in entry e.
func (w *wedgeRouter) key(e *KeyEntry, r rune) {
	if fyne.Focusable(e) != w.last {
		w.detector.Reset() // keys in another field are another line
		w.last = e
	}
	if d, ok := digitByScanCode[w.scanCode]; ok && w.scanCode != 0 {
		r = d // the digit-row key, whatever the layout made of it
	}
	w.scanCode = 0
	w.detector.Key(r, w.now())
}

// enter records Enter in entry e and reports whether it was consumed as a scan that
// had landed in the wrong field.
func (w *wedgeRouter) enter(e *KeyEntry) bool {
	code, isScan := w.detector.Enter(w.now())
	if !isScan {
		return false
	}
	_, runes := w.detector.Burst()
	typed := []rune(e.Text)
	kept := string(typed[:max(0, len(typed)-len(runes))]) // what a person typed before the burst
	if e == w.scan {
		// An ordinary scan: the field submits what the scanner meant (read by key
		// position), after any quantity the cashier typed first ("3*").
		e.SetText(kept + code)
		return false
	}
	e.SetText(kept)
	w.onScan(scanner.Scan{Data: code, Source: "keyboard wedge", At: w.now()})
	return true
}

// digitByScanCode maps the physical keys of the digit row to the digits a US keyboard
// types, by the scan codes GLFW reports on each platform: X11 key codes on Linux
// (evdev + 8), set-1 scan codes on Windows, virtual key codes on macOS.
var digitByScanCode = map[string]map[int]rune{
	"linux":   {10: '1', 11: '2', 12: '3', 13: '4', 14: '5', 15: '6', 16: '7', 17: '8', 18: '9', 19: '0'},
	"windows": {0x02: '1', 0x03: '2', 0x04: '3', 0x05: '4', 0x06: '5', 0x07: '6', 0x08: '7', 0x09: '8', 0x0A: '9', 0x0B: '0'},
	"darwin":  {0x12: '1', 0x13: '2', 0x14: '3', 0x15: '4', 0x17: '5', 0x16: '6', 0x1A: '7', 0x1C: '8', 0x19: '9', 0x1D: '0'},
}[runtime.GOOS]
