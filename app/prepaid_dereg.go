package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"tilldesk/core/backup"
	"tilldesk/core/dereg"
	"tilldesk/core/journal"
	"tilldesk/core/prepaid"
)

// The prepaid ledger is the store's liability to its card holders. Deregistration
// refuses while card payments of unfinished sales are pending (they are not settled
// data), and while the ledger does not verify; the backup holds the whole journal and
// so the ledger; the wizard's clear drops the ledger from the retired terminal only
// after that backup is verified (it says so in the deregistration record); and the
// replacement terminal imports it from the backup (ImportPrepaidBackup, or
// `tilldesk prepaid import BACKUP`), so the balances survive the swap.

// ErrPrepaidPending says card payments of unfinished sales are still pending.
var ErrPrepaidPending = errors.New("prepaid card payments of unfinished sales are pending")

// AddDeregPreconditions registers the prepaid preconditions of deregistration:
// "prepaid_no_pending" (action: Resolve, which gives the payments back) and
// "prepaid_ledger_verified" (action: a technician looks at the journal).
func (d *PrepaidDesk) AddDeregPreconditions(r *dereg.Registry) {
	r.Register(dereg.Func("prepaid_no_pending", "dereg.action.prepaid_resolve", func() error {
		p, err := d.ledger.PendingPayments()
		if err != nil {
			return fmt.Errorf("prepaid ledger unreadable: %w", err)
		}
		if len(p) > 0 {
			return fmt.Errorf("%w: %d", ErrPrepaidPending, len(p))
		}
		return nil
	}))
	r.Register(dereg.Func("prepaid_ledger_verified", "dereg.action.prepaid_verify", func() error {
		_, err := d.ledger.Verify()
		return err
	}))
}

// ImportPrepaidBackup imports the prepaid ledger of a retired terminal from its
// deregistration backup (decrypted into tmpDir while read, wiped after). Every card
// comes back with its balance as an "import" movement naming the backup's file hash
// and last record; importing the same backup again moves nothing.
func ImportPrepaidBackup(l *prepaid.Ledger, path, passphrase, tmpDir string) (prepaid.ImportResult, error) {
	snap, err := OpenBackup(path, passphrase, tmpDir)
	if err != nil {
		return prepaid.ImportResult{}, err
	}
	res, err := ImportLedger(l, snap)
	return res, errors.Join(err, snap.Close())
}

// ImportLedger imports the ledger of an opened backup (see ImportPrepaidBackup).
func ImportLedger(l *prepaid.Ledger, snap *backup.Snapshot) (prepaid.ImportResult, error) {
	src := prepaid.Source{Terminal: snap.Manifest.Terminal, BackupSHA256: snap.FileSHA256,
		LastSeq: snap.Manifest.Records, LastHash: snap.Manifest.LastHash}
	res, err := l.Import(snap.Journal, src)
	if err != nil {
		return res, fmt.Errorf("prepaid import from terminal %s's backup: %w", src.Terminal, err)
	}
	return res, nil
}

// ImportBackup imports a retired terminal's ledger into this till's (see
// ImportPrepaidBackup), decrypting into the data folder's private temporary folder.
func (d *PrepaidDesk) ImportBackup(paths Paths, path, passphrase string) (prepaid.ImportResult, error) {
	res, err := ImportPrepaidBackup(d.ledger, path, passphrase, BackupTempDir(paths))
	if err == nil {
		d.log.Info("prepaid ledger imported", "backup", path, "cards", res.Cards, "imported", res.Imported, "already", res.Already, "liability", res.Liability.Plain())
	}
	return res, err
}

// PrepaidCommand runs `tilldesk prepaid import|verify` and returns the exit code (0
// done, 1 failed, 2 usage). They open the till's journal for writing, so the till must
// be closed:
//
//	tilldesk prepaid import BACKUP [--tmp DIR]   bring a retired terminal's cards here
//	tilldesk prepaid verify                      replay the ledger, print the liability
//
// The backup's passphrase comes from TILLDESK_BACKUP_PASSPHRASE or standard input.
func PrepaidCommand(paths Paths, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprintln(stderr, "usage: tilldesk prepaid import BACKUP [--tmp DIR] | tilldesk prepaid verify")
		return 2
	}
	if len(args) == 0 {
		return usage()
	}
	cmd := args[0]
	fs := flag.NewFlagSet("prepaid "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tmp := fs.String("tmp", "", "folder for the decrypted copy (default: the data folder's private temporary folder)")
	files, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return 2
	}
	if !(cmd == "import" && len(files) == 1) && !(cmd == "verify" && len(files) == 0) {
		return usage()
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "tilldesk prepaid %s: %v\n", cmd, err)
		return 1
	}
	var pass string
	if cmd == "import" {
		if pass, err = readPassphrase(stdin, stderr); err != nil {
			return fail(err)
		}
	}
	cfg, err := LoadConfig(paths.Config)
	if err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(paths.DataDir, 0o700); err != nil { // a replacement terminal may import before its first start
		return fail(fmt.Errorf("data folder: %w", err))
	}
	j, err := journal.Open(paths.Journal(), journal.Options{Terminal: cfg.Terminal.ID})
	if err != nil {
		if errors.Is(err, journal.ErrLocked) {
			err = fmt.Errorf("%w: close the till first", err)
		}
		return fail(err)
	}
	defer j.Close()
	l, err := prepaid.New(func() *journal.Journal { return j }, prepaid.Options{Policy: cfg.Prepaid.Policy(), Terminal: cfg.Terminal.ID, Now: time.Now})
	if err != nil {
		return fail(err)
	}
	if cmd == "import" {
		dir := *tmp
		if dir == "" {
			dir = BackupTempDir(paths)
		}
		res, err := ImportPrepaidBackup(l, files[0], pass, dir)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "backup %s: %d cards, %d imported now, %d imported before, liability %s\n",
			files[0], res.Cards, res.Imported, res.Already, res.Liability.Format())
	}
	v, err := l.Verify()
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "prepaid ledger %s: OK, %d cards, %d movements, %d pending, liability %s\n",
		paths.Journal(), v.Cards, v.Movements, v.Pending, v.Liability.Format())
	return 0
}
