package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"tilldesk/app/acquirersim"
	"tilldesk/core/emv/kernel"
	"tilldesk/core/iso8583/mac"
	"tilldesk/core/money"
	"tilldesk/devices/pinpad"
	"tilldesk/devices/sim/emvcard/testca"
)

// demoMACKey is the X9.19 key the demo till and its sandbox acquirer share (a test
// value, like the sandbox's cards; never a production key).
var demoMACKey = []byte{0x31, 0x31, 0x31, 0x31, 0x32, 0x32, 0x32, 0x32, 0x33, 0x33, 0x33, 0x33, 0x34, 0x34, 0x34, 0x34}

// StartCardPayments is the session's start-up wiring of card payments: the acquirer
// link from [acquirer] (its MAC key opened with the data folder's secret key), in demo
// mode with no host configured or registered the sandbox acquirer on loopback (MAC
// on, sign-on required), the start-up resolution and the background sender. A failure
// is logged and kept: the CardPayments returned refuses card payments (and, when the
// resolution failed, sales) and says why. The session calls it once, after the
// registration and before any sale:
//
//	s.Cards = StartCardPayments(s, nil)
//
// and closes it in Session.Close. terminal (the card reader and PIN pad) may be given
// later with SetTerminal.
func StartCardPayments(s *Session, terminal *CardTerminal) *CardPayments {
	cfg := s.Config.Acquirer
	opt := CardPaymentsOptions{Config: cfg, Terminal: terminal, Log: s.Log,
		Seal: func(name string, plain []byte) (string, error) { return SealWalletSecret(s.Paths, name, plain) },
		Open: func(name, sealed string) ([]byte, error) { return OpenWalletSecret(s.Paths, name, sealed) }}
	var err error
	opt.MAC, err = openMAC(s.Paths, cfg)
	if err != nil {
		s.Log.Error("acquirer MAC key unusable: card payments go without it and the host will refuse them", "err", err)
	}
	registered := ""
	if id, ierr := s.Registration.Identity(); ierr == nil && id.Status == StatusRegistered {
		registered = id.Acquirer
	}
	if s.Config.Terminal.Demo && cfg.Host == "" && registered == "" {
		sb, serr := acquirersim.Start(acquirersim.Options{MAC: mustRetail(demoMACKey), RequireSignOn: true, Log: s.Log})
		if serr != nil {
			s.Log.Error("sandbox acquirer not started: card payments have no host", "err", serr)
		} else {
			opt.Sandbox, opt.Address, opt.MAC = sb, sb.Addr(), mustRetail(demoMACKey)
			opt.Config.MAC = MACX919
		}
	}
	d := NewCardPayments(s.Till, s.Registration, opt)
	_ = d.Resolve() // logged, and shown through the sales gate
	d.Start()
	return d
}

// openMAC opens the configured MAC key.
func openMAC(paths Paths, cfg AcquirerConfig) (mac.Computer, error) {
	if cfg.MAC == MACNone || cfg.MAC == "" {
		return nil, nil
	}
	sealed, err := OpenWalletSecret(paths, MACKeySetting, cfg.MACKey)
	if err != nil {
		return nil, err
	}
	defer clear(sealed)
	key, err := hex.DecodeString(string(sealed))
	if err != nil {
		return nil, fmt.Errorf("%s: not hexadecimal", MACKeySetting)
	}
	defer clear(key)
	return macComputer(cfg.MAC, key)
}

func mustRetail(key []byte) mac.Computer {
	m, err := mac.NewRetail(key)
	if err != nil {
		panic(err) // a 16-byte constant: cannot fail
	}
	return m
}

// SetTerminal gives card payments the card reader and PIN pad (devices found after
// start-up, or changed in the devices screen).
func (d *CardPayments) SetTerminal(t *CardTerminal) {
	d.terminalMu.Lock()
	d.opt.Terminal = t
	d.terminalMu.Unlock()
}

// cardTerminal is the current card reader and PIN pad, or nil.
func (d *CardPayments) cardTerminal() *CardTerminal {
	d.terminalMu.Lock()
	defer d.terminalMu.Unlock()
	if d.opt.Terminal == nil || d.opt.Terminal.Cards == nil {
		return nil
	}
	return d.opt.Terminal
}

// DemoEMVConfig is the kernel configuration of the demo till: the test CA's public
// keys (devices/sim/emvcard/testca), the UnionPay, Visa and Mastercard applications
// with UnionPay's usual action codes, contact floor limit floorFen (0 sends every
// contact sale online), taps up to ¥1,000 (PIN over ¥300).
func DemoEMVConfig(terminalID, merchantID, merchantName string, floorFen int64) (*kernel.Config, error) {
	h, err := testca.Default()
	if err != nil {
		return nil, fmt.Errorf("demo EMV configuration: %w", err)
	}
	var capks []kernel.CAPK
	for _, k := range h.CAPKs() {
		c, err := kernel.NewCAPK(k.RID, k.Index, k.Modulus, k.Exponent, k.Checksum[:])
		if err != nil {
			return nil, fmt.Errorf("demo EMV configuration: %w", err)
		}
		c.Expiry = k.Expiry
		capks = append(capks, c)
	}
	tacDefault, tacDenial, tacOnline := [5]byte{0xD8, 0x40, 0x00, 0xA8, 0x00}, [5]byte{0x00, 0x10, 0x00, 0x00, 0x00}, [5]byte{0xD8, 0x40, 0x04, 0xF8, 0x00}
	app := func(aid []byte, label string, version [2]byte, flow kernel.Flow) kernel.AIDConfig {
		return kernel.AIDConfig{AID: aid, PartialSelection: true, Label: label, ApplicationVersion: version,
			TACDefault: tacDefault, TACDenial: tacDenial, TACOnline: tacOnline, FloorLimit: floorFen, Flow: flow,
			ContactlessTransactionLimit: 100000, ContactlessCVMLimit: 30000, ContactlessFloorLimit: floorFen,
			TTQ: [4]byte{0x36, 0x00, 0x40, 0x00}}
	}
	cfg := &kernel.Config{
		TerminalCountryCode: [2]byte{0x01, 0x56}, TransactionCurrencyCode: [2]byte{0x01, 0x56}, CurrencyExponent: 2,
		TerminalType: 0x22, Capabilities: [3]byte{0xE0, 0xF8, 0xC8}, AdditionalCapabilities: [5]byte{0x60, 0x00, 0xF0, 0xA0, 0x01},
		MerchantCategoryCode: [2]byte{0x54, 0x11}, IFDSerialNumber: "TD000001", TerminalID: terminalID, MerchantID: merchantID,
		MerchantName: merchantName, DefaultDDOL: []byte{0x9F, 0x37, 0x04}, CAPKs: capks,
		AIDs: []kernel.AIDConfig{
			app([]byte{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01}, "UnionPay", [2]byte{0x00, 0x30}, kernel.FlowVisa),
			app([]byte{0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10}, "VISA", [2]byte{0x00, 0x96}, kernel.FlowVisa),
			app([]byte{0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10}, "MASTERCARD", [2]byte{0x00, 0x02}, kernel.FlowMastercard),
		},
	}
	return cfg, cfg.Validate()
}

// PINPadForKernel adapts the serial PIN pad (devices/pinpad) to the kernel: the pad
// shows the amount, the customer types the PIN, and only the DUKPT-encrypted ISO 9564
// format 0 block and its KSN come back.
func PINPadForKernel(p *pinpad.Pad) kernel.PINPad { return serialPINPad{p} }

type serialPINPad struct{ p *pinpad.Pad }

func (s serialPINPad) OnlinePIN(ctx context.Context, req kernel.PINRequest) (kernel.EncipheredPIN, error) {
	e, err := s.p.RequestPIN(ctx, req.PAN, money.Amount(req.Amount))
	if errors.Is(err, pinpad.ErrCancelled) {
		err = fmt.Errorf("%w: %w", kernel.ErrCancelled, err)
	}
	if err != nil {
		return kernel.EncipheredPIN{}, err
	}
	return kernel.EncipheredPIN{Block: e.Block[:], KSN: e.KSN[:], Format: 0}, nil
}
