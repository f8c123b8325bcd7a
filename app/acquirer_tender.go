package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"tilldesk/core/emv/kernel"
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// CardStage is where a card payment stands, for the cashier screen and the PIN pad.
type CardStage int

// The stages, in the order a payment goes through them.
const (
	CardPresent    CardStage = iota // insert, tap or swipe the card
	CardInsert                      // a tap is not possible for this card or amount: insert it
	CardReading                     // reading the card: leave it in the reader
	CardChooseApp                   // the card has several applications: the cardholder chooses one
	CardEnterPIN                    // the customer enters the PIN on the PIN pad
	CardWrongPIN                    // the bank says the PIN was wrong: enter it again
	CardProcessing                  // waiting for the bank
	CardApproved
	CardDeclined
)

var cardStageKeys = [...]string{"card.stage.present", "card.stage.insert", "card.stage.reading", "card.stage.choose", "card.stage.pin",
	"card.stage.wrong_pin", "card.stage.processing", "card.stage.approved", "card.stage.declined"}

// Key is the stage's message key.
func (s CardStage) Key() string {
	if s < 0 || int(s) >= len(cardStageKeys) {
		return "card.stage.processing"
	}
	return cardStageKeys[s]
}

// Cancellable reports whether the cashier may cancel at this stage with nothing to
// undo: until the request to the bank leaves the till. Cancelling later is still
// safe (the payment is reversed) but leaves a reversal to send.
func (s CardStage) Cancellable() bool { return s < CardProcessing }

// CardSource is the card reader: it waits until the customer presents a card and
// returns it. With contactless false only an inserted card will do.
type CardSource interface {
	PresentCard(ctx context.Context, contactless bool) (kernel.Card, kernel.Interface, error)
}

// CardTerminal is the EMV side of card payments: the kernel's configuration, the card
// reader and the PIN pad.
type CardTerminal struct {
	Kernel  *kernel.Config
	Cards   CardSource
	PINPad  kernel.PINPad  // nil: PIN CVMs fail with "PIN pad not present"
	Chooser kernel.Chooser // nil: the highest-priority application
	Now     func() time.Time
	Random  io.Reader
}

// run performs one EMV transaction with the card, going online through host. A
// non-nil chooser asks the cardholder instead of the terminal's Chooser.
func (t *CardTerminal) run(ctx context.Context, card kernel.Card, req kernel.Request, host kernel.Host, stage func(CardStage), chooser kernel.Chooser) (*kernel.Result, error) {
	var pad kernel.PINPad
	if t.PINPad != nil {
		pad = stagedPINPad(t.PINPad, stage)
	}
	if chooser == nil {
		chooser = t.Chooser
	}
	k, err := kernel.New(t.Kernel, kernel.Options{PINPad: pad, Host: host, Chooser: chooser, Now: t.Now, Random: t.Random})
	if err != nil {
		return nil, fmt.Errorf("card terminal: %w", err)
	}
	return k.Run(ctx, card, req)
}

// CardTender takes one bank card payment: the customer's card through the EMV
// kernel, authorised online by the acquirer (or approved offline under the floor
// limit when the bank cannot be reached). Build one per payment with
// CardPayments.Tender; it is a Tender for Till.Pay.
type CardTender struct {
	d       *CardPayments
	stage   func(CardStage)
	chooser kernel.Chooser
}

// Tender returns a card tender that reports its stages to stage (called on the
// paying goroutine; nil ignores them).
func (d *CardPayments) Tender(stage func(CardStage)) *CardTender {
	if stage == nil {
		stage = func(CardStage) {}
	}
	return &CardTender{d: d, stage: stage}
}

// WithChooser makes the tender ask ch which application to use when the card holds
// several the terminal accepts (a co-badged card) or one that asks for the
// cardholder's confirmation; ch reports CardChooseApp itself while it waits. Without
// one, the terminal's Chooser (or the highest-priority application) is used.
func (t *CardTender) WithChooser(ch kernel.Chooser) *CardTender {
	t.chooser = ch
	return t
}

// Method is sale.Card.
func (*CardTender) Method() sale.Method { return sale.Card }

// Pay takes req.Amount from the customer's card. The authorisation request is
// journaled as an intent before it leaves the till; a wrong PIN is asked again (up to
// the configured retries); anything in doubt is reversed and reported as an error:
// nothing is then taken. The payment's Ref carries the brand, masked card number,
// authorisation code, RRN and the batch and trace numbers.
func (t *CardTender) Pay(ctx context.Context, req PayRequest) (sale.Payment, error) {
	d := t.d
	term, err := d.terminalFor()
	if err != nil {
		return sale.Payment{}, err
	}
	if err := d.readyForSale(ctx); err != nil {
		return sale.Payment{}, err
	}
	defer d.changed()
	term.showAmount(ctx, req.Amount)
	p, err := t.take(ctx, term, req)
	term.showOutcome(ctx, err)
	term.release(d.log)
	return p, err
}

// take runs the card until the payment is approved or refused: a tap that must be
// an insert is asked again as an insert, a wrong PIN again up to the retries.
func (t *CardTender) take(ctx context.Context, term *CardTerminal, req PayRequest) (sale.Payment, error) {
	d := t.d
	contactless, wrongPINs := true, 0
	for {
		if contactless {
			t.stage(CardPresent)
		} else {
			t.stage(CardInsert)
		}
		card, iface, err := term.Cards.PresentCard(ctx, contactless)
		if err != nil {
			return sale.Payment{}, fmt.Errorf("card reader: %w", err)
		}
		t.stage(CardReading)
		auth := &cardAuthorisation{authAttempt: authAttempt{d: d, saleID: req.SaleID, amount: req.Amount}, iface: iface, stage: t.stage}
		kreq := kernel.Request{Amount: int64(req.Amount), Type: kernel.TypePurchase, Interface: iface}
		res, kerr := term.run(ctx, card, kreq, auth, t.stage, t.chosen())
		p, err := auth.conclude(res, kerr)
		switch {
		case err == nil:
			t.stage(CardApproved)
			return p, nil
		case errors.Is(err, errTryAnotherInterface) && contactless:
			contactless = false
			continue
		case wrongPIN(err) && wrongPINs < d.opt.Config.PINRetries:
			wrongPINs++
			t.stage(CardWrongPIN)
			continue
		}
		t.stage(CardDeclined)
		return sale.Payment{}, err
	}
}

// chosen is the tender's chooser, reporting CardChooseApp while the cardholder
// chooses and CardReading once they have.
func (t *CardTender) chosen() kernel.Chooser {
	if t.chooser == nil {
		return nil
	}
	return func(ctx context.Context, candidates []kernel.Candidate) (int, error) {
		t.stage(CardChooseApp)
		defer t.stage(CardReading)
		return t.chooser(ctx, candidates)
	}
}

var errTryAnotherInterface = errors.New("contactless not possible: insert the card")

// ErrCardTerminated says the card transaction ended before a decision (card removed,
// card error, cancelled) with nothing sent to the bank: nothing was taken.
var ErrCardTerminated = errors.New("the card transaction ended before a decision: nothing was taken")

func init() { cardErrorKeys[ErrCardTerminated] = "card.err.terminated" }

// wrongPIN reports a decline for a wrong PIN (55).
func wrongPIN(err error) bool {
	var de *CardDeclinedError
	return errors.As(err, &de) && de.Code.Code == "55"
}

// conclude turns the kernel's result and what happened online into a payment or an
// error, reversing an approval the till cannot keep.
func (a *cardAuthorisation) conclude(res *kernel.Result, kerr error) (sale.Payment, error) {
	d, in := a.d, a.intent
	if res == nil {
		res = &kernel.Result{Reason: fmt.Sprint(kerr)}
	}
	defer res.ClearCardData()
	if err := a.refusal(res.ReversalData); err != nil {
		return sale.Payment{}, err
	}
	switch {
	case in != nil: // approved by the host
		if kerr == nil && res.Outcome == kernel.ApprovedOnline {
			return d.approvedPayment(in, sale.Card, func(ref cardRef) CardReceipt { return cardReceiptOf(res, ref, false) }, res.ReversalData)
		}
		reason, why, cause := reasonOther, "the card declined after the bank approved", ErrCardLateDecline
		if kerr != nil || res.Outcome == kernel.Terminated {
			reason, why, cause = reasonTerminalFault, "the card transaction did not complete after the bank approved", ErrCardRemoved
		}
		if err := d.reverse(in, reason, why, res.ReversalData); err != nil {
			return sale.Payment{}, err
		}
		return sale.Payment{}, fmt.Errorf("%w (%s)", cause, res.Reason)
	case kerr != nil:
		return sale.Payment{}, fmt.Errorf("%w: %w", ErrCardTerminated, kerr)
	}
	switch res.Outcome {
	case kernel.ApprovedOffline, kernel.ApprovedUnableOnline:
		return d.offlineApproval(a, res)
	case kernel.TryAnotherInterface:
		return sale.Payment{}, errTryAnotherInterface
	}
	if a.linkErr != nil { // unable to go online and the card declined: say why
		return sale.Payment{}, a.linkErr
	}
	return sale.Payment{}, &CardDeclinedError{Offline: true, Reason: res.Reason}
}

// readyForSale is what a card sale needs first: the start-up resolution done, every
// reversal acknowledged (a terminal reverses before its next transaction), and a
// sign-on (tried; a failure is left to the sale to report).
func (d *CardPayments) readyForSale(ctx context.Context) error {
	if err := d.salesGate(); err != nil {
		return err
	}
	d.stateMu.Lock()
	settling := d.settling
	d.stateMu.Unlock()
	if settling {
		return ErrCardSettling
	}
	if n := d.flushReversals(ctx, true); n > 0 {
		return fmt.Errorf("%w (%d)", ErrReversalPending, n)
	}
	if !d.signedOn.Load() {
		if err := d.SignOn(ctx, ""); err != nil {
			d.log.Warn("sign-on before a sale failed", "err", err)
		}
	}
	return nil
}

// offlineApproval keeps an approval the card gave without the bank: under the offline
// limit it is stored as an advice (held until the sale completes, then sent).
func (d *CardPayments) offlineApproval(a *cardAuthorisation, res *kernel.Result) (sale.Payment, error) {
	if a.amount > money.Amount(d.opt.Config.OfflineLimitFen) || d.opt.Seal == nil {
		if a.linkErr != nil {
			return sale.Payment{}, fmt.Errorf("%w: %w", ErrOfflineLimit, a.linkErr)
		}
		return sale.Payment{}, ErrOfflineLimit
	}
	adv, err := d.storeAdvice(a, res)
	if err != nil {
		return sale.Payment{}, err
	}
	ref := cardRef{Brand: adv.Card.Brand, MaskedPAN: adv.Card.MaskedPAN, AuthCode: adv.AuthCode, Batch: adv.Batch, STAN: adv.STAN, Date: adv.Created.Format("0102")}
	d.log.Info("card payment approved offline", "sale", a.saleID, "card", adv.Card.MaskedPAN, "amount", a.amount.Plain(), "id", adv.ID)
	return sale.Payment{Method: sale.Card, Amount: a.amount, Ref: ref.String(), At: d.opt.Now().UTC()}, nil
}

// stagedPINPad reports CardEnterPIN before the PIN pad asks for the PIN.
func stagedPINPad(p kernel.PINPad, stage func(CardStage)) kernel.PINPad {
	sp := pinPadStage{pad: p, stage: stage}
	if off, ok := p.(kernel.OfflinePINPad); ok {
		return offlinePINPadStage{pinPadStage: sp, off: off}
	}
	return sp
}

type pinPadStage struct {
	pad   kernel.PINPad
	stage func(CardStage)
}

func (p pinPadStage) OnlinePIN(ctx context.Context, req kernel.PINRequest) (kernel.EncipheredPIN, error) {
	p.stage(CardEnterPIN)
	defer p.stage(CardReading)
	return p.pad.OnlinePIN(ctx, req)
}

type offlinePINPadStage struct {
	pinPadStage
	off kernel.OfflinePINPad
}

func (p offlinePINPadStage) VerifyOfflinePIN(ctx context.Context, card kernel.Card, req kernel.PINRequest) (kernel.StatusWord, error) {
	p.stage(CardEnterPIN)
	defer p.stage(CardReading)
	return p.off.VerifyOfflinePIN(ctx, card, req)
}
