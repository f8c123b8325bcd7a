package discovery

import (
	"errors"
	"log/slog"
	"sync"
)

// ErrHIDUnavailable is wrapped by HIDAvailable's answer when this build or this
// machine cannot list HID devices.
var ErrHIDUnavailable = errors.New("HID device discovery unavailable")

// HIDLister lists USB HID interfaces with github.com/karalabe/usb (hidapi on libusb on
// Linux). Each HID interface of a composite device is listed separately, with its own
// path; the path changes on every re-plug on Linux, so configure HID devices by ID.
//
// Where HID discovery is unavailable (a build without cgo, or a Linux machine with no
// /dev/bus/usb such as a container) List returns no devices and no error, and logs
// why once; HIDAvailable tells a diagnostics screen the reason. That keeps a
// MultiLister of serial and HID ports, and a Watcher on it, working with serial ports
// alone instead of failing every poll.
type HIDLister struct {
	// VID and PID restrict the listing to one vendor or product; zero lists all.
	VID, PID uint16
	// Logger receives the one-time note when HID is unavailable; nil means
	// slog.Default().
	Logger *slog.Logger
}

// hidNote makes sure the "HID unavailable" reason is logged once per process.
var hidNote struct {
	sync.Mutex
	logged string
}

// noteHIDUnavailable logs err once (again only if the reason changes).
func noteHIDUnavailable(log *slog.Logger, err error) {
	hidNote.Lock()
	defer hidNote.Unlock()
	if hidNote.logged == err.Error() {
		return
	}
	hidNote.logged = err.Error()
	log.Warn("HID devices will not be listed", "err", err)
}
