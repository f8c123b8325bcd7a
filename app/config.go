package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"

	"github.com/BurntSushi/toml"

	"tilldesk/devices/serialport"
)

// Config is the till's configuration file (TOML). With no file, Tilldesk writes these
// demo defaults on first run.
type Config struct {
	Terminal TerminalConfig `toml:"terminal"`
	Store    StoreConfig    `toml:"store"`
	UI       UIConfig       `toml:"ui"`
	Catalog  CatalogConfig  `toml:"catalog"`
	Receipt  ReceiptConfig  `toml:"receipt"`
	Devices  DevicesConfig  `toml:"devices"`
	Prepaid  PrepaidConfig  `toml:"prepaid"`
	Wallet   WalletConfig   `toml:"wallet"`
	Acquirer AcquirerConfig `toml:"acquirer"`
	EMV      EMVConfig      `toml:"emv"`
}

// DevicesConfig says which hardware the till uses and how it is connected.
type DevicesConfig struct {
	Scanner    ScannerConfig    `toml:"scanner"`
	Printer    PrinterConfig    `toml:"printer"`
	CardReader CardReaderConfig `toml:"card_reader"` // devices_card.go
	PINPad     PINPadConfig     `toml:"pinpad"`
}

// Device link kinds.
const (
	LinkNone   = "none"   // not used
	LinkSerial = "serial" // RS-232 or USB CDC-ACM serial
	LinkHID    = "hid"    // USB HID (HID POS scanners)
	LinkWedge  = "wedge"  // keyboard wedge: the scanner types into the scan field
	LinkSim    = "sim"    // built-in simulator on a pseudo-terminal (demo mode)
)

// DeviceLink is how one device is reached. A USB device is best named by USBID
// ("VID:PID[:serial]", e.g. "0483:5740"), so it is found again when the system gives it
// another port name; Serial.Path is used when USBID is empty.
type DeviceLink struct {
	Kind   string            `toml:"kind"`
	USBID  string            `toml:"usb_id"`
	Serial serialport.Config `toml:"serial"`
	Trace  bool              `toml:"trace"` // hex trace of every byte to the data folder's traces/
}

// ScannerConfig is the barcode/QR scanner.
type ScannerConfig struct {
	DeviceLink
	Prefix string `toml:"prefix"` // characters the scanner sends before the code
	Suffix string `toml:"suffix"` // what ends a code: "CR", "LF", "CRLF" or "none"
}

// PrinterConfig is the ESC/POS receipt printer (and the cash drawer behind it).
type PrinterConfig struct {
	DeviceLink
	NativeQR bool `toml:"native_qr"` // GS ( k QR codes; false draws them as raster images
}

// TerminalConfig identifies this till to the acquirer and in the journal.
type TerminalConfig struct {
	ID         string `toml:"id"`          // 8-character terminal ID (银联终端号)
	MerchantID string `toml:"merchant_id"` // 15-digit merchant ID (商户号)
	Demo       bool   `toml:"demo"`        // simulated devices and hosts
}

// StoreConfig is printed on receipts.
type StoreConfig struct {
	NameZH  string `toml:"name_zh"`
	NameEN  string `toml:"name_en"`
	Address string `toml:"address"`
	Phone   string `toml:"phone"`
}

// UIConfig holds screen settings.
type UIConfig struct {
	Language string `toml:"language"` // "auto" (system locale), "zh" or "en"
	// IdleLogoutMinutes signs the operator off after this long with no key, scan or
	// tap (the sale in progress is held first); 0 never does.
	IdleLogoutMinutes int `toml:"idle_logout_minutes"`
}

// CatalogConfig says where products come from.
type CatalogConfig struct {
	File string `toml:"file"` // CSV path; empty loads the built-in demo catalog
}

// ReceiptConfig shapes receipts.
type ReceiptConfig struct {
	Width  int    `toml:"width"` // characters per line: 32 (58 mm) or 48 (80 mm)
	Footer string `toml:"footer"`
}

// DefaultConfig is the demo configuration written on first run.
func DefaultConfig() Config {
	cardReader, pinPad := defaultCardDevices()
	return Config{
		Terminal: TerminalConfig{ID: "DEMO0001", MerchantID: "898310000000001", Demo: true},
		Store: StoreConfig{
			NameZH: "收银台演示超市", NameEN: "Tilldesk Demo Market",
			Address: "上海市浦东新区示例路 88 号", Phone: "021-00000000",
		},
		UI:      UIConfig{Language: "auto", IdleLogoutMinutes: 15},
		Receipt: ReceiptConfig{Width: 32, Footer: "谢谢惠顾 Thank you"},
		Devices: DevicesConfig{
			Scanner:    ScannerConfig{DeviceLink: DeviceLink{Kind: LinkSim, Serial: serialport.Config{Baud: 9600}.Defaults()}, Suffix: "CR"},
			Printer:    PrinterConfig{DeviceLink: DeviceLink{Kind: LinkSim, Serial: serialport.Config{Baud: 115200}.Defaults()}, NativeQR: true},
			CardReader: cardReader, PINPad: pinPad,
		},
		Prepaid:  DefaultPrepaidConfig(),
		Wallet:   DefaultWalletConfig(),
		Acquirer: DefaultAcquirerConfig(),
		EMV:      DefaultEMVConfig(),
	}
}

var terminalIDPattern = regexp.MustCompile(`^[0-9A-Za-z]{8}$`)

// Validate checks the configuration and says which setting is wrong.
func (c Config) Validate() error {
	var errs []error
	if !terminalIDPattern.MatchString(c.Terminal.ID) {
		errs = append(errs, fmt.Errorf("terminal.id %q must be 8 letters or digits", c.Terminal.ID))
	}
	switch c.UI.Language {
	case "auto", "zh", "en":
	default:
		errs = append(errs, fmt.Errorf("ui.language %q must be auto, zh or en", c.UI.Language))
	}
	if c.UI.IdleLogoutMinutes < 0 || c.UI.IdleLogoutMinutes > 24*60 {
		errs = append(errs, fmt.Errorf("ui.idle_logout_minutes %d must be 0 (never) to 1440", c.UI.IdleLogoutMinutes))
	}
	for role, kind := range map[string]string{"devices.scanner": c.Devices.Scanner.Kind, "devices.printer": c.Devices.Printer.Kind} {
		switch kind {
		case LinkNone, LinkSerial, LinkSim, "":
		case LinkHID, LinkWedge:
			if role == "devices.printer" {
				errs = append(errs, fmt.Errorf("%s.kind %q: a printer is serial or sim", role, kind))
			}
		default:
			errs = append(errs, fmt.Errorf("%s.kind %q must be none, serial, hid, wedge or sim", role, kind))
		}
	}
	switch c.Devices.Scanner.Suffix {
	case "CR", "LF", "CRLF", "none", "":
	default:
		errs = append(errs, fmt.Errorf("devices.scanner.suffix %q must be CR, LF, CRLF or none", c.Devices.Scanner.Suffix))
	}
	if c.Receipt.Width < 24 || c.Receipt.Width > 64 {
		errs = append(errs, fmt.Errorf("receipt.width %d must be between 24 and 64 (32 for 58 mm, 48 for 80 mm)", c.Receipt.Width))
	}
	errs = append(errs, c.Devices.checkCardDevices())
	errs = append(errs, c.Prepaid.Validate())
	errs = append(errs, c.Wallet.Validate())
	errs = append(errs, c.Acquirer.Validate())
	return errors.Join(errs...)
}

// LoadConfig reads the config file at path, creating it with demo defaults when it does
// not exist. Settings missing from the file keep their defaults.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := writeConfig(path, cfg); err != nil {
			return cfg, err
		}
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("config: read %s: %w", path, err)
	}
	if _, err := toml.Decode(string(data), &cfg); err != nil {
		return cfg, fmt.Errorf("config: %s: %w", path, err)
	}
	if err := CheckConfig(cfg); err != nil {
		return cfg, fmt.Errorf("config: %s: %w", path, err)
	}
	return cfg, nil
}

func writeConfig(path string, cfg Config) error {
	var buf bytes.Buffer
	buf.WriteString("# Tilldesk configuration. Edit it here (then restart) or in the devices screen (F11).\n")
	if err := toml.NewEncoder(&buf).Encode(cfg); err != nil {
		return fmt.Errorf("config: encode: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config: create folder: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("config: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	return nil
}

// Paths are where the till keeps its files.
type Paths struct {
	Config  string // config.toml
	DataDir string // journal, logs
}

// Journal is the journal file's path.
func (p Paths) Journal() string { return filepath.Join(p.DataDir, "journal.db") }

// Logs is the log folder.
func (p Paths) Logs() string { return filepath.Join(p.DataDir, "logs") }

// DefaultPaths are the user's config and data folders: on Linux
// ~/.config/tilldesk/config.toml and ~/.local/share/tilldesk (XDG variables honoured),
// on Windows %AppData%\Tilldesk\config.toml and %LocalAppData%\Tilldesk.
func DefaultPaths() (Paths, error) {
	cfgDir, err := os.UserConfigDir()
	if err != nil {
		return Paths{}, fmt.Errorf("config folder: %w", err)
	}
	dataDir, err := userDataDir()
	if err != nil {
		return Paths{}, err
	}
	name := "tilldesk"
	if runtime.GOOS == "windows" {
		name = "Tilldesk"
	}
	return Paths{Config: filepath.Join(cfgDir, name, "config.toml"), DataDir: filepath.Join(dataDir, name)}, nil
}

func userDataDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return d, nil
		}
		return "", errors.New("data folder: %LocalAppData% is not set")
	case "darwin":
		home, err := os.UserHomeDir()
		return filepath.Join(home, "Library", "Application Support"), err
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("data folder: %w", err)
	}
	return filepath.Join(home, ".local", "share"), nil
}
