package cardtest

import (
	"fmt"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices/sim/emvcard/testca"
)

// The AIDs the matrix checks applications against.
var (
	AIDUnionPayDebit = kernel.AIDUnionPayDebit
	AIDVisa          = kernel.AIDVisa
)

// Terminal is the EMV configuration of the till in these tests: kernel.ChinaTerminal
// (an attended online terminal in China with the UnionPay, Visa and Mastercard
// applications, contact floor limit zero, taps up to 10,000 CNY, PIN over 1,000, offline
// UnionPay taps up to 300) with a terminal identity and the test CA's public keys,
// checked against their checksums.
func Terminal() (*kernel.Config, error) {
	h, err := testca.Default()
	if err != nil {
		return nil, err
	}
	cfg := kernel.ChinaTerminal()
	cfg.IFDSerialNumber, cfg.TerminalID, cfg.MerchantID = "TILL0001", "DEMO0001", "898310000000001"
	cfg.MerchantName, cfg.AcquirerID = "TILLDESK DEMO MARKET", [6]byte{0x00, 0x00, 0x00, 0x48, 0x33, 0x10}
	for _, k := range h.CAPKs() {
		capk, err := kernel.NewCAPK(k.RID, k.Index, k.Modulus, k.Exponent, k.Checksum[:])
		if err != nil {
			return nil, fmt.Errorf("cardtest: %w", err)
		}
		capk.Expiry = k.Expiry
		cfg.CAPKs = append(cfg.CAPKs, capk)
	}
	return &cfg, cfg.Validate()
}
