package app

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"tilldesk/core/backup"
	"tilldesk/core/dereg"
	"tilldesk/core/journal"
)

// PassphraseEnv names the environment variable the backup commands take the
// passphrase from; without it they ask on standard input.
const PassphraseEnv = "TILLDESK_BACKUP_PASSPHRASE"

// BackupCommand runs `tilldesk backup open|verify|export FILE` and returns the exit
// code (0 done, 1 failed, 2 usage):
//
//	tilldesk backup open FILE                        check the file, print its manifest
//	tilldesk backup verify FILE                      decrypt, walk the journal's chain, compare with the manifest
//	tilldesk backup export FILE --format csv|jsonl   the backed-up journal's records on stdout
//
// All take --tmp DIR, where the decrypted copy lives while it is read (wiped after).
func BackupCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprintln(stderr, "usage: tilldesk backup open|verify|export FILE [--format csv|jsonl] [--tmp DIR]")
		return 2
	}
	if len(args) == 0 {
		return usage()
	}
	cmd := args[0]
	fs := flag.NewFlagSet("backup "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "csv", "export format: csv or jsonl")
	tmp := fs.String("tmp", "", "folder for the decrypted copy (default: the system's temporary folder)")
	files, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return 2
	}
	if len(files) != 1 || (cmd != "open" && cmd != "verify" && cmd != "export") {
		return usage()
	}
	if cmd == "export" && *format != "csv" && *format != "jsonl" {
		fmt.Fprintf(stderr, "tilldesk backup export: --format %q: want csv or jsonl\n", *format)
		return 2
	}
	pass, err := readPassphrase(stdin, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk backup:", err)
		return 1
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "tilldesk backup %s: %v\n", cmd, err)
		return 1
	}
	file := files[0]
	switch cmd {
	case "open":
		m, sum, err := openBackupFile(file, pass)
		if err != nil {
			return fail(err)
		}
		printManifest(stdout, file, sum, m)
	case "verify":
		rep, err := backup.Verify(file, pass, *tmp, nil)
		if err != nil {
			return fail(err)
		}
		printManifest(stdout, file, rep.FileSHA256, rep.Manifest)
		fmt.Fprintf(stdout, "verified:  OK, %d records, hash chain intact, last hash %s\n", rep.Records, rep.LastHash)
	case "export":
		s, err := backup.OpenJournal(file, pass, *tmp)
		if err != nil {
			return fail(err)
		}
		n, err := s.Journal.Export(stdout, *format, journal.Filter{})
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stderr, "exported %d records\n", n)
	}
	return 0
}

// parseInterleaved parses flags that may come before or after the positional
// arguments, which it returns.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// readPassphrase takes the passphrase from the environment or the first line of stdin.
func readPassphrase(stdin io.Reader, stderr io.Writer) (string, error) {
	if p := os.Getenv(PassphraseEnv); p != "" {
		return p, nil
	}
	fmt.Fprint(stderr, "Backup passphrase: ")
	line, err := bufio.NewReader(stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err == nil || errors.Is(err, io.EOF) {
			err = fmt.Errorf("no passphrase (set %s or type it)", PassphraseEnv)
		}
		return "", err
	}
	return line, nil
}

// openBackupFile reads the whole file, authenticating every chunk, and returns its
// manifest and SHA-256.
func openBackupFile(path, pass string) (backup.Manifest, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return backup.Manifest{}, "", err
	}
	defer f.Close()
	h := sha256.New()
	m, snap, err := backup.Open(io.TeeReader(f, h), pass)
	if err == nil {
		_, err = io.Copy(io.Discard, snap)
	}
	if err != nil {
		return m, "", fmt.Errorf("%s: %w", path, err)
	}
	return m, hex.EncodeToString(h.Sum(nil)), nil
}

func printManifest(w io.Writer, path, sum string, m backup.Manifest) {
	fmt.Fprintf(w, "file:      %s\nsha256:    %s\nterminal:  %s\nmerchant:  %s\ncreated:   %s\nrecords:   %d\nlast hash: %s\n",
		path, sum, m.Terminal, m.Merchant, m.Created.Local().Format("2006-01-02 15:04:05 -0700"), m.Records, m.LastHash)
	if m.AppVersion != "" {
		fmt.Fprintf(w, "tilldesk:  %s\n", m.AppVersion)
	}
	var d dereg.State
	if len(m.Dereg) > 0 && json.Unmarshal(m.Dereg, &d) == nil {
		fmt.Fprintf(w, "deregistration: %s, reason %s, started by %s at %s\n", d.Run, d.Reason, d.Operator, d.Started.Local().Format("2006-01-02 15:04:05"))
	}
}
