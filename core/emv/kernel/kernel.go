package kernel

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"tilldesk/core/emv/tlv"
)

// Interface is how the card talks to the reader.
type Interface int

// The interfaces.
const (
	Contact     Interface = iota // chip inserted
	Contactless                  // card or phone tapped
)

// Transaction types (9C, the first two digits of ISO 8583 processing code).
const (
	TypePurchase byte = 0x00
	TypeCash     byte = 0x01
	TypeCashback byte = 0x09
	TypeRefund   byte = 0x20
)

// Request is one transaction the till asks for.
type Request struct {
	// Amount (9F02) and AmountOther (9F03, the cashback part) in minor units.
	Amount      int64
	AmountOther int64
	// Type is the transaction type (9C): TypePurchase, TypeCash, TypeCashback, ...
	Type byte
	// Services says the purchase is of services rather than goods (for the
	// application usage control check).
	Services bool
	// SequenceCounter (9F41) numbers the terminal's transactions.
	SequenceCounter uint32
	// Interface is contact or contactless.
	Interface Interface
	// ForceOnline is the merchant forcing the transaction online (TVR byte 4 bit 4).
	ForceOnline bool
}

// Candidate is an application the card and terminal both support, offered to the
// cardholder when there is a choice to make.
type Candidate struct {
	AID           []byte
	Label         string // Application Label (50)
	PreferredName string // Application Preferred Name (9F12), if the code table is supported
	Priority      byte   // Application Priority Indicator (87), bits 1-4; 0 means none
	// ConfirmationRequired is bit 8 of the priority indicator: the cardholder must
	// confirm the application even when it is the only one.
	ConfirmationRequired bool
}

// Name is what to show: the preferred name, else the label, else the AID.
func (c Candidate) Name() string {
	switch {
	case c.PreferredName != "":
		return c.PreferredName
	case c.Label != "":
		return c.Label
	default:
		return fmt.Sprintf("%X", c.AID)
	}
}

// Chooser asks the cardholder to pick one of the candidates (in priority order) and
// returns its index. It is also asked, with one candidate, when that candidate
// requires confirmation. Returning an error ends the transaction.
type Chooser func(ctx context.Context, candidates []Candidate) (int, error)

// ErrCancelled is what a Chooser or PIN pad returns when the cardholder or cashier
// cancels.
var ErrCancelled = errors.New("cancelled")

// Options are the kernel's collaborators. Any may be left zero: no PIN pad means PIN
// CVMs fail with the "PIN pad not present" TVR bit; no host means the terminal
// cannot go online; no chooser picks the highest-priority candidate (and refuses
// one that needs confirmation); Now defaults to time.Now and Random to crypto/rand.
type Options struct {
	PINPad  PINPad
	Host    Host
	Chooser Chooser
	Now     func() time.Time
	Random  io.Reader
}

// Kernel runs EMV transactions with one configuration.
type Kernel struct {
	cfg  *Config
	opts Options
}

// New checks the configuration and returns a kernel.
func New(cfg *Config, opts Options) (*Kernel, error) {
	if cfg == nil {
		return nil, errors.New("kernel: no configuration")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Random == nil {
		opts.Random = rand.Reader
	}
	return &Kernel{cfg: cfg, opts: opts}, nil
}

// session is the state of one transaction.
type session struct {
	ctx  context.Context
	k    *Kernel
	cfg  *Config
	card Card
	req  Request
	now  time.Time

	aid      AIDConfig
	selected Candidate
	fci      []tlv.TLV
	icc      cardData
	terminal map[tlv.Tag][]byte
	tvr      TVR
	tsi      TSI

	aip        [2]byte
	afl        []byte
	staticData []byte // the records to be authenticated, in AFL order
	staticBad  bool   // a record for ODA was not a 70 template

	oda      odaMethod
	iccKey   *publicKey // recovered for DDA/CDA
	pdolData []byte
	// cryptogramData are the terminal data elements exactly as the card received
	// them for the cryptogram it returned (on a quick tap, the PDOL data of GET
	// PROCESSING OPTIONS): the online and clearing messages carry these, so that
	// the issuer recomputes the cryptogram over what the card computed it over.
	cryptogramData map[tlv.Tag][]byte
	cdolData       []byte // CDOL1 data, then CDOL2 data: for the CDA transaction data hash
	cvmResults     [3]byte
	cvm            CVM
	pin            *EncipheredPIN
	signature      bool
	scriptResults  []byte // 9F5B
	arc            string // 8A sent to the card with the second GENERATE AC

	result *Result
}

// Run performs one transaction with the card. It returns the Result in every case;
// the error is non-nil when the transaction was terminated (card removed, card
// error, malformed or missing data, cancelled), and then Result.Outcome is
// Terminated and Result.Reason says why.
func (k *Kernel) Run(ctx context.Context, card Card, req Request) (*Result, error) {
	s := &session{ctx: ctx, k: k, cfg: k.cfg, card: card, req: req, now: k.opts.Now(), icc: cardData{}, result: &Result{}}
	var err error
	if req.Interface == Contactless {
		err = s.runContactless()
	} else {
		err = s.runContact()
	}
	if errors.Is(err, ErrTryAnotherInterface) {
		s.result.Outcome, s.result.Reason = TryAnotherInterface, err.Error()
		return s.finish(), nil
	}
	if err != nil {
		s.terminate(err)
		// An authorisation that went out for a transaction that then failed must be
		// reversed (EMV Book 4 12.2.4).
		s.result.ReversalRequired = s.result.WentOnline
		return s.finish(), err
	}
	return s.finish(), nil
}

// runContact is the contact flow of EMV Book 3 chapter 10.
func (s *session) runContact() error {
	if err := s.selectAndInitiate(); err != nil {
		return err
	}
	if err := s.readApplicationData(); err != nil {
		return err
	}
	if err := s.checkMandatoryData(); err != nil {
		return err
	}
	if err := s.offlineDataAuthentication(); err != nil {
		return err
	}
	s.processingRestrictions()
	if err := s.cardholderVerification(); err != nil {
		return err
	}
	if err := s.terminalRiskManagement(); err != nil {
		return err
	}
	return s.actionAnalysisAndCompletion()
}

// selectAndInitiate selects an application and gets its processing options; a card
// that answers GET PROCESSING OPTIONS with 6985 ("conditions of use not satisfied")
// sends the terminal back to the candidate list without that application (EMV
// Book 3 10.1).
func (s *session) selectAndInitiate() error {
	candidates, err := s.buildCandidateList()
	if err != nil {
		return err
	}
	for {
		if err := s.finalSelection(&candidates, true); err != nil {
			return err
		}
		err := s.initiateApplicationProcessing()
		var se *StatusError
		if errors.As(err, &se) && se.SW == SWConditionsNotMet {
			continue
		}
		return err
	}
}

// checkCancelled ends the transaction when the till cancelled it.
func (s *session) checkCancelled() error {
	if err := s.ctx.Err(); err != nil {
		return fmt.Errorf("transaction cancelled: %w", err)
	}
	return nil
}
