package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"tilldesk/core/catalog"
	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/receipt"
	"tilldesk/core/sale"
)

// ErrNotRecorded wraps a journal failure: the action did not happen, nothing was lost,
// and the cashier may retry once the disk is fixed.
var ErrNotRecorded = errors.New("could not be recorded in the journal")

// Till is the checkout use case: one sale at a time, scanned, paid, journaled. It is not
// safe for concurrent use; the cashier screen drives it from the UI goroutine.
type Till struct {
	cfg     Config
	journal *journal.Journal
	catalog *catalog.Catalog
	now     func() time.Time
	log     *slog.Logger
	current *sale.Sale
	counter int
	problem error // set when the journal failed its start-up check
	// catalogSkipped counts catalog rows refused at start-up (each one is logged).
	catalogSkipped int
	printer        printerSlot
	gates          []func() error   // checks before selling (registration, open shift)
	reversers      reversers        // how each tender gives a payment back (paidvoid.go)
	completions    []SaleCompletion // state committed with a completed sale (completion.go)
	details        receiptDetails   // rows under a payment on its receipt (card_receipt.go)
}

// AddSalesGate installs a check that must pass before an item is sold or a payment is
// taken: the terminal is registered, a shift is open. The first failing gate's error
// is returned to the cashier.
func (t *Till) AddSalesGate(gate func() error) { t.gates = append(t.gates, gate) }

// SalesAllowed runs the sales gates; nil means the till may sell.
func (t *Till) SalesAllowed() error {
	for _, g := range t.gates {
		if err := g(); err != nil {
			return err
		}
	}
	return nil
}

// CatalogSkipped is the number of catalog file rows refused at start-up.
func (t *Till) CatalogSkipped() int { return t.catalogSkipped }

// CheckJournal verifies the journal's hash chain (at start-up) and remembers the result
// for the status bar. A broken chain is reported loudly but does not stop trading: the
// records before the break are intact, and a technician must look at the file.
func (t *Till) CheckJournal() error {
	res, err := t.journal.Verify()
	t.problem = err
	if err != nil {
		t.log.Error("journal chain check failed", "err", err)
		return err
	}
	t.log.Info("journal chain verified", "records", res.Records)
	return nil
}

// JournalProblem is the last start-up check's failure, or nil.
func (t *Till) JournalProblem() error { return t.problem }

// NewTill builds a till over an open journal and a catalog.
func NewTill(cfg Config, j *journal.Journal, cat *catalog.Catalog, now func() time.Time, log *slog.Logger) *Till {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Till{cfg: cfg, journal: j, catalog: cat, now: now, log: log}
}

// Config is the till's configuration.
func (t *Till) Config() Config { return t.cfg }

// Catalog is the product catalog.
func (t *Till) Catalog() *catalog.Catalog { return t.catalog }

// Journal is the till's journal.
func (t *Till) Journal() *journal.Journal { return t.journal }

// Current returns the sale being rung up, starting one if there is none.
func (t *Till) Current() *sale.Sale {
	if t.current == nil || t.current.State != sale.Open {
		t.counter++
		id := fmt.Sprintf("%s-%s-%03d", t.cfg.Terminal.ID, t.now().UTC().Format("20060102T150405"), t.counter%1000)
		t.current = sale.New(id, t.now())
	}
	return t.current
}

// Scan adds one unit of the product with code (a counted item), or asks for a weight:
// for weighed products it returns the product and ErrNeedsWeight.
func (t *Till) Scan(code string) (catalog.Product, error) {
	if err := t.SalesAllowed(); err != nil {
		return catalog.Product{}, err
	}
	p, err := t.catalog.Lookup(code)
	if err != nil {
		return p, err
	}
	if p.Weighed {
		return p, ErrNeedsWeight
	}
	_, err = t.Current().Add(p, sale.QtyOne)
	return p, err
}

// ErrNeedsWeight says a scanned product is sold by weight; AddWeighed takes the weight.
var ErrNeedsWeight = errors.New("product is sold by weight: enter the weight in kg")

// AddWeighed adds a weighed product with its weight in grams (thousandths of a kg).
func (t *Till) AddWeighed(p catalog.Product, grams int64) error {
	_, err := t.Current().Add(p, grams)
	return err
}

// Pay takes a payment with tender toward the current sale. When the sale is then fully
// paid it is completed and committed to the journal in one durable record before Pay
// returns the receipt; until that commit succeeds, the sale stays open and unpaid.
func (t *Till) Pay(ctx context.Context, tender Tender, req PayRequest) (*Receipt, error) {
	if err := t.SalesAllowed(); err != nil {
		return nil, err
	}
	s := t.Current()
	tot := s.Totals()
	if len(tot.Lines) == 0 {
		return nil, sale.ErrEmpty
	}
	req.SaleID, req.Due = s.ID, tot.Due
	if req.Amount == 0 || req.Amount > tot.Due {
		req.Amount = tot.Due
	}
	p, err := tender.Pay(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := s.AddPayment(p); err != nil {
		return nil, t.giveBack(s.ID, p, err)
	}
	if s.Totals().Due > 0 {
		if _, err := t.journal.Append(journal.KindPayment, paymentRecord{SaleID: s.ID, Payment: p}); err != nil {
			s.Payments = s.Payments[:len(s.Payments)-1]
			return nil, t.giveBack(s.ID, p, t.notRecorded("payment", err))
		}
		return nil, nil
	}
	r, err := t.complete(s)
	if err != nil {
		s.Payments = s.Payments[:len(s.Payments)-1]
		return nil, t.giveBack(s.ID, p, err)
	}
	return r, nil
}

// giveBackTimeout bounds giving back a payment the till could not record.
const giveBackTimeout = time.Minute

// giveBack gives back, through its tender's Reverser, a payment the tender took but
// the till could not record (cause): the customer must not be charged for a sale that
// did not happen. Cash needs nothing (the cashier still holds it). A reversal that
// fails is logged; the tender's own start-up resolution gives it back later. cause is
// returned, with what happened to the payment.
func (t *Till) giveBack(saleID string, p sale.Payment, cause error) error {
	r, _ := t.reverserFor(p.Method)
	if r == nil {
		return cause
	}
	ctx, cancel := context.WithTimeout(context.Background(), giveBackTimeout)
	defer cancel()
	if err := r.Reverse(ctx, saleID, p); err != nil {
		t.log.Error("payment taken but not recorded, and not given back yet", "sale", saleID, "method", p.Method, "err", err)
		return fmt.Errorf("%w; the %s payment is given back when the till restarts (%v)", cause, p.Method, err)
	}
	t.log.Warn("payment taken but not recorded: given back", "sale", saleID, "method", p.Method, "amount", p.Amount.Plain())
	return fmt.Errorf("%w; the %s payment was given back", cause, p.Method)
}

// complete closes the fully paid sale s and commits it to the journal; until that
// commit succeeds the sale stays open.
func (t *Till) complete(s *sale.Sale) (*Receipt, error) {
	if err := s.Complete(); err != nil {
		return nil, err
	}
	tot := s.Totals()
	extras, changes, done, err := t.prepareCompletion(s)
	if err != nil {
		s.State = sale.Open
		return nil, err
	}
	rec, err := t.journal.AppendWith(journal.KindSaleCompleted, saleRecord{Sale: s, Totals: summarize(tot), Extras: extras}, changes...)
	done(err == nil)
	if err != nil {
		s.State = sale.Open
		return nil, t.notRecorded("sale", err)
	}
	t.log.Info("sale completed", "sale", s.ID, "seq", rec.Seq, "total", tot.Total.Plain(), "tenders", len(s.Payments))
	r := &Receipt{Sale: s, Number: t.receiptNumber(rec.Seq), Time: rec.Time}
	t.rememberReceipt(r)
	return r, nil
}

func (t *Till) notRecorded(what string, err error) error {
	t.log.Error("journal append failed", "what", what, "err", err)
	return fmt.Errorf("%s %w: %v", what, ErrNotRecorded, err)
}

// ReceiptNumber is a receipt's number: the terminal ID and the journal record's
// sequence number, which never repeats on one terminal (a cleared journal continues it).
func ReceiptNumber(terminal string, seq uint64) string {
	return fmt.Sprintf("%s-%08d", terminal, seq)
}

func (t *Till) receiptNumber(seq uint64) string {
	return ReceiptNumber(t.cfg.Terminal.ID, seq)
}

// Cancel abandons the current sale; a sale with items is journaled as cancelled.
func (t *Till) Cancel() error {
	s := t.Current()
	if len(s.Lines) == 0 {
		return nil
	}
	if err := s.Cancel(); err != nil {
		return err
	}
	if _, err := t.journal.Append(journal.KindSaleCancelled, saleRecord{Sale: s, Totals: summarize(s.Totals())}); err != nil {
		s.State = sale.Open
		return t.notRecorded("cancellation", err)
	}
	t.current = nil
	return nil
}

// Hold parks the current sale so the next customer can be served.
func (t *Till) Hold() error {
	s := t.Current()
	if len(s.ActiveLines()) == 0 {
		return sale.ErrEmpty
	}
	if len(s.Payments) > 0 {
		return sale.ErrPaying
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := t.journal.PutHeld(s.ID, data); err != nil {
		return t.notRecorded("hold", err)
	}
	if _, err := t.journal.Append(journal.KindSaleHeld, saleRecord{Sale: s, Totals: summarize(s.Totals())}); err != nil {
		_ = t.journal.DeleteHeld(s.ID)
		return t.notRecorded("hold", err)
	}
	t.current = nil
	return nil
}

// HeldSale is a parked sale as listed for recall.
type HeldSale struct {
	ID     string
	Opened time.Time
	Items  int64
	Total  money.Amount
}

// Held lists parked sales, oldest first.
func (t *Till) Held() ([]HeldSale, error) {
	all, err := t.journal.Held()
	if err != nil {
		return nil, err
	}
	var out []HeldSale
	for id, raw := range all {
		var s sale.Sale
		if err := json.Unmarshal(raw, &s); err != nil {
			t.log.Error("held sale unreadable", "sale", id, "err", err)
			continue
		}
		tot := s.Totals()
		out = append(out, HeldSale{ID: id, Opened: s.Opened, Items: tot.Items, Total: tot.Total})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Opened.Before(out[b].Opened) })
	return out, nil
}

// Recall brings a parked sale back. The current sale must be empty (hold it first).
func (t *Till) Recall(id string) error {
	if len(t.Current().Lines) > 0 { // voided lines too: cancel journals them first
		return ErrSaleInProgress
	}
	all, err := t.journal.Held()
	if err != nil {
		return err
	}
	raw, ok := all[id]
	if !ok {
		return fmt.Errorf("held sale %s not found", id)
	}
	var s sale.Sale
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("held sale %s unreadable: %w", id, err)
	}
	if _, err := t.journal.Append(journal.KindSaleRecalled, map[string]string{"sale_id": id}); err != nil {
		return t.notRecorded("recall", err)
	}
	if err := t.journal.DeleteHeld(id); err != nil {
		return err
	}
	t.current = &s
	return nil
}

// ErrSaleInProgress is returned when an action needs an empty cart.
var ErrSaleInProgress = errors.New("finish, hold or cancel the current sale first")

// Receipt is a completed sale ready to show or print.
type Receipt struct {
	Sale   *sale.Sale
	Number string
	Time   time.Time
}

// Rows lays the receipt out in language with the given labels.
func (t *Till) Rows(r *Receipt, language string, tr receipt.Labels) []receipt.Row {
	store := t.cfg.Store.NameEN
	if language == "zh" {
		store = t.cfg.Store.NameZH
	}
	return receipt.Build(r.Sale, receipt.Header{
		StoreName: store, Address: t.cfg.Store.Address, Phone: t.cfg.Store.Phone,
		MerchantID: t.cfg.Terminal.MerchantID, Terminal: t.cfg.Terminal.ID,
		Number: r.Number, Time: r.Time.Local(), Footer: t.cfg.Receipt.Footer,
		PaymentDetails: t.details.of(r, tr),
	}, language, tr)
}

type paymentRecord struct {
	SaleID  string       `json:"sale_id"`
	Payment sale.Payment `json:"payment"`
}

// saleRecord is the journal form of a sale: the sale itself plus its totals, so exports
// and reports need not recompute them.
type saleRecord struct {
	Sale   *sale.Sale  `json:"sale"`
	Totals totalsBrief `json:"totals"`
	// Extras are what features committed with the completed sale (SaleCompletion).
	Extras map[string]any `json:"extras,omitempty"`
}

type totalsBrief struct {
	Items    int64        `json:"items"`
	Subtotal money.Amount `json:"subtotal"`
	Discount money.Amount `json:"discount"`
	Total    money.Amount `json:"total"`
	Tax      money.Amount `json:"tax"`
	Paid     money.Amount `json:"paid"`
	Change   money.Amount `json:"change"`
}

func summarize(t sale.Totals) totalsBrief {
	return totalsBrief{Items: t.Items, Subtotal: t.Subtotal, Discount: t.LineDiscounts + t.OrderDiscount,
		Total: t.Total, Tax: t.Tax, Paid: t.Paid, Change: t.Change}
}
