package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
	"tilldesk/core/reports"
)

// Errors of the shift and report use case.
var (
	ErrShiftOpen   = errors.New("a shift is open")
	ErrNoShift     = errors.New("no shift is open")
	ErrNoOperator  = errors.New("no operator given")
	ErrCashAmount  = errors.New("invalid cash amount")
	ErrNoReason    = errors.New("a reason is required")
	ErrDrawerShort = errors.New("the drawer should not hold that much cash")
	ErrZDone       = errors.New("a Z report was already taken for this period: nothing has been recorded since")
	ErrNoSuchZ     = errors.New("no such Z report")
)

// State keys (journal state buckets "shift" and "counters").
const (
	stateShift    = "shift"
	keyCurrent    = "current" // the open shift (JSON Shift); absent when none is open
	stateCounters = "counters"
	keyZ          = "z"     // the last Z report's number (decimal)
	keyZSeq       = "z_seq" // the last journal record the last Z report covered (decimal)
)

// Shift is an open shift, as kept in the journal's state.
type Shift struct {
	ID       string       `json:"id"`
	Operator string       `json:"operator"`
	Opened   time.Time    `json:"opened"`
	Float    money.Amount `json:"float"`
	// AfterSeq is the last journal record before the shift opened: the shift's records
	// are the ones after it.
	AfterSeq uint64 `json:"after_seq"`
}

// ShiftOptions configure NewShifts.
type ShiftOptions struct {
	Now       func() time.Time // clock; the till's when nil
	Log       *slog.Logger     // the till's when nil
	ReportDir string           // where ExportFile writes CSV files: ReportDir(paths)
}

// Shifts is the shift and report use case over the till's journal: open a shift with a
// float, record cash put in and taken out, close it by counting the drawer, and take X
// reports (the open shift so far) and Z reports (end of day, numbered). Every change is
// a journal record committed in one transaction with the state it changes. It is safe
// for concurrent use; operators are identified by their ID.
type Shifts struct {
	till      *Till
	now       func() time.Time
	log       *slog.Logger
	reportDir string
	mu        sync.Mutex // serialises each read-then-append sequence
}

// NewShifts builds the shift use case for till.
func NewShifts(till *Till, opt ShiftOptions) *Shifts {
	if opt.Now == nil {
		opt.Now = till.now
	}
	if opt.Log == nil {
		opt.Log = till.log
	}
	return &Shifts{till: till, now: opt.Now, log: opt.Log.With("use", "shifts"), reportDir: opt.ReportDir}
}

// Current returns the open shift, or nil when none is open.
func (s *Shifts) Current() (*Shift, error) {
	raw, err := s.till.Journal().GetState(stateShift, keyCurrent)
	if err != nil || raw == nil {
		return nil, err
	}
	var sh Shift
	if err := json.Unmarshal(raw, &sh); err != nil {
		return nil, fmt.Errorf("shift: current shift unreadable: %w", err)
	}
	return &sh, nil
}

// Closed is the precondition for deregistering the terminal: nil when no shift is
// open, else an error (wrapping ErrShiftOpen) saying which shift is open.
func (s *Shifts) Closed() error {
	cur, err := s.Current()
	if err != nil {
		return err
	}
	if cur != nil {
		return openError(cur)
	}
	return nil
}

// SalesGate is the till's sales gate (Till.AddSalesGate): nil while a shift is open,
// else ErrNoShift.
func (s *Shifts) SalesGate() error {
	_, err := s.current()
	return err
}

func openError(cur *Shift) error {
	return fmt.Errorf("%w: shift %s, opened by %s at %s", ErrShiftOpen, cur.ID, cur.Operator, cur.Opened.Local().Format("2006-01-02 15:04"))
}

// current returns the open shift or ErrNoShift.
func (s *Shifts) current() (*Shift, error) {
	cur, err := s.Current()
	if err == nil && cur == nil {
		err = ErrNoShift
	}
	return cur, err
}

func checkOperator(operator string) error {
	if strings.TrimSpace(operator) == "" {
		return ErrNoOperator
	}
	return nil
}

func checkCash(a money.Amount, zeroOK bool) error {
	if a < 0 || a > money.MaxAmount || (a == 0 && !zeroOK) {
		return fmt.Errorf("%s: %w", a, ErrCashAmount)
	}
	return nil
}

// Open opens a shift for operator with float in the drawer. It is refused while a
// shift is open.
func (s *Shifts) Open(operator string, float money.Amount) (Shift, error) {
	if err := errors.Join(checkOperator(operator), checkCash(float, true)); err != nil {
		return Shift{}, fmt.Errorf("open shift: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.Current()
	if err != nil {
		return Shift{}, fmt.Errorf("open shift: %w", err)
	}
	if cur != nil {
		return Shift{}, fmt.Errorf("open shift: %w", openError(cur))
	}
	after, err := s.till.Journal().LastSeq()
	if err != nil {
		return Shift{}, fmt.Errorf("open shift: %w", err)
	}
	now := s.now().UTC()
	sh := Shift{ID: fmt.Sprintf("%s-S%s", s.till.cfg.Terminal.ID, now.Format("20060102T150405")),
		Operator: operator, Opened: now, Float: float, AfterSeq: after}
	state, err := json.Marshal(sh)
	if err != nil {
		return Shift{}, fmt.Errorf("open shift: %w", err)
	}
	rec, err := s.till.Journal().AppendWith(reports.KindShiftOpened, reports.ShiftOpened{Shift: sh.ID, Operator: operator, Float: float},
		journal.StateChange{Bucket: stateShift, Key: keyCurrent, Value: state})
	if err != nil {
		return Shift{}, s.till.notRecorded("shift opening", err)
	}
	s.log.Info("shift opened", "shift", sh.ID, "operator", operator, "float", float.Plain(), "seq", rec.Seq)
	return sh, nil
}

// CashMovement records cash put into (in) or taken out of the drawer during the open
// shift, with the reason. Taking out more than the drawer should hold is refused.
func (s *Shifts) CashMovement(operator string, in bool, amount money.Amount, reason string) error {
	kind, what := reports.KindCashOut, "cash out"
	if in {
		kind, what = reports.KindCashIn, "cash in"
	}
	reason = strings.TrimSpace(reason)
	err := errors.Join(checkOperator(operator), checkCash(amount, false))
	if reason == "" {
		err = errors.Join(err, ErrNoReason)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.current()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !in {
		rep, err := s.shiftReport(cur, s.now(), 0)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if amount > rep.Drawer.Expected {
			return fmt.Errorf("%s of %s with %s expected: %w", what, amount, rep.Drawer.Expected, ErrDrawerShort)
		}
	}
	rec, err := s.till.Journal().Append(kind, reports.CashMovement{Shift: cur.ID, Operator: operator, Amount: amount, Reason: reason})
	if err != nil {
		return s.till.notRecorded(what, err)
	}
	s.log.Info("drawer "+what, "shift", cur.ID, "operator", operator, "amount", amount.Plain(), "reason", reason, "seq", rec.Seq)
	return nil
}

// Closing is a closed shift: the close as journaled, and the shift's final report.
type Closing struct {
	Closed reports.ShiftClosed
	Report reports.Report // an X report of the whole shift, the count included
}

// Close closes the open shift with the drawer counted by denomination: it journals
// what was expected, what was counted and the difference (negative: short).
func (s *Shifts) Close(operator string, counted reports.Count) (Closing, error) {
	if err := errors.Join(checkOperator(operator), counted.Check()); err != nil {
		return Closing{}, fmt.Errorf("close shift: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.current()
	if err != nil {
		return Closing{}, fmt.Errorf("close shift: %w", err)
	}
	now := s.now()
	rep, err := s.shiftReport(cur, now, 0)
	if err != nil {
		return Closing{}, fmt.Errorf("close shift: %w", err)
	}
	total := counted.Total()
	data := reports.ShiftClosed{Shift: cur.ID, Operator: operator, OpenedBy: cur.Operator,
		Expected: rep.Drawer.Expected, Counted: total, Difference: total - rep.Drawer.Expected, Count: maps.Clone(counted)}
	rec, err := s.till.Journal().AppendWith(reports.KindShiftClosed, data, journal.StateChange{Bucket: stateShift, Key: keyCurrent})
	if err != nil {
		return Closing{}, s.till.notRecorded("shift closing", err)
	}
	s.log.Info("shift closed", "shift", cur.ID, "operator", operator, "expected", data.Expected.Plain(),
		"counted", total.Plain(), "difference", data.Difference.Plain(), "seq", rec.Seq)
	final, err := s.shiftReport(cur, now, rec.Seq)
	if err != nil { // the close is committed; only its report could not be read back
		return Closing{Closed: data}, fmt.Errorf("shift closed, but its report: %w", err)
	}
	return Closing{Closed: data, Report: final}, nil
}

// XReport reports the open shift from its opening to now. It changes nothing.
func (s *Shifts) XReport(now time.Time) (reports.Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rep, _, err := s.xReport(now)
	return rep, err
}

// xReport is the open shift's report up to now, and the shift; s.mu held.
func (s *Shifts) xReport(now time.Time) (reports.Report, *Shift, error) {
	cur, err := s.current()
	if err != nil {
		return reports.Report{}, cur, fmt.Errorf("x report: %w", err)
	}
	rep, err := s.shiftReport(cur, now, 0)
	if err != nil {
		return reports.Report{}, cur, fmt.Errorf("x report: %w", err)
	}
	return rep, cur, nil
}

// XTaken is the journal record of an X report a manager took: who, of which shift, and
// the figures they saw, so the audit shows every look at the drawer mid-shift.
type XTaken struct {
	Operator string       `json:"operator"`
	Shift    string       `json:"shift"`
	UpToSeq  uint64       `json:"up_to_seq"`
	Net      money.Amount `json:"net"`
	Expected money.Amount `json:"drawer_expected"`
}

// TakeXReport is XReport for operator, journaled ("report.x") before it is returned.
func (s *Shifts) TakeXReport(operator string, now time.Time) (reports.Report, error) {
	if err := checkOperator(operator); err != nil {
		return reports.Report{}, fmt.Errorf("x report: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rep, cur, err := s.xReport(now)
	if err != nil {
		return reports.Report{}, err
	}
	taken := XTaken{Operator: operator, Shift: cur.ID, UpToSeq: rep.LastSeq, Net: rep.Net, Expected: rep.Drawer.Expected}
	if _, err := s.till.Journal().Append(reports.KindXReport, taken); err != nil {
		return reports.Report{}, s.till.notRecorded("x report", err)
	}
	return rep, nil
}

// shiftReport builds the X report of shift cur up to record upTo (0: the last).
func (s *Shifts) shiftReport(cur *Shift, to time.Time, upTo uint64) (reports.Report, error) {
	recs, err := s.records(cur.AfterSeq, upTo)
	if err != nil {
		return reports.Report{}, err
	}
	return reports.Build(reports.Header{Type: reports.X, Terminal: s.till.cfg.Terminal.ID, Operator: cur.Operator,
		From: cur.Opened, To: to.UTC()}, recs)
}

// records reads the journal records after seq after up to seq upTo (0: the last).
func (s *Shifts) records(after, upTo uint64) ([]journal.Record, error) {
	if upTo == 0 {
		var err error
		if upTo, err = s.till.Journal().LastSeq(); err != nil {
			return nil, err
		}
	}
	var out []journal.Record
	for seq := max(after+1, s.till.Journal().FirstSeq()); seq <= upTo; seq++ {
		r, err := s.till.Journal().Get(seq)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// zState is the last Z report's number and the last record it covered.
func (s *Shifts) zState() (number, seq uint64, err error) {
	for _, kv := range []struct {
		key string
		v   *uint64
	}{{keyZ, &number}, {keyZSeq, &seq}} {
		raw, err := s.till.Journal().GetState(stateCounters, kv.key)
		if err != nil {
			return 0, 0, err
		}
		if raw == nil {
			continue
		}
		if *kv.v, err = strconv.ParseUint(string(raw), 10, 64); err != nil {
			return 0, 0, fmt.Errorf("counter %s unreadable: %w", kv.key, err)
		}
	}
	return number, seq, nil
}

// LastZ is the number of the last Z report taken (0 before the first).
func (s *Shifts) LastZ() (uint64, error) {
	n, _, err := s.zState()
	return n, err
}

// ZReport takes the end-of-day Z report for operator: it covers every record since the
// previous Z (the period), gets the next number, and is journaled ("report.z", the
// whole report, so it can be reprinted and checked against the records it covers).
// It is refused while a shift is open, and when nothing was recorded in the period,
// so a second Z for the same period is refused with ErrZDone.
func (s *Shifts) ZReport(operator string) (reports.Report, error) {
	if err := checkOperator(operator); err != nil {
		return reports.Report{}, fmt.Errorf("z report: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rep, err := s.nextZ(operator)
	if err != nil {
		return reports.Report{}, fmt.Errorf("z report: %w", err)
	}
	rec, err := s.till.Journal().AppendWith(reports.KindZReport, rep,
		journal.StateChange{Bucket: stateCounters, Key: keyZ, Value: []byte(strconv.FormatUint(rep.Number, 10))},
		journal.StateChange{Bucket: stateCounters, Key: keyZSeq, Value: []byte(strconv.FormatUint(rep.LastSeq, 10))})
	if err != nil {
		return reports.Report{}, s.till.notRecorded("z report", err)
	}
	s.log.Info("z report taken", "number", rep.Number, "operator", operator, "records", rep.Records,
		"first_seq", rep.FirstSeq, "last_seq", rep.LastSeq, "net", rep.Net.Plain(), "seq", rec.Seq)
	return rep, nil
}

// nextZ builds the next Z report without journaling it.
func (s *Shifts) nextZ(operator string) (reports.Report, error) {
	cur, err := s.Current()
	if err != nil {
		return reports.Report{}, err
	}
	if cur != nil {
		return reports.Report{}, fmt.Errorf("%w: close it first", openError(cur))
	}
	number, after, err := s.zState()
	if err != nil {
		return reports.Report{}, err
	}
	recs, err := s.records(after, 0)
	if err != nil {
		return reports.Report{}, err
	}
	h := reports.Header{Type: reports.Z, Number: number + 1, Terminal: s.till.cfg.Terminal.ID, Operator: operator, To: s.now().UTC()}
	if len(recs) > 0 {
		h.From = recs[0].Time // the previous Z's record, or the journal's first
	}
	rep, err := reports.Build(h, recs)
	if err != nil {
		return reports.Report{}, err
	}
	if rep.Records == 0 {
		return reports.Report{}, fmt.Errorf("after Z #%d: %w", number, ErrZDone)
	}
	return rep, nil
}

// ZDue reports whether a Z report is due: something was recorded since the last one.
// (The deregistration wizard may ask for a Z before it clears the journal.)
func (s *Shifts) ZDue() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, after, err := s.zState()
	if err != nil {
		return false, err
	}
	recs, err := s.records(after, 0)
	if err != nil {
		return false, err
	}
	rep, err := reports.Build(reports.Header{Type: reports.Z}, recs)
	return rep.Records > 0, err
}

// FindZ reads Z report number back from the journal, for a reprint.
func (s *Shifts) FindZ(number uint64) (reports.Report, error) {
	var found *reports.Report
	err := s.till.Journal().Each(journal.Filter{Kind: reports.KindZReport}, func(rec journal.Record) error {
		var r reports.Report
		if err := json.Unmarshal(rec.Data, &r); err != nil {
			return fmt.Errorf("record %d: %w", rec.Seq, err)
		}
		if r.Number == number {
			found = &r
			return journal.ErrStop
		}
		return nil
	})
	switch {
	case err != nil:
		return reports.Report{}, fmt.Errorf("find Z #%d: %w", number, err)
	case found == nil:
		return reports.Report{}, fmt.Errorf("Z #%d: %w", number, ErrNoSuchZ)
	}
	return *found, nil
}
