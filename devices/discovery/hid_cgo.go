//go:build cgo

package discovery

import (
	"fmt"
	"os"
	"runtime"

	"github.com/karalabe/usb"
)

// usbfsDir is where libusb, and so hidapi on Linux, finds USB devices.
const usbfsDir = "/dev/bus/usb"

// HIDAvailable reports nil when HID devices can be listed, or an error wrapping
// ErrHIDUnavailable that says why not.
func HIDAvailable() error {
	if !usb.Supported() {
		return fmt.Errorf("%w: github.com/karalabe/usb does not support %s/%s", ErrHIDUnavailable, runtime.GOOS, runtime.GOARCH)
	}
	if runtime.GOOS == "linux" {
		if _, err := os.Stat(usbfsDir); err != nil {
			return fmt.Errorf("%w: %s is missing, so libusb sees no USB bus (a container without USB passed through?): %v",
				ErrHIDUnavailable, usbfsDir, err)
		}
	}
	return nil
}

// List enumerates HID interfaces. See HIDLister for what happens when HID is
// unavailable.
func (l HIDLister) List() ([]Device, error) {
	if err := HIDAvailable(); err != nil {
		noteHIDUnavailable(logger(l.Logger), err)
		return nil, nil
	}
	infos, err := usb.EnumerateHid(l.VID, l.PID)
	devs := fromHIDInfos(infos)
	if err != nil {
		return devs, fmt.Errorf("list HID devices: %w", err)
	}
	return devs, nil
}

// fromHIDInfos converts karalabe/usb's device infos.
func fromHIDInfos(infos []usb.DeviceInfo) []Device {
	devs := make([]Device, 0, len(infos))
	for _, in := range infos {
		if in.Path == "" {
			continue
		}
		devs = append(devs, Device{
			Kind:         KindHID,
			Path:         in.Path,
			VID:          in.VendorID,
			PID:          in.ProductID,
			Serial:       in.Serial,
			Product:      in.Product,
			Manufacturer: in.Manufacturer,
			USB:          true,
		})
	}
	sortDevices(devs)
	return devs
}
