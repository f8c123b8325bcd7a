// Package emvcard is the card side of EMV: virtual chip cards and phone wallets that
// answer the commands of EMV Book 3 (SELECT of PSE, PPSE and AIDs, GET PROCESSING
// OPTIONS, READ RECORD, GET DATA, INTERNAL AUTHENTICATE, VERIFY, GET CHALLENGE,
// GENERATE AC, EXTERNAL AUTHENTICATE and issuer script commands under secure
// messaging) with real keys: certificates from the test CA hierarchy (testca), card
// master keys derived from the issuer's, session keys, ARQC/TC/AAC, ARPC checks, CDA
// and fDDA signatures, a PIN try counter and the card's own risk management.
//
// A Profile describes a card; New personalises it (records, certificates, keys) and
// Present gives the card as seen through one interface, a sim.CardApp that
// sim.InsertCard puts into the virtual PC/SC reader, so the till's kernel runs real
// transactions against it through pcscd. The issuer's side of every card is
// available too (Accounts), for core/emv/issuer and the sandbox acquirer.
//
// The package never logs. Its PINs and keys are test values; they never appear in
// errors, and PANs in errors are masked.
package emvcard

import (
	"errors"
	"fmt"
	"slices"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tags"
	"tilldesk/core/pan"
)

// Interface is how the card is presented to the reader.
type Interface int

// The card's interfaces.
const (
	Contact     Interface = iota // inserted: the contact plate (ISO/IEC 7816-3)
	Contactless                  // tapped: the antenna (ISO/IEC 14443-4)
)

// String is "contact" or "contactless".
func (i Interface) String() string {
	if i == Contactless {
		return "contactless"
	}
	return "contact"
}

// Profile is a virtual card: what it is called, and its applications.
type Profile struct {
	Name         string // short name tests and the simulator panel use ("visa")
	Description  string // one line for people
	Contact      bool   // has a contact plate
	Contactless  bool   // has an antenna
	Applications []Application
}

// Application is one payment application on the card, as the issuer personalised it.
type Application struct {
	AID           []byte
	Label         string // 50
	PreferredName string // 9F12, optional
	Priority      byte   // 87
	Contact       bool   // offered on the contact interface (PSE)
	Contactless   bool   // offered on the contactless interface (PPSE)

	// Issuer and keys: the testca issuer, which of its ICC keys (-1 for a card
	// without one, SDA only), the cryptogram version and derivation key index.
	Issuer string
	ICCKey int
	Scheme issuer.Scheme
	DKI    byte

	PAN            string
	PANSequence    string // two digits
	Expiry         string // YYMMDD
	Effective      string // YYMMDD
	CardholderName string
	ServiceCode    string // three digits, 201 for an international chip card
	PIN            string // the offline PIN; the issuer keeps only its IBM 3624 offset
	PINTryLimit    byte

	AIP            [2]byte // on the contact interface
	ContactlessAIP [2]byte
	// ResponseFormat1 answers GET PROCESSING OPTIONS, GENERATE AC and INTERNAL
	// AUTHENTICATE in format 1 (tag 80); otherwise format 2 (tag 77).
	ResponseFormat1 bool
	// QuickContactless is a qVSDC/qPBOC-style card: on a tap, when the reader's TTQ
	// says it runs that path, the cryptogram comes in the GPO response.
	QuickContactless bool
	// OfflineContactlessLimit (minor units) is the largest quick contactless amount the
	// card approves offline; zero means it always goes online.
	OfflineContactlessLimit int64
	// ConsumerDeviceCVM is a phone wallet: the phone verified the person (CTQ and
	// AIP say so), no PIN.
	ConsumerDeviceCVM bool

	PDOL            []byte // contact
	ContactlessPDOL []byte
	CDOL1, CDOL2    []byte
	DDOL            []byte
	CVMList         []byte
	IACDefault      [5]byte
	IACDenial       [5]byte
	IACOnline       [5]byte
	UsageControl    [2]byte
	Currency        [2]byte // 9F42, 0156 for CNY
	Country         [2]byte // 5F28, 0156 for China
	Version         [2]byte // 9F08

	LowerOfflineLimit byte // 9F14: consecutive offline transactions before the card asks to go online
	UpperOfflineLimit byte // 9F23: ... before it declines when it cannot go online

	// AlwaysDecline answers every first GENERATE AC with an AAC: a card that
	// declines offline.
	AlwaysDecline bool
	// Tamper changes signed data after signing: SDA, DDA and CDA then fail.
	Tamper bool
}

// String names the application without its secrets: label, AID and masked PAN (so
// that printing a profile never shows the PIN or the whole PAN).
func (a Application) String() string {
	return fmt.Sprintf("%s %X %s", a.Label, a.AID, pan.Mask(a.PAN))
}

// transactionTags are the data elements every cryptogram covers; the DOL that feeds
// GENERATE AC (CDOL1, and the PDOL on the quick contactless path) must list them.
var transactionTags = []dol.Entry{
	{Tag: tags.AmountAuthorised, Length: 6}, {Tag: tags.AmountOther, Length: 6}, {Tag: tags.TerminalCountryCode, Length: 2},
	{Tag: tags.TerminalVerificationResults, Length: 5}, {Tag: tags.TransactionCurrencyCode, Length: 2},
	{Tag: tags.TransactionDate, Length: 3}, {Tag: tags.TransactionType, Length: 1}, {Tag: tags.UnpredictableNumber, Length: 4},
}

// Validate checks what personalisation relies on.
func (a *Application) Validate() error {
	var errs []error
	if !pan.Valid(a.PAN) {
		errs = append(errs, fmt.Errorf("PAN %s fails the Luhn check or its length", pan.Mask(a.PAN)))
	}
	if len(a.AID) < 5 || len(a.AID) > 16 {
		errs = append(errs, fmt.Errorf("AID of %d bytes", len(a.AID)))
	}
	if !a.Scheme.Valid() {
		errs = append(errs, fmt.Errorf("unknown scheme %d", int(a.Scheme)))
	}
	if len(a.PANSequence) != 2 || !digits(a.PANSequence) || len(a.Expiry) != 6 || !digits(a.Expiry) ||
		len(a.Effective) != 6 || !digits(a.Effective) || len(a.ServiceCode) != 3 || !digits(a.ServiceCode) {
		errs = append(errs, errors.New("PAN sequence, dates or service code not digits of the right length"))
	}
	if len(a.PIN) < 4 || len(a.PIN) > 12 || !digits(a.PIN) || a.PINTryLimit == 0 || a.PINTryLimit > 15 {
		errs = append(errs, errors.New("PIN not 4 to 12 digits, or try limit not 1 to 15"))
	}
	for name, d := range map[string][]byte{"PDOL": a.PDOL, "contactless PDOL": a.ContactlessPDOL, "CDOL1": a.CDOL1, "CDOL2": a.CDOL2, "DDOL": a.DDOL} {
		if _, err := dol.Parse(d); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if err := listsTransactionData(a.CDOL1); err != nil {
		errs = append(errs, fmt.Errorf("CDOL1: %w", err))
	}
	if a.QuickContactless {
		if err := listsTransactionData(a.ContactlessPDOL); err != nil {
			errs = append(errs, fmt.Errorf("contactless PDOL of a quick contactless card: %w", err))
		}
	}
	if len(a.CVMList) < 10 || len(a.CVMList)%2 != 0 {
		errs = append(errs, fmt.Errorf("CVM list of %d bytes", len(a.CVMList)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("emvcard: application %X: %w", a.AID, err)
	}
	return nil
}

// listsTransactionData checks that a DOL asks for each cryptogram data element at its
// full length.
func listsTransactionData(d []byte) error {
	entries, err := dol.Parse(d)
	if err != nil {
		return err
	}
	for _, want := range transactionTags {
		if !slices.Contains(entries, want) {
			return fmt.Errorf("does not list %s with length %d", want.Tag, want.Length)
		}
	}
	return nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
