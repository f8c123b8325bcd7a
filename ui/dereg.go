package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/dereg"
)

// deregJobTimeout bounds a background step (a backup of a large journal to a slow
// USB stick, a sign-off).
var deregJobTimeout = 15 * time.Minute

// DeregScreen is the terminal deregistration wizard for managers and technicians: one
// page per step of app.DeregWizard, Back and Next, and Close, which leaves the
// deregistration where it is (a new screen over a new wizard resumes it). The backup,
// sign-off, clear and certificate run off the UI goroutine. It is a modal over the
// window; its widgets are exported so tests drive it as a person does.
type DeregScreen struct {
	Title   *widget.Label // "step n of 9: ..."
	Message *widget.Label // the last action's outcome; errors with DangerImportance

	// Identify: the terminal as registered, the reason, and the confirmation.
	Identity     *widget.Label
	Reason       *widget.RadioGroup
	ThisTerminal *widget.Check
	// Preconditions: one row per check, failing ones with their action.
	CheckRows []*widget.Label
	Recheck   *widget.Button
	// ActionButtons: a button per failing check whose action the screen can take
	// itself (AddAction).
	ActionButtons []*widget.Button
	// SafeEnvironment: one check box per dereg.Checklist item, in that order.
	Checklist []*widget.Check
	// ConfirmDetails: the IDs as the operator types them.
	TypedTerminal *widget.Entry
	TypedMerchant *widget.Entry
	// Backup: target folder, passphrase twice, progress, verification result.
	BackupDir       *widget.Entry
	Browse          *widget.Button
	Passphrase      *widget.Entry
	PassphraseAgain *widget.Entry
	Progress        *widget.ProgressBar
	BackupResult    *widget.Label
	// SignOff, ClearAndWipe, Void, Record: what the step will do.
	SignOffInfo *widget.Label
	ConfirmWipe *widget.Check
	// Done: the certificate as printed, and Reprint.
	Certificate *fyne.Container
	Reprint     *widget.Button

	Back      *widget.Button
	Next      *widget.Button
	CancelRun *widget.Button // abandons the deregistration (before the clear)
	Close     *widget.Button // leaves it to resume later

	// OnClosed, if set, is called on the UI goroutine when the screen closes.
	OnClosed func()

	win     fyne.Window
	wiz     *app.DeregWizard
	log     *slog.Logger
	popup   *widget.PopUp
	pages   map[dereg.Step]fyne.CanvasObject
	body    *fyne.Container
	checks  *fyne.Container // holds CheckRows
	reasons []dereg.Reason  // Reason's options, in order
	busy    bool
	ctx     context.Context // ends when the screen closes
	cancel  context.CancelFunc
	jobs    sync.WaitGroup // background steps (tests wait on it)

	// actions are the fixes AddAction registered, by action key.
	actions map[string]deregAction
}

// ShowDeregScreen opens the wizard over win, at the step wiz is at. Build wiz with
// app.DeregOptions{OnUI: fyne.DoAndWait}: its backup and clear steps run on a worker
// goroutine and swap the till's journal, which the cashier screen reads.
func ShowDeregScreen(win fyne.Window, wiz *app.DeregWizard) *DeregScreen {
	s := &DeregScreen{win: win, wiz: wiz, log: slog.Default().With("screen", "deregistration")}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.build()
	s.popup = widget.NewModalPopUp(container.NewPadded(s.layout()), win.Canvas())
	size := win.Canvas().Size()
	s.popup.Resize(fyne.NewSize(min(900, size.Width-40), min(720, size.Height-40)))
	s.refresh()
	s.popup.Show()
	s.log.Info("deregistration screen opened", "step", wiz.State().Step.String())
	return s
}

// Dismiss closes the screen; the deregistration stays where it is.
func (s *DeregScreen) Dismiss() {
	s.cancel()
	s.popup.Hide()
	if s.OnClosed != nil {
		s.OnClosed()
	}
}

// layout is the title, the current step's page, the message and the buttons.
func (s *DeregScreen) layout() fyne.CanvasObject {
	s.body = container.NewStack()
	buttons := container.NewHBox(s.Close, s.CancelRun, s.Back, s.Next)
	bottom := container.NewVBox(s.Message, container.NewBorder(nil, nil, nil, buttons))
	return container.NewBorder(s.Title, bottom, nil, nil, container.NewVScroll(s.body))
}

// refresh shows the page of the wizard's step and sets the buttons for it.
func (s *DeregScreen) refresh() {
	st := s.wiz.State()
	s.Title.SetText(trf("dereg.title", map[string]any{"N": int(st.Step), "Of": int(dereg.Done), "Step": tr("dereg.step." + st.Step.String())}))
	switch st.Step {
	case dereg.Identify:
		s.showIdentity()
	case dereg.Preconditions:
		s.showChecks(s.wiz.Preconditions())
	case dereg.Done:
		s.showCertificate()
	}
	s.body.Objects = []fyne.CanvasObject{s.pages[st.Step]}
	s.body.Refresh()
	s.Next.SetText(tr(nextLabel(st.Step)))
	s.Next.Importance = widget.HighImportance
	if st.Step == dereg.ClearAndWipe {
		s.Next.Importance = widget.DangerImportance
	}
	s.Next.Refresh()
	setEnabled(!s.busy && st.Step < dereg.Done, s.Next)
	setEnabled(!s.busy && st.Step > dereg.Identify && st.Step <= dereg.ClearAndWipe, s.Back, s.CancelRun)
	setEnabled(!s.busy, s.Close, s.Reprint, s.Recheck, s.Browse)
}

// nextLabel is the Next button's message key at step.
func nextLabel(step dereg.Step) string {
	switch step {
	case dereg.Backup:
		return "dereg.backup.start"
	case dereg.ClearAndWipe:
		return "dereg.wipe.start"
	case dereg.Record:
		return "dereg.record.print"
	}
	return "dereg.next"
}

// next does the current step with what is on its page.
func (s *DeregScreen) next() {
	switch st := s.wiz.State(); st.Step {
	case dereg.Identify:
		s.run(s.start)
	case dereg.Preconditions:
		s.run(func() error {
			results, err := s.wiz.CheckPreconditions()
			s.showChecks(results)
			return err
		})
	case dereg.SafeEnvironment:
		var confirmed []string
		for i, c := range s.Checklist {
			if c.Checked {
				confirmed = append(confirmed, dereg.Checklist[i])
			}
		}
		s.run(func() error { return s.wiz.ConfirmEnvironment(confirmed) })
	case dereg.ConfirmDetails:
		s.run(func() error { return s.wiz.ConfirmDetails(s.TypedTerminal.Text, s.TypedMerchant.Text) })
	case dereg.Backup:
		s.backup()
	case dereg.SignOff:
		s.background("sign-off", func(ctx context.Context) error { return s.wiz.SignOff(ctx) }, func(err error) {
			if err == nil {
				s.say(signOffText(s.wiz.State().SignOff), false)
			}
		})
	case dereg.ClearAndWipe:
		if !s.ConfirmWipe.Checked {
			s.say(tr("dereg.err.confirm_wipe"), true)
			return
		}
		s.background("clear and wipe", func(context.Context) error { return s.wiz.ClearAndWipe() }, func(err error) {
			if err == nil {
				s.say(tr("dereg.wipe.done"), false)
			}
		})
	case dereg.Void:
		s.run(s.wiz.Void)
	case dereg.Record:
		s.background("record", func(ctx context.Context) error {
			_, err := s.wiz.Record(ctx, certLabel)
			return err
		}, func(err error) {
			if err == nil {
				s.say(tr("dereg.done.hint"), false)
			}
		})
	}
}

// start is the Identify step.
func (s *DeregScreen) start() error {
	if !s.ThisTerminal.Checked {
		return errConfirmTerminal
	}
	i := slices.Index(s.Reason.Options, s.Reason.Selected)
	if i < 0 {
		return dereg.ErrBadReason
	}
	return s.wiz.Start(s.reasons[i])
}

var errConfirmTerminal = errors.New("the operator did not confirm the terminal")

// backup is the Backup step, off the UI goroutine, with progress.
func (s *DeregScreen) backup() {
	dir, pass, again := s.BackupDir.Text, s.Passphrase.Text, s.PassphraseAgain.Text
	s.Progress.SetValue(0)
	s.BackupResult.SetText(tr("dereg.backup.working"))
	progress := func(done, total int64) {
		if total > 0 {
			fyne.Do(func() { s.Progress.SetValue(float64(done) / float64(total)) })
		}
	}
	s.background("backup", func(ctx context.Context) error {
		rep, err := s.wiz.Backup(ctx, dir, pass, again, progress)
		if err != nil {
			return err
		}
		text := trf("dereg.backup.verified", map[string]any{"Records": rep.Records, "File": s.wiz.State().Backup.File, "Hash": rep.FileSHA256})
		fyne.Do(func() { s.BackupResult.SetText(text); s.say(text, false) })
		return nil
	}, func(err error) {
		if err != nil {
			s.BackupResult.SetText("")
			s.Progress.SetValue(0)
		} else {
			s.Passphrase.SetText("") // not kept on screen longer than needed
			s.PassphraseAgain.SetText("")
		}
	})
}

// run does a quick step on the UI goroutine and shows its outcome.
func (s *DeregScreen) run(step func() error) {
	if err := step(); err != nil {
		s.fail(err)
	} else {
		s.say("", false)
	}
	s.refresh()
}

// background runs a long step off the UI goroutine with the buttons disabled, then
// done and a refresh on the UI goroutine. Closing the screen cancels its context.
func (s *DeregScreen) background(what string, work func(context.Context) error, done func(error)) {
	s.busy = true
	s.say(tr("dereg.working"), false)
	s.refresh()
	s.log.Info("deregistration step started", "step", what)
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		ctx, cancel := context.WithTimeout(s.ctx, deregJobTimeout)
		defer cancel()
		err := work(ctx)
		fyne.Do(func() {
			s.busy = false
			if err != nil {
				s.fail(err)
			}
			done(err)
			s.refresh()
		})
	}()
}

// say shows a message; fail shows an error.
func (s *DeregScreen) say(text string, isErr bool) {
	s.Message.SetText(text)
	s.Message.Importance = widget.MediumImportance
	if isErr {
		s.Message.Importance = widget.DangerImportance
	}
	s.Message.Refresh()
}

func (s *DeregScreen) fail(err error) {
	s.log.Warn("deregistration step refused", "step", s.wiz.State().Step.String(), "err", err)
	s.say(deregErrorText(err), true)
}

// deregErrorText explains a refused step, then gives the technical detail.
func deregErrorText(err error) string {
	for _, m := range []struct {
		target error
		key    string
	}{
		{errConfirmTerminal, "dereg.err.confirm_terminal"},
		{dereg.ErrBadReason, "dereg.err.reason"},
		{dereg.ErrPreconditions, "dereg.err.preconditions"},
		{dereg.ErrChecklist, "dereg.err.checklist"},
		{dereg.ErrDetailsMismatch, "dereg.err.mismatch"},
		{app.ErrPassphraseMismatch, "dereg.err.pass_mismatch"},
		{app.ErrPassphraseShort, "dereg.err.pass_short"},
		{app.ErrBackupTarget, "dereg.err.target"},
		{app.ErrBackupVerify, "dereg.err.verify"},
		{app.ErrChangedSinceBackup, "dereg.err.changed"},
		{app.ErrDeregistered, "dereg.err.deregistered"},
	} {
		if errors.Is(err, m.target) {
			return tr(m.key) + "\n" + err.Error()
		}
	}
	if errors.Is(err, app.ErrNoPrinter) || errors.Is(err, context.DeadlineExceeded) {
		return tr("dereg.err.print") + "\n" + errorText(err)
	}
	return errorText(err)
}

// certLabel translates the certificate's words (app.DeregCertificateKeys).
func certLabel(key string) string { return tr("dereg.cert." + key) }

// trOr translates key, or returns fallback when there is no such message.
func trOr(key, fallback string) string {
	if v := tr(key); v != key {
		return v
	}
	return fallback
}

// signOffText says how the sign-off went.
func signOffText(so *dereg.SignOffInfo) string {
	if so == nil {
		return ""
	}
	if so.Status == dereg.SignOffDone {
		return tr("dereg.signoff.done")
	}
	return fmt.Sprintf("%s\n%s", tr("dereg.signoff.pending"), so.Note)
}
