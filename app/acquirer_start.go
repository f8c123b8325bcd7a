package app

import (
	"encoding/hex"
	"fmt"

	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583/mac"
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
		Seal: func(name string, plain []byte) (string, error) { return SealSecret(s.Paths, name, plain) },
		Open: func(name, sealed string) ([]byte, error) { return OpenSecret(s.Paths, name, sealed) }}
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
	sealed, err := OpenSecret(paths, MACKeySetting, cfg.MACKey)
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
	if t != nil {
		d.terminalProblem = nil
	}
	d.terminalMu.Unlock()
	d.changed()
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
