package ui

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tilldesk/core/receipt"
	"tilldesk/core/reports"
)

func rowsText(v *ReportView) string {
	var b strings.Builder
	for _, r := range v.Rows {
		b.WriteString(r.Left + " | " + r.Right + "\n")
	}
	return b.String()
}

func TestReportViewXAndZ(t *testing.T) {
	f := newFixture(t, "en")
	shifts := newShifts(t, f)
	if _, err := shifts.Open("op1", 10000); err != nil {
		t.Fatal(err)
	}
	f.scan(water)
	payExactCash(t, f)
	f.press(fyne.KeyReturn)

	v := ShowReportView(f.w, shifts, "mgr", "en")
	v.now = f.now
	if !v.Print.Disabled() || !v.Export.Disabled() || v.Report != nil {
		t.Fatal("print and export are enabled before a report is shown")
	}
	test.Tap(v.XReport)
	if v.Report == nil || v.Report.Type != reports.X || len(v.Body.Objects) != len(v.Rows) {
		t.Fatalf("X report: %+v, %d rows shown of %d", v.Report, len(v.Body.Objects), len(v.Rows))
	}
	text := rowsText(v)
	for _, want := range []string{tr("report.title.x"), tr("report.sales") + " (1) | ¥2.00", tr("report.expected") + " | ¥102.00", tr("report.not_settled")} {
		if !strings.Contains(text, want) {
			t.Errorf("X report lacks %q:\n%s", want, text)
		}
	}

	// A Z is refused while the shift is open, and asks for confirmation.
	test.Tap(v.ZReport)
	if !v.ZConfirm.Visible() || !strings.Contains(v.Message.Text, "#1") {
		t.Fatalf("Z asks no confirmation: %q", v.Message.Text)
	}
	test.Tap(v.ZConfirm)
	wantShiftMessage(t, v.Message, "shift.err.open")
	if _, err := shifts.Close("op1", reports.Count{reports.Note100: 1, reports.Note1: 2}); err != nil {
		t.Fatal(err)
	}
	test.Tap(v.XReport)
	wantShiftMessage(t, v.Message, "shift.err.none")
	test.Tap(v.ZReport)
	test.Tap(v.ZConfirm)
	if v.Report == nil || v.Report.Type != reports.Z || v.Report.Number != 1 || v.ZConfirm.Visible() {
		t.Fatalf("Z report: %+v; message %q", v.Report, v.Message.Text)
	}
	if !strings.Contains(rowsText(v), tr("report.title.z")+" #0001") {
		t.Errorf("Z report rows:\n%s", rowsText(v))
	}

	// Print sends the rows shown.
	p := &fakePrinter{}
	f.till.SetPrinter(p)
	test.Tap(v.Print)
	v.jobs.Wait()
	if len(p.printed) != 1 || !reflect.DeepEqual(p.printed[0], v.Rows) || v.Message.Text != tr("report.printed") {
		t.Errorf("printed %d reports; message %q", len(p.printed), v.Message.Text)
	}

	// Export writes a CSV file in the data folder and shows where.
	test.Tap(v.Export)
	v.jobs.Wait()
	path := v.ExportPath.Text
	data, err := os.ReadFile(path)
	if err != nil || filepath.Base(filepath.Dir(path)) != "reports" || !strings.Contains(v.Message.Text, path) {
		t.Fatalf("export to %q: %v; message %q", path, err, v.Message.Text)
	}
	if !strings.Contains(string(data), "report,number,,1\n") || !strings.Contains(string(data), "sales,completed,1,2.00\n") {
		t.Errorf("exported CSV:\n%s", data)
	}

	// A second Z for the same period is refused.
	test.Tap(v.ZReport)
	test.Tap(v.ZConfirm)
	wantShiftMessage(t, v.Message, "report.err.z_done")
	v.Dismiss()
}

// Every word a report prints is translated, and in Chinese a report fits a 58 mm
// printer's 32 columns.
func TestReportTranslations(t *testing.T) {
	for _, file := range []string{"en.json", "zh-Hans.json"} {
		msgs := translations(t)[file]
		for _, k := range reports.LabelKeys {
			if strings.TrimSpace(msgs["report."+k]) == "" {
				t.Errorf("%s has no message for report label %q", file, "report."+k)
			}
		}
	}
	f := newFixture(t, "zh")
	shifts := newShifts(t, f)
	if _, err := shifts.Open("op1", 10000); err != nil {
		t.Fatal(err)
	}
	f.scan(water)
	payExactCash(t, f)
	f.press(fyne.KeyReturn)
	v := ShowReportView(f.w, shifts, "op1", "zh")
	test.Tap(v.XReport)
	if !strings.Contains(rowsText(v), "现金销售 | ¥2.00") {
		t.Errorf("Chinese X report:\n%s", rowsText(v))
	}
	for _, line := range strings.Split(receipt.Text(v.Rows, 32), "\n") {
		if w := receipt.Width(line); w > 32 {
			t.Errorf("%d columns: %q", w, line)
		}
	}
}
