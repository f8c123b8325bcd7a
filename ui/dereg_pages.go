package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app"
	"tilldesk/core/dereg"
	"tilldesk/core/receipt"
)

// The deregistration wizard's pages, one per step.

// build makes the widgets and the pages.
func (s *DeregScreen) build() {
	s.Title = boldLabel("")
	s.Message = resultLabel()

	s.Identity = resultLabel()
	s.reasons = dereg.Reasons()
	options := make([]string, len(s.reasons))
	for i, r := range s.reasons {
		options[i] = tr("dereg.reason." + string(r))
	}
	s.Reason = widget.NewRadioGroup(options, nil)
	s.ThisTerminal = widget.NewCheck(tr("dereg.this_terminal"), nil)

	s.checks = container.NewVBox()
	s.Recheck = widget.NewButton(tr("dereg.recheck"), func() { s.showChecks(s.wiz.Preconditions()) })

	for _, item := range dereg.Checklist {
		s.Checklist = append(s.Checklist, widget.NewCheck(tr("dereg.env."+item), nil))
	}

	s.TypedTerminal = widget.NewEntry()
	s.TypedMerchant = widget.NewEntry()

	s.BackupDir = widget.NewEntry()
	s.BackupDir.SetPlaceHolder(tr("dereg.backup.dir_hint"))
	s.Browse = widget.NewButton(tr("dereg.backup.browse"), s.browse)
	s.Passphrase = widget.NewPasswordEntry()
	s.PassphraseAgain = widget.NewPasswordEntry()
	s.Progress = widget.NewProgressBar()
	s.BackupResult = resultLabel()

	s.SignOffInfo = resultLabel()
	s.SignOffInfo.SetText(tr("dereg.signoff.hint"))
	s.ConfirmWipe = widget.NewCheck(tr("dereg.wipe.confirm"), nil)

	s.Certificate = container.NewVBox()
	s.Reprint = widget.NewButton(tr("dereg.reprint"), s.reprint)

	s.Back = widget.NewButton(tr("dereg.back"), func() { s.run(s.wiz.Back) })
	s.Next = widget.NewButton(tr("dereg.next"), s.next)
	s.CancelRun = widget.NewButton(tr("dereg.cancel_run"), func() {
		s.run(s.wiz.Cancel)
	})
	s.CancelRun.Importance = widget.DangerImportance
	s.Close = widget.NewButton(tr("dereg.close"), s.Dismiss)

	hint := func(key string) *widget.Label {
		l := resultLabel()
		l.SetText(tr(key))
		return l
	}
	checklist := container.NewVBox(hint("dereg.env.hint"))
	for _, c := range s.Checklist {
		checklist.Add(c)
	}
	details := widget.NewForm(widget.NewFormItem(tr("dereg.details.terminal"), s.TypedTerminal),
		widget.NewFormItem(tr("dereg.details.merchant"), s.TypedMerchant))
	target := container.NewBorder(nil, nil, nil, s.Browse, s.BackupDir)
	backupForm := widget.NewForm(widget.NewFormItem(tr("dereg.backup.dir"), target),
		widget.NewFormItem(tr("dereg.backup.pass"), s.Passphrase),
		widget.NewFormItem(tr("dereg.backup.again"), s.PassphraseAgain))
	paper := container.NewThemeOverride(s.Certificate, compactTheme{})
	s.pages = map[dereg.Step]fyne.CanvasObject{
		dereg.Identify: container.NewVBox(s.Identity, widget.NewSeparator(),
			widget.NewLabel(tr("dereg.reason")), s.Reason, s.ThisTerminal),
		dereg.Preconditions:   container.NewVBox(hint("dereg.pre.hint"), s.checks, container.NewHBox(s.Recheck)),
		dereg.SafeEnvironment: checklist,
		dereg.ConfirmDetails:  container.NewVBox(hint("dereg.details.hint"), details),
		dereg.Backup:          container.NewVBox(hint("dereg.backup.hint"), backupForm, s.Progress, s.BackupResult),
		dereg.SignOff:         container.NewVBox(s.SignOffInfo),
		dereg.ClearAndWipe:    container.NewVBox(hint("dereg.wipe.warning"), s.ConfirmWipe),
		dereg.Void:            container.NewVBox(hint("dereg.void.hint")),
		dereg.Record:          container.NewVBox(hint("dereg.record.hint")),
		dereg.Done:            container.NewBorder(hint("dereg.done.hint"), container.NewHBox(s.Reprint), nil, nil, paper),
	}
}

// showIdentity fills the Identify page with the terminal as registered.
func (s *DeregScreen) showIdentity() {
	id, err := s.wiz.Identity()
	if err != nil {
		s.fail(err)
		return
	}
	s.Identity.SetText(IdentityText(id))
}

// IdentityText is the terminal's identity as the settings and the wizard show it.
func IdentityText(id app.TerminalIdentity) string {
	pinpad, registered := id.PINPadSerial, "—"
	if pinpad == "" {
		pinpad = tr("dereg.none")
	}
	if !id.Registered.IsZero() {
		registered = id.Registered.Local().Format("2006-01-02 15:04")
	}
	return trf("dereg.identity", map[string]any{"Merchant": id.Merchant, "Terminal": id.Terminal, "PINPad": pinpad,
		"Registered": registered, "Status": tr("dereg.status." + string(id.Status))})
}

// showChecks lists the preconditions' results, each failing one with its action.
func (s *DeregScreen) showChecks(results []dereg.Result) {
	s.CheckRows, s.ActionButtons = s.CheckRows[:0], nil
	s.checks.RemoveAll()
	for _, r := range results {
		name := trOr("dereg.pre."+r.Name, r.Name)
		row := resultLabel()
		if r.OK() {
			row.SetText(trf("dereg.pre.ok", map[string]any{"Name": name}))
			row.Importance = widget.SuccessImportance
		} else {
			row.SetText(trf("dereg.pre.failing", map[string]any{"Name": name, "Action": trOr(r.Action, r.Action), "Detail": r.Err.Error()}))
			row.Importance = widget.DangerImportance
		}
		s.CheckRows = append(s.CheckRows, row)
		s.checks.Add(row)
		if b := s.actionButton(r); b != nil {
			s.checks.Add(container.NewHBox(b))
		}
	}
	if len(results) == 0 {
		s.checks.Add(widget.NewLabel(tr("dereg.pre.none")))
	}
}

// showCertificate shows the certificate as printed.
func (s *DeregScreen) showCertificate() {
	rec, err := s.wiz.Certificate()
	if err != nil {
		s.fail(err)
		return
	}
	s.Certificate.RemoveAll()
	for _, row := range rec.Rows(certLabel) {
		s.Certificate.Add(receiptRow(row))
	}
}

// CertificateRows are the rows of the certificate shown on the Done page.
func (s *DeregScreen) CertificateRows() []receipt.Row {
	rec, err := s.wiz.Certificate()
	if err != nil {
		return nil
	}
	return rec.Rows(certLabel)
}

// reprint prints the certificate again.
func (s *DeregScreen) reprint() {
	s.background("reprint", func(ctx context.Context) error { return s.wiz.PrintCertificate(ctx, certLabel) }, func(err error) {
		if err == nil {
			s.say(tr("dereg.reprinted"), false)
		}
	})
}

// browse picks the backup folder with the system's folder dialog.
func (s *DeregScreen) browse() {
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
		if err == nil && dir != nil {
			s.BackupDir.SetText(dir.Path())
		}
	}, s.win)
}
