package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/devices/scanner"
)

func TestWedgeScanInTheScanFieldIsAnItem(t *testing.T) {
	f := newFixture(t, "en")
	f.keyGap = scannerGap
	f.scan(water)
	if len(f.c.lines) != 1 || f.c.lines[0].Code != water {
		t.Fatalf("lines %+v", f.c.lines)
	}
}

func TestWedgeScanNeverLandsInADialogField(t *testing.T) {
	f := newFixture(t, "en")
	f.scan(water)

	// A quantity prompt is open; the scanner fires: nothing lands in the prompt.
	f.key(fyne.KeyF2)
	prompt := f.c.Popup
	f.keyGap = scannerGap
	f.scan(noodles)
	if f.c.Popup != prompt || prompt.Entry.Text != "" {
		t.Fatalf("prompt %v text %q after a scan", f.c.Popup, prompt.Entry.Text)
	}
	wantMessage(t, f, "err.scan_ignored")
	if len(f.c.lines) != 1 || f.c.lines[0].QtyMilli != 1000 {
		t.Fatalf("a scan in the quantity prompt changed the sale: %+v", f.c.lines)
	}
	// A person then types the quantity at human speed: that is a quantity.
	f.keyGap = humanGap
	f.answer(t, "2")
	if f.c.lines[0].QtyMilli != 2000 {
		t.Fatalf("typed quantity not taken: %+v", f.c.lines[0])
	}

	// The cash dialog: a person types 10, then a scan arrives: the amount stays 10.
	f.key(fyne.KeyF12)
	test.Type(f.c.CashPad.Tendered, "10")
	f.keyAt = f.keyAt.Add(time.Second) // the scanner fires a moment later
	f.keyGap = scannerGap
	test.Type(f.c.CashPad.Tendered, water)
	f.c.CashPad.Tendered.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if f.c.CashPad == nil || f.c.CashPad.Tendered.Text != "10" {
		t.Fatalf("cash dialog after a scan: %+v", f.c.CashPad)
	}
	if n := f.records(t, "sale.completed"); n != 0 {
		t.Fatal("a scan in the cash dialog completed the sale")
	}
}

func TestDeviceScansAreRoutedByWhatTheScreenWaitsFor(t *testing.T) {
	f := newFixture(t, "zh")
	scan := func(code string) { f.c.onScan(scanner.Scan{Data: code, Source: "scanner /dev/pts/9", At: time.Now()}) }
	scan(water)
	if len(f.c.lines) != 1 {
		t.Fatalf("device scan with no dialog: lines %+v", f.c.lines)
	}
	// A picker is open: the scan is refused, the picker stays.
	f.scan("可乐")
	scan(noodles)
	if f.c.Picker == nil || len(f.c.lines) != 1 {
		t.Fatalf("scan over a picker: picker %v lines %d", f.c.Picker, len(f.c.lines))
	}
	wantMessage(t, f, "err.scan_ignored")
	f.press(fyne.KeyEscape)
	// A dialog that asked for a scan gets it.
	var got string
	f.c.scanWanted = func(code string) { got = code }
	scan("28763539014482711")
	if got != "28763539014482711" || len(f.c.lines) != 1 {
		t.Fatalf("wanted scan got %q, lines %d", got, len(f.c.lines))
	}
	f.c.scanWanted = nil
	// After a sale the receipt is showing: the next customer's first scan closes it.
	payExactCash(t, f)
	scan(noodles)
	if f.c.Receipt != nil || len(f.c.lines) != 1 || f.c.lines[0].Code != noodles {
		t.Fatalf("scan over the receipt: receipt %v lines %+v", f.c.Receipt, f.c.lines)
	}
	if f.w.Canvas().Focused() != f.c.Scan {
		t.Error("scan field lost focus")
	}
}

// typeWithKeys types s into the focused entry the way GLFW delivers it: KeyDown with
// the physical key, then the rune the keyboard layout made of it.
func (f *fixture) typeWithKeys(t *testing.T, keys []int, runes string) {
	t.Helper()
	e, ok := f.w.Canvas().Focused().(*KeyEntry)
	if !ok {
		t.Fatal("focus is not on an entry")
	}
	for i, r := range []rune(runes) {
		e.KeyDown(&fyne.KeyEvent{Physical: fyne.HardwareKey{ScanCode: keys[i]}})
		e.TypedRune(r)
	}
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

func TestWedgeScanUnderAnotherKeyboardLayout(t *testing.T) {
	if digitByScanCode == nil {
		t.Skip("no scan-code table for this platform")
	}
	keyOf := map[rune]int{}
	for code, d := range digitByScanCode {
		keyOf[d] = code
	}
	// What a French AZERTY layout types for the unshifted digit row.
	azerty := map[rune]rune{'1': '&', '2': 'é', '3': '"', '4': '\'', '5': '(', '6': '-', '7': 'è', '8': '_', '9': 'ç', '0': 'à'}
	var keys []int
	var typed []rune
	for _, d := range water {
		keys = append(keys, keyOf[d])
		typed = append(typed, azerty[d])
	}
	f := newFixture(t, "en")
	f.keyGap = scannerGap
	f.typeWithKeys(t, keys, string(typed))
	if len(f.c.lines) != 1 || f.c.lines[0].Code != water {
		t.Fatalf("AZERTY wedge scan gave lines %+v, message %q", f.c.lines, f.c.Message.Text)
	}
	// A person typing the same keys slowly gets what the layout typed (not a scan).
	f.keyGap = humanGap
	f.typeWithKeys(t, keys[:4], string(typed[:4]))
	if len(f.c.lines) != 1 {
		t.Fatalf("slow typing was taken for a scan: %+v", f.c.lines)
	}
}
