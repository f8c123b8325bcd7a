package kernel

import "bytes"

// The AIDs of the schemes a till in China accepts.
var (
	AIDUnionPayDebit  = []byte{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x01} // 借记
	AIDUnionPayCredit = []byte{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x02} // 贷记
	AIDUnionPayQuasi  = []byte{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x03} // 准贷记
	AIDVisa           = []byte{0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10}
	AIDMastercard     = []byte{0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10}
)

// The contactless limits of ChinaTerminal, in fen.
const (
	ChinaContactlessLimit      = 1_000_000 // 10,000.00 CNY: above it, insert the card
	ChinaContactlessCVMLimit   = 100_000   // 1,000.00 CNY: above it, PIN (or the phone's CDCVM)
	ChinaContactlessFloorLimit = 30_000    // 300.00 CNY: up to it a UnionPay card may approve a tap offline
)

// ChinaTerminal is a starting configuration for an attended till in China that goes
// online (terminal type 22): country and currency 0156 (CNY, two decimals), every
// CVM and ODA method (9F33 E0 F8 C8), MCC 5411, DDOL 9F37 04; the three UnionPay
// AIDs and Visa on the qVSDC-style contactless path, Mastercard on the M/Chip-style
// one, each with its scheme's usual action codes, a contact floor limit of zero (every
// chip sale goes online) and the China contactless limits. The caller adds what
// identifies the terminal (IFD serial number, terminal and merchant IDs) and the CA
// public keys.
func ChinaTerminal() Config {
	ttq := [4]byte{0x36, 0x00, 0x40, 0x00} // qVSDC, contact chip, online PIN, signature; CDCVM
	unionPay := AIDConfig{Label: "UnionPay", ApplicationVersion: [2]byte{0x00, 0x30},
		TACDefault: [5]byte{0xD8, 0x40, 0x00, 0xA8, 0x00}, TACDenial: [5]byte{0x00, 0x10, 0x00, 0x00, 0x00},
		TACOnline: [5]byte{0xD8, 0x40, 0x04, 0xF8, 0x00}, Flow: FlowVisa, TTQ: ttq,
		ContactlessTransactionLimit: ChinaContactlessLimit, ContactlessCVMLimit: ChinaContactlessCVMLimit,
		ContactlessFloorLimit: ChinaContactlessFloorLimit}
	cfg := Config{
		TerminalCountryCode: [2]byte{0x01, 0x56}, TransactionCurrencyCode: [2]byte{0x01, 0x56}, CurrencyExponent: 2,
		TerminalType: 0x22, Capabilities: [3]byte{0xE0, 0xF8, 0xC8}, AdditionalCapabilities: [5]byte{0x60, 0x00, 0xF0, 0xA0, 0x01},
		MerchantCategoryCode: [2]byte{0x54, 0x11}, DefaultDDOL: []byte{0x9F, 0x37, 0x04},
	}
	for _, aid := range [][]byte{AIDUnionPayDebit, AIDUnionPayCredit, AIDUnionPayQuasi} {
		a := unionPay
		a.AID = bytes.Clone(aid)
		cfg.AIDs = append(cfg.AIDs, a)
	}
	cfg.AIDs = append(cfg.AIDs,
		AIDConfig{AID: bytes.Clone(AIDVisa), Label: "VISA", ApplicationVersion: [2]byte{0x00, 0x96},
			TACDefault: [5]byte{0xDC, 0x40, 0x00, 0xA8, 0x00}, TACDenial: [5]byte{0x00, 0x10, 0x00, 0x00, 0x00},
			TACOnline: [5]byte{0xDC, 0x40, 0x04, 0xF8, 0x00}, Flow: FlowVisa, TTQ: ttq,
			ContactlessTransactionLimit: ChinaContactlessLimit, ContactlessCVMLimit: ChinaContactlessCVMLimit},
		AIDConfig{AID: bytes.Clone(AIDMastercard), Label: "Mastercard", ApplicationVersion: [2]byte{0x00, 0x02},
			TACDefault: [5]byte{0xF4, 0x50, 0x84, 0x80, 0x0C}, TACOnline: [5]byte{0xF4, 0x50, 0x84, 0x80, 0x0C},
			Flow: FlowMastercard, ContactlessTransactionLimit: ChinaContactlessLimit, ContactlessCVMLimit: ChinaContactlessCVMLimit})
	return cfg
}
