package hid

import (
	"errors"
	"fmt"

	"github.com/karalabe/usb"

	"tilldesk/devices"
)

// UsagePagePOSScanner is the HID usage page of bar code scanners (HID Point of Sale
// Usage Tables 1.02, section 3).
const UsagePagePOSScanner = 0x8C

// errNoCgo is why Open fails in a build without cgo.
var errNoCgo = errors.New("USB HID support needs a build with cgo")

// Open opens the HID POS interface of the USB device vid:pid (0 matches any ID).
// Errors wrap devices.ErrNotFound (no such device, or a build without cgo) or
// devices.ErrPermission (found but not openable: on Linux, usually a missing udev
// rule giving the till's user access to the USB device).
func Open(vid, pid uint16) (*Port, error) {
	name := fmt.Sprintf("USB %04x:%04x", vid, pid)
	if !usb.Supported() {
		return nil, devices.Wrap("open", name, fmt.Errorf("%w: %w", errNoCgo, devices.ErrNotFound))
	}
	infos, err := usb.EnumerateHid(vid, pid)
	if err != nil {
		return nil, devices.Wrap("open", name, fmt.Errorf("enumerate HID devices: %v: %w", err, devices.ErrNotFound))
	}
	info, ok := pick(infos)
	if !ok {
		return nil, devices.Wrap("open", name, devices.ErrNotFound)
	}
	name = displayName(info)
	dev, err := info.Open()
	if err != nil {
		return nil, devices.Wrap("open", name, fmt.Errorf("%v (check the udev rule for the scanner): %w", err, devices.ErrPermission))
	}
	return New(dev, name), nil
}

// pick chooses the interface to open among a device's HID interfaces: the first with
// the bar code scanner usage page where the OS reports usage pages (Windows, macOS),
// otherwise the first one listed (hidapi's libusb backend on Linux reports none).
func pick(infos []usb.DeviceInfo) (usb.DeviceInfo, bool) {
	for _, in := range infos {
		if in.UsagePage == UsagePagePOSScanner {
			return in, true
		}
	}
	for _, in := range infos {
		if in.UsagePage == 0 {
			return in, true
		}
	}
	return usb.DeviceInfo{}, false
}

// displayName is how the person at the till knows the device: "Honeywell Voyager
// 1250g (USB 0c2e:0b61)".
func displayName(in usb.DeviceInfo) string {
	id := fmt.Sprintf("USB %04x:%04x", in.VendorID, in.ProductID)
	if in.Product == "" {
		return id
	}
	return fmt.Sprintf("%s (%s)", in.Product, id)
}
