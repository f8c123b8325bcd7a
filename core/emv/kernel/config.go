package kernel

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
)

// Config is the terminal's EMV configuration: what the acquirer and the schemes
// give a terminal (EMV Book 4 and the payment systems' parameter lists). The app
// fills it from its TOML file; Validate checks it once at load.
type Config struct {
	// TerminalCountryCode (9F1A) is the ISO 3166 numeric country, 0x0156 for China.
	TerminalCountryCode [2]byte
	// TransactionCurrencyCode (5F2A) is the ISO 4217 numeric currency, 0x0156 for CNY;
	// CurrencyExponent (5F36) is its number of minor-unit digits (2 for CNY).
	TransactionCurrencyCode [2]byte
	CurrencyExponent        byte
	// TerminalType (9F35): 0x22 is attended, offline with online capability,
	// operated by a merchant.
	TerminalType byte
	// Capabilities (9F33), e.g. E0 F8 C8: IC, magstripe, manual; plaintext PIN,
	// online PIN, signature, enciphered PIN, no CVM; SDA, DDA, CDA.
	Capabilities [3]byte
	// AdditionalCapabilities (9F40).
	AdditionalCapabilities [5]byte
	// MerchantCategoryCode (9F15), e.g. 0x5411 grocery stores.
	MerchantCategoryCode [2]byte
	// IFDSerialNumber (9F1E): eight characters.
	IFDSerialNumber string
	// TerminalID (9F1C, eight characters), MerchantID (9F16, fifteen), MerchantName
	// (9F4E) and AcquirerID (9F01, six BCD bytes) identify the terminal to the acquirer.
	TerminalID   string
	MerchantID   string
	MerchantName string
	AcquirerID   [6]byte
	// DefaultDDOL and DefaultTDOL are used when an AID entry has none and the card
	// gives none (EMV Book 3 6.5.9 and 5.4). A DDOL must ask for 9F37.
	DefaultDDOL []byte
	DefaultTDOL []byte
	// AIDs are the applications the terminal supports, in the order tried by the list
	// of AIDs method.
	AIDs []AIDConfig
	// CAPKs are the certification authority public keys for offline data
	// authentication.
	CAPKs []CAPK
	// ExceptionFile lists PANs the acquirer has blocked (hot list); a match raises
	// TVR "card appears on terminal exception file".
	ExceptionFile []string
	// ExceptionFileHasPAN, when set, is consulted instead of ExceptionFile.
	ExceptionFileHasPAN func(pan string, panSequence byte) bool
}

// Flow selects the kernel an AID runs.
type Flow int

// The kernels: the contact flow of EMV Books 3 and 4, and the two contactless paths.
const (
	FlowContact    Flow = iota // EMV contact
	FlowVisa                   // contactless, qVSDC style (EMV Book C-3)
	FlowMastercard             // contactless, Mastercard style (EMV Book C-2)
)

// AIDConfig is one application the terminal supports.
type AIDConfig struct {
	// AID is the terminal's application identifier (9F06): a RID and a PIX.
	AID []byte
	// PartialSelection allows card AIDs that start with AID and are longer (the
	// Application Selection Indicator, EMV Book 1 12.3.1).
	PartialSelection bool
	// Label names the scheme on screens when the card gives no label.
	Label string
	// ApplicationVersion (9F09) is the terminal's version of the application.
	ApplicationVersion [2]byte
	// Action codes (EMV Book 3 10.7): the acquirer's TAC default, denial and online.
	TACDefault, TACDenial, TACOnline [5]byte
	// FloorLimit is the terminal floor limit (9F1B) in minor units.
	FloorLimit int64
	// Random transaction selection (EMV Book 4 6.3.5): below ThresholdValue a
	// transaction goes online with TargetPercent probability; between it and the
	// floor limit the probability rises linearly to MaxTargetPercent.
	ThresholdValue   int64
	TargetPercent    int
	MaxTargetPercent int
	// DefaultDDOL and DefaultTDOL override the terminal's defaults for this AID.
	DefaultDDOL []byte
	DefaultTDOL []byte
	// Contactless settings: which kernel, the limits in minor units (zero means no
	// limit), and the Terminal Transaction Qualifiers (9F66) for the Visa path.
	Flow                        Flow
	ContactlessTransactionLimit int64
	ContactlessCVMLimit         int64
	ContactlessFloorLimit       int64
	TTQ                         [4]byte
}

// CAPK is a certification authority public key (EMV Book 2 11.2.2): the scheme's
// RID, the key index the card names in 8F, the modulus and exponent.
type CAPK struct {
	RID      [5]byte
	Index    byte
	Modulus  []byte
	Exponent []byte
	// Expiry (MMYY in BCD, optional) after which the key is not to be used.
	Expiry [2]byte
}

// NewCAPK builds a CAPK and checks it against the SHA-1 checksum the scheme
// publishes with it: SHA-1(RID || index || modulus || exponent).
func NewCAPK(rid [5]byte, index byte, modulus, exponent, checksum []byte) (CAPK, error) {
	k := CAPK{RID: rid, Index: index, Modulus: bytes.Clone(modulus), Exponent: bytes.Clone(exponent)}
	if err := k.check(); err != nil {
		return CAPK{}, err
	}
	sum := k.Checksum()
	if len(checksum) != sha1.Size || subtle.ConstantTimeCompare(sum[:], checksum) != 1 {
		return CAPK{}, fmt.Errorf("kernel: CAPK %X %02X: checksum %X does not match the key (%X)", rid, index, checksum, sum)
	}
	return k, nil
}

// Checksum is SHA-1(RID || index || modulus || exponent).
func (k CAPK) Checksum() [sha1.Size]byte {
	h := sha1.New()
	h.Write(k.RID[:])
	h.Write([]byte{k.Index})
	h.Write(k.Modulus)
	h.Write(k.Exponent)
	return [sha1.Size]byte(h.Sum(nil))
}

func (k CAPK) check() error {
	if len(k.Modulus) < 64 || len(k.Modulus) > 248 || k.Modulus[0] == 0 {
		return fmt.Errorf("kernel: CAPK %X %02X: modulus of %d bytes (64 to 248, no leading zero)", k.RID, k.Index, len(k.Modulus))
	}
	if e := new(big.Int).SetBytes(k.Exponent); e.Cmp(big.NewInt(3)) != 0 && e.Cmp(big.NewInt(65537)) != 0 {
		return fmt.Errorf("kernel: CAPK %X %02X: exponent %X is neither 3 nor 65537", k.RID, k.Index, k.Exponent)
	}
	return nil
}

// Validate checks the configuration: lengths of the fixed-size identifiers, AIDs
// of 5 to 16 bytes, DOLs that parse, CAPKs without duplicates.
func (c *Config) Validate() error {
	var errs []error
	if len(c.IFDSerialNumber) != 8 {
		errs = append(errs, fmt.Errorf("IFD serial number %q must be 8 characters", c.IFDSerialNumber))
	}
	if c.TerminalID != "" && len(c.TerminalID) != 8 {
		errs = append(errs, fmt.Errorf("terminal ID %q must be 8 characters", c.TerminalID))
	}
	if c.MerchantID != "" && len(c.MerchantID) != 15 {
		errs = append(errs, fmt.Errorf("merchant ID %q must be 15 characters", c.MerchantID))
	}
	if len(c.AIDs) == 0 {
		errs = append(errs, errors.New("no AIDs configured"))
	}
	for i, a := range c.AIDs {
		if len(a.AID) < 5 || len(a.AID) > 16 {
			errs = append(errs, fmt.Errorf("AID %d (%X) must be 5 to 16 bytes", i+1, a.AID))
		}
		if a.TargetPercent < 0 || a.TargetPercent > 99 || a.MaxTargetPercent < a.TargetPercent || a.MaxTargetPercent > 99 {
			errs = append(errs, fmt.Errorf("AID %X: target percentages %d..%d must be 0..99 and rising", a.AID, a.TargetPercent, a.MaxTargetPercent))
		}
	}
	seen := map[[6]byte]bool{}
	for _, k := range c.CAPKs {
		if err := k.check(); err != nil {
			errs = append(errs, err)
		}
		id := [6]byte{k.RID[0], k.RID[1], k.RID[2], k.RID[3], k.RID[4], k.Index}
		if seen[id] {
			errs = append(errs, fmt.Errorf("CAPK %X %02X listed twice", k.RID, k.Index))
		}
		seen[id] = true
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kernel: configuration: %w", err)
	}
	return nil
}

// lookupCAPK finds the key the card names by RID and index.
func (c *Config) lookupCAPK(rid []byte, index byte) (CAPK, bool) {
	for _, k := range c.CAPKs {
		if bytes.Equal(k.RID[:], rid) && k.Index == index {
			return k, true
		}
	}
	return CAPK{}, false
}

// aidFor finds the terminal's entry that matches a card AID: equal, or a prefix of
// it when partial selection is allowed.
func (c *Config) aidFor(cardAID []byte) (AIDConfig, bool) {
	for _, a := range c.AIDs {
		if bytes.Equal(a.AID, cardAID) || (a.PartialSelection && len(cardAID) > len(a.AID) && bytes.HasPrefix(cardAID, a.AID)) {
			return a, true
		}
	}
	return AIDConfig{}, false
}

// onlineCapable says whether the terminal type has an online link (EMV Book 4
// Annex A1: the second digit 1 or 2; 3 is offline only).
func (c *Config) onlineCapable() bool {
	return c.TerminalType&0x0F != 0x03 && c.TerminalType&0x0F != 0x06
}

// unattended is terminal types x4 to x6 (EMV Book 4 Annex A1).
func (c *Config) unattended() bool {
	d := c.TerminalType & 0x0F
	return d >= 4 && d <= 6
}

// Capability bits of 9F33 (EMV Book 4 Annex A2).
var (
	CapPlaintextPIN  = Bit{1, 0x80, "plaintext PIN for ICC verification"}
	CapOnlinePIN     = Bit{1, 0x40, "enciphered PIN for online verification"}
	CapSignature     = Bit{1, 0x20, "signature"}
	CapEncipheredPIN = Bit{1, 0x10, "enciphered PIN for offline verification"}
	CapNoCVM         = Bit{1, 0x08, "no CVM required"}
	CapSDA           = Bit{2, 0x80, "SDA"}
	CapDDA           = Bit{2, 0x40, "DDA"}
	CapCDA           = Bit{2, 0x08, "CDA"}
)

func (c *Config) can(b Bit) bool { return c.Capabilities[b.Byte]&b.Mask != 0 }
