package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/money"
	"tilldesk/core/reports"
)

// shiftJobTimeout bounds a background job of the shift and report screens (a drawer
// kick, a print, an export).
const shiftJobTimeout = 30 * time.Second

// ShiftScreen is the cashier's shift screen: open a shift with a float, put cash into
// or take it out of the drawer with a reason, and close the shift by counting the
// drawer on a denomination grid that shows expected, counted and the difference as
// the cashier types. It is a modal over the window; its widgets are exported so tests
// drive it as a person does.
type ShiftScreen struct {
	Status *widget.Label // the open shift, or that none is open

	Float     *widget.Entry
	OpenShift *widget.Button

	Amount  *widget.Entry
	Reason  *widget.Entry
	CashIn  *widget.Button
	CashOut *widget.Button

	// Counts are the counting grid's entries (pieces) and Subtotals their values.
	Counts     map[reports.Denomination]*widget.Entry
	Subtotals  map[reports.Denomination]*widget.Label
	Expected   *widget.Label
	Counted    *widget.Label
	Difference *widget.Label
	CloseShift *widget.Button

	Reports *widget.Button // opens the report view
	Drawer  *widget.Button // kicks the drawer open (to count it)
	Message *widget.Label  // what the last action did; errors with DangerImportance
	Done    *widget.Button

	// ReportView is the report view opened from this screen, if any.
	ReportView *ReportView
	// OnClosed, if set, is called on the UI goroutine when the screen closes.
	OnClosed func()

	win      fyne.Window
	shifts   *app.Shifts
	operator string
	language string
	log      *slog.Logger
	now      func() time.Time
	expected money.Amount // the open shift's expected cash
	popup    *widget.PopUp
	jobs     backgroundJobs
}

// ShowShiftScreen opens the shift screen over win for operator (an operator ID), in
// language "zh" or "en".
func ShowShiftScreen(win fyne.Window, shifts *app.Shifts, operator, language string) *ShiftScreen {
	s := &ShiftScreen{win: win, shifts: shifts, operator: operator, language: language,
		log: slog.Default().With("screen", "shift"), now: time.Now}
	s.build()
	s.popup = widget.NewModalPopUp(container.NewPadded(s.layout()), win.Canvas())
	size := win.Canvas().Size()
	s.popup.Resize(fyne.NewSize(min(1000, size.Width-40), min(760, size.Height-40)))
	s.refresh()
	s.popup.Show()
	s.log.Info("shift screen opened", "operator", operator)
	return s
}

func (s *ShiftScreen) build() {
	s.Status = widget.NewLabel("")
	s.Status.Wrapping = fyne.TextWrapWord
	s.Float = widget.NewEntry()
	s.Float.SetPlaceHolder("0.00")
	s.OpenShift = widget.NewButton(tr("shift.open"), s.open)
	s.OpenShift.Importance = widget.HighImportance
	s.Amount = widget.NewEntry()
	s.Amount.SetPlaceHolder("0.00")
	s.Reason = widget.NewEntry()
	s.Reason.SetPlaceHolder(tr("shift.reason_hint"))
	s.CashIn = widget.NewButton(tr("shift.cash_in"), func() { s.moveCash(true) })
	s.CashOut = widget.NewButton(tr("shift.cash_out"), func() { s.moveCash(false) })
	s.Counts = map[reports.Denomination]*widget.Entry{}
	s.Subtotals = map[reports.Denomination]*widget.Label{}
	for _, d := range reports.Denominations {
		e := widget.NewEntry()
		e.SetPlaceHolder("0")
		e.OnChanged = func(string) { s.recount() }
		s.Counts[d] = e
		s.Subtotals[d] = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{})
	}
	bold := fyne.TextStyle{Bold: true}
	s.Expected = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, bold)
	s.Counted = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, bold)
	s.Difference = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, bold)
	s.CloseShift = widget.NewButton(tr("shift.close"), s.close)
	s.CloseShift.Importance = widget.HighImportance
	s.Reports = widget.NewButton(tr("shift.reports"), s.openReports)
	s.Drawer = widget.NewButton(tr("shift.drawer"), s.kickDrawer)
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Done = widget.NewButton(tr("btn.close"), s.Dismiss)
}

func (s *ShiftScreen) layout() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(tr("shift.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	openForm := widget.NewForm(widget.NewFormItem(tr("shift.float"), s.Float))
	openCard := widget.NewCard(tr("shift.open_title"), "", container.NewVBox(openForm, s.OpenShift))
	cashForm := widget.NewForm(widget.NewFormItem(tr("shift.amount"), s.Amount), widget.NewFormItem(tr("shift.reason"), s.Reason))
	cashCard := widget.NewCard(tr("shift.cash_title"), "", container.NewVBox(cashForm, container.NewGridWithColumns(2, s.CashIn, s.CashOut)))

	// Notes on the left, coins on the right: the whole sheet fits without scrolling.
	grid := container.NewGridWithColumns(6)
	for range 2 {
		grid.Add(boldLabel(tr("shift.denomination")))
		grid.Add(boldLabel(tr("shift.pieces")))
		grid.Add(widget.NewLabelWithStyle(tr("shift.subtotal"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	}
	half := (len(reports.Denominations) + 1) / 2
	for i := range half {
		for _, j := range []int{i, i + half} {
			if j >= len(reports.Denominations) {
				continue
			}
			d := reports.Denominations[j]
			grid.Add(widget.NewLabel(denominationLabel(d)))
			grid.Add(s.Counts[d])
			grid.Add(s.Subtotals[d])
		}
	}
	sums := container.NewGridWithColumns(2,
		widget.NewLabel(tr("shift.expected")), s.Expected,
		widget.NewLabel(tr("shift.counted")), s.Counted,
		widget.NewLabel(tr("shift.difference")), s.Difference)
	closeCard := widget.NewCard(tr("shift.close_title"), "",
		container.NewBorder(nil, nil, nil, container.NewVBox(sums, s.CloseShift), grid))

	top := container.NewGridWithColumns(2, openCard, cashCard)
	body := container.NewVScroll(container.NewVBox(top, closeCard))
	buttons := container.NewBorder(nil, nil, nil, container.NewHBox(s.Drawer, s.Reports, s.Done), s.Message)
	return container.NewBorder(container.NewVBox(title, s.Status), buttons, nil, nil, body)
}

// denominationLabel names a note or coin: "¥100", "¥1 coin", "¥0.50".
func denominationLabel(d reports.Denomination) string {
	label := strings.TrimSuffix(d.Value().Format(), ".00")
	if d == reports.Coin1 {
		label += " " + tr("shift.coin")
	}
	return label
}

// refresh shows the shift's state and enables what can be done in it. Call it on the UI
// goroutine.
func (s *ShiftScreen) refresh() {
	cur, err := s.shifts.Current()
	if err != nil {
		s.fail(err)
	}
	open := cur != nil
	for _, w := range []fyne.Disableable{s.Float, s.OpenShift} {
		shiftEnable(w, !open)
	}
	for _, w := range []fyne.Disableable{s.Amount, s.Reason, s.CashIn, s.CashOut, s.CloseShift} {
		shiftEnable(w, open)
	}
	for _, e := range s.Counts {
		shiftEnable(e, open)
	}
	s.expected = 0
	if !open {
		s.Status.SetText(tr("shift.none"))
	} else {
		s.Status.SetText(trf("shift.status", map[string]any{"ID": cur.ID, "Operator": cur.Operator,
			"Opened": cur.Opened.Local().Format("2006-01-02 15:04"), "Float": cur.Float.Format()}))
		rep, err := s.shifts.XReport(s.now())
		if err != nil {
			s.fail(err)
		}
		s.expected = rep.Drawer.Expected
	}
	s.Expected.SetText(s.expected.Format())
	s.recount()
}

func shiftEnable(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

// count reads the counting grid; an empty entry counts zero.
func (s *ShiftScreen) count() (reports.Count, error) {
	c := reports.Count{}
	for _, d := range reports.Denominations {
		text := strings.TrimSpace(s.Counts[d].Text)
		if text == "" {
			continue
		}
		n, err := strconv.Atoi(text)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s: %q: %w", denominationLabel(d), text, reports.ErrCount)
		}
		c[d] = n
	}
	return c, c.Check()
}

// recount updates the subtotals, the counted total and the difference as the cashier
// types.
func (s *ShiftScreen) recount() {
	for _, d := range reports.Denominations {
		n, err := strconv.Atoi(strings.TrimSpace(s.Counts[d].Text))
		text := ""
		if err == nil && n > 0 && n <= reports.MaxPieces {
			text = (d.Value() * money.Amount(n)).Format()
		}
		s.Subtotals[d].SetText(text)
	}
	c, err := s.count()
	if err != nil {
		s.Counted.SetText(tr("shift.bad_count"))
		s.Difference.SetText("")
		return
	}
	total := c.Total()
	diff := total - s.expected
	s.Counted.SetText(total.Format())
	s.Difference.Importance = widget.SuccessImportance
	switch {
	case diff < 0:
		s.Difference.Importance = widget.DangerImportance
	case diff > 0:
		s.Difference.Importance = widget.WarningImportance
	}
	s.Difference.SetText(diff.Format())
}

// open opens the shift with the float typed.
func (s *ShiftScreen) open() {
	float, err := money.Parse(s.Float.Text)
	if err == nil {
		_, err = s.shifts.Open(s.operator, float)
	}
	if err != nil {
		s.fail(err)
		return
	}
	s.Float.SetText("")
	s.refresh()
	s.say(trf("shift.opened", map[string]any{"Float": float.Format()}))
	s.kickDrawer()
}

// moveCash puts cash in or takes it out.
func (s *ShiftScreen) moveCash(in bool) {
	amount, err := money.Parse(s.Amount.Text)
	if err == nil {
		err = s.shifts.CashMovement(s.operator, in, amount, s.Reason.Text)
	}
	if err != nil {
		s.fail(err)
		return
	}
	s.Amount.SetText("")
	s.Reason.SetText("")
	s.refresh()
	if in {
		s.say(trf("shift.cash_in_done", map[string]any{"Amount": amount.Format()}))
	} else {
		s.say(trf("shift.cash_out_done", map[string]any{"Amount": amount.Format()}))
	}
	s.kickDrawer()
}

// close closes the shift with the count and shows its report.
func (s *ShiftScreen) close() {
	c, err := s.count()
	if err != nil {
		s.fail(err)
		return
	}
	closing, err := s.shifts.Close(s.operator, c)
	if err != nil && closing.Closed.Shift == "" { // not closed at all
		s.fail(err)
		return
	}
	for _, e := range s.Counts {
		e.SetText("")
	}
	s.refresh()
	done := closing.Closed
	s.say(trf("shift.closed", map[string]any{"Counted": done.Counted.Format(), "Expected": done.Expected.Format(),
		"Difference": done.Difference.Format()}))
	if err != nil { // closed, but its report could not be read back
		s.fail(err)
		return
	}
	s.openReports()
	s.ReportView.Show(closing.Report)
}

// openReports opens the report view over this screen.
func (s *ShiftScreen) openReports() {
	v := ShowReportView(s.win, s.shifts, s.operator, s.language)
	v.now = s.now
	v.OnClosed = func() { s.ReportView = nil; s.refresh() }
	s.ReportView = v
}

// kickDrawer opens the cash drawer in the background; no printer is not an error here.
func (s *ShiftScreen) kickDrawer() {
	s.jobs.run(s.shifts.OpenDrawer, func(err error) {
		if err != nil && !errors.Is(err, app.ErrNoPrinter) {
			s.fail(fmt.Errorf("%s: %w", tr("shift.drawer_failed"), err))
		}
	})
}

func (s *ShiftScreen) say(text string) { shiftSay(s.Message, text) }

func (s *ShiftScreen) fail(err error) {
	s.log.Warn("shift action refused", "err", err)
	shiftFail(s.Message, err)
}

// Dismiss closes the screen (and a report view opened from it).
func (s *ShiftScreen) Dismiss() {
	if s.ReportView != nil {
		s.ReportView.OnClosed = nil
		s.ReportView.Dismiss()
		s.ReportView = nil
	}
	s.popup.Hide()
	s.log.Info("shift screen closed")
	if s.OnClosed != nil {
		s.OnClosed()
	}
}

// shiftSay shows an information message on label; shiftFail shows an error.
func shiftSay(label *widget.Label, text string) {
	label.Importance = widget.MediumImportance
	label.SetText(text)
}

func shiftFail(label *widget.Label, err error) {
	label.Importance = widget.DangerImportance
	label.SetText(shiftErrorText(err))
}

// shiftErrors translate the shift and report use case's errors.
var shiftErrors = []struct {
	target error
	key    string
}{
	{app.ErrShiftOpen, "shift.err.open"},
	{app.ErrNoShift, "shift.err.none"},
	{app.ErrNoOperator, "shift.err.operator"},
	{app.ErrCashAmount, "shift.err.amount"},
	{app.ErrNoReason, "shift.err.reason"},
	{app.ErrDrawerShort, "shift.err.drawer_short"},
	{reports.ErrCount, "shift.err.count"},
	{app.ErrZDone, "report.err.z_done"},
}

// shiftErrorText is errorText for the shift and report screens.
func shiftErrorText(err error) string {
	for _, m := range shiftErrors {
		if errors.Is(err, m.target) {
			return tr(m.key) + "\n" + err.Error()
		}
	}
	return errorText(err)
}

// backgroundJobs runs work off the UI goroutine, bounded by shiftJobTimeout, and hands
// its error to done on the UI goroutine through fyne.Do. Tests Wait for it.
type backgroundJobs struct{ sync.WaitGroup }

func (b *backgroundJobs) run(work func(context.Context) error, done func(error)) {
	b.Add(1)
	go func() {
		defer b.Done()
		ctx, cancel := context.WithTimeout(context.Background(), shiftJobTimeout)
		defer cancel()
		err := work(ctx)
		fyne.Do(func() { done(err) })
	}()
}
