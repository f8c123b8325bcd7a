package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/devices/discovery"
)

// Setting values the devices screen offers.
var (
	scannerKinds = []string{app.LinkNone, app.LinkSerial, app.LinkHID, app.LinkWedge, app.LinkSim}
	printerKinds = []string{app.LinkNone, app.LinkSerial, app.LinkSim}
	bauds        = []string{"9600", "19200", "38400", "57600", "115200"}
	parities     = []string{"none", "odd", "even"}
	dataBits     = []string{"8", "7"}
	stopBits     = []string{"1", "2"}
	suffixes     = []string{"CR", "LF", "CRLF", "none"}
)

// Choice is a drop-down over fixed setting values, each shown by a (translated) label.
// Tests and the screen read and set it by value.
type Choice struct {
	*widget.Select
	values []string
	label  func(string) string
}

// newChoice makes a Choice over values showing label(value), with value chosen.
func newChoice(values []string, label func(string) string, value string) *Choice {
	c := &Choice{values: slices.Clone(values), label: label}
	labels := make([]string, len(values))
	for i, v := range values {
		labels[i] = label(v)
	}
	c.Select = widget.NewSelect(labels, nil)
	c.SetValue(value)
	return c
}

// plain shows a setting value as it is (baud rates, bit counts).
func plain(v string) string { return v }

// translated shows a setting value by the message key prefix+value.
func translated(prefix string) func(string) string {
	return func(v string) string { return tr(prefix + v) }
}

// Value returns the chosen setting value, "" when nothing is chosen.
func (c *Choice) Value() string {
	if i := c.SelectedIndex(); i >= 0 && i < len(c.values) {
		return c.values[i]
	}
	return ""
}

// SetValue chooses v. A value the list does not offer (an unusual setting from the
// config file, such as 4800 baud) is added to it, so opening and saving the screen
// does not change it.
func (c *Choice) SetValue(v string) {
	i := slices.Index(c.values, v)
	if i < 0 {
		c.values = append(c.values, v)
		c.Options = append(c.Options, c.label(v))
		i = len(c.values) - 1
	}
	c.SetSelectedIndex(i)
}

// LinkForm edits how one device is reached (an app.DeviceLink) and shows the device's
// live status.
type LinkForm struct {
	Kind        *Choice
	USBID       *widget.Entry
	UseSelected *widget.Button // fills USBID, Path and Kind from the selected attached device
	Path        *widget.Entry
	Baud        *Choice
	Parity      *Choice
	DataBits    *Choice
	StopBits    *Choice
	Trace       *widget.Check
	Status      *widget.Label

	role string
}

// newLinkForm makes the form for role's link, offering kinds, filled from link.
func newLinkForm(role string, kinds []string, link app.DeviceLink, useSelected func(*LinkForm)) *LinkForm {
	serial := link.Serial.Defaults()
	kind := link.Kind
	if kind == "" {
		kind = app.LinkNone
	}
	f := &LinkForm{
		role:     role,
		Kind:     newChoice(kinds, translated("devscreen.kind."), kind),
		USBID:    widget.NewEntry(),
		Path:     widget.NewEntry(),
		Baud:     newChoice(bauds, plain, strconv.Itoa(serial.Baud)),
		Parity:   newChoice(parities, translated("devscreen.parity."), serial.Parity),
		DataBits: newChoice(dataBits, plain, strconv.Itoa(serial.DataBits)),
		StopBits: newChoice(stopBits, plain, strconv.Itoa(serial.StopBits)),
		Trace:    widget.NewCheck(tr("devscreen.trace"), nil),
		Status:   widget.NewLabel(""),
	}
	f.USBID.SetText(link.USBID)
	f.USBID.SetPlaceHolder(tr("devscreen.usb_id_hint"))
	f.USBID.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		_, err := discovery.ParseID(s)
		return err
	}
	f.Path.SetText(link.Serial.Path)
	f.Path.SetPlaceHolder("/dev/ttyACM0, COM3")
	f.Trace.SetChecked(link.Trace)
	f.Status.Wrapping = fyne.TextWrapWord
	f.UseSelected = widget.NewButton(tr("devscreen.use_selected"), func() { useSelected(f) })
	f.Kind.OnChanged = func(string) { f.enable() }
	f.enable()
	return f
}

// items are the form rows for the link, with the status under the kind.
func (f *LinkForm) items() []*widget.FormItem {
	return []*widget.FormItem{
		widget.NewFormItem(tr("devscreen.link"), f.Kind.Select),
		widget.NewFormItem(tr("devscreen.status"), f.Status),
		widget.NewFormItem(tr("devscreen.usb_id"), container.NewBorder(nil, nil, nil, f.UseSelected, f.USBID)),
		widget.NewFormItem(tr("devscreen.port"), f.Path),
		widget.NewFormItem(tr("devscreen.baud"), f.Baud.Select),
		widget.NewFormItem(tr("devscreen.parity"), f.Parity.Select),
		widget.NewFormItem(tr("devscreen.data_bits"), f.DataBits.Select),
		widget.NewFormItem(tr("devscreen.stop_bits"), f.StopBits.Select),
		widget.NewFormItem("", f.Trace),
	}
}

// enable enables the fields the chosen kind of link uses: a USB id for serial and HID
// devices, a port and line settings for serial ones. The others keep their values.
func (f *LinkForm) enable() {
	kind := f.Kind.Value()
	usb, serial := kind == app.LinkSerial || kind == app.LinkHID, kind == app.LinkSerial
	setEnabled(usb, f.USBID, f.UseSelected)
	setEnabled(serial, f.Path, f.Baud.Select, f.Parity.Select, f.DataBits.Select, f.StopBits.Select)
}

// setEnabled enables or disables widgets.
func setEnabled(on bool, ws ...fyne.Disableable) {
	for _, w := range ws {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

// link returns base with the form's settings. It fails when the USB id does not parse
// or a number is not a number.
func (f *LinkForm) link(base app.DeviceLink) (app.DeviceLink, error) {
	l := base
	l.Kind = f.Kind.Value()
	l.USBID = strings.TrimSpace(f.USBID.Text)
	if l.USBID != "" {
		if _, err := discovery.ParseID(l.USBID); err != nil {
			return base, fmt.Errorf("devices.%s.usb_id: %w", f.role, err)
		}
	}
	l.Serial.Path = strings.TrimSpace(f.Path.Text)
	l.Serial.Parity = f.Parity.Value()
	for _, n := range []struct {
		to     *int
		choice *Choice
		name   string
	}{{&l.Serial.Baud, f.Baud, "baud"}, {&l.Serial.DataBits, f.DataBits, "data_bits"}, {&l.Serial.StopBits, f.StopBits, "stop_bits"}} {
		v, err := strconv.Atoi(n.choice.Value())
		if err != nil {
			return base, fmt.Errorf("devices.%s.serial.%s: %w", f.role, n.name, err)
		}
		*n.to = v
	}
	l.Trace = f.Trace.Checked
	return l, nil
}

// fill takes the port and USB id of an attached device, and the kind of link it needs.
// It reports false when the role cannot use that kind of device (a HID printer).
func (f *LinkForm) fill(dev discovery.Device) bool {
	kind := app.LinkSerial
	if dev.Kind == discovery.KindHID {
		kind = app.LinkHID
	}
	if !slices.Contains(f.Kind.values, kind) {
		return false
	}
	f.Kind.SetValue(kind)
	f.USBID.SetText("")
	if dev.USB || dev.VID != 0 {
		f.USBID.SetText(dev.ID().String())
	}
	f.Path.SetText(dev.Path)
	return true
}

// showStatus shows the device's status, or that it has none (not started).
func (f *LinkForm) showStatus(st app.DeviceStatus, ok bool) {
	text, importance := tr("devscreen.no_status"), widget.MediumImportance
	if ok {
		text = tr("device.state." + st.State)
		if st.Link == app.LinkSim {
			text += " " + tr("device.simulated")
		}
		if st.Port != "" {
			text += "  " + st.Port
		}
		if st.Err != nil {
			text += "\n" + st.Err.Error()
		}
		switch st.State {
		case "connected":
			importance = widget.SuccessImportance
		case "error", "attention", "disconnected":
			importance = widget.DangerImportance
		}
	}
	if f.Status.Text != text || f.Status.Importance != importance {
		f.Status.Importance = importance
		f.Status.SetText(text)
	}
}

// deviceLabel describes an attached device for the list: kind, port, VID:PID,
// product and serial number.
func deviceLabel(d discovery.Device) string {
	parts := []string{d.Kind, d.Path}
	if d.USB || d.VID != 0 {
		parts = append(parts, fmt.Sprintf("%04x:%04x", d.VID, d.PID))
	}
	if d.Product != "" {
		parts = append(parts, strconv.Quote(d.Product))
	}
	if d.Serial != "" {
		parts = append(parts, trf("devscreen.serial_no", map[string]any{"Serial": d.Serial}))
	}
	return strings.Join(parts, "  ")
}
