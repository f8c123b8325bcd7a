package ui

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/backup"
	"tilldesk/core/dereg"
	"tilldesk/core/journal"
	"tilldesk/core/receipt"
)

// deregUI is a registered till with a sale, a deregistration wizard over it and its
// screen in a test window.
type deregUI struct {
	s       *app.Session
	reg     *app.Registration
	printer *fakePrinter
	usb     string
	w       fyne.Window
	screen  *DeregScreen
}

// newDeregSession starts a till over a fresh data folder, as app.Start does but with
// a quiet log and a fixed clock.
// newConsoleSession is a registered session in a headless app, in English, with
// operators and shifts: what the manager console wiring tests start from.
func newConsoleSession(t *testing.T) *app.Session {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(Theme{})
	if _, err := SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
	s, reg := newDeregSession(t)
	s.Registration = reg
	s.Auth = app.NewAuth(s.Journal, app.AuthOptions{Params: cheapCardPIN, Log: s.Log})
	s.Shifts = app.NewShifts(s.Till, app.ShiftOptions{})
	return s
}

func newDeregSession(t *testing.T) (*app.Session, *app.Registration) {
	t.Helper()
	paths := app.Paths{DataDir: filepath.Join(t.TempDir(), "data")}
	if err := os.MkdirAll(paths.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 26, 6, 30, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	cfg := app.DefaultConfig()
	j, err := journal.Open(paths.Journal(), journal.Options{Terminal: cfg.Terminal.ID, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat, err := app.LoadCatalog("", log)
	if err != nil {
		t.Fatal(err)
	}
	s := &app.Session{Paths: paths, Config: cfg, Log: log, Journal: j, Catalog: cat, Till: app.NewTill(cfg, j, cat, now, log)}
	t.Cleanup(func() { s.Journal.Close() }) // the wizard may have swapped it
	reg, err := app.NewRegistration(s.Till)
	if err != nil {
		t.Fatal(err)
	}
	s.Till.AddSalesGate(reg.SalesAllowed)
	return s, reg
}

func newDeregUI(t *testing.T, language string) *deregUI {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(Theme{})
	if _, err := SetLanguage(language); err != nil {
		t.Fatal(err)
	}
	s, reg := newDeregSession(t)
	f := &deregUI{s: s, reg: reg, printer: &fakePrinter{}, usb: t.TempDir()}
	s.Till.SetPrinter(f.printer)
	form := app.RegistrationForm{MerchantID: "898310000000001", TerminalID: "DEMO0001", AcquirerHost: "acq.example:5000"}
	if _, err := s.RegisterTerminal(reg, form, "mgr-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Till.Scan(water); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Till.Pay(context.Background(), app.CashTender{Now: time.Now}, app.PayRequest{Tendered: 1000}); err != nil {
		t.Fatal(err)
	}
	f.w = test.NewWindow(nil)
	t.Cleanup(f.w.Close)
	f.w.Resize(fyne.NewSize(1280, 800))
	f.open(t)
	return f
}

// open starts a wizard (resuming any saved deregistration) and its screen.
func (f *deregUI) open(t *testing.T) {
	t.Helper()
	wiz, err := app.NewDeregWizard(f.s, f.reg, "tech-1", app.DeregOptions{KDF: backup.KDFParams{Time: 1, MemoryKiB: 8, Threads: 1}, OnUI: fyne.DoAndWait})
	if err != nil {
		t.Fatal(err)
	}
	f.screen = ShowDeregScreen(f.w, wiz)
	t.Cleanup(func() { f.screen.jobs.Wait() })
}

// next taps Next and waits for the step's background work.
func (f *deregUI) next(t *testing.T, want dereg.Step) {
	t.Helper()
	test.Tap(f.screen.Next)
	f.screen.jobs.Wait()
	if got := f.screen.wiz.State().Step; got != want {
		t.Fatalf("after Next: at %s, want %s; message: %s", got, want, f.screen.Message.Text)
	}
	if !strings.Contains(f.screen.Title.Text, tr("dereg.step."+want.String())) {
		t.Fatalf("title %q does not name step %s", f.screen.Title.Text, want)
	}
}

// refused taps Next and checks the step stays with the message of key.
func (f *deregUI) refused(t *testing.T, key string) {
	t.Helper()
	at := f.screen.wiz.State().Step
	test.Tap(f.screen.Next)
	f.screen.jobs.Wait()
	if got := f.screen.wiz.State().Step; got != at {
		t.Fatalf("Next moved from %s to %s", at, got)
	}
	if !strings.Contains(f.screen.Message.Text, tr(key)) || f.screen.Message.Importance != widget.DangerImportance {
		t.Fatalf("at %s: message %q, want %q", at, f.screen.Message.Text, tr(key))
	}
}

func TestDeregScreenWalksTheWizard(t *testing.T) {
	f := newDeregUI(t, "en")
	sc := f.screen
	if !strings.Contains(sc.Identity.Text, "DEMO0001") || !strings.Contains(sc.Identity.Text, "898310000000001") || !strings.Contains(sc.Identity.Text, tr("dereg.none")) {
		t.Fatalf("identity: %q", sc.Identity.Text)
	}
	if !sc.Back.Disabled() || sc.Next.Disabled() {
		t.Fatal("buttons at Identify")
	}
	f.refused(t, "dereg.err.confirm_terminal")
	sc.ThisTerminal.SetChecked(true)
	f.refused(t, "dereg.err.reason")
	sc.Reason.SetSelected(sc.Reason.Options[2])
	if _, err := f.s.Till.Scan(water); err != nil { // a sale left open at the till
		t.Fatal(err)
	}
	f.next(t, dereg.Preconditions)

	if len(sc.CheckRows) != 2 || !strings.Contains(sc.CheckRows[0].Text, tr("dereg.pre.no_open_sale")) ||
		!strings.Contains(sc.CheckRows[0].Text, tr("dereg.action.finish_sale")) || sc.CheckRows[0].Importance != widget.DangerImportance {
		t.Fatalf("precondition rows: %v", deregRowTexts(sc.CheckRows))
	}
	f.refused(t, "dereg.err.preconditions")
	if err := f.s.Till.Cancel(); err != nil {
		t.Fatal(err)
	}
	test.Tap(sc.Recheck)
	if sc.CheckRows[0].Importance != widget.SuccessImportance {
		t.Fatalf("after cancelling the sale: %v", deregRowTexts(sc.CheckRows))
	}
	f.next(t, dereg.SafeEnvironment)

	for _, c := range sc.Checklist[:len(sc.Checklist)-1] {
		c.SetChecked(true)
	}
	f.refused(t, "dereg.err.checklist")
	sc.Checklist[len(sc.Checklist)-1].SetChecked(true)
	f.next(t, dereg.ConfirmDetails)

	test.Type(sc.TypedTerminal, "DEMO0002")
	test.Type(sc.TypedMerchant, "898310000000001")
	f.refused(t, "dereg.err.mismatch")
	sc.TypedTerminal.SetText("DEMO0001")
	f.next(t, dereg.Backup)

	sc.BackupDir.SetText(filepath.Join(f.usb, "unplugged"))
	sc.Passphrase.SetText("a long passphrase")
	sc.PassphraseAgain.SetText("a long passphrase!")
	f.refused(t, "dereg.err.pass_mismatch")
	sc.PassphraseAgain.SetText("a long passphrase")
	f.refused(t, "dereg.err.target")
	sc.BackupDir.SetText(f.usb)
	f.next(t, dereg.SignOff)
	if sc.Progress.Value != 1 || !strings.Contains(sc.BackupResult.Text, f.usb) || sc.Passphrase.Text != "" {
		t.Fatalf("after the backup: progress %v, result %q", sc.Progress.Value, sc.BackupResult.Text)
	}

	f.next(t, dereg.ClearAndWipe)
	if !strings.Contains(sc.Message.Text, tr("dereg.signoff.pending")) {
		t.Fatalf("sign-off message %q", sc.Message.Text)
	}
	if sc.Next.Importance != widget.DangerImportance {
		t.Fatal("the clear's button is not marked dangerous")
	}
	f.refused(t, "dereg.err.confirm_wipe")
	sc.ConfirmWipe.SetChecked(true)
	f.next(t, dereg.Void)
	if !sc.Back.Disabled() || !sc.CancelRun.Disabled() {
		t.Fatal("Back or Cancel enabled after the clear")
	}
	f.next(t, dereg.Record)
	f.next(t, dereg.Done)
	if len(f.printer.printed) != 1 || !sc.Next.Disabled() || len(sc.Certificate.Objects) < 10 {
		t.Fatalf("done: %d printed, %d certificate rows", len(f.printer.printed), len(sc.Certificate.Objects))
	}
	rows := sc.CertificateRows()
	if rows[0].Left != tr("dereg.cert.title") || !strings.Contains(deregCertText(rows), "DEMO0001") || !strings.Contains(deregCertText(rows), tr("dereg.cert.reason.decommission")) {
		t.Fatalf("certificate:\n%s", deregCertText(rows))
	}
	test.Tap(sc.Reprint)
	sc.jobs.Wait()
	if len(f.printer.printed) != 2 {
		t.Fatal("reprint did not print")
	}
	if _, err := f.s.Till.Scan(water); err == nil {
		t.Fatal("the deregistered till still sells")
	}
	closed := false
	sc.OnClosed = func() { closed = true }
	test.Tap(sc.Close)
	if !closed {
		t.Fatal("Close did not close")
	}
}

// The screen opens at the saved step; Back and Cancel work from there.
func TestDeregScreenResumesInChinese(t *testing.T) {
	f := newDeregUI(t, "zh")
	sc := f.screen
	sc.ThisTerminal.SetChecked(true)
	sc.Reason.SetSelected(sc.Reason.Options[0])
	f.next(t, dereg.Preconditions)
	f.next(t, dereg.SafeEnvironment)
	for _, c := range sc.Checklist {
		c.SetChecked(true)
	}
	f.next(t, dereg.ConfirmDetails)
	sc.Dismiss()

	f.open(t) // a new wizard over the same journal, as after a restart
	sc = f.screen
	if sc.wiz.State().Step != dereg.ConfirmDetails || !strings.Contains(sc.Title.Text, "第 4 步") || !strings.Contains(sc.Title.Text, "核对终端信息") {
		t.Fatalf("resumed screen: %q", sc.Title.Text)
	}
	test.Tap(sc.Back)
	if sc.wiz.State().Step != dereg.SafeEnvironment || !strings.Contains(sc.Title.Text, "安全环境") {
		t.Fatalf("after Back: %q", sc.Title.Text)
	}
	test.Tap(sc.CancelRun)
	if sc.wiz.State().Step != dereg.Identify {
		t.Fatalf("after cancelling: at %s", sc.wiz.State().Step)
	}
	if _, err := f.s.Till.Scan(water); err != nil {
		t.Fatalf("the till refuses sales after a cancelled deregistration: %v", err)
	}
}

// Every key the screens build at run time has both translations.
func TestDeregTranslations(t *testing.T) {
	var keys []string
	for _, s := range dereg.Steps() {
		keys = append(keys, "dereg.step."+s.String())
	}
	for _, r := range dereg.Reasons() {
		keys = append(keys, "dereg.reason."+string(r))
	}
	for _, item := range dereg.Checklist {
		keys = append(keys, "dereg.env."+item)
	}
	for _, k := range app.DeregCertificateKeys() {
		keys = append(keys, "dereg.cert."+k)
	}
	for _, st := range []app.TerminalStatus{app.StatusUnregistered, app.StatusRegistered, app.StatusDeregistering, app.StatusDeregistered} {
		keys = append(keys, "dereg.status."+string(st))
	}
	for _, p := range app.DefaultPreconditions(nil).All() {
		keys = append(keys, "dereg.pre."+p.Name(), p.Action())
	}
	for _, field := range []string{"merchant", "terminal", "acquirer"} {
		keys = append(keys, "reg.err."+field)
	}
	for _, language := range []string{"en", "zh"} {
		msgs, err := Messages(language)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if strings.TrimSpace(msgs[k]) == "" {
				t.Errorf("%s: no message for %q", language, k)
			}
		}
	}
}

func deregCertText(rows []receipt.Row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.Left + " " + r.Right + "\n")
	}
	return b.String()
}

func deregRowTexts(rows []*widget.Label) string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Text)
	}
	return strings.Join(out, " | ")
}
