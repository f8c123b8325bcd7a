package prepaid

import (
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/money"
)

// Tally is a number of movements and their amount (positive fen).
type Tally struct {
	Count  int          `json:"count"`
	Amount money.Amount `json:"amount"`
}

func (t *Tally) add(a money.Amount) { t.Count++; t.Amount += max(a, -a) }

// Summary is what the prepaid movements of a period came to: the prepaid section of
// the X and Z reports, and one day of the movements-per-day report.
type Summary struct {
	Issued    Tally `json:"issued"`    // new cards and their first values
	TopUps    Tally `json:"top_ups"`   // value sold for existing cards
	Payments  Tally `json:"payments"`  // paid from cards toward sales
	Reversals Tally `json:"reversals"` // payments given back (abandoned sales)
	Refunds   Tally `json:"refunds"`   // refunded to cards
	AdjustIn  Tally `json:"adjust_in"` // manager's credits
	AdjustOut Tally `json:"adjust_out"`
	Imported  Tally `json:"imported"` // balances brought from a retired terminal's backup
	Frozen    int   `json:"frozen,omitempty"`
	Unfrozen  int   `json:"unfrozen,omitempty"`
	Expired   int   `json:"expired,omitempty"`
	Renewed   int   `json:"renewed,omitempty"`
	// Liability is what the store owed card holders after the period's last movement;
	// LiabilityKnown is false when the period had none (the liability did not change,
	// and these records alone do not say what it is).
	Liability      money.Amount `json:"liability"`
	LiabilityKnown bool         `json:"liability_known"`
}

// Net is how much the liability grew in the period (negative: it shrank).
func (s Summary) Net() money.Amount {
	return s.Issued.Amount + s.TopUps.Amount + s.Reversals.Amount + s.Refunds.Amount + s.AdjustIn.Amount +
		s.Imported.Amount - s.Payments.Amount - s.AdjustOut.Amount
}

// IsZero reports whether the period had no prepaid movement.
func (s Summary) IsZero() bool { return s == Summary{} }

// Add counts the prepaid movements of one record (records oldest first) and reports
// whether it had any.
func (s *Summary) Add(rec journal.Record) (bool, error) {
	b, ok, err := MovementsOf(rec)
	if err != nil || !ok {
		return false, err
	}
	for _, m := range b.Movements {
		s.count(m)
	}
	s.Liability, s.LiabilityKnown = b.Liability, true
	return true, nil
}

func (s *Summary) count(m Movement) {
	switch m.Kind {
	case Issue:
		s.Issued.add(m.Amount)
	case TopUp:
		s.TopUps.add(m.Amount)
	case Payment:
		s.Payments.add(m.Amount)
	case Reversal:
		s.Reversals.add(m.Amount)
	case Refund:
		s.Refunds.add(m.Amount)
	case Adjust:
		if m.Amount > 0 {
			s.AdjustIn.add(m.Amount)
		} else {
			s.AdjustOut.add(m.Amount)
		}
	case Import:
		s.Imported.add(m.Amount)
	case Freeze:
		s.Frozen++
	case Unfreeze:
		s.Unfrozen++
	case Expire:
		s.Expired++
	case Renew:
		s.Renewed++
	}
}

// Day is the prepaid movements of one calendar day.
type Day struct {
	Date    string `json:"date"` // 2006-01-02 in the report's time zone
	Summary Summary
}

// Daily sums the prepaid movements of records (oldest first) per calendar day in loc
// (UTC when nil), oldest day first; days without movements are left out.
func Daily(records []journal.Record, loc *time.Location) ([]Day, error) {
	if loc == nil {
		loc = time.UTC
	}
	var out []Day
	for _, rec := range records {
		date := rec.Time.In(loc).Format("2006-01-02")
		var s Summary
		if n := len(out); n > 0 && out[n-1].Date == date {
			s = out[n-1].Summary
		}
		ok, err := s.Add(rec)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Date == date {
			out[n-1].Summary = s
		} else {
			out = append(out, Day{Date: date, Summary: s})
		}
	}
	return out, nil
}

// SummaryLine is one money figure of a Summary under its report key.
type SummaryLine struct {
	Key   string
	Tally Tally
}

// Lines lists the summary's money figures in report order: issued, top_ups, payments,
// reversals and refunds always; adjust_in, adjust_out and imported when not zero.
func (s Summary) Lines() []SummaryLine {
	out := []SummaryLine{{"issued", s.Issued}, {"top_ups", s.TopUps}, {"payments", s.Payments},
		{"reversals", s.Reversals}, {"refunds", s.Refunds}}
	for _, l := range []SummaryLine{{"adjust_in", s.AdjustIn}, {"adjust_out", s.AdjustOut}, {"imported", s.Imported}} {
		if l.Tally.Count > 0 {
			out = append(out, l)
		}
	}
	return out
}

// LineKeys are every key Lines may use.
var LineKeys = []string{"issued", "top_ups", "payments", "reversals", "refunds", "adjust_in", "adjust_out", "imported"}
