//go:build linux

package discovery

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.bug.st/serial/enumerator"
)

// fakeSysfs builds a small sysfs and /dev in a temp dir:
//
//	ttyACM0  CDC-ACM scanner      0483:5740 SN1
//	ttyUSB0  FTDI adapter         0403:6001 (empty serial attribute)
//	ttyS0    built-in UART        (type 4, serial-base)
//	ttyS1    UART slot, no UART   (type 0) - left out
//	ttyACM1  in sysfs, no /dev node - left out
//	rfcomm0  virtual, no device link
//	tty0     not a serial port name - left out
func fakeSysfs(t *testing.T) (sys, dev string) {
	root := t.TempDir()
	sys, dev = filepath.Join(root, "sys"), filepath.Join(root, "dev")
	mkdir := func(p string) {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		mkdir(filepath.Dir(p))
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		mkdir(filepath.Dir(name))
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []string{"usb", "usb-serial", "serial-base", "platform"} {
		mkdir(filepath.Join(sys, "bus", b))
	}
	// CDC-ACM: the tty's device is the USB interface.
	acm := filepath.Join(sys, "devices/pci0000:00/usb1/1-1")
	write(filepath.Join(acm, "idVendor"), "0483\n")
	write(filepath.Join(acm, "idProduct"), "5740\n")
	write(filepath.Join(acm, "serial"), "SN1\n")
	write(filepath.Join(acm, "manufacturer"), "ACME\n")
	write(filepath.Join(acm, "product"), "Scanner\n")
	link(filepath.Join(sys, "bus/usb"), filepath.Join(acm, "1-1:1.0/subsystem"))
	link(filepath.Join(acm, "1-1:1.0"), filepath.Join(sys, "class/tty/ttyACM0/device"))
	link(filepath.Join(acm, "1-1:1.0"), filepath.Join(sys, "class/tty/ttyACM1/device"))
	// USB-serial: the tty's device is a usb-serial port under the interface.
	ftdi := filepath.Join(sys, "devices/pci0000:00/usb1/1-2")
	write(filepath.Join(ftdi, "idVendor"), "0403\n")
	write(filepath.Join(ftdi, "idProduct"), "6001\n")
	write(filepath.Join(ftdi, "serial"), "")
	link(filepath.Join(sys, "bus/usb-serial"), filepath.Join(ftdi, "1-2:1.0/ttyUSB0/subsystem"))
	link(filepath.Join(ftdi, "1-2:1.0/ttyUSB0"), filepath.Join(sys, "class/tty/ttyUSB0/device"))
	// Built-in UARTs.
	uart := filepath.Join(sys, "devices/pnp0/00:00/00:00:0/00:00:0.0")
	link(filepath.Join(sys, "bus/serial-base"), filepath.Join(uart, "subsystem"))
	link(uart, filepath.Join(sys, "class/tty/ttyS0/device"))
	write(filepath.Join(sys, "class/tty/ttyS0/type"), "4\n")
	slot := filepath.Join(sys, "devices/platform/serial8250")
	link(filepath.Join(sys, "bus/platform"), filepath.Join(slot, "subsystem"))
	link(slot, filepath.Join(sys, "class/tty/ttyS1/device"))
	write(filepath.Join(sys, "class/tty/ttyS1/type"), "0\n")
	// Virtual.
	mkdir(filepath.Join(sys, "class/tty/rfcomm0"))
	mkdir(filepath.Join(sys, "class/tty/tty0"))

	for _, n := range []string{"ttyACM0", "ttyUSB0", "ttyS0", "ttyS1", "rfcomm0", "tty0"} {
		write(filepath.Join(dev, n), "")
	}
	return sys, dev
}

func TestSysfsPorts(t *testing.T) {
	sys, dev := fakeSysfs(t)
	ports, err := sysfsPorts(sys, dev)
	if err != nil {
		t.Fatal(err)
	}
	got := fromPortDetails(ports, nil)
	want := []Device{
		{Kind: KindSerial, Path: filepath.Join(dev, "rfcomm0")},
		{Kind: KindSerial, Path: filepath.Join(dev, "ttyACM0"), VID: 0x0483, PID: 0x5740, Serial: "SN1",
			Product: "Scanner", Manufacturer: "ACME", USB: true},
		{Kind: KindSerial, Path: filepath.Join(dev, "ttyS0")},
		{Kind: KindSerial, Path: filepath.Join(dev, "ttyUSB0"), VID: 0x0403, PID: 0x6001, USB: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("sysfsPorts =\n%+v\nwant\n%+v", got, want)
	}
}

func TestSysfsPortsMissing(t *testing.T) {
	_, err := sysfsPorts(filepath.Join(t.TempDir(), "nosys"), "/dev")
	if !contains(err, "class/tty") {
		t.Fatalf("error = %v, want it to name the missing directory", err)
	}
	l := SerialLister{Enumerate: func() ([]*enumerator.PortDetails, error) {
		return sysfsPorts(filepath.Join(t.TempDir(), "nosys"), "/dev")
	}}
	if _, err := l.List(); !contains(err, "list serial ports", "class/tty") {
		t.Fatalf("List error = %v", err)
	}
}
