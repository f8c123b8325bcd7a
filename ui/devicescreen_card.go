package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
)

// The devices screen's card reader and PIN pad: how each is reached (a PC/SC reader
// by its name, a serial reader or pad by port or USB id, the simulators), their live
// status, the DUKPT key the PIN pad holds (TDES, or AES-128 in Tilldesk's extension of
// the pad's packets), and a PIN pad test that shows a line on the pad.

// Card device kinds the devices screen offers.
var (
	cardReaderKinds = []string{app.LinkNone, app.LinkPCSC, app.LinkSerial, app.LinkSim}
	pinPadKinds     = []string{app.LinkNone, app.LinkSerial, app.LinkSim}
	pinPadKeys      = []string{app.PINPadKeyTDES, app.PINPadKeyAES128}
)

// padKeyLabel names a PIN pad key setting.
func padKeyLabel(v string) string { return tr("devscreen.pad_key." + v) }

// padTestLines is what the PIN pad test shows on the pad (printable ASCII, 16
// columns a line).
var padTestLines = []string{"TILLDESK", "PIN PAD OK"}

// buildCardDevices makes the card reader's and PIN pad's widgets.
func (s *DevicesScreen) buildCardDevices() {
	dev := s.base.Devices
	s.CardReader = newLinkForm(app.RoleCardReader, cardReaderKinds, dev.CardReader.DeviceLink, s.useSelected)
	s.ReaderName = widget.NewEntry()
	s.ReaderName.SetText(dev.CardReader.Reader)
	s.ReaderName.SetPlaceHolder(tr("devscreen.reader_hint"))
	enable := s.CardReader.Kind.OnChanged
	s.CardReader.Kind.OnChanged = func(v string) {
		enable(v)
		setEnabled(s.CardReader.Kind.Value() == app.LinkPCSC, s.ReaderName)
	}
	s.CardReader.Kind.OnChanged("")
	s.PINPad = newLinkForm(app.RolePINPad, pinPadKinds, dev.PINPad.DeviceLink, s.useSelected)
	key := dev.PINPad.Key
	if key == "" {
		key = app.PINPadKeyTDES
	}
	s.PadKey = newChoice(pinPadKeys, padKeyLabel, key)
	s.PadTest = widget.NewButton(tr("devscreen.pad_test"), s.pinPadTest)
	s.PadResult = resultLabel()
	if s.devices == nil {
		s.PadTest.Disable()
	}
}

// cardDeviceCards are the card reader's and PIN pad's boxes of the screen.
func (s *DevicesScreen) cardDeviceCards() []fyne.CanvasObject {
	items := s.CardReader.items() // the reader's name under the kind and the status
	items = append(items[:2:2], append([]*widget.FormItem{widget.NewFormItem(tr("devscreen.reader"), s.ReaderName)}, items[2:]...)...)
	reader := widget.NewForm(items...)
	pad := widget.NewForm(append(s.PINPad.items(), widget.NewFormItem(tr("devscreen.pad_key"), s.PadKey.Select))...)
	return []fyne.CanvasObject{
		widget.NewCard(tr("device.role.card_reader"), "", reader),
		widget.NewCard(tr("device.role.pinpad"), "", container.NewVBox(pad, container.NewHBox(s.PadTest), s.PadResult)),
	}
}

// cardDeviceConfig is cfg with the card reader's and PIN pad's settings from the form.
func (s *DevicesScreen) cardDeviceConfig(cfg app.Config) (app.Config, error) {
	readerLink, rerr := s.CardReader.link(cfg.Devices.CardReader.DeviceLink)
	padLink, perr := s.PINPad.link(cfg.Devices.PINPad.DeviceLink)
	if err := errors.Join(rerr, perr); err != nil {
		return cfg, fmt.Errorf("%w: %w", app.ErrInvalidConfig, err)
	}
	cfg.Devices.CardReader.DeviceLink = readerLink
	cfg.Devices.CardReader.Reader = strings.TrimSpace(s.ReaderName.Text)
	cfg.Devices.PINPad.DeviceLink = padLink
	cfg.Devices.PINPad.Key = s.PadKey.Value()
	return cfg, nil
}

// pinPadTest shows a line on the PIN pad the devices run now.
func (s *DevicesScreen) pinPadTest() {
	s.PadTest.Disable()
	s.PadResult.Importance = widget.MediumImportance
	s.PadResult.SetText(tr("devscreen.working"))
	s.background("PIN pad test", func(ctx context.Context) error {
		return s.devices.PINPad().Show(ctx, padTestLines...)
	}, func(err error) {
		s.PadTest.Enable()
		if err != nil {
			s.PadResult.Importance = widget.DangerImportance
			s.PadResult.SetText(errorText(err))
			return
		}
		s.PadResult.Importance = widget.SuccessImportance
		s.PadResult.SetText(tr("devscreen.pad_shown"))
	})
}
