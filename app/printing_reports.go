package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"tilldesk/core/receipt"
	"tilldesk/core/reports"
)

// ReportDir is the folder in the data folder where reports are exported as CSV.
func ReportDir(p Paths) string { return filepath.Join(p.DataDir, "reports") }

// Rows lays a report out in language ("zh" or "en") with the given labels, headed by
// the store's name, times in local time: the rows the screen shows and the printer
// prints.
func (s *Shifts) Rows(r reports.Report, language string, tr receipt.Labels) []receipt.Row {
	store := s.till.cfg.Store.NameEN
	if language == "zh" {
		store = s.till.cfg.Store.NameZH
	}
	return reports.Rows(r, reports.Heading{Store: store, Location: time.Local}, tr)
}

// PrintReport prints report rows on the till's receipt printer. Call it off the UI
// goroutine; ctx bounds the job.
func (s *Shifts) PrintReport(ctx context.Context, rows []receipt.Row) error {
	p := s.till.currentPrinter()
	if p == nil {
		return ErrNoPrinter
	}
	if err := p.PrintReceipt(ctx, rows, ""); err != nil {
		s.log.Warn("report not printed", "err", err)
		return fmt.Errorf("print report: %w", err)
	}
	s.log.Info("report printed", "rows", len(rows))
	return nil
}

// OpenDrawer kicks the cash drawer, to put the float in, move cash or count it. Call it
// off the UI goroutine.
func (s *Shifts) OpenDrawer(ctx context.Context) error {
	p := s.till.currentPrinter()
	if p == nil {
		return ErrNoPrinter
	}
	if err := p.OpenDrawer(ctx); err != nil {
		return fmt.Errorf("open drawer: %w", err)
	}
	return nil
}

// ExportCSV writes a report as CSV (reports.WriteCSV).
func (s *Shifts) ExportCSV(w io.Writer, r reports.Report) error {
	return reports.WriteCSV(w, r)
}

// ExportFile writes a report as a CSV file in the report folder and returns its path:
// "<terminal>-X-<time>.csv" or "<terminal>-Z0003-<time>.csv", the time being the end of
// the report's period, local. The file appears whole or not at all.
func (s *Shifts) ExportFile(r reports.Report) (string, error) {
	if s.reportDir == "" {
		return "", errors.New("export report: no report folder configured")
	}
	if err := os.MkdirAll(s.reportDir, 0o700); err != nil {
		return "", fmt.Errorf("export report: %w", err)
	}
	name := string(r.Type)
	if r.Type == reports.Z {
		name = fmt.Sprintf("Z%04d", r.Number)
	}
	path := filepath.Join(s.reportDir, fmt.Sprintf("%s-%s-%s.csv", r.Terminal, name, r.To.Local().Format("20060102-150405")))
	tmp, err := os.CreateTemp(s.reportDir, ".export-*.csv")
	if err != nil {
		return "", fmt.Errorf("export report: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	err = reports.WriteCSV(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return "", fmt.Errorf("export report %s: %w", path, err)
	}
	s.log.Info("report exported", "type", r.Type, "number", r.Number, "path", path)
	return path, nil
}
