package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/receipt"
	"tilldesk/core/refund"
	"tilldesk/core/sale"
)

// Errors the refund use case refuses with (core/refund adds the arithmetic ones:
// refund.ErrOverRefund, refund.ErrCancelled, refund.ErrNothing, ...).
var (
	ErrNotASale      = errors.New("no completed sale with that receipt number")
	ErrRefundAudit   = errors.New("a refund needs its ID, the operator, a manager's approval and a reason from the list")
	ErrNoRefunder    = errors.New("this tender cannot refund yet")
	ErrRefundIDReuse = errors.New("this refund ID was already used for another sale")
	// ErrRefundInDoubt wraps a failure after a tender was asked to pay back (it failed,
	// possibly after paying, or the journal failed after the tenders paid): retry the
	// same request with the same ID, which pays nothing twice; a changed one is refused.
	ErrRefundInDoubt = errors.New("the refund may be partly paid back: retry it unchanged")
)

// Where issued refund IDs are kept: state bucket "counters", key "refund/<ID>", value
// {"original_seq": N}, written in the same transaction as the refund's record, so a
// retry with the same ID finds the refund done and does not pay it back twice. Other
// users of "counters" must skip keys with this prefix.
const (
	refundIDBucket = "counters"
	refundIDPrefix = "refund/"
)

// TenderRefunder pays part of a refund back through one tender method. Cash is built
// in (CashRefunder); card, wallet and prepaid tenders register their own.
type TenderRefunder interface {
	// Method names the tender it refunds.
	Method() sale.Method
	// Refund pays req.Amount back to the original payment and returns the tender's
	// reference for it (a refund trade number, an authorisation code). It must be
	// idempotent by req.Key: a retry with the same key returns the first outcome and
	// never pays back twice, because a refund whose record could not be journaled, or
	// whose later tender failed, is retried with the same refund ID.
	Refund(ctx context.Context, req TenderRefundRequest) (ref string, err error)
}

// TenderRefundRequest is what a TenderRefunder is asked to pay back.
type TenderRefundRequest struct {
	Key             string // idempotency key: "<refund ID>/<method>/<original ref>"
	RefundID        string
	OriginalReceipt string
	Method          sale.Method
	Amount          money.Amount // positive fen
	OriginalRef     string       // the original payment's Ref (masked PAN, trade number)
}

// CashRefunder refunds cash: the cashier hands it out of the drawer, which Refunds
// opens through the receipt printer once the refund is journaled (never before, so
// no cash leaves the drawer for a refund that is not on record).
type CashRefunder struct{}

// Method is sale.Cash.
func (CashRefunder) Method() sale.Method { return sale.Cash }

// Refund always succeeds: there is nothing to ask of anyone.
func (CashRefunder) Refund(context.Context, TenderRefundRequest) (string, error) { return "", nil }

// RefundsOptions configure NewRefunds.
type RefundsOptions struct {
	Now func() time.Time // clock for refund IDs; the till's clock when nil
	Log *slog.Logger     // the till's logger when nil
	// Language ("zh" or "en") and Labels (the receipt's words, as for Till.Rows) print
	// refund receipts; nil Labels print the keys.
	Language string
	Labels   receipt.Labels
	// Gate must pass before anything is refunded (terminal registered, shift open);
	// its error is returned as is. Nil means the till's sales gates, Till.SalesAllowed.
	Gate func() error
}

// Refunds is the refund use case: find a completed sale in the journal, work out what
// may still be refunded, pay it back through the original tenders, journal ONE
// "refund" record (see core/refund) and print a refund receipt. It is safe for
// concurrent use; refunds run one at a time.
type Refunds struct {
	till *Till
	opt  RefundsOptions
	log  *slog.Logger

	mu        sync.Mutex               // serialises Refund: check, pay back, journal
	inDoubt   map[string]refund.Refund // refunds by ID that failed after paying out began
	refMu     sync.RWMutex
	refunders map[sale.Method]TenderRefunder
}

// NewRefunds builds the refund use case over the till's journal, config and printer,
// with the cash refunder registered.
func NewRefunds(till *Till, opt RefundsOptions) *Refunds {
	if opt.Now == nil {
		opt.Now = till.now
	}
	if opt.Labels == nil {
		opt.Labels = func(k string) string { return k }
	}
	if opt.Gate == nil {
		opt.Gate = till.SalesAllowed
	}
	log := opt.Log
	if log == nil {
		log = till.log
	}
	r := &Refunds{till: till, opt: opt, log: log.With("use", "refunds"), refunders: map[sale.Method]TenderRefunder{},
		inDoubt: map[string]refund.Refund{}}
	r.Register(CashRefunder{})
	return r
}

// Register adds (or replaces) the refunder of a tender method.
func (r *Refunds) Register(tr TenderRefunder) {
	r.refMu.Lock()
	r.refunders[tr.Method()] = tr
	r.refMu.Unlock()
}

func (r *Refunds) refunder(m sale.Method) TenderRefunder {
	r.refMu.RLock()
	defer r.refMu.RUnlock()
	return r.refunders[m]
}

// NewID returns a fresh refund ID. Take one when the cashier starts a refund and keep
// it for retries of that refund.
func (r *Refunds) NewID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return fmt.Sprintf("%s-R%s-%s", r.till.cfg.Terminal.ID, r.opt.Now().UTC().Format("20060102T150405"), hex.EncodeToString(b[:]))
}

// SaleRefunds is a completed sale with its refunds so far and what remains refundable.
type SaleRefunds struct {
	Receipt  *Receipt // the sale, its receipt number and time
	Seq      uint64   // its journal record
	Prior    []refund.Refund
	Position *refund.Position
}

// Load finds the sale with receipt number (or just its digits) and its refunds so far.
// A cancelled sale loads with its refusal (refund.ErrCancelled).
func (r *Refunds) Load(number string) (*SaleRefunds, error) {
	seq, err := r.till.receiptSeq(number)
	if err != nil {
		return nil, err
	}
	rec, err := r.till.journal.Get(seq)
	if err != nil {
		return nil, fmt.Errorf("receipt %s: %w (%v)", number, ErrNotASale, err)
	}
	s, err := decodeSale(rec)
	if err != nil {
		return nil, err
	}
	prior, err := r.till.refundsOf(seq)
	if err != nil {
		return nil, err
	}
	pos, err := refund.Compute(s, prior)
	if err != nil {
		return nil, err
	}
	return &SaleRefunds{Receipt: &Receipt{Sale: s, Number: r.till.receiptNumber(seq), Time: rec.Time}, Seq: seq, Prior: prior, Position: pos}, nil
}

// RefundResult is a refund done (or found done, on a retry).
type RefundResult struct {
	Refund   refund.Refund
	Number   string // the refund's own receipt number, "<terminal>-<seq>"
	Seq      uint64 // its journal record
	Time     time.Time
	Original *sale.Sale // the sale refunded
	// Replayed says the refund ID had been done before: nothing was paid back again,
	// and nothing was printed.
	Replayed bool
	// PaperErr is what went wrong opening the drawer or printing after the refund was
	// journaled (ErrNoPrinter with no printer). The refund stands; reprint it.
	PaperErr error
}

// Refund pays back req against the sale with receipt number, through each original
// tender's refunder, then journals one "refund" record with the operator, the manager
// who approved it and the reason code (one of refund.Reasons), and prints a refund
// receipt. A retry with the same req.ID returns the refund already done. Over-refunds,
// refunds of cancelled sales and zero refunds are refused before anything is paid.
func (r *Refunds) Refund(ctx context.Context, number string, req refund.Request, operator, approvedBy, reason string) (*RefundResult, error) {
	if req.ID == "" || operator == "" || approvedBy == "" || !refund.ValidReason(reason) {
		r.log.Warn("refund refused", "receipt", number, "id", req.ID, "operator", operator, "approved_by", approvedBy, "reason", reason, "err", ErrRefundAudit)
		return nil, fmt.Errorf("refund of %s (id %q, operator %q, approved by %q, reason %q): %w", number, req.ID, operator, approvedBy, reason, ErrRefundAudit)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if res, err := r.replay(number, req.ID); res != nil || err != nil {
		return res, err
	}
	if err := r.opt.Gate(); err != nil {
		r.log.Warn("refund refused", "receipt", number, "id", req.ID, "operator", operator, "err", err)
		return nil, err
	}
	sr, err := r.Load(number)
	if err != nil {
		r.log.Warn("refund refused", "receipt", number, "id", req.ID, "operator", operator, "err", err)
		return nil, err
	}
	plan, err := sr.Position.Plan(req)
	if err == nil {
		err = CheckRefund(sr.Receipt.Sale, req) // a prepaid card sold is not refunded like goods
	}
	if err != nil {
		r.log.Warn("refund refused", "receipt", sr.Receipt.Number, "id", req.ID, "operator", operator, "err", err)
		return nil, err
	}
	plan.OriginalReceipt, plan.OriginalSeq = sr.Receipt.Number, sr.Seq
	plan.Operator, plan.ApprovedBy, plan.Reason = operator, approvedBy, reason
	if prev, ok := r.inDoubt[plan.ID]; ok && !samePayout(prev, plan) {
		return nil, fmt.Errorf("refund %s changed after a failure (%s, was %s): %w", plan.ID, plan.Total, prev.Total, ErrRefundInDoubt)
	}
	if err := r.payBack(ctx, &plan); err != nil {
		return nil, err
	}
	marker, _ := json.Marshal(map[string]uint64{"original_seq": sr.Seq})
	rec, err := r.till.journal.AppendWith(refund.Kind, plan,
		journal.StateChange{Bucket: refundIDBucket, Key: refundIDPrefix + plan.ID, Value: marker})
	if err != nil {
		r.log.Error("refund paid back but not journaled: retry with the same ID", "id", plan.ID, "receipt", plan.OriginalReceipt, "amount", plan.Total.Plain(), "err", err)
		r.inDoubt[plan.ID] = plan
		return nil, fmt.Errorf("%w: %w", ErrRefundInDoubt, r.till.notRecorded("refund", err))
	}
	delete(r.inDoubt, plan.ID)
	res := &RefundResult{Refund: plan, Number: r.till.receiptNumber(rec.Seq), Seq: rec.Seq, Time: rec.Time, Original: sr.Receipt.Sale}
	r.log.Info("refund completed", "refund", res.Number, "id", plan.ID, "original", plan.OriginalReceipt, "amount", plan.Total.Plain(),
		"method", plan.Method, "full", plan.Full, "operator", operator, "approved_by", approvedBy, "reason", reason)
	res.PaperErr = r.paperwork(ctx, res)
	return res, nil
}

// payBack asks each tender's refunder for its part: the ones that can fail (online
// tenders) first, cash last, and every refunder is checked to exist before any is
// called. The tenders' references go into plan.
func (r *Refunds) payBack(ctx context.Context, plan *refund.Refund) error {
	order := make([]int, len(plan.Tenders))
	for i := range order {
		order[i] = i
		if r.refunder(plan.Tenders[i].Method) == nil {
			return fmt.Errorf("refund of %s to %s: %w", plan.Tenders[i].Amount, plan.Tenders[i].Method, ErrNoRefunder)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return boolInt(plan.Tenders[a].Method == sale.Cash) - boolInt(plan.Tenders[b].Method == sale.Cash)
	})
	for n, i := range order {
		t := &plan.Tenders[i]
		ref, err := r.refunder(t.Method).Refund(ctx, TenderRefundRequest{
			Key: plan.ID + "/" + string(t.Method) + "/" + t.OriginalRef, RefundID: plan.ID, OriginalReceipt: plan.OriginalReceipt,
			Method: t.Method, Amount: t.Amount, OriginalRef: t.OriginalRef,
		})
		if err != nil {
			if n > 0 {
				r.log.Error("refund partly paid back: retry with the same ID to finish", "id", plan.ID, "receipt", plan.OriginalReceipt, "failed", t.Method, "err", err)
			}
			// Even the first tender may have paid before failing (a timeout), so the
			// refund is pinned: its retry must ask the same.
			r.inDoubt[plan.ID] = *plan
			return fmt.Errorf("refund %s: %s refund of %s: %w: %w", plan.ID, t.Method, t.Amount, ErrRefundInDoubt, err)
		}
		t.Ref = ref
	}
	return nil
}

// samePayout reports whether two plans of one refund pay the same back the same way.
func samePayout(a, b refund.Refund) bool {
	strip := func(ts []refund.TenderRefund) []refund.TenderRefund {
		out := slices.Clone(ts)
		for i := range out {
			out[i].Ref = ""
		}
		return out
	}
	return slices.Equal(a.Lines, b.Lines) && slices.Equal(strip(a.Tenders), strip(b.Tenders))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// replay returns the refund already journaled under id, or nil when there is none.
func (r *Refunds) replay(number, id string) (*RefundResult, error) {
	marker, err := r.till.journal.GetState(refundIDBucket, refundIDPrefix+id)
	if err != nil || marker == nil {
		return nil, err
	}
	var found *journal.Record
	err = r.till.journal.Each(journal.Filter{Kind: refund.Kind}, func(rec journal.Record) error {
		var head struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(rec.Data, &head) == nil && head.ID == id {
			found = &rec
			return journal.ErrStop
		}
		return nil
	})
	if err == nil && found == nil {
		err = fmt.Errorf("refund %s is marked done but its record is missing: %w", id, refund.ErrInconsistent)
	}
	if err != nil {
		return nil, err
	}
	// Read the original sale only now: bbolt read transactions must not nest.
	done, err := r.till.refundResult(*found)
	if err != nil {
		return nil, err
	}
	if seq, err := r.till.receiptSeq(number); err != nil || seq != done.Refund.OriginalSeq {
		return nil, fmt.Errorf("refund %s was for %s, not %s: %w", id, done.Refund.OriginalReceipt, number, ErrRefundIDReuse)
	}
	done.Replayed = true
	r.log.Info("refund retried: already done", "refund", done.Number, "id", id)
	return done, nil
}

// paperwork opens the drawer when cash goes back and prints the refund receipt. It runs
// after the refund is journaled and never undoes it.
func (r *Refunds) paperwork(ctx context.Context, res *RefundResult) error {
	p := r.till.currentPrinter()
	if p == nil {
		return ErrNoPrinter
	}
	var errs []error
	if slices.ContainsFunc(res.Refund.Tenders, func(t refund.TenderRefund) bool { return t.Method == sale.Cash }) {
		if err := p.OpenDrawer(ctx); err != nil {
			r.log.Warn("cash drawer did not open for a refund", "refund", res.Number, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(append(errs, r.Print(ctx, res))...)
}

// Print prints (or reprints) a refund receipt in the configured language.
func (r *Refunds) Print(ctx context.Context, res *RefundResult) error {
	p := r.till.currentPrinter()
	if p == nil {
		return ErrNoPrinter
	}
	if err := p.PrintReceipt(ctx, r.till.RefundRows(res, r.opt.Language, r.opt.Labels), res.Number); err != nil {
		r.log.Warn("refund receipt not printed", "refund", res.Number, "err", err)
		return err
	}
	return nil
}

// RefundRows lays out a refund receipt (negative amounts) in language with labels.
func (t *Till) RefundRows(res *RefundResult, language string, tr receipt.Labels) []receipt.Row {
	return refund.Rows(res.Refund, res.Original, t.receiptHeader(res.Number, res.Time, language), language, tr)
}

// receiptHeader is the store and terminal part of a receipt.
func (t *Till) receiptHeader(number string, at time.Time, language string) receipt.Header {
	store := t.cfg.Store.NameEN
	if language == "zh" {
		store = t.cfg.Store.NameZH
	}
	return receipt.Header{StoreName: store, Address: t.cfg.Store.Address, Phone: t.cfg.Store.Phone,
		MerchantID: t.cfg.Terminal.MerchantID, Terminal: t.cfg.Terminal.ID,
		Number: number, Time: at.Local(), Footer: t.cfg.Receipt.Footer}
}

// receiptSeq reads a receipt number ("DEMO0001-00000012") or its digits ("12") as the
// sequence number of its journal record.
func (t *Till) receiptSeq(number string) (uint64, error) {
	digits := strings.TrimSpace(number)
	if term, rest, ok := strings.Cut(digits, "-"); ok {
		if !strings.EqualFold(term, t.cfg.Terminal.ID) {
			return 0, fmt.Errorf("receipt %s is from terminal %s, this is %s: %w", number, term, t.cfg.Terminal.ID, ErrNotASale)
		}
		digits = rest
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || seq == 0 {
		return 0, fmt.Errorf("receipt %q: %w", number, ErrNotASale)
	}
	return seq, nil
}

// saleData is the part of a sale record the refund and browse use cases read.
type saleData struct {
	Sale   sale.Sale   `json:"sale"`
	Totals totalsBrief `json:"totals"`
}

// decodeSale reads the sale of a sale.completed (or sale.cancelled) record and checks
// that this build computes the same total the till journaled.
func decodeSale(rec journal.Record) (*sale.Sale, error) {
	if rec.Kind != journal.KindSaleCompleted && rec.Kind != journal.KindSaleCancelled {
		return nil, fmt.Errorf("record %d is a %s: %w", rec.Seq, rec.Kind, ErrNotASale)
	}
	var d saleData
	if err := json.Unmarshal(rec.Data, &d); err != nil {
		return nil, fmt.Errorf("record %d: sale unreadable: %w", rec.Seq, err)
	}
	if got := d.Sale.Totals().Total; got != d.Totals.Total {
		return nil, fmt.Errorf("record %d: sale totals %s, journaled %s: %w", rec.Seq, got, d.Totals.Total, refund.ErrInconsistent)
	}
	return &d.Sale, nil
}

// refundsOf returns the refunds journaled against the sale in record seq, oldest first.
// Every refund record is read (not only those after the sale): a clock set back must
// not hide a refund.
func (t *Till) refundsOf(seq uint64) ([]refund.Refund, error) {
	var out []refund.Refund
	err := t.journal.Each(journal.Filter{Kind: refund.Kind}, func(rec journal.Record) error {
		var rf refund.Refund
		if err := json.Unmarshal(rec.Data, &rf); err != nil {
			return fmt.Errorf("refund record %d unreadable: %w", rec.Seq, err)
		}
		if rf.OriginalSeq == seq {
			out = append(out, rf)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("refunds of record %d: %w", seq, err)
	}
	return out, nil
}

// refundResult rebuilds a RefundResult from its journal record and the original sale.
func (t *Till) refundResult(rec journal.Record) (*RefundResult, error) { return refundResultIn(t, rec) }
