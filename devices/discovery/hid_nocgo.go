//go:build !cgo

package discovery

import "fmt"

// HIDAvailable reports why HID devices cannot be listed: this build has no cgo, which
// github.com/karalabe/usb needs.
func HIDAvailable() error {
	return fmt.Errorf("%w: HID needs cgo, and this program was built with CGO_ENABLED=0", ErrHIDUnavailable)
}

// List returns no devices: HID needs cgo. The reason is logged once.
func (l HIDLister) List() ([]Device, error) {
	noteHIDUnavailable(logger(l.Logger), HIDAvailable())
	return nil, nil
}
