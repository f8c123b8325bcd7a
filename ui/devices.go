package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"

	"tilldesk/app"
	"tilldesk/devices/scanner"
)

// errScanIgnored is shown when a scan arrives while a dialog that takes no scans is open.
var errScanIgnored = errors.New("scan ignored: finish or close the open dialog first")

// AttachDevices connects the screen to the running devices: scans are routed to what
// the screen is waiting for, and device states show in the status bar. Device
// goroutines reach the widgets only through fyne.Do. It returns when stop is closed.
func (c *Cashier) AttachDevices(d *app.Devices, stop <-chan struct{}) {
	c.devices = d
	d.SetOnChange(func() { fyne.Do(c.refreshStatus) })
	go func() {
		for {
			select {
			case <-stop:
				return
			case s := <-d.Scans:
				fyne.Do(func() { c.onScan(s) })
			}
		}
	}()
	c.refreshStatus()
}

// onScan routes one scan by what the screen is waiting for: a dialog that asked for a
// scan gets it; with no dialog open it is an item; with any other dialog open it is
// refused, so it never lands in the wrong field.
func (c *Cashier) onScan(s scanner.Scan) {
	c.log.Info("scan", "source", s.Source, "len", len(s.Data))
	switch {
	case c.scanWanted != nil:
		c.scanWanted(s.Data)
	case c.Receipt != nil:
		// The next customer's first item: the receipt of the last sale gives way.
		c.Receipt.close()
		c.submit(s.Data)
	case c.Popup != nil || c.CashPad != nil || c.Picker != nil || c.Screen != nil:
		// A dialog or screen that takes no scans: above all a payment running, which a
		// payment code scanned now would pay a second time.
		c.fail(errScanIgnored)
	default:
		c.submit(s.Data)
	}
}

// deviceStatusText is the devices part of the status bar.
func (c *Cashier) deviceStatusText() string {
	if c.devices == nil {
		if c.till.Config().Terminal.Demo {
			return tr("status.demo")
		}
		return tr("status.devices_none")
	}
	// Connected devices are counted (the till has up to four); the others are named
	// with their state, which is what the person at the till must see.
	var parts []string
	connected, simulated := 0, false
	for _, s := range c.devices.Status() {
		simulated = simulated || s.Link == app.LinkSim
		if s.State == "connected" {
			connected++
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %s", tr("device.role."+s.Role), tr("device.state."+s.State)))
	}
	if connected > 0 {
		summary := trf("status.devices_connected", map[string]any{"Count": connected})
		if simulated {
			summary += " " + tr("device.simulated")
		}
		parts = append([]string{summary}, parts...)
	}
	return strings.Join(parts, "  ")
}

// ShowDeviceError tells the person at the till that the devices could not be started.
func (c *Cashier) ShowDeviceError(err error) { c.fail(err) }

// EnableSettings lets the screen open the devices screen (the manager console will
// guard it with a manager PIN): cfg is the configuration in force, save writes a new
// one to the config file.
func (c *Cashier) EnableSettings(cfg app.Config, save func(app.Config) error) {
	c.config = cfg
	c.saveConfig = func(next app.Config) error {
		if err := save(next); err != nil {
			return err
		}
		c.config = next
		// Every setting change is audited.
		return c.till.RecordAdmin(app.AdminAction{Action: app.ActionSettingsChanged, Section: "devices", Operator: c.currentOperator()})
	}
}

// openDevices (F11) opens the devices screen.
func (c *Cashier) openDevices() {
	if c.saveConfig == nil || c.devices == nil {
		c.fail(errNoSettings)
		return
	}
	c.OpenDevicesScreen(c.config, c.saveConfig)
}

// errNoSettings is shown when the devices screen is not available.
var errNoSettings = errors.New("device settings are not available on this screen")
