package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/sale"
)

// CardEntry is how a prepaid card reached the till.
type CardEntry string

// Card entries.
const (
	CardScanned CardEntry = "scan"  // its QR code or barcode, read by the scanner
	CardTapped  CardEntry = "tap"   // its contactless UID, read by the card reader
	CardTyped   CardEntry = "typed" // its number typed by the cashier: needs the PIN
)

// CardCredential is what the cashier has of a card: the scan, the UID or the typed
// number, and the PIN when one was asked for (PrepaidDesk.NeedsPIN).
type CardCredential struct {
	Entry CardEntry
	Code  string // QR payload or barcode digits, UID (hex), or typed number
	PIN   string // never stored or logged
}

// CardView is a card as the screens show it. Show Masked to cashiers and customers;
// Number (the full number) only on the manager's card screen, and hand the CardView
// back to the desk for payments, top-ups and management.
type CardView struct {
	Number    string
	Masked    string
	Status    prepaid.Status
	Balance   money.Amount
	Expires   time.Time
	HasPIN    bool
	PINLocked bool
	UID       string
}

func cardView(a prepaid.Account, now time.Time) CardView {
	status := a.Status
	if status == prepaid.Active && a.ExpiredAt(now) {
		status = prepaid.Expired
	}
	return CardView{Number: a.Number, Masked: a.Masked(), Status: status, Balance: a.Balance, Expires: a.Expires,
		HasPIN: a.HasPIN(), PINLocked: now.Before(a.PINLockedUntil), UID: a.UID}
}

// NeedsPIN reports whether a card entered this way needs its PIN typed: a typed
// number always; a scan or tap when the configuration says so.
func (d *PrepaidDesk) NeedsPIN(entry CardEntry) bool { return entry == CardTyped || d.cfg.RequirePIN }

// Identify finds the card of a credential and checks its PIN when one is needed
// (wrong PINs count toward the card's lockout). It is the balance enquiry: the view
// holds the balance, status and expiry. Errors: prepaid.ErrBadNumber, ErrBadQR,
// ErrBadUID (unreadable), prepaid.ErrUnknownCard, ErrPINNeeded (ask for the PIN and
// call again), prepaid.ErrWrongPIN, ErrPINLocked, ErrNoPIN (a typed card without a PIN).
func (d *PrepaidDesk) Identify(c CardCredential) (CardView, error) {
	if !d.cfg.Enabled {
		return CardView{}, ErrPrepaidOff
	}
	num := d.ledger.Policy().Numbering
	var acct prepaid.Account
	var err error
	switch c.Entry {
	case CardScanned:
		var number string
		if number, err = num.ParseScan(strings.TrimSpace(c.Code)); err == nil {
			acct, err = d.ledger.Account(number)
		}
	case CardTapped:
		acct, err = d.ledger.ByUID(c.Code)
	case CardTyped:
		var number string
		if number, err = num.Parse(strings.TrimSpace(c.Code)); err == nil {
			acct, err = d.ledger.Account(number)
		}
	default:
		err = fmt.Errorf("prepaid: card entry %q", c.Entry)
	}
	if err != nil {
		return CardView{}, err
	}
	if d.NeedsPIN(c.Entry) && (acct.HasPIN() || c.Entry == CardTyped) {
		if c.PIN == "" {
			return cardView(acct.Redacted(), d.ledger.Now()), ErrPINNeeded
		}
		if acct, err = d.ledger.CheckPIN(acct.Number, c.PIN); err != nil {
			return CardView{}, err
		}
	}
	d.showBalance(acct.Balance)
	return cardView(acct, d.ledger.Now()), nil
}

// Card reads a card's current view again (after a movement), by its number.
func (d *PrepaidDesk) Card(number string) (CardView, error) {
	a, err := d.ledger.Account(number)
	if err != nil {
		return CardView{}, err
	}
	return cardView(a, d.ledger.Now()), nil
}

// Tender pays from the identified card. With partial set, a card holding less than
// the amount asked pays what it holds and the rest stays due for another tender
// (split tender); otherwise it refuses with prepaid.ErrInsufficient.
func (d *PrepaidDesk) Tender(card CardView, partial bool) Tender {
	return prepaidTender{d: d, card: card.Number, partial: partial}
}

type prepaidTender struct {
	d       *PrepaidDesk
	card    string
	partial bool
}

// Method is sale.Prepaid.
func (prepaidTender) Method() sale.Method { return sale.Prepaid }

// Pay takes a pending payment from the card for the sale; the sale's completion
// record settles it, and an abandoned sale gives it back (the Reverser, or Resolve at
// the next start).
func (t prepaidTender) Pay(_ context.Context, req PayRequest) (sale.Payment, error) {
	d := t.d
	if !d.cfg.Enabled {
		return sale.Payment{}, ErrPrepaidOff
	}
	orders, err := d.ledger.Orders()
	if err != nil {
		return sale.Payment{}, err
	}
	for _, o := range orders {
		if o.Sale == req.SaleID {
			return sale.Payment{}, ErrTopUpWithCard
		}
	}
	// The till serves one sale at a time: a payment still pending for another sale of
	// this till belongs to one abandoned without its payments (a journal failure
	// after the card paid). Give it back first.
	if _, err := d.ledger.ReversePending(func(p prepaid.Pending) bool { return p.Sale != req.SaleID }, "sale abandoned"); err != nil {
		return sale.Payment{}, err
	}
	suffix, err := randomHex(d.rand, 4)
	if err != nil {
		return sale.Payment{}, err
	}
	m, err := d.ledger.Pay(prepaid.PayRequest{ID: req.SaleID + "/" + suffix, Card: t.card, Amount: req.Amount, Sale: req.SaleID, Partial: t.partial})
	if err != nil {
		d.log.Info("prepaid payment refused", "card", prepaid.Mask(t.card), "sale", req.SaleID, "amount", req.Amount.Plain(), "err", err)
		return sale.Payment{}, err
	}
	d.showPaid(-m.Amount, m.Balance)
	return sale.Payment{Method: sale.Prepaid, Amount: -m.Amount, Ref: PaymentRef(m), At: m.At}, nil
}

// PaymentRef is a prepaid payment's reference on the sale and its receipt: the masked
// card and the payment's ID ("990001*********0018 DEMO0001-...-001/1a2b3c4d").
func PaymentRef(m prepaid.Movement) string { return prepaid.Mask(m.Card) + " " + m.ID }

// ParsePaymentRef returns the payment ID of a PaymentRef.
func ParsePaymentRef(ref string) (string, error) {
	f := strings.Fields(ref)
	if len(f) != 2 || strings.Trim(f[0], "0123456789*") != "" {
		return "", ErrNotPrepaidRef
	}
	return f[1], nil
}

// prepaidReverser gives a part-paid sale's card payment back (Till.CancelPaid).
type prepaidReverser struct{ d *PrepaidDesk }

func (r prepaidReverser) Reverse(_ context.Context, saleID string, p sale.Payment) error {
	id, err := ParsePaymentRef(p.Ref)
	if err != nil {
		return err
	}
	info, err := r.d.ledger.Payment(id)
	if err != nil {
		return err
	}
	if info.Movement.Sale != saleID {
		return fmt.Errorf("payment %s is sale %s's, not %s: %w", id, info.Movement.Sale, saleID, prepaid.ErrNotPending)
	}
	_, err = r.d.ledger.Reverse(id, "sale abandoned")
	return err
}

// Refunder is the prepaid TenderRefunder: a refund of a card payment goes back to
// the card that paid (Refunds.Register(desk.Refunder())).
func (d *PrepaidDesk) Refunder() TenderRefunder { return prepaidRefunder{d} }

type prepaidRefunder struct{ d *PrepaidDesk }

func (prepaidRefunder) Method() sale.Method { return sale.Prepaid }

// Refund credits the card; idempotent by the request's Key.
func (r prepaidRefunder) Refund(_ context.Context, req TenderRefundRequest) (string, error) {
	id, err := ParsePaymentRef(req.OriginalRef)
	if err != nil {
		return "", err
	}
	m, err := r.d.ledger.Refund(prepaid.RefundRequest{ID: ledgerID("refund", req.Key), Payment: id, Amount: req.Amount,
		Reason: "refund " + req.RefundID + " of " + req.OriginalReceipt})
	if err != nil {
		return "", err
	}
	return prepaid.Mask(m.Card), nil
}

// ledgerID turns any idempotency key into a ledger request ID: the key itself when it
// is one (no spaces, not too long), else a digest of it.
func ledgerID(kind, key string) string {
	id := kind + "/" + key
	if len(id) <= prepaid.MaxIDLen && !strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return id
	}
	return kind + "/h" + digestHex(key)
}

// randomHex is n random bytes from r in hex.
func randomHex(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("prepaid: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// digestHex is the first 16 bytes of key's SHA-256, in hex.
func digestHex(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}
