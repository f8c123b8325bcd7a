package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/reports"
)

// newShifts builds the shift use case over the fixture's till, exporting reports into a
// temporary data folder.
func newShifts(t *testing.T, f *fixture) *app.Shifts {
	t.Helper()
	return app.NewShifts(f.till, app.ShiftOptions{Now: f.now, ReportDir: filepath.Join(t.TempDir(), "reports")})
}

// showShiftScreen opens the shift screen for op1 with the fixture's clock.
func showShiftScreen(f *fixture, shifts *app.Shifts, language string) *ShiftScreen {
	s := ShowShiftScreen(f.w, shifts, "op1", language)
	s.now = f.now
	s.refresh()
	return s
}

func wantShiftMessage(t *testing.T, label *widget.Label, key string) {
	t.Helper()
	if !strings.HasPrefix(label.Text, tr(key)) || label.Importance != widget.DangerImportance {
		t.Errorf("message = %q (importance %v), want the error %q", label.Text, label.Importance, tr(key))
	}
}

func typeInto(e *widget.Entry, text string) {
	e.SetText("")
	test.Type(e, text)
}

func TestShiftScreenOpenMoveCountClose(t *testing.T) {
	f := newFixture(t, "en")
	shifts := newShifts(t, f)
	s := showShiftScreen(f, shifts, "en")
	if s.Status.Text != tr("shift.none") || s.OpenShift.Disabled() || !s.CashIn.Disabled() || !s.CloseShift.Disabled() {
		t.Fatalf("no shift: status %q, open disabled %v, cash in disabled %v", s.Status.Text, s.OpenShift.Disabled(), s.CashIn.Disabled())
	}
	typeInto(s.Float, "1O0")
	test.Tap(s.OpenShift)
	wantShiftMessage(t, s.Message, "err.amount")

	typeInto(s.Float, "100")
	test.Tap(s.OpenShift)
	if want := trf("shift.opened", map[string]any{"Float": "¥100.00"}); s.Message.Text != want {
		t.Errorf("message %q, want %q", s.Message.Text, want)
	}
	if n := f.records(t, reports.KindShiftOpened); n != 1 || !s.OpenShift.Disabled() || s.CashIn.Disabled() {
		t.Fatalf("%d shift.opened records; open disabled %v", n, s.OpenShift.Disabled())
	}
	if !strings.Contains(s.Status.Text, "op1") || s.Expected.Text != "¥100.00" {
		t.Errorf("status %q, expected %s", s.Status.Text, s.Expected.Text)
	}

	typeInto(s.Amount, "50")
	test.Tap(s.CashIn)
	wantShiftMessage(t, s.Message, "shift.err.reason")
	typeInto(s.Reason, "change top-up")
	test.Tap(s.CashIn)
	if s.Expected.Text != "¥150.00" || s.Amount.Text != "" || s.Message.Importance == widget.DangerImportance {
		t.Fatalf("after cash in: expected %s, amount %q, message %q", s.Expected.Text, s.Amount.Text, s.Message.Text)
	}
	typeInto(s.Amount, "500")
	typeInto(s.Reason, "bank drop")
	test.Tap(s.CashOut)
	wantShiftMessage(t, s.Message, "shift.err.drawer_short")

	// A ¥2.00 cash sale at the till, then back to the shift screen.
	s.jobs.Wait() // the drawer kicks
	s.Dismiss()
	f.w.Canvas().Focus(f.c.Scan)
	f.scan(water)
	payExactCash(t, f)
	f.press(fyne.KeyReturn)
	s = showShiftScreen(f, shifts, "en")
	if s.Expected.Text != "¥152.00" {
		t.Fatalf("expected after a ¥2 sale: %s", s.Expected.Text)
	}

	// Counting: the totals follow the typing.
	test.Type(s.Counts[reports.Note100], "1")
	test.Type(s.Counts[reports.Note50], "1")
	if s.Subtotals[reports.Note100].Text != "¥100.00" || s.Counted.Text != "¥150.00" ||
		s.Difference.Text != "-¥2.00" || s.Difference.Importance != widget.DangerImportance {
		t.Errorf("counted %s, difference %s (%v)", s.Counted.Text, s.Difference.Text, s.Difference.Importance)
	}
	test.Type(s.Counts[reports.Fen1], "x")
	if s.Counted.Text != tr("shift.bad_count") {
		t.Errorf("a bad count shows %q", s.Counted.Text)
	}
	typeInto(s.Counts[reports.Fen1], "")
	test.Type(s.Counts[reports.Coin1], "2")
	if s.Counted.Text != "¥152.00" || s.Difference.Text != "¥0.00" || s.Difference.Importance != widget.SuccessImportance {
		t.Errorf("counted %s, difference %s (%v)", s.Counted.Text, s.Difference.Text, s.Difference.Importance)
	}

	test.Tap(s.CloseShift)
	if n := f.records(t, reports.KindShiftClosed); n != 1 {
		t.Fatalf("%d shift.closed records; message %q", n, s.Message.Text)
	}
	if s.Status.Text != tr("shift.none") || s.Counts[reports.Note100].Text != "" || !s.CloseShift.Disabled() {
		t.Errorf("after close: status %q, count left %q", s.Status.Text, s.Counts[reports.Note100].Text)
	}
	v := s.ReportView
	if v == nil || v.Report == nil || v.Report.Drawer.Counted != 15200 {
		t.Fatalf("the closing report is not shown: %+v", v)
	}
	text := rowsText(v)
	for _, want := range []string{tr("report.counted") + " | ¥152.00", tr("report.difference") + " | ¥0.00", tr("report.cash_in") + " | ¥50.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("closing report lacks %q:\n%s", want, text)
		}
	}
	s.Dismiss()
	s.jobs.Wait()
}

func TestShiftScreenChinese(t *testing.T) {
	f := newFixture(t, "zh")
	s := showShiftScreen(f, newShifts(t, f), "zh")
	if s.Status.Text != "当前没有营业班次" || s.OpenShift.Text != "开班" {
		t.Errorf("status %q, button %q", s.Status.Text, s.OpenShift.Text)
	}
	if got := denominationLabel(reports.Coin1); got != "¥1 硬币" {
		t.Errorf("one-yuan coin label %q", got)
	}
	for d, want := range map[reports.Denomination]string{reports.Note100: "¥100", reports.Jiao5: "¥0.50", reports.Fen2: "¥0.02"} {
		if got := denominationLabel(d); got != want {
			t.Errorf("label of %s = %q, want %q", d, got, want)
		}
	}
}
