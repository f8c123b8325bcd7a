package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/core/journal"
	"tilldesk/core/money"
)

const coke = "6936095145095" // 可口可乐 330ml, ¥3.00

// wantPromptError checks that p is still the open prompt and shows the translated
// message for key as its error.
func wantPromptError(t *testing.T, f *fixture, p *Prompt, key, input string) {
	t.Helper()
	if f.c.Popup != p {
		t.Fatalf("%q: the prompt closed; it should stay open with an error", input)
	}
	if !p.Error.Visible() || !strings.HasPrefix(p.Error.Text, tr(key)+"\n") {
		t.Errorf("%q: prompt error = %q (visible %v), want it to start with %q", input, p.Error.Text, p.Error.Visible(), tr(key))
	}
}

// wantMessage checks the message line shows the translated text for key as an error.
func wantMessage(t *testing.T, f *fixture, key string) {
	t.Helper()
	if !strings.HasPrefix(f.c.Message.Text, tr(key)) || f.c.Message.Importance != widget.DangerImportance {
		t.Errorf("message = %q (importance %v), want the error %q", f.c.Message.Text, f.c.Message.Importance, tr(key))
	}
}

func wantTotal(t *testing.T, f *fixture, want string) {
	t.Helper()
	if got := f.c.Total.Text; got != want {
		t.Errorf("total = %s, want %s", got, want)
	}
}

func TestWeighedItemAsksForWeight(t *testing.T) {
	f := newFixture(t, "en")
	f.scan(apples)
	p := f.c.Popup
	if p == nil || p.Entry == nil {
		t.Fatal("scanning a weighed item opened no weight prompt")
	}
	if !strings.Contains(p.Title.Text, "Fuji Apples") || !strings.Contains(p.Title.Text, "¥12.80") {
		t.Errorf("weight prompt title = %q, want the product and its price per kg", p.Title.Text)
	}
	for _, bad := range []string{"0", "abc", "100", "0.1234", "-1", "", "1,5"} {
		f.answer(t, bad)
		wantPromptError(t, f, p, "err.quantity", bad)
		if len(f.c.lines) != 0 || len(f.till.Current().Lines) != 0 {
			t.Fatalf("weight %q added a line: %+v", bad, f.c.lines)
		}
	}
	f.answer(t, "0.532")
	if f.c.Popup != nil {
		t.Fatalf("a good weight left the prompt open: %q", p.Error.Text)
	}
	if len(f.c.lines) != 1 || f.c.lines[0].QtyMilli != 532 || !f.c.lines[0].Weighed {
		t.Fatalf("lines = %+v, want one weighed line of 532 g", f.c.lines)
	}
	// 12.80 * 0.532 = 6.8096, rounded half away from zero to the fen.
	wantTotal(t, f, "¥6.81")
	if got := f.cells(0); got[2] != "0.532 kg" || got[3] != "¥12.80" || got[4] != "¥6.81" {
		t.Errorf("cart row = %q, want qty 0.532 kg, price ¥12.80, amount ¥6.81", got)
	}
	if f.c.Items.Text != "1" {
		t.Errorf("items = %s, want 1 (a weighed line counts once)", f.c.Items.Text)
	}
	if f.w.Canvas().Focused() != f.c.Scan {
		t.Error("the scan field did not get focus back after the weight prompt")
	}

	// The same product again is a second line, not a heavier first one.
	f.scan(apples)
	f.answer(t, "1")
	if len(f.c.lines) != 2 {
		t.Fatalf("second weighing: lines = %+v, want two lines", f.c.lines)
	}
	wantTotal(t, f, "¥19.61")

	// Escape on the weight prompt adds nothing.
	f.scan(apples)
	if f.c.Popup == nil {
		t.Fatal("no weight prompt")
	}
	f.key(fyne.KeyEscape)
	if f.c.Popup != nil || len(f.c.lines) != 2 || f.w.Canvas().Focused() != f.c.Scan {
		t.Errorf("after Escape: popup=%v lines=%d focus=%v", f.c.Popup, len(f.c.lines), f.w.Canvas().Focused())
	}
}

func TestQuantityVoidAndSelection(t *testing.T) {
	f := newFixture(t, "en")
	for _, k := range []fyne.KeyName{fyne.KeyF2, fyne.KeyF3} {
		f.key(k)
		if f.c.Popup != nil {
			t.Fatalf("%s on an empty cart opened a prompt", k)
		}
		wantMessage(t, f, "err.no_line")
	}

	f.scan(water)
	f.scan(noodles)
	f.scan(coke)
	wantTotal(t, f, "¥10.50")
	if f.c.selected != 2 {
		t.Fatalf("selected = %d after scanning, want the last line (2)", f.c.selected)
	}
	for _, step := range []struct {
		key  fyne.KeyName
		want int
	}{
		{fyne.KeyUp, 1}, {fyne.KeyUp, 0}, {fyne.KeyUp, 0}, {fyne.KeyDown, 1},
		{fyne.KeyDown, 2}, {fyne.KeyDown, 2}, {fyne.KeyUp, 1},
	} {
		f.key(step.key)
		if f.c.selected != step.want {
			t.Fatalf("after %s: selected = %d, want %d", step.key, f.c.selected, step.want)
		}
	}
	if f.w.Canvas().Focused() != f.c.Scan {
		t.Fatal("moving the selection took focus from the scan field")
	}

	// F2 changes the selected line (noodles), not the last one.
	f.key(fyne.KeyF2)
	p := f.c.Popup
	if p == nil || !strings.Contains(p.Title.Text, "Master Kong") {
		t.Fatalf("F2 prompt = %+v, want one for the noodles", p)
	}
	for _, bad := range []string{"1.5", "0", "10000", "x"} {
		f.answer(t, bad)
		wantPromptError(t, f, p, "err.quantity", bad)
	}
	if f.c.lines[1].QtyMilli != 1000 {
		t.Fatalf("refused quantities changed the line: %+v", f.c.lines[1])
	}
	wantTotal(t, f, "¥10.50")
	f.answer(t, "4")
	if f.c.Popup != nil {
		t.Fatalf("quantity 4 refused: %q", p.Error.Text)
	}
	if f.c.lines[1].QtyMilli != 4000 || f.c.selected != 1 {
		t.Fatalf("after F2 4: line %+v selected %d", f.c.lines[1], f.c.selected)
	}
	wantTotal(t, f, "¥27.00")
	if f.c.Items.Text != "6" {
		t.Errorf("items = %s, want 6", f.c.Items.Text)
	}

	// F3 voids the selected line; the totals drop and the selection stays in range.
	f.key(fyne.KeyUp)
	f.key(fyne.KeyF3)
	if len(f.c.lines) != 2 || f.c.lines[0].Code != noodles {
		t.Fatalf("after voiding water: lines = %+v", f.c.lines)
	}
	wantTotal(t, f, "¥25.00")
	if !strings.Contains(f.c.Message.Text, "Nongfu Spring") {
		t.Errorf("message after void = %q, want it to name the voided item", f.c.Message.Text)
	}
	f.key(fyne.KeyDown)
	f.key(fyne.KeyF3)
	wantTotal(t, f, "¥22.00")
	f.key(fyne.KeyF3)
	wantTotal(t, f, "¥0.00")
	if len(f.c.lines) != 0 || f.c.selected != -1 {
		t.Fatalf("after voiding everything: lines %+v selected %d", f.c.lines, f.c.selected)
	}
	// Voided lines stay on the sale, marked, for the journal.
	if n := len(f.till.Current().Lines); n != 3 {
		t.Errorf("sale keeps %d lines, want the 3 voided ones", n)
	}
}

func TestDiscounts(t *testing.T) {
	f := newFixture(t, "en")
	f.key(fyne.KeyF5)
	if f.c.Popup != nil {
		t.Fatal("F5 on an empty cart opened a prompt")
	}
	wantMessage(t, f, "err.empty")

	f.scan(water)
	f.scan(water)
	f.scan("3*" + noodles)
	wantTotal(t, f, "¥20.50")

	// 10% off the noodles (¥16.50): ¥1.65.
	f.key(fyne.KeyF4)
	p := f.c.Popup
	if p == nil || !strings.Contains(p.Title.Text, "Master Kong") {
		t.Fatalf("F4 prompt = %+v, want one for the selected noodles", p)
	}
	f.answer(t, "10%")
	if f.c.Popup != nil {
		t.Fatalf("10%% refused: %q", p.Error.Text)
	}
	wantTotal(t, f, "¥18.85")
	if got := f.cells(1); got[1] != "Master Kong Braised Beef Noodles Cup  [disc.]" || got[4] != "¥14.85" {
		t.Errorf("discounted row = %q", got)
	}

	// ¥1.00 off the water (¥4.00); first some discounts that must be refused.
	f.key(fyne.KeyUp)
	f.key(fyne.KeyF4)
	p = f.c.Popup
	for _, bad := range []string{"5.00", "4.01", "150%", "abc", "-1", "10.125%", "%"} {
		f.answer(t, bad)
		wantPromptError(t, f, p, "err.discount", bad)
		wantTotal(t, f, "¥18.85")
		if !f.till.Current().Lines[0].Discount.IsZero() {
			t.Fatalf("discount %q was applied: %+v", bad, f.till.Current().Lines[0].Discount)
		}
	}
	f.answer(t, "1.00")
	if f.c.Popup != nil {
		t.Fatalf("1.00 refused: %q", p.Error.Text)
	}
	wantTotal(t, f, "¥17.85")

	// 5% off the order: 5% of ¥17.85 = ¥0.8925, rounded to ¥0.89.
	f.key(fyne.KeyF5)
	p = f.c.Popup
	for _, bad := range []string{"17.86", "101%"} {
		f.answer(t, bad)
		wantPromptError(t, f, p, "err.discount", bad)
	}
	wantTotal(t, f, "¥17.85")
	f.answer(t, "5%")
	if f.c.Popup != nil {
		t.Fatalf("5%% refused: %q", p.Error.Text)
	}
	wantTotal(t, f, "¥16.96")
	if f.c.Subtotal.Text != "¥20.50" || f.c.Discount.Text != "-¥3.54" {
		t.Errorf("subtotal %s discount %s, want ¥20.50 and -¥3.54", f.c.Subtotal.Text, f.c.Discount.Text)
	}

	// A line's new quantity must still carry its amount discount: 1 water is ¥2.00,
	// ¥1.00 off still fits; the order discount is a percentage and follows.
	f.key(fyne.KeyF2)
	f.answer(t, "1")
	if f.c.Popup != nil {
		t.Fatalf("quantity 1 refused: %q", f.c.Popup.Error.Text)
	}
	// (2.00-1.00) + 14.85 = 15.85; 5% = 0.7925 -> 0.79; 15.85-0.79 = 15.06.
	wantTotal(t, f, "¥15.06")
}

func TestHoldAndRecall(t *testing.T) {
	f := newFixture(t, "en")
	f.key(fyne.KeyF7)
	if f.c.Picker != nil || f.c.Message.Text != tr("msg.none_held") {
		t.Fatalf("F7 with nothing held: picker %v, message %q", f.c.Picker, f.c.Message.Text)
	}
	f.key(fyne.KeyF6)
	wantMessage(t, f, "err.empty")

	f.scan(water)
	f.scan("3*" + noodles)
	f.key(fyne.KeyF6)
	if len(f.c.lines) != 0 || f.c.Total.Text != "¥0.00" || f.c.Message.Text != tr("msg.held") {
		t.Fatalf("after hold: lines %+v total %s message %q", f.c.lines, f.c.Total.Text, f.c.Message.Text)
	}
	if !strings.Contains(f.c.Status.Text, "Held 1") {
		t.Errorf("status = %q, want it to show one held sale", f.c.Status.Text)
	}
	if n := f.records(t, journal.KindSaleHeld); n != 1 {
		t.Errorf("%d sale.held records, want 1", n)
	}
	held, err := f.till.Held()
	if err != nil || len(held) != 1 || held[0].Items != 4 || held[0].Total != 1850 {
		t.Fatalf("Held() = %+v, %v; want one sale of 4 items, ¥18.50", held, err)
	}

	// Recall with a sale in progress is refused; both sales are kept.
	f.scan(coke)
	f.key(fyne.KeyF7)
	if f.c.Picker != nil {
		t.Fatal("recall over a cart opened the list instead of refusing at once")
	}
	wantMessage(t, f, "err.in_progress")
	if len(f.c.lines) != 1 || f.c.lines[0].Code != coke {
		t.Fatalf("refused recall changed the cart: %+v", f.c.lines)
	}
	if held, _ := f.till.Held(); len(held) != 1 {
		t.Fatalf("refused recall changed the held sales: %+v", held)
	}
	f.key(fyne.KeyF8)
	test.Tap(f.c.Popup.OK)

	// A held sale survives a restart of the till.
	f.restart(t, "en")
	if !strings.Contains(f.c.Status.Text, "Held 1") {
		t.Errorf("status after restart = %q, want one held sale", f.c.Status.Text)
	}
	f.key(fyne.KeyF7)
	p := f.c.Picker
	if p == nil || len(p.Labels) != 1 {
		t.Fatalf("F7 picker = %+v, want one held sale", p)
	}
	if !strings.Contains(p.Labels[0], "4 items") || !strings.Contains(p.Labels[0], "¥18.50") {
		t.Errorf("held sale label = %q, want its items and total", p.Labels[0])
	}
	p.List.Select(0)
	if f.c.Picker != nil {
		t.Fatal("choosing a held sale left the picker open")
	}
	if len(f.c.lines) != 2 || f.c.lines[1].QtyMilli != 3000 || f.c.Message.Text != tr("msg.recalled") {
		t.Fatalf("after recall: lines %+v message %q", f.c.lines, f.c.Message.Text)
	}
	wantTotal(t, f, "¥18.50")
	if !strings.Contains(f.c.Status.Text, "Held 0") || f.w.Canvas().Focused() != f.c.Scan {
		t.Errorf("after recall: status %q focus %v", f.c.Status.Text, f.w.Canvas().Focused())
	}
	if n := f.records(t, journal.KindSaleRecalled); n != 1 {
		t.Errorf("%d sale.recalled records, want 1", n)
	}

	// The recalled sale goes on: new lines get fresh IDs and it can be paid.
	f.scan(water)
	ids := map[int]bool{}
	for _, l := range f.till.Current().Lines {
		if ids[l.ID] {
			t.Fatalf("duplicate line ID %d after recall: %+v", l.ID, f.till.Current().Lines)
		}
		ids[l.ID] = true
	}
	wantTotal(t, f, "¥20.50")
	f.key(fyne.KeyF12)
	f.press(fyne.KeyReturn)
	if f.c.Receipt == nil {
		t.Fatalf("recalled sale could not be paid: %q", f.c.CashPad.Error.Text)
	}
}

func TestCancelSale(t *testing.T) {
	f := newFixture(t, "en")
	f.key(fyne.KeyF8)
	if f.c.Popup != nil {
		t.Fatal("F8 on an empty cart asked for confirmation")
	}
	f.scan(water)
	f.scan("3*" + noodles)

	f.key(fyne.KeyF8)
	p := f.c.Popup
	if p == nil || p.Entry != nil || p.Title.Text != tr("prompt.cancel") {
		t.Fatalf("F8 opened %+v, want a confirmation", p)
	}
	test.Tap(p.Cancel)
	if f.c.Popup != nil || len(f.c.lines) != 2 || f.w.Canvas().Focused() != f.c.Scan {
		t.Fatalf("after Cancel: popup %v lines %d focus %v", f.c.Popup, len(f.c.lines), f.w.Canvas().Focused())
	}

	f.key(fyne.KeyF8)
	test.Tap(f.c.Popup.OK)
	if f.c.Popup != nil || len(f.c.lines) != 0 || f.c.Message.Text != tr("msg.cancelled") {
		t.Fatalf("after OK: popup %v lines %d message %q", f.c.Popup, len(f.c.lines), f.c.Message.Text)
	}
	wantTotal(t, f, "¥0.00")
	var recs []journal.Record
	err := f.j.Each(journal.Filter{Kind: journal.KindSaleCancelled}, func(r journal.Record) error { recs = append(recs, r); return nil })
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d sale.cancelled records (%v), want 1", len(recs), err)
	}
	var data struct {
		Sale struct {
			State string
			Lines []struct{ Code string }
		}
		Totals struct{ Total money.Amount }
	}
	if err := json.Unmarshal(recs[0].Data, &data); err != nil || data.Sale.State != "cancelled" || len(data.Sale.Lines) != 2 || data.Totals.Total != 1850 {
		t.Errorf("cancelled record = %s (%v)", recs[0].Data, err)
	}
	if n := f.records(t, journal.KindSaleCompleted); n != 0 {
		t.Errorf("%d sale.completed records after a cancel", n)
	}
}

// The confirmation has no entry to focus, so the keyboard must still reach it: Enter
// confirms and Escape cancels, as the prompt promises.
func TestCancelConfirmationByKeyboard(t *testing.T) {
	f := newFixture(t, "en")
	f.scan(water)
	f.key(fyne.KeyF8)
	f.press(fyne.KeyEscape)
	if f.c.Popup != nil || len(f.c.lines) != 1 {
		t.Fatalf("Escape on the confirmation: popup %v lines %d", f.c.Popup, len(f.c.lines))
	}
	if f.w.Canvas().Focused() != f.c.Scan {
		t.Fatal("the scan field did not get focus back after Escape")
	}
	f.key(fyne.KeyF8)
	f.press(fyne.KeyReturn)
	if f.c.Popup != nil || len(f.c.lines) != 0 || f.records(t, journal.KindSaleCancelled) != 1 {
		t.Fatalf("Enter on the confirmation: popup %v lines %d", f.c.Popup, len(f.c.lines))
	}
	// The key handler is gone with the prompt: a later Enter with nothing focused does
	// not cancel anything.
	if h := f.w.Canvas().OnTypedKey(); h != nil {
		t.Error("the confirmation left its key handler on the canvas")
	}
}
