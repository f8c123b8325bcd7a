package emvcard

import (
	"crypto/rand"
	"fmt"
	"io"
	"sync"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tlv"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard/testca"
)

// Card is a personalised virtual card. Its counters (ATC, PIN tries, offline count,
// blocks) survive power-off like a real card's; everything else is forgotten at
// reset. It is safe for concurrent use, one command at a time.
type Card struct {
	mu      sync.Mutex
	profile Profile
	apps    []*application
	blocked bool // CARD BLOCK: every command answers 6A81
	random  io.Reader
	s       session
}

// authState is where issuer authentication stands in a transaction.
type authState int

const (
	authNotPerformed authState = iota
	authPassed
	authFailed
)

// session is what the card remembers between power-on and power-off (or the next
// SELECT, for the application's part).
type session struct {
	iface     Interface
	directory bool         // PSE or PPSE selected
	app       *application // selected application
	selName   []byte       // the name of the last SELECT, for "next occurrence"
	selIndex  int
	challenge []byte

	gpo         bool
	pdolData    []byte
	values      map[tlv.Tag][]byte // terminal data from the PDOL and CDOL data
	cdolData    []byte             // CDOL1 data, then CDOL2 data (for CDA)
	acCount     int                // GENERATE ACs answered (the quick path counts one)
	firstAC     issuer.ACType
	arqc        [8]byte
	cvr         issuer.CVR
	issuerAuth  authState
	reply       issuer.Reply
	extAuthDone bool
}

// New personalises a card from a profile with the default test CA hierarchy and the
// test issuer keys.
func New(p *Profile) (*Card, error) {
	h, err := testca.Default()
	if err != nil {
		return nil, err
	}
	c := &Card{profile: *p, random: rand.Reader}
	c.profile.Applications = append([]Application(nil), p.Applications...)
	for _, cfg := range c.profile.Applications {
		a, err := personalise(cfg, h)
		if err != nil {
			return nil, fmt.Errorf("emvcard: profile %s: %w", p.Name, err)
		}
		c.apps = append(c.apps, a)
	}
	if len(c.apps) == 0 {
		return nil, fmt.Errorf("emvcard: profile %s has no application", p.Name)
	}
	return c, nil
}

// Profile is the card's profile (a copy).
func (c *Card) Profile() Profile {
	p := c.profile
	p.Applications = append([]Application(nil), p.Applications...)
	return p
}

// SetRandom replaces the source of the card's unpredictable numbers (ICC dynamic
// numbers, challenges), for reproducible tests.
func (c *Card) SetRandom(r io.Reader) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.random = r
}

// Present is the card held to a reader through one interface: what sim.InsertCard
// takes. It fails when the card has no such interface.
func (c *Card) Present(iface Interface) (*Presented, error) {
	if (iface == Contact && !c.profile.Contact) || (iface == Contactless && !c.profile.Contactless) {
		return nil, fmt.Errorf("emvcard: card %s cannot be used %s", c.profile.Name, iface)
	}
	return &Presented{card: c, iface: iface}, nil
}

// Presented is a card in a reader's field or slot. It implements sim.CardApp.
type Presented struct {
	card  *Card
	iface Interface
}

var _ sim.CardApp = (*Presented)(nil)

// The answers to reset: an EMV basic ATR for T=0 on contact (EMV Book 1 8.3), the
// PC/SC ATR of an ISO/IEC 14443-4 card on contactless; "TILLDESK" as historical bytes.
var (
	contactATR     = []byte{0x3B, 0x68, 0x00, 0x00, 'T', 'I', 'L', 'L', 'D', 'E', 'S', 'K'}
	contactlessATR = withTCK([]byte{0x3B, 0x88, 0x80, 0x01, 'T', 'I', 'L', 'L', 'D', 'E', 'S', 'K'})
)

// withTCK appends the check byte: the XOR of every byte after TS.
func withTCK(atr []byte) []byte {
	var tck byte
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}

// ATR is the answer to reset on this interface.
func (p *Presented) ATR() []byte {
	if p.iface == Contactless {
		return append([]byte(nil), contactlessATR...)
	}
	return append([]byte(nil), contactATR...)
}

// Reset is a power-on or warm reset: the card forgets the transaction.
func (p *Presented) Reset() {
	p.card.mu.Lock()
	defer p.card.mu.Unlock()
	p.card.s = session{iface: p.iface}
}

// Process answers one command APDU. It never panics and always ends its answer with
// a status word.
func (p *Presented) Process(apdu []byte) []byte {
	c := p.card
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s.iface != p.iface {
		c.s = session{iface: p.iface}
	}
	cmd := parseCommand(apdu)
	switch {
	case cmd.extendedOrBad:
		return status(swWrongLength)
	case c.blocked:
		return status(swFunctionUnsupported)
	}
	handle, ok := handlers[[2]byte{cmd.cla, cmd.ins}]
	if !ok {
		for k := range handlers {
			if k[1] == cmd.ins {
				return status(swCLAUnsupported)
			}
		}
		return status(swINSUnsupported)
	}
	return handle(c, cmd)
}

// handlers answer each command by class and instruction.
var handlers = map[[2]byte]func(*Card, command) []byte{
	{0x00, 0xA4}:                         (*Card).selectFile,
	{0x00, 0xB2}:                         (*Card).readRecord,
	{0x80, 0xA8}:                         (*Card).getProcessingOptions,
	{0x80, 0xCA}:                         (*Card).getData,
	{0x00, 0x88}:                         (*Card).internalAuthenticate,
	{0x00, 0x84}:                         (*Card).getChallenge,
	{0x00, 0x20}:                         (*Card).verify,
	{0x80, 0xAE}:                         (*Card).generateAC,
	{0x00, 0x82}:                         (*Card).externalAuthenticate,
	{0x84, issuer.InsApplicationBlock}:   (*Card).issuerScript,
	{0x84, issuer.InsApplicationUnblock}: (*Card).issuerScript,
	{0x84, issuer.InsCardBlock}:          (*Card).issuerScript,
	{0x84, issuer.InsPINChangeUnblock}:   (*Card).issuerScript,
	{0x84, issuer.InsPutData}:            (*Card).issuerScript,
}

// random fills n bytes from the card's source; a failing source gives zeros rather
// than a panic (a test card, never a real one).
func (c *Card) randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = io.ReadFull(c.random, b)
	return b
}

// Counters is what GET DATA and a test can read of an application's state.
type Counters struct {
	ATC, LastOnlineATC uint16
	PINTries           byte
	OfflineCount       byte
	Blocked            bool
}

// Counters reads application n's counters.
func (c *Card) Counters(n int) (Counters, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 0 || n >= len(c.apps) {
		return Counters{}, fmt.Errorf("emvcard: card %s has no application %d", c.profile.Name, n)
	}
	a := c.apps[n]
	return Counters{ATC: a.atc, LastOnlineATC: a.lastOnlineATC, PINTries: a.ptc, OfflineCount: a.offlineCount, Blocked: a.blocked}, nil
}

// Blocked reports whether an issuer script blocked the whole card.
func (c *Card) Blocked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.blocked
}
