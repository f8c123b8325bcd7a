package app

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices/sim/emvcard/testca"
)

// EMVConfig is the terminal's EMV parameters, [emv] in the config file: what the
// acquirer and the card schemes give a terminal. Binary values are hexadecimal
// ("E0F8C8"); amounts are in fen. The terminal and merchant IDs come from [terminal],
// the merchant name from [store] unless set here. EMVKernelConfig turns it into the
// kernel's configuration.
type EMVConfig struct {
	// TerminalType is 9F35: "22" is attended, online with offline capability.
	TerminalType string `toml:"terminal_type"`
	// Capabilities is 9F33 (6 hex digits), AdditionalCapabilities 9F40 (10).
	Capabilities           string `toml:"capabilities"`
	AdditionalCapabilities string `toml:"additional_capabilities"`
	// CountryCode (9F1A) and CurrencyCode (5F2A) are ISO numeric codes as 4 digits
	// ("0156": China, CNY); CurrencyExponent is the currency's decimals.
	CountryCode      string `toml:"country_code"`
	CurrencyCode     string `toml:"currency_code"`
	CurrencyExponent int    `toml:"currency_exponent"`
	// MerchantCategoryCode is 9F15, 4 digits ("5411": grocery stores).
	MerchantCategoryCode string `toml:"merchant_category_code"`
	// IFDSerialNumber is 9F1E, 8 characters; "" uses terminal.id.
	IFDSerialNumber string `toml:"ifd_serial_number"`
	// AcquirerID is 9F01, up to 11 digits; "" sends zeros.
	AcquirerID string `toml:"acquirer_id"`
	// MerchantName is 9F4E; "" uses store.name_en.
	MerchantName string `toml:"merchant_name"`
	// DefaultDDOL is used when a card has no DDOL; it must ask for 9F37.
	DefaultDDOL string `toml:"default_ddol"`
	// TestCAPKs adds the public keys of the project's test CA, which signed the
	// virtual cards: demo mode only, refused otherwise.
	TestCAPKs bool `toml:"test_capks"`
	// AIDs are the applications accepted, tried in this order ([[emv.aid]], or
	// aid = [{...}, ...]); see Applications.
	AIDs tomlList[EMVApplication] `toml:"aid"`
	// CAPKs are the schemes' CA public keys ([[emv.capk]]), each checked against its
	// published SHA-1 checksum; see Keys.
	CAPKs tomlList[EMVCAPK] `toml:"capk"`
}

// Applications are the accepted applications, in order.
func (c EMVConfig) Applications() []EMVApplication { return c.AIDs.Items() }

// SetApplications replaces the accepted applications.
func (c *EMVConfig) SetApplications(a []EMVApplication) { c.AIDs = newTOMLList(a) }

// Keys are the configured CA public keys.
func (c EMVConfig) Keys() []EMVCAPK { return c.CAPKs.Items() }

// SetKeys replaces the configured CA public keys.
func (c *EMVConfig) SetKeys(k []EMVCAPK) { c.CAPKs = newTOMLList(k) }

// EMVApplication is one accepted application ([[emv.aid]]).
type EMVApplication struct {
	AID              string `toml:"aid"`               // 5 to 16 bytes in hex
	Label            string `toml:"label"`             // shown when the card gives none
	PartialSelection bool   `toml:"partial_selection"` // also longer card AIDs that start with it
	Version          string `toml:"version"`           // 9F09, 4 hex digits
	// Terminal action codes (10 hex digits each).
	TACDefault string `toml:"tac_default"`
	TACDenial  string `toml:"tac_denial"`
	TACOnline  string `toml:"tac_online"`
	// FloorLimitFen is 9F1B; random transaction selection below it (EMV Book 4
	// 6.3.5): under RandomThresholdFen with RandomTargetPercent, rising to
	// RandomMaxTargetPercent at the floor limit.
	FloorLimitFen          int64 `toml:"floor_limit_fen"`
	RandomThresholdFen     int64 `toml:"random_threshold_fen"`
	RandomTargetPercent    int   `toml:"random_target_percent"`
	RandomMaxTargetPercent int   `toml:"random_max_target_percent"`
	// Contactless is the kernel for taps: "qvsdc" (Visa-style: UnionPay qPBOC, Visa),
	// "mchip" (Mastercard-style) or "none" (contact only).
	Contactless string `toml:"contactless"`
	// Contactless limits: over ContactlessLimitFen a tap is refused (insert the
	// card), from ContactlessCVMLimitFen a CVM is needed, up to
	// ContactlessFloorLimitFen a card may approve offline; 0 means no limit (CVM and
	// transaction) or nothing offline (floor).
	ContactlessLimitFen      int64  `toml:"contactless_limit_fen"`
	ContactlessCVMLimitFen   int64  `toml:"contactless_cvm_limit_fen"`
	ContactlessFloorLimitFen int64  `toml:"contactless_floor_limit_fen"`
	TTQ                      string `toml:"ttq"` // 9F66 for "qvsdc", 8 hex digits
}

// EMVCAPK is one certification authority public key ([[emv.capk]]), as the schemes
// publish them.
type EMVCAPK struct {
	RID      string `toml:"rid"`      // 10 hex digits
	Index    string `toml:"index"`    // 2 hex digits
	Exponent string `toml:"exponent"` // "03" or "010001"
	Modulus  string `toml:"modulus"`
	Checksum string `toml:"checksum"` // SHA-1 of RID, index, modulus and exponent: 40 hex digits
	Expiry   string `toml:"expiry"`   // MMYY, "" for none
}

// contactless kernel names of EMVApplication.Contactless.
var contactlessFlows = map[string]kernel.Flow{"none": kernel.FlowContact, "qvsdc": kernel.FlowVisa, "mchip": kernel.FlowMastercard}

// DefaultEMVConfig is kernel.ChinaTerminal in the config file's terms, with the test
// CA's keys (the demo default).
func DefaultEMVConfig() EMVConfig {
	k := kernel.ChinaTerminal()
	c := EMVConfig{
		TerminalType: hexOf(k.TerminalType), Capabilities: hexOf(k.Capabilities[:]...),
		AdditionalCapabilities: hexOf(k.AdditionalCapabilities[:]...), CountryCode: hexOf(k.TerminalCountryCode[:]...),
		CurrencyCode: hexOf(k.TransactionCurrencyCode[:]...), CurrencyExponent: int(k.CurrencyExponent),
		MerchantCategoryCode: hexOf(k.MerchantCategoryCode[:]...), DefaultDDOL: hexOf(k.DefaultDDOL...), TestCAPKs: true,
	}
	names := map[kernel.Flow]string{}
	for name, flow := range contactlessFlows {
		names[flow] = name
	}
	var apps []EMVApplication
	for _, a := range k.AIDs {
		apps = append(apps, EMVApplication{AID: hexOf(a.AID...), Label: a.Label, PartialSelection: a.PartialSelection,
			Version: hexOf(a.ApplicationVersion[:]...), TACDefault: hexOf(a.TACDefault[:]...), TACDenial: hexOf(a.TACDenial[:]...),
			TACOnline: hexOf(a.TACOnline[:]...), FloorLimitFen: a.FloorLimit, RandomThresholdFen: a.ThresholdValue,
			RandomTargetPercent: a.TargetPercent, RandomMaxTargetPercent: a.MaxTargetPercent, Contactless: names[a.Flow],
			ContactlessLimitFen: a.ContactlessTransactionLimit, ContactlessCVMLimitFen: a.ContactlessCVMLimit,
			ContactlessFloorLimitFen: a.ContactlessFloorLimit, TTQ: hexOf(a.TTQ[:]...)})
	}
	c.SetApplications(apps)
	return c
}

func hexOf(b ...byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// EMVKernelConfig builds the kernel's configuration from [emv], [terminal] and
// [store], checked whole: every hexadecimal value and its length, the limits, each
// CAPK against its checksum, the test CA's keys only in demo mode.
func (c Config) EMVKernelConfig() (*kernel.Config, error) {
	k, err := c.EMV.kernelConfig(c.Terminal, c.Store.NameEN)
	if err != nil {
		return nil, fmt.Errorf("config [emv]: %w", err)
	}
	return k, nil
}

// Validate checks [emv] as EMVKernelConfig would, with a placeholder terminal
// identity.
func (c EMVConfig) Validate(demo bool) error {
	_, err := c.kernelConfig(TerminalConfig{ID: "00000000", Demo: demo}, "")
	return err
}

// kernelConfig converts and checks the section.
func (c EMVConfig) kernelConfig(term TerminalConfig, storeName string) (*kernel.Config, error) {
	p := &settingParser{}
	k := &kernel.Config{
		TerminalType:            p.fixed("emv.terminal_type", c.TerminalType, 1)[0],
		Capabilities:            [3]byte(p.fixed("emv.capabilities", c.Capabilities, 3)),
		AdditionalCapabilities:  [5]byte(p.fixed("emv.additional_capabilities", c.AdditionalCapabilities, 5)),
		TerminalCountryCode:     [2]byte(p.fixed("emv.country_code", c.CountryCode, 2)),
		TransactionCurrencyCode: [2]byte(p.fixed("emv.currency_code", c.CurrencyCode, 2)),
		MerchantCategoryCode:    [2]byte(p.fixed("emv.merchant_category_code", c.MerchantCategoryCode, 2)),
		DefaultDDOL:             p.hex("emv.default_ddol", c.DefaultDDOL),
		IFDSerialNumber:         firstNonEmpty(c.IFDSerialNumber, term.ID),
		TerminalID:              term.ID,
		MerchantID:              term.MerchantID,
		MerchantName:            firstNonEmpty(c.MerchantName, storeName),
		AcquirerID:              p.acquirerID(c.AcquirerID),
	}
	if c.CurrencyExponent < 0 || c.CurrencyExponent > 3 {
		p.fail("emv.currency_exponent %d must be 0 to 3", c.CurrencyExponent)
	}
	k.CurrencyExponent = byte(c.CurrencyExponent)
	for i, a := range c.Applications() {
		k.AIDs = append(k.AIDs, p.application(fmt.Sprintf("emv.aid[%d]", i+1), a))
	}
	for i, capk := range c.Keys() {
		if key, ok := p.capk(fmt.Sprintf("emv.capk[%d]", i+1), capk); ok {
			k.CAPKs = append(k.CAPKs, key)
		}
	}
	k.CAPKs = append(k.CAPKs, p.testCAPKs(c.TestCAPKs, term.Demo)...)
	if len(k.CAPKs) == 0 {
		p.fail("emv: no CA public keys: offline data authentication would fail for every card ([[emv.capk]])")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return k, nil
}

// settingParser reads hexadecimal settings, collecting every error with the
// setting's name.
type settingParser struct{ errs []error }

func (p *settingParser) fail(format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf(format, args...))
}

func (p *settingParser) err() error { return errors.Join(p.errs...) }

// hex decodes a hexadecimal setting (spaces allowed between bytes).
func (p *settingParser) hex(name, value string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(value, " ", ""))
	if err != nil {
		p.fail("%s %q is not hexadecimal", name, value)
	}
	return b
}

// fixed decodes a hexadecimal setting of exactly n bytes; on error it returns n
// zeros, so that the caller can go on.
func (p *settingParser) fixed(name, value string, n int) []byte {
	b := p.hex(name, value)
	if len(b) != n {
		if len(p.errs) == 0 || !strings.HasPrefix(p.errs[len(p.errs)-1].Error(), name+" ") {
			p.fail("%s %q must be %d hex digits", name, value, 2*n)
		}
		return make([]byte, n)
	}
	return b
}

// acquirerID reads 9F01: up to 11 digits, packed BCD in six bytes.
func (p *settingParser) acquirerID(value string) [6]byte {
	var out [6]byte
	if len(value) > 11 || strings.Trim(value, "0123456789") != "" {
		p.fail("emv.acquirer_id %q must be up to 11 digits", value)
		return out
	}
	b, _ := hex.DecodeString(strings.Repeat("0", 12-len(value)) + value)
	return [6]byte(b)
}

// application converts one [[emv.aid]].
func (p *settingParser) application(name string, a EMVApplication) kernel.AIDConfig {
	flow, ok := contactlessFlows[a.Contactless]
	if !ok {
		p.fail("%s.contactless %q must be qvsdc, mchip or none", name, a.Contactless)
	}
	for setting, v := range map[string]int64{"floor_limit_fen": a.FloorLimitFen, "random_threshold_fen": a.RandomThresholdFen,
		"contactless_limit_fen": a.ContactlessLimitFen, "contactless_cvm_limit_fen": a.ContactlessCVMLimitFen,
		"contactless_floor_limit_fen": a.ContactlessFloorLimitFen} {
		if v < 0 {
			p.fail("%s.%s %d must not be negative", name, setting, v)
		}
	}
	if a.RandomThresholdFen > a.FloorLimitFen {
		p.fail("%s.random_threshold_fen %d is over the floor limit %d", name, a.RandomThresholdFen, a.FloorLimitFen)
	}
	ttq := [4]byte{}
	if flow == kernel.FlowVisa || a.TTQ != "" {
		ttq = [4]byte(p.fixed(name+".ttq", a.TTQ, 4))
	}
	return kernel.AIDConfig{AID: p.hex(name+".aid", a.AID), Label: a.Label, PartialSelection: a.PartialSelection,
		ApplicationVersion: [2]byte(p.fixed(name+".version", a.Version, 2)),
		TACDefault:         [5]byte(p.fixed(name+".tac_default", a.TACDefault, 5)),
		TACDenial:          [5]byte(p.fixed(name+".tac_denial", a.TACDenial, 5)),
		TACOnline:          [5]byte(p.fixed(name+".tac_online", a.TACOnline, 5)),
		FloorLimit:         a.FloorLimitFen, ThresholdValue: a.RandomThresholdFen,
		TargetPercent: a.RandomTargetPercent, MaxTargetPercent: a.RandomMaxTargetPercent, Flow: flow,
		ContactlessTransactionLimit: a.ContactlessLimitFen, ContactlessCVMLimit: a.ContactlessCVMLimitFen,
		ContactlessFloorLimit: a.ContactlessFloorLimitFen, TTQ: ttq}
}

// capk converts one [[emv.capk]] and checks its checksum.
func (p *settingParser) capk(name string, c EMVCAPK) (kernel.CAPK, bool) {
	before := len(p.errs)
	rid := p.fixed(name+".rid", c.RID, 5)
	index := p.fixed(name+".index", c.Index, 1)
	modulus, exponent := p.hex(name+".modulus", c.Modulus), p.hex(name+".exponent", c.Exponent)
	checksum := p.fixed(name+".checksum", c.Checksum, 20)
	var expiry []byte
	if c.Expiry != "" {
		expiry = p.fixed(name+".expiry", c.Expiry, 2)
	}
	if len(p.errs) > before {
		return kernel.CAPK{}, false
	}
	key, err := kernel.NewCAPK([5]byte(rid), index[0], modulus, exponent, checksum)
	if err != nil {
		p.fail("%s: %w", name, err)
		return kernel.CAPK{}, false
	}
	if expiry != nil {
		key.Expiry = [2]byte(expiry)
	}
	return key, true
}

// testCAPKs are the test CA's keys when the setting asks for them, in demo mode only.
func (p *settingParser) testCAPKs(wanted, demo bool) []kernel.CAPK {
	if !wanted {
		return nil
	}
	if !demo {
		p.fail("emv.test_capks: the test CA's keys are for demo mode only (terminal.demo = false)")
		return nil
	}
	h, err := testca.Default()
	if err != nil {
		p.fail("emv.test_capks: %w", err)
		return nil
	}
	var keys []kernel.CAPK
	for _, k := range h.CAPKs() {
		key, err := kernel.NewCAPK(k.RID, k.Index, k.Modulus, k.Exponent, k.Checksum[:])
		if err != nil {
			p.fail("emv.test_capks: %w", err)
			continue
		}
		key.Expiry = k.Expiry
		keys = append(keys, key)
	}
	return keys
}
