//go:build linux

package discovery

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.bug.st/serial/enumerator"
)

// defaultSerialPorts reads the serial ports from sysfs without opening any of them.
// Linux reads USB strings from sysfs, so probe changes nothing here.
func defaultSerialPorts(_ bool) ([]*enumerator.PortDetails, error) {
	return sysfsPorts("/sys", "/dev")
}

// ttyName is the serial port names go.bug.st/serial lists on Linux.
var ttyName = regexp.MustCompile(`^(ttyS|ttyHS|ttyUSB|ttyACM|ttyAMA|rfcomm|ttyO|ttymxc)[0-9]{1,3}$`)

// sysfsPorts lists the serial ports under sys/class/tty that have a node in dev,
// reading USB details the way go.bug.st/serial does but without opening any port.
// Built-in UART slots with no UART behind them (serial_core's "type" attribute is 0,
// PORT_UNKNOWN: the ttyS1..ttyS31 a PC kernel always creates) are left out. A port
// whose sysfs entry cannot be read (it is being unplugged) is skipped rather than
// failing the whole listing.
func sysfsPorts(sys, dev string) ([]*enumerator.PortDetails, error) {
	classDir := filepath.Join(sys, "class", "tty")
	entries, err := os.ReadDir(classDir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", classDir, err)
	}
	var ports []*enumerator.PortDetails
	for _, e := range entries {
		name := e.Name()
		if !ttyName.MatchString(name) {
			continue
		}
		node := filepath.Join(dev, name)
		if _, err := os.Stat(node); err != nil {
			continue // no device node: not usable here (e.g. in a container)
		}
		p, ok := sysfsPort(filepath.Join(classDir, name), node)
		if ok {
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// sysfsPort reads one port's details from its /sys/class/tty/NAME directory.
func sysfsPort(ttyDir, node string) (*enumerator.PortDetails, bool) {
	p := &enumerator.PortDetails{Name: node}
	device, err := filepath.EvalSymlinks(filepath.Join(ttyDir, "device"))
	if errors.Is(err, fs.ErrNotExist) {
		return p, true // a virtual port (rfcomm): no USB details
	}
	if err != nil {
		return nil, false
	}
	if t, err := readAttr(filepath.Join(ttyDir, "type")); err == nil && t == "0" {
		return nil, false // serial_core slot with no UART
	}
	subsystem, err := filepath.EvalSymlinks(filepath.Join(device, "subsystem"))
	if err != nil {
		return p, true
	}
	var usbDir string
	switch filepath.Base(subsystem) {
	case "usb-serial": // .../1-2/1-2:1.0/ttyUSB0
		usbDir = filepath.Dir(filepath.Dir(device))
	case "usb": // .../1-2/1-2:1.0 (CDC-ACM interface)
		usbDir = filepath.Dir(device)
	default: // platform, pnp, pci, serial-base: a built-in port
		return p, true
	}
	vid, verr := readAttr(filepath.Join(usbDir, "idVendor"))
	pid, perr := readAttr(filepath.Join(usbDir, "idProduct"))
	if verr != nil || perr != nil {
		return nil, false // unplugged while we looked
	}
	p.IsUSB = true
	p.VID = strings.ToUpper(vid)
	p.PID = strings.ToUpper(pid)
	p.SerialNumber, _ = readAttr(filepath.Join(usbDir, "serial"))
	p.Manufacturer, _ = readAttr(filepath.Join(usbDir, "manufacturer"))
	p.Product, _ = readAttr(filepath.Join(usbDir, "product"))
	p.Configuration, _ = readAttr(filepath.Join(usbDir, "configuration"))
	return p, true
}

// readAttr reads the first line of a sysfs attribute.
func readAttr(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if line == "" && err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
