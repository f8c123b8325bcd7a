package ui

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/receipt"
	"tilldesk/core/reports"
)

// ReportView shows X and Z reports on screen with exactly the rows the printer prints,
// and prints them or exports them as CSV to the data folder. A Z report is taken only
// after a second, confirming tap. It is a modal over the window; its widgets are
// exported so tests drive it as a person does.
type ReportView struct {
	XReport  *widget.Button // the open shift's report, now
	ZReport  *widget.Button // asks to confirm the end-of-day report
	ZConfirm *widget.Button // takes it (shown only while confirming)

	Body   *fyne.Container // the report's rows
	Rows   []receipt.Row   // as shown and printed
	Report *reports.Report // the report shown, nil before one is

	Print      *widget.Button
	Export     *widget.Button
	ExportPath *widget.Label // where the last export went
	Message    *widget.Label
	Close      *widget.Button

	// OnClosed, if set, is called on the UI goroutine when the view closes.
	OnClosed func()

	shifts   *app.Shifts
	operator string
	language string
	log      *slog.Logger
	now      func() time.Time
	paper    *container.ThemeOverride // sets the rows close together, as on paper
	popup    *widget.PopUp
	jobs     backgroundJobs
}

// reportLabel translates a report's fixed words (reports.LabelKeys).
func reportLabel(key string) string { return tr("report." + key) }

// ShowReportView opens the report view over win for operator (an operator ID), in
// language "zh" or "en". It shows nothing until a report is chosen or Show is called.
func ShowReportView(win fyne.Window, shifts *app.Shifts, operator, language string) *ReportView {
	v := &ReportView{shifts: shifts, operator: operator, language: language,
		log: slog.Default().With("screen", "reports"), now: time.Now}
	v.XReport = widget.NewButton(tr("report.x"), v.showX)
	v.ZReport = widget.NewButton(tr("report.z"), v.askZ)
	v.ZConfirm = widget.NewButton(tr("report.z_confirm_button"), v.takeZ)
	v.ZConfirm.Importance = widget.DangerImportance
	v.ZConfirm.Hide()
	v.Body = container.NewVBox(widget.NewLabel(tr("report.hint")))
	v.Print = widget.NewButton(tr("report.print"), v.print)
	v.Export = widget.NewButton(tr("report.export"), v.export)
	v.Print.Disable()
	v.Export.Disable()
	v.ExportPath = widget.NewLabel("")
	v.ExportPath.Selectable = true
	v.ExportPath.Wrapping = fyne.TextWrapBreak
	v.ExportPath.Hide() // until there is an export to show
	v.Message = widget.NewLabel("")
	v.Message.Wrapping = fyne.TextWrapWord
	v.Close = widget.NewButton(tr("btn.close"), v.Dismiss)

	title := widget.NewLabelWithStyle(tr("report.view_title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewVBox(title, container.NewHBox(v.XReport, v.ZReport, v.ZConfirm))
	v.paper = container.NewThemeOverride(v.Body, compactTheme{})
	bottom := container.NewVBox(v.Message, v.ExportPath, container.NewGridWithColumns(3, v.Print, v.Export, v.Close))
	v.popup = widget.NewModalPopUp(container.NewPadded(container.NewBorder(top, bottom, nil, nil, container.NewVScroll(v.paper))), win.Canvas())
	size := win.Canvas().Size()
	v.popup.Resize(fyne.NewSize(min(520, size.Width-40), min(760, size.Height-40)))
	v.popup.Show()
	v.log.Info("report view opened", "operator", operator)
	return v
}

// Show displays a report: the same rows the printer gets.
func (v *ReportView) Show(r reports.Report) {
	v.Report = &r
	v.Rows = v.shifts.Rows(r, v.language, reportLabel)
	v.Body.RemoveAll()
	for _, row := range v.Rows {
		v.Body.Add(receiptRow(row))
	}
	v.paper.Refresh() // applies the compact theme to the new rows
	v.Print.Enable()
	v.Export.Enable()
	v.ExportPath.SetText("")
	v.ExportPath.Hide()
}

// showX shows the open shift's X report as of now.
func (v *ReportView) showX() {
	v.cancelZ()
	r, err := v.shifts.TakeXReport(v.operator, v.now())
	if err != nil {
		v.fail(err)
		return
	}
	v.Show(r)
	shiftSay(v.Message, "")
}

// askZ asks for confirmation before the Z report, naming its number.
func (v *ReportView) askZ() {
	last, err := v.shifts.LastZ()
	if err != nil {
		v.fail(err)
		return
	}
	v.Message.Importance = widget.WarningImportance
	v.Message.SetText(trf("report.z_confirm", map[string]any{"Number": last + 1}))
	v.ZConfirm.Show()
}

func (v *ReportView) cancelZ() { v.ZConfirm.Hide() }

// takeZ takes the Z report and shows it.
func (v *ReportView) takeZ() {
	v.cancelZ()
	r, err := v.shifts.ZReport(v.operator)
	if err != nil {
		v.fail(err)
		return
	}
	v.Show(r)
	shiftSay(v.Message, trf("report.z_taken", map[string]any{"Number": r.Number}))
}

// print prints the rows shown, in the background.
func (v *ReportView) print() {
	rows := v.Rows
	shiftSay(v.Message, tr("report.printing"))
	v.jobs.run(func(ctx context.Context) error { return v.shifts.PrintReport(ctx, rows) }, func(err error) {
		switch {
		case err == nil:
			shiftSay(v.Message, tr("report.printed"))
		case errors.Is(err, app.ErrNoPrinter):
			shiftSay(v.Message, tr("msg.no_printer"))
		default:
			v.fail(err)
		}
	})
}

// export writes the report shown as a CSV file in the data folder, in the background,
// and shows where.
func (v *ReportView) export() {
	r := *v.Report
	var path string
	v.jobs.run(func(context.Context) error {
		var err error
		path, err = v.shifts.ExportFile(r)
		return err
	}, func(err error) {
		if err != nil {
			v.fail(err)
			return
		}
		v.ExportPath.SetText(path)
		v.ExportPath.Show()
		shiftSay(v.Message, trf("report.exported", map[string]any{"Path": path}))
	})
}

func (v *ReportView) fail(err error) {
	v.log.Warn("report action refused", "err", err)
	shiftFail(v.Message, err)
}

// Dismiss closes the view.
func (v *ReportView) Dismiss() {
	v.popup.Hide()
	v.log.Info("report view closed")
	if v.OnClosed != nil {
		v.OnClosed()
	}
}
