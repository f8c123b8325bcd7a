package cardtest

import (
	"fmt"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices/sim/emvcard/testca"
)

// Contactless limits of the test terminal, in fen.
const (
	ContactlessLimit      = 1_000_000 // 10,000.00 CNY: above it, insert the card
	ContactlessCVMLimit   = 100_000   // 1,000.00 CNY: above it, PIN (or the phone's CDCVM)
	ContactlessFloorLimit = 30_000    // 300.00 CNY: up to it a card may approve a tap offline
)

// The AIDs of the test terminal.
var (
	AIDUnionPayDebit  = []byte{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x01}
	AIDUnionPayCredit = []byte{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x02}
	AIDUnionPayQuasi  = []byte{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x03}
	AIDVisa           = []byte{0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10}
	AIDMastercard     = []byte{0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10}
)

// Terminal is the EMV configuration of the till in these tests: an attended terminal
// in China that goes online (type 22) with every CVM and ODA method (9F33 E0F8C8),
// floor limit zero on contact, the three UnionPay AIDs and Visa on the qVSDC-style
// contactless path, Mastercard on the M/Chip-style path, the schemes' usual action
// codes, and the test CA's public keys, checked against their checksums.
func Terminal() (*kernel.Config, error) {
	h, err := testca.Default()
	if err != nil {
		return nil, err
	}
	cfg := &kernel.Config{
		TerminalCountryCode: [2]byte{0x01, 0x56}, TransactionCurrencyCode: [2]byte{0x01, 0x56}, CurrencyExponent: 2,
		TerminalType: 0x22, Capabilities: [3]byte{0xE0, 0xF8, 0xC8}, AdditionalCapabilities: [5]byte{0x60, 0x00, 0xF0, 0xA0, 0x01},
		MerchantCategoryCode: [2]byte{0x54, 0x11}, IFDSerialNumber: "TILL0001", TerminalID: "DEMO0001",
		MerchantID: "898310000000001", MerchantName: "TILLDESK DEMO MARKET", AcquirerID: [6]byte{0x00, 0x00, 0x00, 0x48, 0x33, 0x10},
		DefaultDDOL: []byte{0x9F, 0x37, 0x04},
	}
	ttq := [4]byte{0x36, 0x00, 0x40, 0x00} // qVSDC, contact chip, online PIN, signature; CDCVM
	unionPay := kernel.AIDConfig{Label: "UnionPay", ApplicationVersion: [2]byte{0x00, 0x30},
		TACDefault: [5]byte{0xD8, 0x40, 0x00, 0xA8, 0x00}, TACDenial: [5]byte{0x00, 0x10, 0x00, 0x00, 0x00},
		TACOnline: [5]byte{0xD8, 0x40, 0x04, 0xF8, 0x00}, Flow: kernel.FlowVisa, TTQ: ttq,
		ContactlessTransactionLimit: ContactlessLimit, ContactlessCVMLimit: ContactlessCVMLimit, ContactlessFloorLimit: ContactlessFloorLimit}
	for _, aid := range [][]byte{AIDUnionPayDebit, AIDUnionPayCredit, AIDUnionPayQuasi} {
		a := unionPay
		a.AID = aid
		cfg.AIDs = append(cfg.AIDs, a)
	}
	cfg.AIDs = append(cfg.AIDs,
		kernel.AIDConfig{AID: AIDVisa, Label: "VISA", ApplicationVersion: [2]byte{0x00, 0x96},
			TACDefault: [5]byte{0xDC, 0x40, 0x00, 0xA8, 0x00}, TACDenial: [5]byte{0x00, 0x10, 0x00, 0x00, 0x00},
			TACOnline: [5]byte{0xDC, 0x40, 0x04, 0xF8, 0x00}, Flow: kernel.FlowVisa, TTQ: ttq,
			ContactlessTransactionLimit: ContactlessLimit, ContactlessCVMLimit: ContactlessCVMLimit},
		kernel.AIDConfig{AID: AIDMastercard, Label: "Mastercard", ApplicationVersion: [2]byte{0x00, 0x02},
			TACDefault: [5]byte{0xF4, 0x50, 0x84, 0x80, 0x0C}, TACDenial: [5]byte{}, TACOnline: [5]byte{0xF4, 0x50, 0x84, 0x80, 0x0C},
			Flow: kernel.FlowMastercard, ContactlessTransactionLimit: ContactlessLimit, ContactlessCVMLimit: ContactlessCVMLimit})
	for _, k := range h.CAPKs() {
		capk, err := kernel.NewCAPK(k.RID, k.Index, k.Modulus, k.Exponent, k.Checksum[:])
		if err != nil {
			return nil, fmt.Errorf("cardtest: %w", err)
		}
		capk.Expiry = k.Expiry
		cfg.CAPKs = append(cfg.CAPKs, capk)
	}
	return cfg, cfg.Validate()
}
