package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/journal"
	"tilldesk/core/money"
)

// Demo catalog codes used below.
const (
	water   = "6936352322870" // 农夫山泉 550ml, ¥2.00
	noodles = "6935212207081" // 康师傅 红烧牛肉面, ¥5.50
	apples  = "P001"          // 富士苹果, ¥12.80/kg
)

type fixture struct {
	c    *Cashier
	w    fyne.Window
	till *app.Till
	j    *journal.Journal
	path string // the journal file, for reopening it
	now  func() time.Time
	shut func() // closes the window, once
	// keyGap is the time between two typed keys as the wedge detector sees it:
	// humanGap (a person) unless a test simulates a keyboard-wedge scanner.
	keyGap time.Duration
	keyAt  time.Time
}

// Typing speeds for the wedge detector.
const (
	humanGap   = 150 * time.Millisecond
	scannerGap = 8 * time.Millisecond
)

func newFixture(t *testing.T, language string) *fixture {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(Theme{})
	got, err := SetLanguage(language)
	if err != nil || got != language {
		t.Fatalf("SetLanguage(%s) = %s, %v", language, got, err)
	}
	clock := time.Date(2026, 11, 26, 6, 30, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	f := &fixture{path: filepath.Join(t.TempDir(), "journal.db"), now: now, keyGap: humanGap, keyAt: clock}
	f.open(t, language)
	// Print jobs run on their own goroutines and touch the screen when they end: one
	// still running when the next test sets its language would race with it.
	t.Cleanup(func() { f.c.printing.Wait() })
	return f
}

// open opens the fixture's journal and builds a till and a cashier screen over it.
func (f *fixture) open(t *testing.T, language string) {
	t.Helper()
	cfg := app.DefaultConfig()
	j, err := journal.Open(f.path, journal.Options{Terminal: cfg.Terminal.ID, Now: f.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	cat, err := app.LoadCatalog("", nil)
	if err != nil {
		t.Fatal(err)
	}
	till := app.NewTill(cfg, j, cat, f.now, nil)
	w := test.NewWindow(nil)
	f.shut = sync.OnceFunc(w.Close) // the test driver panics on a second Close
	t.Cleanup(f.shut)
	c := NewCashier(till, w, language, nil)
	c.now = f.now
	c.wedge.now = func() time.Time { f.keyAt = f.keyAt.Add(f.keyGap); return f.keyAt }
	w.SetContent(c.Content())
	w.Resize(fyne.NewSize(1280, 800))
	w.Canvas().Focus(c.Scan)
	f.c, f.w, f.till, f.j = c, w, till, j
}

// restart closes the window and the journal and starts the till again on the same
// journal file, as after a power cut or a restart of the program.
func (f *fixture) restart(t *testing.T, language string) {
	t.Helper()
	f.shut()
	if err := f.j.Close(); err != nil {
		t.Fatal(err)
	}
	f.open(t, language)
}

// scan types a code into whatever has focus and presses Enter, as a wedge scanner does.
func (f *fixture) scan(code string) {
	focused := f.w.Canvas().Focused()
	if focused == nil {
		panic("nothing has focus: a scan would be lost")
	}
	test.Type(focused, code)
	f.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

func (f *fixture) key(name fyne.KeyName) {
	f.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: name})
}

// press delivers a key the way the GLFW driver does: to the focused widget of the top
// layer, or, when nothing there has focus, to the canvas's key handler (if any).
func (f *fixture) press(name fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: name}
	if focused := f.w.Canvas().Focused(); focused != nil {
		focused.TypedKey(ev)
		return
	}
	if h := f.w.Canvas().OnTypedKey(); h != nil {
		h(ev)
	}
}

// answer replaces the text of the open prompt's entry with text and presses Enter. It
// returns the prompt it answered.
func (f *fixture) answer(t *testing.T, text string) *Prompt {
	t.Helper()
	p := f.c.Popup
	if p == nil || p.Entry == nil {
		t.Fatalf("no prompt with an entry is open to answer %q", text)
	}
	if f.w.Canvas().Focused() != p.Entry {
		t.Fatalf("the prompt %q is open but its entry has no focus", p.Title.Text)
	}
	p.Entry.SetText("")
	f.scan(text)
	return p
}

// cells returns the texts of cart row i as the list draws them.
func (f *fixture) cells(i int) []string {
	row := f.c.newRow()
	f.c.updateRow(i, row)
	var out []string
	for _, o := range row.(*fyne.Container).Objects {
		out = append(out, o.(*widget.Label).Text)
	}
	return out
}

// records counts the journal's records of kind.
func (f *fixture) records(t *testing.T, kind string) int {
	t.Helper()
	n := 0
	if err := f.j.Each(journal.Filter{Kind: kind}, func(journal.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMain(m *testing.M) {
	os.Setenv("LANG", "en_US.UTF-8") // Fyne logs a locale error under LANG=C
	os.Exit(m.Run())
}

func TestCashSaleEndToEnd(t *testing.T) {
	f := newFixture(t, "en")
	f.scan(water)
	f.scan(water)
	f.scan("3*" + noodles)
	if got := f.c.Total.Text; got != "¥20.50" {
		t.Fatalf("total after scans = %s, want ¥20.50", got)
	}
	if len(f.c.lines) != 2 || f.c.lines[0].QtyMilli != 2000 {
		t.Fatalf("lines = %+v, want water x2 and noodles x3", f.c.lines)
	}
	f.key(fyne.KeyF12)
	if f.c.CashPad == nil {
		t.Fatal("F12 did not open the cash dialog")
	}
	test.Type(f.c.CashPad.Tendered, "10")
	if f.c.CashPad.Error.Text == "" {
		t.Error("tendering ¥10 against ¥20.50 shows no shortfall")
	}
	test.Tap(f.c.CashPad.Confirm)
	if f.c.Receipt != nil {
		t.Fatal("an underpaid sale produced a receipt")
	}
	f.c.CashPad.Tendered.SetText("")
	test.Type(f.c.CashPad.Tendered, "50")
	if got := f.c.CashPad.Change.Text; got != "¥29.50" {
		t.Errorf("change = %s, want ¥29.50", got)
	}
	test.Tap(f.c.CashPad.Confirm)
	if f.c.Receipt == nil {
		t.Fatalf("no receipt after paying; dialog error: %v", f.c.CashPad)
	}
	text := receiptText(f.c.Receipt)
	for _, want := range []string{"Tilldesk Demo Market", "Nongfu Spring Water 550ml", "¥20.50", "Change", "¥29.50", "¥50.00", f.c.Receipt.Number, "DEMO0001"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}

	// The sale is in the journal, durably, with the chain intact.
	var rec journal.Record
	err := f.j.Each(journal.Filter{Kind: journal.KindSaleCompleted}, func(r journal.Record) error { rec = r; return nil })
	if err != nil || rec.Seq == 0 {
		t.Fatalf("no sale.completed record: %v", err)
	}
	var data struct {
		Totals struct {
			Total, Change money.Amount
		}
	}
	if err := json.Unmarshal(rec.Data, &data); err != nil || data.Totals.Total != 2050 || data.Totals.Change != 2950 {
		t.Fatalf("journal record totals = %+v (%v), want total 2050 change 2950", data.Totals, err)
	}
	if _, err := f.j.Verify(); err != nil {
		t.Fatal(err)
	}
	// Enter on the receipt starts the next sale with an empty cart and the scan field focused.
	f.w.Canvas().(interface{ OnTypedKey() func(*fyne.KeyEvent) }).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if f.c.Receipt != nil || f.w.Canvas().Focused() != f.c.Scan || f.c.Total.Text != "¥0.00" {
		t.Fatalf("after the receipt: receipt=%v focus=%v total=%s", f.c.Receipt, f.w.Canvas().Focused(), f.c.Total.Text)
	}
}

func receiptText(v *ReceiptView) string {
	var b strings.Builder
	for _, r := range v.Rows {
		b.WriteString(r.Left + " | " + r.Right + "\n")
	}
	return b.String()
}
