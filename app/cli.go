package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"tilldesk/core/catalog"
	"tilldesk/core/journal"
)

// Version is stamped at build time with -ldflags "-X tilldesk/app.Version=...".
var Version = "dev"

// Frontend opens the till's windows (app/desktop implements it with Fyne's GLFW
// driver; app itself never imports a GUI driver).
type Frontend interface {
	// Run opens the cashier window and blocks until it is closed.
	Run(*Session) error
	// Screenshots rings up a demo sale and saves PNGs of the screens into a folder.
	Screenshots(s *Session, dir string) error
	// StartupFailed shows why the till could not start (locked, corrupt or newer
	// journal, bad config) to the person at the till, who may not see a terminal.
	StartupFailed(err error)
}

// Main runs the tilldesk command line and returns the process exit code:
//
//	tilldesk [--config F] [--data-dir D]                  open the till
//	tilldesk journal verify                               check the hash chain
//	tilldesk journal export --format csv|jsonl [--from --to]
//	tilldesk catalog check FILE.csv                       report bad rows
//	tilldesk prepaid import BACKUP | verify               prepaid card ledger
//	tilldesk sim [OUTDIR]                                 virtual scanner and printer on ptys
//	tilldesk acquirer-sim [--addr A] [--mac-key HEX]      sandbox card acquirer (ISO 8583)
//	tilldesk acquirer seal-mac-key < KEY                  seal the acquirer MAC key for config.toml
//	tilldesk screenshots DIR                              save README screenshots
//	tilldesk version
func Main(args []string, stdout, stderr io.Writer, gui Frontend) int {
	fs := flag.NewFlagSet("tilldesk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default: the user's config folder)")
	dataDir := fs.String("data-dir", "", "data folder for the journal and logs (default: the user's data folder)")
	showVersion := fs.Bool("version", false, "print the version")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "tilldesk", Version)
		return 0
	}
	paths, err := DefaultPaths()
	if err != nil && (*cfgPath == "" || *dataDir == "") {
		fmt.Fprintln(stderr, "tilldesk:", err)
		return 1
	}
	if *cfgPath != "" {
		paths.Config = *cfgPath
	}
	if *dataDir != "" {
		paths.DataDir = *dataDir
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return runGUI(paths, stderr, gui.Run, gui.StartupFailed)
	}
	switch rest[0] {
	case "version":
		fmt.Fprintln(stdout, "tilldesk", Version)
		return 0
	case "journal":
		return journalCommand(paths, rest[1:], stdout, stderr)
	case "catalog":
		return catalogCommand(rest[1:], stdout, stderr)
	case "backup":
		return BackupCommand(rest[1:], os.Stdin, stdout, stderr)
	case "prepaid":
		return PrepaidCommand(paths, rest[1:], os.Stdin, stdout, stderr)
	case "wallet":
		return WalletCommand(paths, rest[1:], os.Stdin, stdout, stderr)
	case "sim":
		return simCommand(rest[1:], os.Stdin, stdout, stderr)
	case "acquirer-sim":
		return AcquirerSimCommand(rest[1:], os.Stdin, stdout, stderr)
	case "acquirer":
		return AcquirerCommand(paths, rest[1:], os.Stdin, stdout, stderr)
	case "screenshots":
		if len(rest) != 2 {
			fmt.Fprintln(stderr, "usage: tilldesk --data-dir TMP screenshots OUTDIR")
			return 2
		}
		return runGUI(paths, stderr, func(s *Session) error { return gui.Screenshots(s, rest[1]) }, func(error) {})
	}
	fmt.Fprintf(stderr, "tilldesk: unknown command %q (try: journal verify|export, catalog check, backup open|verify|export, prepaid import|verify, wallet seal|sim, acquirer seal-mac-key, acquirer-sim, sim, screenshots, version)\n", rest[0])
	return 2
}

func runGUI(paths Paths, stderr io.Writer, gui func(*Session) error, failed func(error)) int {
	s, err := Start(paths, nil)
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk: cannot start:", err)
		failed(err)
		return 1
	}
	defer s.Close()
	if err := gui(s); err != nil {
		s.Log.Error("window failed", "err", err)
		fmt.Fprintln(stderr, "tilldesk:", err)
		return 1
	}
	return 0
}

// openJournalReadOnly opens the configured terminal's journal for the ops commands,
// which work while the till is closed (the till holds an exclusive lock while open).
func openJournalReadOnly(paths Paths) (*journal.Journal, error) {
	return journal.Open(paths.Journal(), journal.Options{ReadOnly: true, LockTimeout: 2 * time.Second})
}

func journalCommand(paths Paths, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "tilldesk journal: want verify or export")
		return 2
	}
	switch args[0] {
	case "verify":
		j, err := openJournalReadOnly(paths)
		if err != nil {
			fmt.Fprintln(stderr, "tilldesk journal verify:", err)
			return 1
		}
		defer j.Close()
		res, err := j.Verify()
		if err != nil {
			fmt.Fprintln(stderr, "tilldesk journal verify: FAILED:", err)
			return 1
		}
		if res.Continues.Seq == 0 {
			fmt.Fprintf(stdout, "journal %s: OK, %d records, terminal %s, last hash %s\n", paths.Journal(), res.Records, j.Terminal(), res.LastHash)
		} else {
			fmt.Fprintf(stdout, "journal %s: OK, records %d to %d, terminal %s, last hash %s\n  continues the chain of the journal cleared at deregistration after its record %d (hash %s)\n",
				paths.Journal(), res.Continues.Seq+1, res.Records, j.Terminal(), res.LastHash, res.Continues.Seq, res.Continues.Hash)
		}
		return 0
	case "export":
		return journalExport(paths, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "tilldesk journal: unknown command %q (want verify or export)\n", args[0])
	return 2
}

func journalExport(paths Paths, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("journal export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "csv", "csv or jsonl")
	from := fs.String("from", "", "first day or time to include (2006-01-02 or RFC 3339), local time")
	to := fs.String("to", "", "day or time to stop before (2006-01-02 or RFC 3339), local time")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *format != "csv" && *format != "jsonl" {
		fmt.Fprintf(stderr, "tilldesk journal export: --format %q: want csv or jsonl\n", *format)
		return 2
	}
	var f journal.Filter
	var err error
	if f.From, err = parseWhen(*from); err != nil {
		fmt.Fprintln(stderr, "tilldesk journal export: --from:", err)
		return 2
	}
	if f.To, err = parseWhen(*to); err != nil {
		fmt.Fprintln(stderr, "tilldesk journal export: --to:", err)
		return 2
	}
	j, err := openJournalReadOnly(paths)
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk journal export:", err)
		return 1
	}
	defer j.Close()
	n, err := j.Export(stdout, *format, f)
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk journal export:", err)
		return 1
	}
	fmt.Fprintf(stderr, "exported %d records\n", n)
	return 0
}

func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, time.Local)
	if err != nil {
		return time.Time{}, errors.New("want 2006-01-02 or an RFC 3339 time")
	}
	return t, nil
}

func catalogCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || args[0] != "check" {
		fmt.Fprintln(stderr, "usage: tilldesk catalog check FILE.csv")
		return 2
	}
	f, err := os.Open(args[1])
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk catalog check:", err)
		return 1
	}
	defer f.Close()
	products, rowErrs, err := catalog.ReadCSV(f)
	for _, re := range rowErrs {
		fmt.Fprintf(stdout, "%s:%d: %s\n", args[1], re.Line, re.Reason)
	}
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk catalog check:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d products OK, %d rows refused\n", len(products), len(rowErrs))
	if len(rowErrs) > 0 {
		return 1
	}
	return 0
}
