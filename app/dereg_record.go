package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"tilldesk/core/dereg"
	"tilldesk/core/receipt"
)

// DeregRecordsFile, in the data folder, keeps one JSON line per completed
// deregistration. It is not part of the journal, so it survives the wipe (and every
// later one); the same record is in the journal's last steps and on the certificate.
const DeregRecordsFile = "deregistrations.jsonl"

// DeregRecord is a deregistration as printed on the certificate and kept in
// DeregRecordsFile: what, who, when, and the backup that holds the terminal's data.
type DeregRecord struct {
	Run            string       `json:"run"`
	Terminal       string       `json:"terminal"`
	Merchant       string       `json:"merchant"`
	Reason         dereg.Reason `json:"reason"`
	StartedBy      string       `json:"started_by"`
	CompletedBy    string       `json:"completed_by"`
	Started        time.Time    `json:"started"`
	Completed      time.Time    `json:"completed"`
	BackupFile     string       `json:"backup_file"`
	BackupSHA256   string       `json:"backup_sha256"`
	BackupRecords  uint64       `json:"backup_records"`
	BackupLastHash string       `json:"backup_last_hash"`
	SignOff        string       `json:"sign_off"` // dereg.SignOffDone or dereg.SignOffAtAcquire
	SignOffNote    string       `json:"sign_off_note,omitempty"`
	Cleared        time.Time    `json:"cleared"`
	Wiped          []string     `json:"wiped"`
	Voided         time.Time    `json:"voided"`
}

// deregRecordOf builds the record of a state at Record or Done.
func deregRecordOf(s dereg.State, operator string, completed time.Time) (DeregRecord, error) {
	if s.Step < dereg.Record || s.Backup == nil || s.SignOff == nil || s.Clear == nil {
		return DeregRecord{}, fmt.Errorf("%w: no certificate before the Record step (at %s)", dereg.ErrWrongStep, s.Step)
	}
	return DeregRecord{
		Run: s.Run, Terminal: s.Identity.Terminal, Merchant: s.Identity.Merchant, Reason: s.Reason,
		StartedBy: s.Operator, CompletedBy: operator, Started: s.Started, Completed: completed.UTC(),
		BackupFile: s.Backup.File, BackupSHA256: s.Backup.SHA256, BackupRecords: s.Backup.Records, BackupLastHash: s.Backup.LastHash,
		SignOff: s.SignOff.Status, SignOffNote: s.SignOff.Note, Cleared: s.Clear.At, Wiped: s.Clear.Wiped, Voided: s.VoidedAt,
	}, nil
}

// Record is the Record step: the deregistration record is appended to
// DeregRecordsFile (once per run, so a resumed step does not repeat it), the step is
// saved, and the certificate is printed on the till's printer. A printing failure
// (ErrNoPrinter, paper out) is returned after the step is done: PrintCertificate
// prints it again. labels translate the certificate's words (DeregCertificateKeys).
func (w *DeregWizard) Record(ctx context.Context, labels receipt.Labels) (DeregRecord, error) {
	w.mu.Lock()
	now := w.s.Till.now()
	rec, err := deregRecordOf(w.state, w.operator, now)
	if err == nil {
		err = keepDeregRecord(filepath.Join(w.s.Paths.DataDir, DeregRecordsFile), rec)
	}
	var next dereg.State
	if err == nil {
		next, err = w.state.RecordKept(now)
	}
	if err == nil {
		err = w.commit(next, rec)
	}
	w.mu.Unlock()
	if err != nil {
		return rec, err
	}
	return rec, w.PrintCertificate(ctx, labels)
}

// Certificate is the deregistration's record, once the wizard is at Record or done.
func (w *DeregWizard) Certificate() (DeregRecord, error) {
	s := w.State()
	completed := s.RecordedAt
	if completed.IsZero() {
		completed = w.s.Till.now()
	}
	return deregRecordOf(s, w.operator, completed)
}

// PrintCertificate prints the deregistration certificate on the till's printer.
func (w *DeregWizard) PrintCertificate(ctx context.Context, labels receipt.Labels) error {
	rec, err := w.Certificate()
	if err != nil {
		return err
	}
	p := w.s.Till.currentPrinter()
	if p == nil {
		return ErrNoPrinter
	}
	if err := p.PrintReceipt(ctx, rec.Rows(labels), ""); err != nil {
		w.log.Warn("deregistration certificate not printed", "run", rec.Run, "err", err)
		return fmt.Errorf("certificate: %w", err)
	}
	w.log.Info("deregistration certificate printed", "run", rec.Run)
	return nil
}

// DeregCertificateKeys are the label keys Rows asks for.
func DeregCertificateKeys() []string {
	keys := []string{"title", "run", "terminal", "merchant", "reason", "started", "completed", "started_by", "completed_by",
		"backup", "backup_sha256", "records", "last_hash", "sign_off", "cleared", "voided", "footer"}
	for _, r := range dereg.Reasons() {
		keys = append(keys, "reason."+string(r))
	}
	return append(keys, "sign_off."+dereg.SignOffDone, "sign_off."+dereg.SignOffAtAcquire)
}

// Rows lays the certificate out for the receipt printer and the screen.
func (r DeregRecord) Rows(tr receipt.Labels) []receipt.Row {
	when := func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") }
	pair := func(key, value string) receipt.Row { return receipt.Row{Left: tr(key), Right: value} }
	rows := []receipt.Row{{Left: tr("title"), Style: receipt.Title}, {Style: receipt.Rule},
		pair("terminal", r.Terminal), pair("merchant", r.Merchant), pair("reason", tr("reason."+string(r.Reason))),
		pair("started", when(r.Started)), pair("started_by", r.StartedBy),
		pair("completed", when(r.Completed)), pair("completed_by", r.CompletedBy),
		pair("sign_off", tr("sign_off."+r.SignOff)), pair("cleared", when(r.Cleared)), pair("voided", when(r.Voided)),
		{Style: receipt.Rule}, pair("records", strconv.FormatUint(r.BackupRecords, 10)),
	}
	rows = append(rows, certLines(tr("backup"), filepath.Base(r.BackupFile))...)
	rows = append(rows, certLines(tr("backup_sha256"), r.BackupSHA256)...)
	rows = append(rows, certLines(tr("last_hash"), r.BackupLastHash)...)
	rows = append(rows, certLines(tr("run"), r.Run)...)
	return append(rows, receipt.Row{Style: receipt.Rule}, receipt.Row{Left: tr("footer"), Style: receipt.Centre})
}

// certLines lays out a label and a long value (a hash, a file name) in lines that fit the
// narrowest (32-column) paper.
func certLines(label, value string) []receipt.Row {
	rows := []receipt.Row{{Left: label}}
	for len(value) > 32 {
		rows, value = append(rows, receipt.Row{Left: value[:32]}), value[32:]
	}
	return append(rows, receipt.Row{Left: value})
}

// keepDeregRecord appends rec to the records file and syncs it, unless a record of
// the same run is there already.
func keepDeregRecord(path string, rec DeregRecord) error {
	existing, err := readDeregRecords(path)
	if err != nil {
		return err
	}
	for _, e := range existing {
		if e.Run == rec.Run {
			return nil
		}
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("deregistration record: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("deregistration record: %w", err)
	}
	if fi, serr := f.Stat(); serr == nil && fi.Size() > 0 {
		last := make([]byte, 1)
		if _, rerr := f.ReadAt(last, fi.Size()-1); rerr == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...) // end a line a crash cut short
		}
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("deregistration record %s: %w", path, err)
	}
	return nil
}

// ReadDeregRecords returns the deregistrations kept in the data folder, oldest first.
func ReadDeregRecords(p Paths) ([]DeregRecord, error) {
	return readDeregRecords(filepath.Join(p.DataDir, DeregRecordsFile))
}

func readDeregRecords(path string) ([]DeregRecord, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("deregistration records: %w", err)
	}
	defer f.Close()
	var out []DeregRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r DeregRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			// A line cut short by a crash is skipped, not fatal: the rest are good.
			continue
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("deregistration records %s: %w", path, err)
	}
	return out, nil
}
