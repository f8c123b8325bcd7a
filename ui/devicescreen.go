package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/devices"
	"tilldesk/devices/discovery"
	"tilldesk/devices/scanner"
)

// Timings of the devices screen.
var (
	// devicePollInterval is how often the screen shows the devices' status; 0 turns
	// the polling off (tests call RefreshStatus instead).
	devicePollInterval = 500 * time.Millisecond
	// scanTestTimeout is how long a scan test waits for a scan.
	scanTestTimeout = 30 * time.Second
	// deviceTestTimeout bounds a printer test or a device rescan.
	deviceTestTimeout = 15 * time.Second
)

// errNotSaved is shown when the settings were applied but could not be written.
var errNotSaved = errors.New("settings applied but not saved")

// DevicesScreen is the devices screen for managers and technicians: the attached
// devices, the scanner's and printer's connection settings with their live status,
// scan, print and drawer tests, and Save & apply, which writes the config file and
// restarts the devices with the new settings without restarting Tilldesk. It is a
// modal over the window. Its widgets are exported so tests drive it as a person does.
type DevicesScreen struct {
	// Found lists the attached devices; FoundDevices are its rows.
	Found        *widget.List
	FoundDevices []discovery.Device
	FoundHint    *widget.Label // says when nothing is attached
	Refresh      *widget.Button

	Scanner  *LinkForm
	Prefix   *widget.Entry
	Suffix   *Choice
	Printer  *LinkForm
	NativeQR *widget.Check
	// The card reader (ReaderName is a PC/SC reader's name) and the PIN pad, with a
	// test that shows a line on the pad (devicescreen_card.go).
	CardReader *LinkForm
	ReaderName *widget.Entry
	PINPad     *LinkForm
	PadKey     *Choice // the DUKPT key the pad holds: TDES or AES-128
	PadTest    *widget.Button
	PadResult  *widget.Label

	// ScanTest waits for the next scan and shows it in ScanResult. WedgeTest is where
	// a keyboard-wedge scanner types during the test.
	ScanTest   *widget.Button
	WedgeTest  *widget.Entry
	ScanResult *widget.Label
	// PrintTest and OpenDrawer test the printer; PrinterResult says how it went.
	PrintTest     *widget.Button
	OpenDrawer    *widget.Button
	PrinterResult *widget.Label

	// Message says what Save & apply did; errors are shown with DangerImportance.
	Message *widget.Label
	Save    *widget.Button
	Close   *widget.Button

	// OnClosed, if set, is called on the UI goroutine when the screen closes.
	OnClosed func()

	win         fyne.Window
	devices     *app.Devices // nil when the devices could not be started
	base        app.Config   // the configuration being edited
	save        func(app.Config) error
	log         *slog.Logger
	popup       *widget.PopUp
	ctx         context.Context // ends when the screen closes
	cancel      context.CancelFunc
	selected    int         // the selected row of Found, -1 for none
	scanTimer   *time.Timer // ends a scan test that got no scan
	scanWaiting bool
	closed      bool
	jobs        sync.WaitGroup // background tests and applies (tests wait on it)
	poller      sync.WaitGroup // the status poller
}

// ShowDevicesScreen opens the devices screen over win for the running devices d (nil
// if they could not be started: the settings can still be fixed and saved). cfg is the
// configuration file's content; Save & apply hands the edited copy to d.Apply and, if
// that succeeds, to save (on the UI goroutine), which should write it (app.SaveConfig)
// and remember it as the current configuration. A nil save only applies.
//
// While the screen is open, route the till's scans to TakeScan so they are shown as
// scan tests rather than rung up (Cashier.OpenDevicesScreen does this).
func ShowDevicesScreen(win fyne.Window, d *app.Devices, cfg app.Config, save func(app.Config) error) *DevicesScreen {
	s := &DevicesScreen{win: win, devices: d, base: cfg, save: save, log: slog.Default().With("screen", "devices"), selected: -1}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.build()
	s.popup = widget.NewModalPopUp(container.NewPadded(s.layout()), win.Canvas())
	size := win.Canvas().Size()
	s.popup.Resize(fyne.NewSize(min(1000, size.Width-40), min(780, size.Height-40)))
	s.popup.Show()
	win.Canvas().Focus(s.WedgeTest) // a keyboard-wedge scan lands in the test field
	s.showFound(s.discovered())
	s.RefreshStatus()
	s.pollStatus(devicePollInterval)
	s.log.Info("devices screen opened")
	return s
}

// build makes the widgets.
func (s *DevicesScreen) build() {
	dev := s.base.Devices
	s.Found = widget.NewList(func() int { return len(s.FoundDevices) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(deviceLabel(s.FoundDevices[i]))
		})
	s.Found.OnSelected = func(i widget.ListItemID) { s.selected = i }
	s.Found.OnUnselected = func(widget.ListItemID) { s.selected = -1 }
	s.FoundHint = widget.NewLabel("")
	s.Refresh = widget.NewButton(tr("devscreen.refresh"), s.rescan)

	s.Scanner = newLinkForm(app.RoleScanner, scannerKinds, dev.Scanner.DeviceLink, s.useSelected)
	s.Prefix = widget.NewEntry()
	s.Prefix.SetText(dev.Scanner.Prefix)
	suffix := dev.Scanner.Suffix
	if suffix == "" {
		suffix = "CR"
	}
	s.Suffix = newChoice(suffixes, func(v string) string {
		if v == "none" {
			return tr("devscreen.suffix.none")
		}
		return v
	}, suffix)
	s.Printer = newLinkForm(app.RolePrinter, printerKinds, dev.Printer.DeviceLink, s.useSelected)
	s.NativeQR = widget.NewCheck(tr("devscreen.native_qr"), nil)
	s.NativeQR.SetChecked(dev.Printer.NativeQR)
	s.buildCardDevices()

	s.ScanTest = widget.NewButton(tr("devscreen.scan_test"), s.startScanTest)
	s.WedgeTest = widget.NewEntry()
	s.WedgeTest.SetPlaceHolder(tr("devscreen.wedge_test"))
	s.WedgeTest.OnSubmitted = func(text string) {
		s.WedgeTest.SetText("")
		if text != "" {
			s.showScan(text, tr("devscreen.keyboard"))
		}
	}
	s.ScanResult = resultLabel()
	s.PrintTest = widget.NewButton(tr("devscreen.print_test"), func() {
		s.printerTest("print test page", "devscreen.test_printed", s.devices.PrintTestPage)
	})
	s.OpenDrawer = widget.NewButton(tr("devscreen.open_drawer"), func() {
		s.printerTest("open drawer", "devscreen.drawer_opened", s.devices.OpenDrawer)
	})
	s.PrinterResult = resultLabel()
	if s.devices == nil {
		setEnabled(false, s.Refresh, s.PrintTest, s.OpenDrawer)
	}

	s.Message = resultLabel()
	s.Save = widget.NewButton(tr("devscreen.save"), s.saveAndApply)
	s.Save.Importance = widget.HighImportance
	s.Close = widget.NewButton(tr("btn.close"), s.Dismiss)
}

// resultLabel is an empty, wrapping label for a test result or a message.
func resultLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	return l
}

// layout arranges the screen: attached devices on top, the two roles side by side,
// the message and the buttons at the bottom.
func (s *DevicesScreen) layout() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(tr("devscreen.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	found := container.NewBorder(widget.NewLabel(tr("devscreen.found")), s.FoundHint, nil, s.Refresh, s.Found)
	height := canvas.NewRectangle(color.Transparent)
	height.SetMinSize(fyne.NewSize(0, 150)) // room for a few devices
	foundBox := container.NewStack(height, found)

	scan := widget.NewForm(s.Scanner.items()...)
	scan.Append(tr("devscreen.prefix"), s.Prefix)
	scan.Append(tr("devscreen.suffix"), s.Suffix.Select)
	scanTest := container.NewVBox(container.NewBorder(nil, nil, s.ScanTest, nil, s.WedgeTest), s.ScanResult)
	printForm := widget.NewForm(s.Printer.items()...)
	printForm.Append("", s.NativeQR)
	printTest := container.NewVBox(container.NewHBox(s.PrintTest, s.OpenDrawer), s.PrinterResult)
	roles := container.NewGridWithColumns(2,
		widget.NewCard(tr("device.role.scanner"), "", container.NewVBox(scan, scanTest)),
		widget.NewCard(tr("device.role.printer"), "", container.NewVBox(printForm, printTest)))
	roles.Objects = append(roles.Objects, s.cardDeviceCards()...)

	buttons := container.NewBorder(nil, nil, nil, container.NewHBox(s.Close, s.Save), s.Message)
	return container.NewBorder(container.NewVBox(title, foundBox), buttons, nil, nil, container.NewVScroll(roles))
}

// Dismiss closes the screen: the status polling and any scan test stop, and running
// tests are cancelled. Closing twice does nothing.
func (s *DevicesScreen) Dismiss() {
	if s.closed {
		return
	}
	s.closed = true
	s.cancel()
	s.poller.Wait() // never long: the poller only hands work to fyne.Do
	s.stopScanTimer()
	s.popup.Hide()
	s.log.Info("devices screen closed")
	if s.OnClosed != nil {
		s.OnClosed()
	}
}

// RefreshStatus shows the devices' current status. Call it on the UI goroutine.
func (s *DevicesScreen) RefreshStatus() {
	var all []app.DeviceStatus
	if s.devices != nil {
		all = s.devices.Status()
	}
	for _, f := range []*LinkForm{s.Scanner, s.Printer, s.CardReader, s.PINPad} {
		st, ok := app.DeviceStatus{}, false
		for _, x := range all {
			if x.Role == f.role {
				st, ok = x, true
			}
		}
		f.showStatus(st, ok)
	}
}

// pollStatus refreshes the status every interval until the screen closes. Polling
// rather than OnChange leaves OnChange to the cashier screen.
func (s *DevicesScreen) pollStatus(every time.Duration) {
	if every <= 0 || s.devices == nil {
		return
	}
	s.poller.Add(1)
	go func() {
		defer s.poller.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-tick.C:
				fyne.Do(s.RefreshStatus)
			}
		}
	}()
}

// background runs work off the UI goroutine with the test timeout, then done with its
// error on the UI goroutine. Closing the screen cancels work's context.
func (s *DevicesScreen) background(what string, work func(context.Context) error, done func(error)) {
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		ctx, cancel := context.WithTimeout(s.ctx, deviceTestTimeout)
		defer cancel()
		err := work(ctx)
		if err != nil {
			s.log.Warn("device action failed", "action", what, "err", err)
		} else {
			s.log.Info("device action done", "action", what)
		}
		fyne.Do(func() { done(err) })
	}()
}

// discovered is the watcher's list of attached devices.
func (s *DevicesScreen) discovered() []discovery.Device {
	if s.devices == nil {
		return nil
	}
	return s.devices.Discovered()
}

// rescan lists the attached devices afresh (Refresh).
func (s *DevicesScreen) rescan() {
	s.Refresh.Disable()
	var found []discovery.Device
	s.background("rescan", func(context.Context) error { found = s.devices.Rescan(); return nil }, func(error) {
		s.Refresh.Enable()
		s.showFound(found)
	})
}

// showFound shows the attached devices, unselected.
func (s *DevicesScreen) showFound(found []discovery.Device) {
	s.FoundDevices = found
	s.selected = -1
	s.Found.UnselectAll()
	s.Found.Refresh()
	s.FoundHint.SetText("")
	if len(found) == 0 {
		s.FoundHint.SetText(tr("devscreen.none_found"))
	}
}

// useSelected fills form from the device selected in the list.
func (s *DevicesScreen) useSelected(form *LinkForm) {
	switch {
	case s.selected < 0 || s.selected >= len(s.FoundDevices):
		s.showMessage(tr("devscreen.select_first"), widget.WarningImportance)
	case !form.fill(s.FoundDevices[s.selected]):
		s.showMessage(tr("devscreen.wrong_kind"), widget.WarningImportance)
	default:
		s.showMessage("", widget.MediumImportance)
	}
}

// TakeScan shows a scan from the till's scanner in the scan test result, and reports
// whether it took it: while the screen is open every scan is a test, so none reaches
// the sale behind the screen. Call it on the UI goroutine.
func (s *DevicesScreen) TakeScan(sc scanner.Scan) bool {
	if s.closed {
		return false
	}
	source := sc.Source
	if source == "" {
		source = tr("device.role.scanner")
	}
	s.showScan(sc.Data, source)
	return true
}

// showScan shows a scan's data, quoted so that stray prefix or suffix bytes show.
func (s *DevicesScreen) showScan(data, source string) {
	s.stopScanTimer()
	s.log.Info("scan test", "source", source, "len", len(data))
	s.ScanResult.Importance = widget.SuccessImportance
	s.ScanResult.SetText(trf("devscreen.scan_got", map[string]any{"Data": strconv.Quote(data), "Source": source}))
}

// startScanTest waits for the next scan (ScanTest). A keyboard-wedge scanner types
// into WedgeTest, which takes the focus.
func (s *DevicesScreen) startScanTest() {
	s.stopScanTimer()
	s.scanWaiting = true
	s.ScanResult.Importance = widget.MediumImportance
	s.ScanResult.SetText(tr("devscreen.scan_waiting"))
	s.win.Canvas().Focus(s.WedgeTest)
	s.scanTimer = time.AfterFunc(scanTestTimeout, func() { fyne.Do(s.scanTimedOut) })
}

// scanTimedOut ends a scan test that got no scan.
func (s *DevicesScreen) scanTimedOut() {
	if s.closed || !s.scanWaiting {
		return
	}
	s.scanWaiting = false
	s.ScanResult.Importance = widget.WarningImportance
	s.ScanResult.SetText(tr("devscreen.scan_none"))
}

func (s *DevicesScreen) stopScanTimer() {
	s.scanWaiting = false
	if s.scanTimer != nil {
		s.scanTimer.Stop()
		s.scanTimer = nil
	}
}

// printerTest runs a printer test off the UI goroutine and shows how it went.
func (s *DevicesScreen) printerTest(what, okKey string, test func(context.Context) error) {
	setEnabled(false, s.PrintTest, s.OpenDrawer)
	s.PrinterResult.Importance = widget.MediumImportance
	s.PrinterResult.SetText(tr("devscreen.working"))
	s.background(what, test, func(err error) {
		setEnabled(true, s.PrintTest, s.OpenDrawer)
		if err != nil {
			s.PrinterResult.Importance = widget.DangerImportance
			s.PrinterResult.SetText(errorText(err))
			return
		}
		s.PrinterResult.Importance = widget.SuccessImportance
		s.PrinterResult.SetText(tr(okKey))
	})
}

// Config returns the configuration the screen describes: the one it was opened with
// (or last saved), with the device settings from the form. It fails when a USB id does
// not parse.
func (s *DevicesScreen) Config() (app.Config, error) {
	cfg := s.base
	scanLink, serr := s.Scanner.link(cfg.Devices.Scanner.DeviceLink)
	printLink, perr := s.Printer.link(cfg.Devices.Printer.DeviceLink)
	if err := errors.Join(serr, perr); err != nil {
		return cfg, fmt.Errorf("%w: %w", app.ErrInvalidConfig, err)
	}
	cfg.Devices.Scanner.DeviceLink = scanLink
	cfg.Devices.Scanner.Prefix = s.Prefix.Text
	cfg.Devices.Scanner.Suffix = s.Suffix.Value()
	cfg.Devices.Printer.DeviceLink = printLink
	cfg.Devices.Printer.NativeQR = s.NativeQR.Checked
	return s.cardDeviceConfig(cfg)
}

// saveAndApply checks the settings at once, then applies them off the UI goroutine and
// saves them once they run. A refused setting keeps the screen open with the reason.
func (s *DevicesScreen) saveAndApply() {
	cfg, err := s.Config()
	if err == nil {
		err = app.CheckConfig(cfg)
	}
	if err != nil {
		s.fail(err)
		return
	}
	s.Save.Disable()
	s.showMessage(tr("devscreen.applying"), widget.MediumImportance)
	s.background("apply", func(context.Context) error {
		if s.devices == nil {
			return nil // nothing runs: the settings take effect at the next start
		}
		return s.devices.Apply(cfg)
	}, func(err error) {
		s.Save.Enable()
		if err == nil && s.save != nil {
			if serr := s.save(cfg); serr != nil {
				err = fmt.Errorf("%w: %w", errNotSaved, serr)
			}
		}
		if err != nil {
			s.fail(err)
			return
		}
		s.base = cfg
		s.log.Info("device settings saved and applied")
		done := "devscreen.applied"
		if s.devices == nil {
			done = "devscreen.saved_restart"
		}
		s.showMessage(tr(done), widget.SuccessImportance)
		s.RefreshStatus()
	})
}

// fail shows err in the message, translated where its kind is known.
func (s *DevicesScreen) fail(err error) {
	s.log.Warn("device settings refused", "err", err)
	text := errorText(err)
	switch {
	case errors.Is(err, errNotSaved):
		text = tr("devscreen.not_saved") + "\n" + err.Error()
	case errors.Is(err, app.ErrInvalidConfig), errors.Is(err, devices.ErrBadConfig):
		text = tr("devscreen.invalid") + "\n" + err.Error()
	}
	s.showMessage(text, widget.DangerImportance)
}

func (s *DevicesScreen) showMessage(text string, importance widget.Importance) {
	s.Message.Importance = importance
	s.Message.SetText(text)
}

// OpenDevicesScreen opens the devices screen over the cashier screen for the devices
// given to AttachDevices. While it is open, scans from the serial or HID scanner are
// shown as scan tests instead of being rung up; closing it gives them back to the sale
// and the focus to the scan field. cfg and save are as for the package-level
// ShowDevicesScreen.
func (c *Cashier) OpenDevicesScreen(cfg app.Config, save func(app.Config) error) *DevicesScreen {
	s := ShowDevicesScreen(c.win, c.devices, cfg, save)
	previous := c.scanWanted
	c.scanWanted = func(code string) { s.TakeScan(scanner.Scan{Data: code}) }
	c.DevScreen = s
	s.OnClosed = func() {
		c.scanWanted = previous
		c.DevScreen = nil
		c.focusScan()
	}
	return s
}
