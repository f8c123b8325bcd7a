package acquirersim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/tlv"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
)

// TxnKind is what a ledger entry is.
type TxnKind string

// Ledger entry kinds.
const (
	Sale   TxnKind = "sale"
	Void   TxnKind = "void"
	Refund TxnKind = "refund"
	Advice TxnKind = "advice" // an offline sale reported later
)

// TxnStatus is where a ledger entry stands.
type TxnStatus string

// Ledger entry statuses.
const (
	Approved TxnStatus = "approved"
	Declined TxnStatus = "declined"
	Reversed TxnStatus = "reversed"
	Voided   TxnStatus = "voided"
)

// Txn is one entry of the sandbox's ledger: a request it processed. The card number
// is kept masked here (the sandbox holds the full one privately, to move money).
type Txn struct {
	Terminal       string
	Batch          posmsg.BatchNumber
	STAN           posmsg.STAN
	Kind           TxnKind
	Amount         int64 // fen
	MaskedPAN      string
	Domestic       bool // a UnionPay card (number starting 62): "内卡" in settlement
	QR             bool // paid with a UnionPay QR payment code (MaskedPAN is the code's)
	RRN            posmsg.RRN
	AuthCode       string
	ResponseCode   string
	Status         TxnStatus
	Refunded       int64  // for a sale: refunded so far
	ReversalReason string // DE39 of the reversal that undid it
	At             time.Time

	pan      string
	original *Txn            // for a void: the sale it voided
	answer   posmsg.Response // replayed when an advice or refund is sent again
}

// Settlement is one settlement request as the sandbox reconciled it.
type Settlement struct {
	Terminal    string
	Batch       posmsg.BatchNumber
	Till        posmsg.Totals // as the till sent them
	Host        posmsg.Totals // the sandbox's own, from its ledger
	Balanced    bool
	AfterUpload bool // reconciled against the till's batch upload
	Uploaded    int  // entries the batch upload carried
	// Missing are STANs the till uploaded that the host's ledger does not count;
	// Extra are STANs the host counts that the till did not upload.
	Missing, Extra []posmsg.STAN
}

type txnKey struct {
	terminal string
	batch    posmsg.BatchNumber
	stan     posmsg.STAN
}

type batchKey struct {
	terminal string
	batch    posmsg.BatchNumber
}

type upload struct {
	entries  map[posmsg.STAN]posmsg.BatchEntry
	complete bool
}

// ledger is the sandbox's books; the Server's mutex guards it.
type ledger struct {
	txns           map[txnKey]*Txn
	order          []*Txn
	byRRN          map[posmsg.RRN]*Txn
	reversedUnseen map[txnKey]bool // reversals that came before (or instead of) their original
	signedOn       map[string]bool
	closed         map[batchKey]bool
	uploads        map[batchKey]*upload
	settlements    []Settlement
	seq            int
}

func newLedger() ledger {
	return ledger{txns: map[txnKey]*Txn{}, byRRN: map[posmsg.RRN]*Txn{}, reversedUnseen: map[txnKey]bool{},
		signedOn: map[string]bool{}, closed: map[batchKey]bool{}, uploads: map[batchKey]*upload{}}
}

// Transactions is a copy of the ledger entries of a terminal ("" for all), oldest first.
func (s *Server) Transactions(terminal string) []Txn {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Txn
	for _, t := range s.ledger.order {
		if terminal == "" || t.Terminal == terminal {
			c := *t
			c.pan, c.original, c.answer = "", nil, posmsg.Response{}
			out = append(out, c)
		}
	}
	return out
}

// Settlements lists the settlement requests the sandbox reconciled, oldest first.
func (s *Server) Settlements() []Settlement {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ledger.settlements)
}

// SignedOn reports whether a terminal is signed on.
func (s *Server) SignedOn(terminal string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ledger.signedOn[terminal]
}

// process handles one request under s.mu.
func (s *Server) process(req iso8583.Message, kind posmsg.Kind) (posmsg.Response, error) {
	l := &s.ledger
	switch kind {
	case posmsg.KindSignOn, posmsg.KindSignOff:
		var err error
		if kind == posmsg.KindSignOn {
			_, err = posmsg.ParseSignOn(req)
		} else {
			_, err = posmsg.ParseSignOff(req)
		}
		if err != nil {
			return posmsg.Response{}, err
		}
		l.signedOn[req.Get(41)] = kind == posmsg.KindSignOn
		return s.echo(req, "00"), nil
	case posmsg.KindSale:
		return s.sale(req)
	case posmsg.KindQRSale:
		return s.qrSale(req)
	case posmsg.KindQROrder:
		return s.qrOrder(req)
	case posmsg.KindVoid:
		return s.void(req)
	case posmsg.KindRefund:
		return s.refund(req)
	case posmsg.KindOfflineAdvice:
		return s.advice(req)
	case posmsg.KindReversal:
		return s.reversal(req)
	case posmsg.KindSettlement:
		return s.settle(req)
	case posmsg.KindBatchUpload:
		return s.batchUpload(req)
	}
	return s.echo(req, "12"), nil // invalid transaction
}

// gate answers the refusals every card request shares: not signed on, closed batch,
// repeated STAN.
func (s *Server) gate(req iso8583.Message, c posmsg.CardTransaction) (string, bool) {
	l := &s.ledger
	key := txnKey{c.Terminal.ID, c.Batch, c.STAN}
	switch {
	case s.opt.RequireSignOn && !l.signedOn[c.Terminal.ID]:
		return "77", false
	case l.closed[batchKey{c.Terminal.ID, c.Batch}]:
		return "77", false // the batch was settled: the till must move on to the next
	case l.txns[key] != nil:
		return "94", false
	case l.reversedUnseen[key]:
		return "94", false // already reversed by the till: never charge it now
	}
	return "", true
}

// record adds a ledger entry (and gives approved ones an RRN and authorisation code).
func (s *Server) record(c posmsg.CardTransaction, kind TxnKind, code string) *Txn {
	l := &s.ledger
	t := &Txn{Terminal: c.Terminal.ID, Batch: c.Batch, STAN: c.STAN, Kind: kind, Amount: int64(c.Amount),
		MaskedPAN: iso8583.MaskPAN(c.Card.PAN), Domestic: strings.HasPrefix(c.Card.PAN, "62"), ResponseCode: code,
		Status: Declined, At: s.opt.Now(), pan: c.Card.PAN}
	if code == "00" {
		s.approve(t)
	}
	l.txns[txnKey{t.Terminal, t.Batch, t.STAN}] = t
	l.order = append(l.order, t)
	return t
}

// approve makes a ledger entry approved with a new RRN and authorisation code.
func (s *Server) approve(t *Txn) {
	l := &s.ledger
	l.seq++
	t.Status, t.RRN, t.AuthCode = Approved, posmsg.RRN(fmt.Sprintf("%012d", 100000+l.seq)), fmt.Sprintf("%06d", (l.seq*7919)%1000000)
	l.byRRN[t.RRN] = t
}

// answerFor is the answer to a card request for its ledger entry.
func (s *Server) answerFor(req iso8583.Message, t *Txn, icc []byte) posmsg.Response {
	r := s.echo(req, t.ResponseCode)
	r.RRN, r.AuthCode, r.ICC = t.RRN, t.AuthCode, icc
	t.answer = r
	return r
}

// sale authorises a purchase: the issuer checks the ARQC and PIN, the sandbox the
// account's limit and balance.
func (s *Server) sale(req iso8583.Message) (posmsg.Response, error) {
	sl, err := posmsg.ParseSale(req)
	if err != nil {
		return posmsg.Response{}, err
	}
	c := sl.CardTransaction
	if code, ok := s.gate(req, c); !ok {
		return s.echo(req, code), nil
	}
	acct := s.accounts[c.Card.PAN]
	if acct == nil {
		return s.answerFor(req, s.record(c, Sale, "14"), nil), nil // invalid card number
	}
	ireq := issuer.Request{ICCData: c.ICC}
	if len(c.PIN.Block) > 0 {
		// A format 0 block under TDES DUKPT (DE52), or a format 4 block under AES
		// DUKPT (DE62): posmsg.PIN tells them apart.
		ireq.PIN = &issuer.EncryptedPIN{Format: c.PIN.Format(), Block: c.PIN.Block, KSN: c.PIN.KSN}
	}
	dec, err := issuer.Authorise(acct.Account, s.opt.BDKs, ireq)
	if err != nil {
		return s.answerFor(req, s.record(c, Sale, "96"), nil), nil
	}
	code := s.accountCheck(acct, &dec, int64(c.Amount), &ireq)
	if code != dec.ResponseCode {
		dec.ResponseCode = code
		if err := issuer.Respond(acct.Account, &dec, ireq); err != nil {
			return s.answerFor(req, s.record(c, Sale, "96"), nil), nil
		}
	}
	t := s.record(c, Sale, dec.ResponseCode)
	if t.Status == Approved {
		acct.Balance -= t.Amount
	}
	s.log.Info("acquirer sandbox: sale", "terminal", t.Terminal, "stan", t.STAN.String(), "card", t.MaskedPAN,
		"amount", t.Amount, "code", t.ResponseCode, "reason", dec.Reason)
	return s.answerFor(req, t, issuerData(dec)), nil
}

// accountCheck applies the account's own rules after the issuer's check: PIN tries,
// a blocked account, the limit and the balance. ireq gains the scripts to send.
func (s *Server) accountCheck(acct *Account, dec *issuer.Decision, amount int64, ireq *issuer.Request) string {
	switch {
	case dec.PINChecked && !dec.PINValid:
		acct.pinFailures++
	case dec.PINChecked && acct.pinFailures < PINTryLimit:
		acct.pinFailures = 0 // a right PIN resets the count, unless the PIN is blocked
	}
	switch {
	case acct.pinFailures >= PINTryLimit:
		return "75"
	case dec.ResponseCode != issuer.CodeApproved:
		return dec.ResponseCode
	case acct.DoNotHonour:
		ireq.Scripts = []issuer.ScriptCommand{issuer.ApplicationBlock()}
		return "05"
	}
	return fundsCode(acct, amount)
}

// fundsCode is an account's answer to amount: over its limit 61, over its balance 51,
// else approved.
func fundsCode(acct *Account, amount int64) string {
	switch {
	case acct.Limit > 0 && amount > acct.Limit:
		return "61"
	case amount > acct.Balance:
		return "51"
	}
	return issuer.CodeApproved
}

// issuerData is the answer's DE55: the issuer authentication data (91) and scripts.
func issuerData(dec issuer.Decision) []byte {
	var out []byte
	if len(dec.IssuerAuthenticationData) > 0 {
		out, _ = tlv.New(0x91, dec.IssuerAuthenticationData).AppendTo(out)
	}
	return append(out, dec.IssuerScripts...)
}

// reversal undoes a sale or void; it is idempotent, and a reversal of a request the
// sandbox never saw is remembered so the request is refused if it arrives later.
func (s *Server) reversal(req iso8583.Message) (posmsg.Response, error) {
	rv, err := posmsg.ParseReversal(req)
	if err != nil {
		return posmsg.Response{}, err
	}
	f60, err := posmsg.ParseField60(rv.Original.Get(60))
	if err != nil {
		return posmsg.Response{}, err
	}
	stan, err := posmsg.ParseSTAN(rv.Original.Get(11))
	if err != nil {
		return posmsg.Response{}, err
	}
	key := txnKey{rv.Original.Get(41), f60.Batch, stan}
	t := s.ledger.txns[key]
	if t != nil && t.ReversalReason == "" {
		t.ReversalReason = rv.Reason
	}
	switch {
	case t == nil:
		s.ledger.reversedUnseen[key] = true
	case rv.Original.Get(4) != fmt.Sprintf("%012d", t.Amount):
		return s.echo(req, "64"), nil
	case t.Status == Open: // a QR order not paid: closed
		t.Status = Closed
	case t.Status == Approved && t.Kind == Sale:
		s.credit(t.pan, t.Amount)
		t.Status = Reversed
	case t.Status == Approved && t.Kind == Void:
		s.debit(t.original.pan, t.Amount) // the sale's account: a QR void names no card
		t.Status, t.original.Status = Reversed, Approved
	}
	s.log.Info("acquirer sandbox: reversal", "terminal", key.terminal, "stan", stan.String(), "reason", rv.Reason, "found", t != nil)
	return s.echo(req, "00"), nil
}

func (s *Server) credit(pan string, amount int64) {
	if a := s.accounts[pan]; a != nil {
		a.Balance += amount
	}
}

func (s *Server) debit(pan string, amount int64) {
	if a := s.accounts[pan]; a != nil {
		a.Balance -= amount
	}
}
