package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/core/catalog"
)

// pickLabel selects the first entry of the open picker whose label contains s.
func pickLabel(t *testing.T, f *fixture, s string) {
	t.Helper()
	p := f.c.Picker
	if p == nil {
		t.Fatalf("no picker is open to choose %q from", s)
	}
	for i, l := range p.Labels {
		if strings.Contains(l, s) {
			p.List.Select(i)
			return
		}
	}
	t.Fatalf("picker has no %q: %q", s, p.Labels)
}

func TestScanFieldRefusesBadInput(t *testing.T) {
	const unknown = "4006381333931" // a valid EAN-13 that is not in the demo catalog
	if catalog.GS1CheckDigit(unknown[:12]) != unknown[12] {
		t.Fatalf("%s has a wrong check digit; the test needs a valid one", unknown)
	}
	for _, tc := range []struct{ input, key string }{
		{unknown, "err.unknown_code"},
		{"6936352322871", "err.check_digit"}, // water with its last digit misread
		{"69363523", "err.check_digit"},      // an EAN-8 with a bad check digit
		{"99999*" + water, "err.quantity"},
		{"10000*" + water, "err.quantity"},
		{"0*" + water, "err.quantity"},
		{"1.5*" + water, "err.quantity"},
		{"x*" + water, "err.quantity"},
		{"durian", "err.unknown_code"}, // a name with no hit
		{"1234567", "err.unknown_code"},
		{"12345678901234567890123", "err.bad_code"},
	} {
		t.Run(tc.input, func(t *testing.T) {
			f := newFixture(t, "en")
			f.scan(tc.input)
			wantMessage(t, f, tc.key)
			if len(f.till.Current().Lines) != 0 || f.c.Popup != nil || f.c.Picker != nil {
				t.Errorf("%q: lines %d popup %v picker %v, want nothing added or opened", tc.input, len(f.till.Current().Lines), f.c.Popup, f.c.Picker)
			}
			if f.c.Scan.Text != "" || f.w.Canvas().Focused() != f.c.Scan {
				t.Errorf("%q: scan field %q focus %v, want it cleared and focused for the next scan", tc.input, f.c.Scan.Text, f.w.Canvas().Focused())
			}
			// The next good scan works and clears the error.
			f.scan(water)
			if len(f.c.lines) != 1 || f.c.Message.Importance == widget.DangerImportance {
				t.Errorf("scan after %q: lines %d message %q", tc.input, len(f.c.lines), f.c.Message.Text)
			}
		})
	}
}

func TestScanFieldChineseTextWithNoHit(t *testing.T) {
	f := newFixture(t, "zh")
	f.scan("榴莲")
	if len(f.till.Current().Lines) != 0 || f.c.Picker != nil || f.c.Message.Importance != widget.DangerImportance {
		t.Errorf("榴莲: lines %d picker %v", len(f.till.Current().Lines), f.c.Picker)
	}
	wantMessage(t, f, "err.unknown_code")
}

func TestPickerByKeyboard(t *testing.T) {
	f := newFixture(t, "zh")
	f.scan("可乐")
	p := f.c.Picker
	if p == nil || f.w.Canvas().Focused() != p.Number {
		t.Fatalf("picker %v, focus %v: want the picker's number field focused", p, f.w.Canvas().Focused())
	}
	for _, bad := range []string{"0", "99", "x"} {
		test.Type(p.Number, bad)
		f.press(fyne.KeyReturn)
		if f.c.Picker == nil || len(f.c.lines) != 0 {
			t.Fatalf("number %q chose something", bad)
		}
	}
	test.Type(p.Number, "2")
	f.press(fyne.KeyReturn)
	if f.c.Picker != nil || len(f.c.lines) != 1 || !strings.Contains(p.Labels[1], f.c.lines[0].NameZH) {
		t.Fatalf("number 2 of %q gave lines %+v", p.Labels, f.c.lines)
	}
	f.scan("可乐")
	f.press(fyne.KeyEscape)
	if f.c.Picker != nil || f.w.Canvas().Focused() != f.c.Scan || len(f.c.lines) != 1 {
		t.Fatalf("Escape: picker %v focus %v lines %d", f.c.Picker, f.w.Canvas().Focused(), len(f.c.lines))
	}
}

func TestScanFieldSearchesByName(t *testing.T) {
	f := newFixture(t, "zh")
	f.scan("可乐")
	p := f.c.Picker
	if p == nil || len(p.Labels) < 2 {
		t.Fatalf("searching 可乐 opened %+v, want a picker with several hits", p)
	}
	if p.Title.Text != tr("search.title") {
		t.Errorf("picker title = %q", p.Title.Text)
	}
	for _, want := range []string{"可口可乐", "百事可乐"} {
		if !strings.Contains(strings.Join(p.Labels, "\n"), want) {
			t.Errorf("hits lack %s: %q", want, p.Labels)
		}
	}
	pickLabel(t, f, "百事可乐")
	if f.c.Picker != nil || len(f.c.lines) != 1 || f.c.lines[0].NameZH != "百事可乐 500ml" {
		t.Fatalf("after choosing: picker %v lines %+v", f.c.Picker, f.c.lines)
	}
	wantTotal(t, f, "¥3.50")
	if f.w.Canvas().Focused() != f.c.Scan {
		t.Error("the scan field did not get focus back after choosing")
	}

	// "qty*name" keeps the typed quantity for the chosen product.
	f.scan("3*可乐")
	pickLabel(t, f, "可口可乐")
	if len(f.c.lines) != 2 || f.c.lines[1].QtyMilli != 3000 {
		t.Fatalf("3*可乐 then 可口可乐: lines %+v, want 3 cans", f.c.lines)
	}
	wantTotal(t, f, "¥12.50")

	// Choosing a weighed product asks for its weight.
	f.scan("苹果")
	pickLabel(t, f, "富士苹果")
	if f.c.Popup == nil || f.c.Popup.Entry == nil {
		t.Fatal("choosing apples asked no weight")
	}
	f.answer(t, "1.000")
	wantTotal(t, f, "¥25.30")

	// The picker's Cancel adds nothing and gives the focus back.
	f.scan("牛奶")
	if f.c.Picker == nil {
		t.Fatal("searching 牛奶 opened no picker")
	}
	f.c.Picker.Cancel.OnTapped()
	if f.c.Picker != nil || len(f.c.lines) != 3 || f.w.Canvas().Focused() != f.c.Scan {
		t.Errorf("after Cancel: picker %v lines %d focus %v", f.c.Picker, len(f.c.lines), f.w.Canvas().Focused())
	}
}

func TestSearchKey(t *testing.T) {
	f := newFixture(t, "en")
	f.key(fyne.KeyF9)
	p := f.c.Popup
	if p == nil || p.Entry == nil || p.Title.Text != tr("prompt.search") {
		t.Fatalf("F9 opened %+v, want the search prompt", p)
	}
	for _, miss := range []string{"durian", "榴莲", "999999"} {
		f.answer(t, miss)
		wantPromptError(t, f, p, "err.unknown_code", miss)
	}
	f.answer(t, "noodles")
	if f.c.Popup != nil || f.c.Picker == nil || len(f.c.Picker.Labels) != 2 {
		t.Fatalf("searching noodles: popup %v picker %+v, want two noodle hits", f.c.Popup, f.c.Picker)
	}
	pickLabel(t, f, "Uni-President")
	if len(f.c.lines) != 1 || f.c.lines[0].Code != "6946194479618" {
		t.Fatalf("lines = %+v, want the Uni-President noodles", f.c.lines)
	}
	// A code prefix finds the product too.
	f.key(fyne.KeyF9)
	f.answer(t, "69360")
	pickLabel(t, f, "Coca-Cola")
	wantTotal(t, f, "¥7.50")
}
