package app

import (
	"errors"
	"fmt"

	"tilldesk/devices/discovery"
)

// ErrInvalidConfig is wrapped by the errors of CheckConfig, SaveConfig and Apply when
// a configuration is refused before anything is written or restarted.
var ErrInvalidConfig = errors.New("invalid configuration")

// errDevicesClosed is Apply's error after Close.
var errDevicesClosed = errors.New("devices: apply: the devices are closed")

// CheckConfig checks cfg as the devices screen saves and applies it: Validate, plus the
// device settings Validate leaves to start-up (a USB id or a port for serial and HID
// links, the serial line settings). Errors wrap ErrInvalidConfig and, for device
// settings, devices.ErrBadConfig.
func CheckConfig(cfg Config) error {
	err := errors.Join(cfg.Validate(), checkLink(RoleScanner, cfg.Devices.Scanner.DeviceLink),
		checkLink(RolePrinter, cfg.Devices.Printer.DeviceLink))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

// checkLink refuses what startScanner and startPrinter would refuse, without starting
// anything.
func checkLink(role string, link DeviceLink) error {
	switch link.Kind {
	case LinkSerial, LinkHID:
		if err := locate(link, &discovery.Supervisor{Role: role}); err != nil {
			return err
		}
	}
	switch link.Kind {
	case LinkSerial, LinkSim:
		if _, err := link.Serial.Mode(); err != nil {
			return fmt.Errorf("devices.%s.serial: %w", role, err)
		}
	}
	return nil
}

// SaveConfig checks cfg (CheckConfig) and writes it to the config file at path,
// atomically: a crash leaves the old file or the new one, never half of one.
func SaveConfig(path string, cfg Config) error {
	if err := CheckConfig(cfg); err != nil {
		return fmt.Errorf("config: save %s: %w", path, err)
	}
	return writeConfig(path, cfg)
}

// Config returns the configuration the devices run with: what StartDevices or the
// last successful Apply was given.
func (d *Devices) Config() Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.config
}

// Discovered lists the attached serial and HID devices as of the device watcher's last
// poll (every 2 seconds).
func (d *Devices) Discovered() []discovery.Device {
	devs, _ := d.watcher.List() // a Watcher's List never fails: it returns its last poll
	return devs
}

// Rescan lists the attached devices now rather than at the watcher's next poll, and
// returns them. Listing USB devices takes a moment: call it off the UI goroutine.
func (d *Devices) Rescan() []discovery.Device {
	// A failed listing is logged by the watcher, which keeps what it could list.
	_, _ = d.watcher.Poll()
	return d.Discovered()
}

// Apply replaces the running devices with cfg's without a restart of the program: it
// checks cfg (CheckConfig), stops the running supervisors and simulators and waits for
// their goroutines, clears the device statuses, and starts cfg's devices. Scans and
// the change callback stay as they are, so the cashier screen keeps receiving scans and status
// changes. A refused cfg leaves the running devices alone; if cfg's devices cannot be
// started, the previous ones are started again and the error says so.
//
// Apply blocks while the old devices stop (normally milliseconds): call it off the UI
// goroutine.
func (d *Devices) Apply(cfg Config) error {
	if err := CheckConfig(cfg); err != nil {
		return fmt.Errorf("devices: apply: %w", err)
	}
	d.life.Lock()
	defer d.life.Unlock()
	select {
	case <-d.watcherDone:
		return errDevicesClosed
	default:
	}
	old := d.Config()
	d.log.Info("applying device settings",
		"scanner", cfg.Devices.Scanner.Kind, "printer", cfg.Devices.Printer.Kind)
	d.restart()
	err := d.start(cfg)
	if err == nil {
		return nil
	}
	d.log.Error("device settings not applied; restarting the previous devices", "err", err)
	d.restart()
	if rerr := d.start(old); rerr != nil {
		d.log.Error("previous devices not restarted", "err", rerr)
		return fmt.Errorf("devices: apply: %w (and restarting the previous devices failed: %w)", err, rerr)
	}
	return fmt.Errorf("devices: apply: %w (the previous devices run again)", err)
}

// restart stops the running devices and forgets their statuses, issues and simulators,
// ready for start. Called with d.life held.
func (d *Devices) restart() {
	if err := d.stop(); err != nil {
		d.log.Warn("closing devices", "err", err)
	}
	d.mu.Lock()
	clear(d.status)
	clear(d.issues)
	d.sims = Simulators{}
	d.mu.Unlock()
	d.notify()
}
