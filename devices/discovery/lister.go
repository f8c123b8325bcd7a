package discovery

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"go.bug.st/serial/enumerator"
)

// Lister enumerates attached devices. On a partial failure a Lister returns the
// devices it did find together with the error.
type Lister interface {
	List() ([]Device, error)
}

// ListerFunc adapts a function to the Lister interface.
type ListerFunc func() ([]Device, error)

// List calls f.
func (f ListerFunc) List() ([]Device, error) { return f() }

// MultiLister lists the devices of all its Listers. One failing Lister does not hide
// the others: List returns every device found, sorted by kind and path, together with
// the failures joined into one error.
type MultiLister []Lister

// List calls each Lister in turn.
func (m MultiLister) List() ([]Device, error) {
	var all []Device
	var errs []error
	for _, l := range m {
		if l == nil {
			continue
		}
		devs, err := l.List()
		all = append(all, devs...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	sortDevices(all)
	return all, errors.Join(errs...)
}

// sortDevices orders devices by kind, then path, so listings and events are stable.
func sortDevices(devs []Device) {
	slices.SortStableFunc(devs, func(a, b Device) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Path, b.Path))
	})
}

// SerialLister lists serial ports with their USB details.
//
// On Linux it reads sysfs and never opens a port. go.bug.st/serial's
// enumerator.GetDetailedPortsList, used on the other systems, opens every /dev/ttyS*
// on Linux to see whether it is real, which puts a port that is in use (as root,
// TIOCEXCL does not stop it) into raw 9600 8N1 and clears its exclusive lock, and
// makes a port in use vanish from the list otherwise; polling that every second
// would break an RS-232 printer on ttyS0.
type SerialLister struct {
	// Enumerate lists the ports; nil means the platform default described above.
	// Tests and callers who want go.bug.st/serial's own listing on Linux set it to
	// enumerator.GetDetailedPortsList.
	Enumerate func() ([]*enumerator.PortDetails, error)
	// ProbeUSB lets the default enumerator on Windows and macOS query attached USB
	// devices for their manufacturer and product strings (go.bug.st/serial's "active
	// probing", which can disturb some devices). Linux reads them from sysfs anyway.
	ProbeUSB bool
	// Logger receives warnings about ports with unreadable details; nil means
	// slog.Default().
	Logger *slog.Logger
}

// List enumerates the serial ports. Errors say what failed ("list serial ports: ...").
func (l SerialLister) List() ([]Device, error) {
	enum := l.Enumerate
	if enum == nil {
		enum = func() ([]*enumerator.PortDetails, error) { return defaultSerialPorts(l.ProbeUSB) }
	}
	ports, err := enum()
	devs := fromPortDetails(ports, logger(l.Logger))
	if err != nil {
		return devs, fmt.Errorf("list serial ports: %w", err)
	}
	return devs, nil
}

// fromPortDetails converts go.bug.st/serial's port details. Ports without a name are
// skipped (the library returns those for ttys whose sysfs entry vanished); a port whose
// VID or PID does not parse is kept, without USB IDs, and logged.
func fromPortDetails(ports []*enumerator.PortDetails, log *slog.Logger) []Device {
	devs := make([]Device, 0, len(ports))
	for _, p := range ports {
		if p == nil || p.Name == "" {
			continue
		}
		d := Device{
			Kind:         KindSerial,
			Path:         p.Name,
			USB:          p.IsUSB,
			Serial:       p.SerialNumber,
			Product:      p.Product,
			Manufacturer: p.Manufacturer,
		}
		if p.IsUSB {
			vid, verr := parseHex16(p.VID)
			pid, perr := parseHex16(p.PID)
			if err := errors.Join(verr, perr); err != nil {
				log.Warn("serial port has unreadable USB IDs; it can only be used by path",
					"path", p.Name, "vid", p.VID, "pid", p.PID, "err", err)
			} else {
				d.VID, d.PID = vid, pid
			}
		}
		devs = append(devs, d)
	}
	sortDevices(devs)
	return devs
}

// logger returns l, or slog.Default() when l is nil.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
