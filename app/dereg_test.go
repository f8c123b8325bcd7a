package app

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tilldesk/core/backup"
	"tilldesk/core/dereg"
	"tilldesk/core/journal"
)

// The whole wizard on a till with sales: the till stops selling as it goes, the backup
// holds everything, and afterwards no file in the data folder holds the sales or the
// secret.
func TestDeregEndToEnd(t *testing.T) {
	f := newDeregFixture(t)
	if hits := deregFindInFiles(t, f.paths.DataDir, append(f.saleIDs, deregSecret)...); len(hits) < len(f.saleIDs)+1 {
		t.Fatalf("the scan does not see the planted data before the wipe: %v", hits)
	}
	w := f.wizard(t, DeregOptions{})
	if id, err := w.Identity(); err != nil || id.Terminal != deregTerminal || id.Merchant != deregMerchant || id.Status != StatusRegistered {
		t.Fatalf("identity %+v, %v", id, err)
	}
	for w.State().Step < dereg.Done {
		f.advance(t, w)
		_, err := f.s.Till.Scan(water)
		switch st := w.State().Step; {
		case st <= dereg.Preconditions && err != nil:
			t.Fatalf("at %s the till refuses sales: %v", st, err)
		case st > dereg.Preconditions && st <= dereg.Void && !errors.Is(err, ErrDeregistering):
			t.Fatalf("at %s a scan gave %v, want ErrDeregistering", st, err)
		case st > dereg.Void && !errors.Is(err, ErrDeregistered):
			t.Fatalf("at %s a scan gave %v, want ErrDeregistered", st, err)
		}
		if st := w.State().Step; st <= dereg.Preconditions {
			if err := f.s.Till.Cancel(); err != nil {
				t.Fatal(err)
			}
		}
	}
	st := w.State()
	if st.Reason != dereg.Replacement || st.Backup == nil || !st.Backup.Verified || st.SignOff.Status != dereg.SignOffAtAcquire || st.Clear == nil {
		t.Fatalf("final state %+v", st)
	}
	if f.reopened != 2 || f.s.Till.Journal() != f.s.Journal {
		t.Fatalf("journal reopened %d times (want 2: backup, clear); till has the session's journal: %v", f.reopened, f.s.Till.Journal() == f.s.Journal)
	}

	// The live journal: a fresh chain, the cleared record, the wizard's last steps.
	j := f.s.Journal
	if _, err := j.Verify(); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var cleared clearedRecord
	j.Each(journal.Filter{}, func(r journal.Record) error {
		kinds = append(kinds, r.Kind)
		if r.Kind == KindJournalCleared {
			if err := json.Unmarshal(r.Data, &cleared); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	if strings.Join(kinds, " ") != "journal.created journal.cleared dereg.step dereg.step" {
		t.Fatalf("journal after the clear: %v", kinds)
	}
	if cleared.BackupSHA256 != st.Backup.SHA256 || cleared.PreviousRecords <= st.Backup.Records || cleared.PreviousLastHash != st.Clear.PreviousLastHash || cleared.Run != st.Run {
		t.Fatalf("cleared record %+v", cleared)
	}
	if held, _ := j.Held(); len(held) != 0 {
		t.Fatalf("held sales left: %v", held)
	}
	// The new journal continues the old chain: numbers go on, the first record links to
	// the old last hash, so receipt numbers never repeat.
	if res, err := j.Verify(); err != nil || res.Continues.Seq != cleared.PreviousRecords || res.Continues.Hash != cleared.PreviousLastHash {
		t.Fatalf("the cleared journal does not continue the old chain: %+v, %v", res, err)
	}
	if j.FirstSeq() != cleared.PreviousRecords+1 {
		t.Fatalf("FirstSeq = %d", j.FirstSeq())
	}
	if first, err := j.Get(cleared.PreviousRecords + 1); err != nil || first.Kind != journal.KindJournalOpened || first.Prev != cleared.PreviousLastHash {
		t.Fatalf("first record of the cleared journal: %+v, %v", first, err)
	}
	if v, _ := j.GetState("settings", "acquirer.tmk"); v != nil {
		t.Fatal("secret still in the settings state")
	}
	id, err := f.reg.Identity()
	if err != nil || id.Status != StatusDeregistered || id.DeregRun != st.Run || id.Terminal != deregTerminal {
		t.Fatalf("identity after: %+v, %v", id, err)
	}

	// Nothing of it anywhere in the data folder; the deregistration record is there.
	if hits := deregFindInFiles(t, f.paths.DataDir, append(f.saleIDs, deregSecret)...); len(hits) > 0 {
		t.Fatalf("after the wipe: %v", hits)
	}
	recs, err := ReadDeregRecords(f.paths)
	if err != nil || len(recs) != 1 || recs[0].Run != st.Run || recs[0].BackupSHA256 != st.Backup.SHA256 || recs[0].CompletedBy != "tech-1" || recs[0].Reason != dereg.Replacement {
		t.Fatalf("deregistration records %+v, %v", recs, err)
	}
	if len(f.printer.jobs) != 1 || f.printer.jobs[0][0].Left != "[title]" {
		t.Fatalf("certificate printed: %v", f.printer.jobs)
	}

	// The backup holds it all, verifies, and opens read-only.
	rep, err := backup.Verify(st.Backup.File, deregPass, t.TempDir(), nil)
	if err != nil || rep.FileSHA256 != st.Backup.SHA256 || rep.Records != st.Backup.Records {
		t.Fatalf("backup verify: %+v, %v", rep, err)
	}
	if hits := deregFindInFiles(t, f.usb, append(f.saleIDs, deregSecret)...); len(hits) != 0 {
		t.Fatalf("the backup file shows plaintext: %v", hits)
	}
	snap, err := backup.OpenJournal(st.Backup.File, deregPass, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if v, _ := snap.Journal.GetState("settings", "acquirer.tmk"); string(v) != deregSecret {
		t.Fatal("the backup lacks the settings")
	}
	var inBackup []string
	snap.Journal.Each(journal.Filter{Kind: journal.KindSaleCompleted}, func(r journal.Record) error {
		inBackup = append(inBackup, string(r.Data))
		return nil
	})
	for _, sid := range f.saleIDs {
		if !strings.Contains(strings.Join(inBackup, "\n"), sid) {
			t.Fatalf("sale %s missing from the backup", sid)
		}
	}
	var md dereg.State
	if err := json.Unmarshal(snap.Manifest.Dereg, &md); err != nil || md.Run != st.Run || md.Step != dereg.Backup {
		t.Fatalf("manifest's deregistration %+v, %v", md, err)
	}

	// A new registration lets the till sell again.
	if _, err := f.s.RegisterTerminal(f.reg, RegistrationForm{MerchantID: deregMerchant, TerminalID: deregTerminal, AcquirerHost: "acquirer.example:5000"}, "mgr-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Till.Scan(water); err != nil {
		t.Fatalf("after registering again: %v", err)
	}
	// Browsing and the day's reports work over the continued chain.
	page, err := NewBrowser(f.s.Till).Page(BrowseQuery{}, 0, 100)
	if err != nil || len(page.Rows) == 0 {
		t.Fatalf("browsing the cleared journal: %+v, %v", page, err)
	}
	shifts := NewShifts(f.s.Till, ShiftOptions{ReportDir: t.TempDir()})
	if _, err := shifts.Open("mgr-2", 10000); err != nil {
		t.Fatal(err)
	}
	payCash(t, f.s.Till, 200)
	if rep, err := shifts.XReport(time.Now()); err != nil || rep.Sales.Count != 1 {
		t.Fatalf("X report over the continued chain: %+v, %v", rep.Sales, err)
	}
	if _, ok, _ := dereg.Load(f.s.Journal); ok {
		t.Fatal("the finished deregistration's state survived the new registration")
	}
}

func TestDeregPreconditions(t *testing.T) {
	f := newDeregFixture(t)
	shiftOpen := true
	pre := DefaultPreconditions(f.s.Till)
	pre.Register(dereg.Func("shift_closed", "close the shift", func() error {
		if shiftOpen {
			return errors.New("shift 3 is open")
		}
		return nil
	}))
	w := f.wizard(t, DeregOptions{Preconditions: pre})
	f.advance(t, w) // Identify
	failing := func() []string {
		t.Helper()
		before := f.liveState(t)
		res, err := w.CheckPreconditions()
		var names []string
		for _, r := range dereg.Failing(res) {
			if r.Action == "" {
				t.Errorf("%s fails with no action", r.Name)
			}
			names = append(names, r.Name)
		}
		if len(names) > 0 {
			if !errors.Is(err, dereg.ErrPreconditions) || w.State().Step != dereg.Preconditions || f.liveState(t) != before {
				t.Fatalf("failing %v: %v, at %s, journal changed: %v", names, err, w.State().Step, f.liveState(t) != before)
			}
		}
		return names
	}
	// A sale open at the till, and the shift open.
	if _, err := f.s.Till.Scan(water); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(failing(), ","); got != "no_open_sale,shift_closed" {
		t.Fatalf("failing: %s", got)
	}
	// Held: the sale is no longer open, but held.
	if err := f.s.Till.Hold(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(failing(), ","); got != "no_held_sales,shift_closed" {
		t.Fatalf("failing: %s", got)
	}
	held, _ := f.s.Till.Held()
	if err := f.s.Till.Recall(held[0].ID); err != nil {
		t.Fatal(err)
	}
	payCash(t, f.s.Till, 1000) // the till still sells while preconditions are being met
	shiftOpen = false
	if got := failing(); len(got) != 0 || w.State().Step != dereg.SafeEnvironment {
		t.Fatalf("all met: failing %v, at %s", got, w.State().Step)
	}
}

func TestDeregWrongDetailsChangeNothing(t *testing.T) {
	f := newDeregFixture(t)
	w := f.wizard(t, DeregOptions{})
	f.walk(t, w, dereg.ConfirmDetails)
	before, state := f.liveState(t), w.State()
	for _, typed := range [][2]string{{"DEMO0002", deregMerchant}, {deregTerminal, "898310000000002"}, {"", ""}, {"demo0001", deregMerchant}} {
		err := w.ConfirmDetails(typed[0], typed[1])
		if !errors.Is(err, dereg.ErrDetailsMismatch) {
			t.Fatalf("typed %q: %v", typed, err)
		}
		if f.liveState(t) != before || w.State().Step != state.Step {
			t.Fatalf("typed %q: the journal or the state changed", typed)
		}
	}
	if err := w.ConfirmDetails(" "+deregTerminal+" ", deregMerchant); err != nil || w.State().Step != dereg.Backup {
		t.Fatalf("right details: %v", err)
	}
}

// Going back after the backup and forward again needs a new backup; cancelling leaves
// the journal as it was, and the till sells again.
func TestDeregBackAndCancel(t *testing.T) {
	f := newDeregFixture(t)
	w := f.wizard(t, DeregOptions{})
	f.walk(t, w, dereg.ClearAndWipe)
	if err := w.Back(); err != nil || w.State().Step != dereg.SignOff {
		t.Fatalf("back from ClearAndWipe: %v", err)
	}
	if err := w.Cancel(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := dereg.Load(f.s.Journal); ok || w.State().Step != dereg.Identify {
		t.Fatal("cancelled deregistration still saved")
	}
	if _, err := f.s.Till.Scan(water); err != nil {
		t.Fatalf("after cancelling: %v", err)
	}
	f.assertNothingCleared(t)
}

// A record added after the backup (by anything but the wizard) is not in the backup:
// the journal is not cleared until a new backup is made.
func TestDeregClearRefusedWhenJournalMovedOn(t *testing.T) {
	f := newDeregFixture(t)
	w := f.wizard(t, DeregOptions{})
	f.walk(t, w, dereg.ClearAndWipe)
	if _, err := f.s.Journal.Append(journal.KindAdmin, map[string]string{"late": "write"}); err != nil {
		t.Fatal(err)
	}
	if err := w.ClearAndWipe(); !errors.Is(err, ErrChangedSinceBackup) {
		t.Fatalf("clear after a late write: %v", err)
	}
	f.assertNothingCleared(t)
	for w.State().Step > dereg.Backup {
		if err := w.Back(); err != nil {
			t.Fatal(err)
		}
	}
	f.walk(t, w, dereg.Done)
	if hits := deregFindInFiles(t, f.paths.DataDir, append(f.saleIDs, deregSecret)...); len(hits) > 0 {
		t.Fatalf("after the wipe: %v", hits)
	}
}

// The sign-off through an acquirer link, and a failing one recorded as due at the
// acquirer.
func TestDeregSignOff(t *testing.T) {
	for _, fail := range []bool{false, true} {
		f := newDeregFixture(t)
		var asked TerminalIdentity
		w := f.wizard(t, DeregOptions{SignOff: func(_ context.Context, id TerminalIdentity) error {
			asked = id
			if fail {
				return errors.New("host unreachable")
			}
			return nil
		}})
		f.walk(t, w, dereg.ClearAndWipe)
		so := w.State().SignOff
		want := dereg.SignOffDone
		if fail {
			want = dereg.SignOffAtAcquire
		}
		if asked.Terminal != deregTerminal || so.Status != want || fail != strings.Contains(so.Note, "host unreachable") {
			t.Fatalf("fail %v: sign-off %+v asked for %+v", fail, so, asked)
		}
	}
}

// A printer fault does not undo the Record step; the certificate can be reprinted.
func TestDeregCertificatePrinterFault(t *testing.T) {
	f := newDeregFixture(t)
	w := f.wizard(t, DeregOptions{})
	f.walk(t, w, dereg.Record)
	f.printer.err = errors.New("paper out")
	rec, err := w.Record(context.Background(), deregCertLabels)
	if err == nil || w.State().Step != dereg.Done || rec.Run == "" {
		t.Fatalf("record with the printer out of paper: %v at %s", err, w.State().Step)
	}
	f.printer.err = nil
	if err := w.PrintCertificate(context.Background(), deregCertLabels); err != nil || len(f.printer.jobs) != 1 {
		t.Fatalf("reprint: %v", err)
	}
	rows := f.printer.jobs[0]
	text := ""
	for _, r := range rows {
		text += r.Left + " " + r.Right + "\n"
	}
	for _, want := range []string{deregTerminal, deregMerchant, "[reason.replacement]", "[sign_off.pending_at_acquirer]", rec.BackupSHA256[:32], filepath.Base(rec.BackupFile)[:32]} {
		if !strings.Contains(text, want) {
			t.Errorf("certificate lacks %q:\n%s", want, text)
		}
	}
	for _, r := range rows {
		if len(r.Left)+len(r.Right) > 48 && r.Right != "" {
			t.Errorf("row too wide: %+v", r)
		}
	}
	if recs, _ := ReadDeregRecords(f.paths); len(recs) != 1 {
		t.Fatalf("%d records kept", len(recs))
	}
}

func TestDeregRecordsFileSurvivesACutLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), DeregRecordsFile)
	if err := os.WriteFile(path, []byte(`{"run":"old-1"}`+"\n"+`{"run":"cut`), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := keepDeregRecord(path, DeregRecord{Run: "new-2"}); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := readDeregRecords(path)
	if err != nil || len(recs) != 2 || recs[0].Run != "old-1" || recs[1].Run != "new-2" {
		t.Fatalf("records %+v, %v", recs, err)
	}
}
