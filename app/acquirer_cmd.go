package app

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"tilldesk/app/acquirersim"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/mac"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/devices/sim/emvcard"
)

// AcquirerSimCommand runs `tilldesk acquirer-sim [--addr HOST:PORT] [--mac-key HEX]`:
// the sandbox acquirer for a till on this machine (or another), until the end of
// standard input (or Ctrl-C). It prints its address, the [acquirer] settings that point a
// till at it, and the virtual cards; then reads commands, one a line:
//
//	ledger | settlements | balance CARD (a profile name, e.g. visa)
//	fault sale|qrsale|qrorder|reversal|advice|settlement|any ignore|drop|close|garbage|badmac|late SECONDS|code CODE [TIMES]
//	clear
func AcquirerSimCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acquirer-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:5800", "address to listen on")
	macKey := fs.String("mac-key", "", "X9.19 MAC key in hexadecimal (32 digits); none when empty")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return 2
	}
	opt := acquirersim.Options{Addr: *addr}
	if *macKey != "" {
		key, err := hex.DecodeString(*macKey)
		if err == nil {
			opt.MAC, err = mac.NewRetail(key)
		}
		if err != nil {
			fmt.Fprintln(stderr, "tilldesk acquirer-sim: --mac-key: want 32 hexadecimal digits")
			return 2
		}
	}
	sb, err := acquirersim.Start(opt)
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk acquirer-sim:", err)
		return 1
	}
	defer sb.Close()
	fmt.Fprintf(stdout, "sandbox acquirer on %s (TPDU and UnionPay header framing)\nPoint a till at it in config.toml:\n  [acquirer]\n  host = %q\n", sb.Addr(), sb.Addr())
	if *macKey != "" {
		fmt.Fprintln(stdout, "  mac = \"x9.19\"\n  mac_key = (the output of: echo KEY | tilldesk acquirer seal-mac-key)")
	}
	fmt.Fprintln(stdout, "Virtual cards (balance ¥10,000 each):")
	for _, p := range emvcard.Profiles() {
		for _, a := range p.Applications {
			fmt.Fprintf(stdout, "  %-10s %s %s\n", p.Name, iso8583.MaskPAN(a.PAN), a.Label)
		}
	}
	fmt.Fprintln(stdout, "Commands: ledger, settlements, balance CARD, fault KIND ACTION [TIMES], clear; Ctrl-D or Ctrl-C quits.")
	fmt.Fprintln(stdout, "  fault KIND: sale, qrsale, qrorder, reversal, advice, settlement, any; ACTION: ignore, drop, close, garbage, badmac, late SECONDS, code CODE")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return runConsole(ctx, stdin, func(line string) {
		if err := simAcquirerLine(sb, line, stdout); err != nil {
			fmt.Fprintln(stderr, "tilldesk acquirer-sim:", err)
		}
	})
}

// simAcquirerLine runs one command of AcquirerSimCommand.
func simAcquirerLine(sb *acquirersim.Server, line string, stdout io.Writer) error {
	f := strings.Fields(line)
	switch {
	case len(f) == 0:
	case f[0] == "ledger":
		for _, t := range sb.Transactions("") {
			fmt.Fprintf(stdout, "%s %s/%s %-6s %s %10d %s %s %s\n", t.Terminal, t.Batch, t.STAN, t.Kind, t.MaskedPAN, t.Amount, t.ResponseCode, t.Status, t.RRN)
		}
	case f[0] == "settlements":
		for _, s := range sb.Settlements() {
			fmt.Fprintf(stdout, "%s batch %s balanced=%v after_upload=%v uploaded=%d missing=%v extra=%v\n", s.Terminal, s.Batch, s.Balanced, s.AfterUpload, s.Uploaded, s.Missing, s.Extra)
		}
	case f[0] == "balance" && len(f) == 2:
		number := f[1]
		if p, ok := emvcard.Lookup(number); ok { // a card by its profile name
			number = p.Applications[0].PAN
		}
		b, ok := sb.Balance(number)
		if !ok {
			return fmt.Errorf("no virtual card %s", iso8583.MaskPAN(number))
		}
		fmt.Fprintf(stdout, "%s: %d fen\n", iso8583.MaskPAN(number), b)
	case f[0] == "clear":
		sb.ClearFaults()
	case f[0] == "fault" && len(f) >= 3:
		fault, err := parseFault(f[1:])
		if err != nil {
			return err
		}
		sb.Inject(fault)
		fmt.Fprintln(stdout, "fault armed:", strings.Join(f[1:], " "))
	default:
		return fmt.Errorf("unknown command %q", line)
	}
	return nil
}

// parseFault reads "KIND ACTION [ARG] [TIMES]".
func parseFault(f []string) (acquirersim.Fault, error) {
	kinds := map[string]posmsg.Kind{"any": posmsg.KindUnknown, "sale": posmsg.KindSale, "reversal": posmsg.KindReversal,
		"advice": posmsg.KindOfflineAdvice, "settlement": posmsg.KindSettlement, "signon": posmsg.KindSignOn, "void": posmsg.KindVoid, "refund": posmsg.KindRefund,
		"qrsale": posmsg.KindQRSale, "qrorder": posmsg.KindQROrder}
	k, ok := kinds[f[0]]
	if !ok {
		return acquirersim.Fault{}, fmt.Errorf("fault: unknown kind %q", f[0])
	}
	fault := acquirersim.Fault{Kind: k}
	rest := f[2:]
	switch f[1] {
	case "ignore":
		fault.Ignore = true
	case "drop":
		fault.Drop = true
	case "close":
		fault.Close = true
	case "garbage":
		fault.Garbage = true
	case "badmac":
		fault.BadMAC = true
	case "late", "code":
		if len(rest) == 0 {
			return fault, fmt.Errorf("fault %s: needs a value", f[1])
		}
		if f[1] == "code" {
			fault.Code = rest[0]
		} else {
			secs, err := strconv.ParseFloat(rest[0], 64)
			if err != nil {
				return fault, fmt.Errorf("fault late: %w", err)
			}
			fault.Delay = time.Duration(secs * float64(time.Second))
		}
		rest = rest[1:]
	default:
		return fault, fmt.Errorf("fault: unknown action %q", f[1])
	}
	if len(rest) > 0 {
		n, err := strconv.Atoi(rest[0])
		if err != nil {
			return fault, fmt.Errorf("fault: times %q: %w", rest[0], err)
		}
		fault.Times = n
	}
	return fault, nil
}

// AcquirerCommand runs `tilldesk acquirer seal-mac-key < KEY`: it seals the acquirer
// MAC key (hexadecimal, 16, 32 or 48 digits) with this machine's secret key, the one
// mechanism every secret in the configuration uses, and prints the line for
// config.toml.
func AcquirerCommand(paths Paths, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] != "seal-mac-key" {
		fmt.Fprintln(stderr, "usage: tilldesk acquirer seal-mac-key < key-in-hex")
		return 2
	}
	secret, err := readSecretInput(stdin)
	if err == nil {
		var key []byte
		key, err = hex.DecodeString(strings.TrimSpace(string(secret)))
		if err != nil {
			err = errors.New("the key must be hexadecimal") // the decoder's error would quote it
		} else if len(key) != 8 && len(key) != 16 && len(key) != 24 {
			err = fmt.Errorf("a MAC key is 8, 16 or 24 bytes, not %d", len(key))
		}
		clear(key)
	}
	var sealed string
	if err == nil {
		sealed, err = SealSecret(paths, MACKeySetting, []byte(strings.TrimSpace(string(secret))))
	}
	clear(secret)
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk acquirer seal-mac-key:", err)
		return 1
	}
	fmt.Fprintf(stdout, "# in [acquirer] of %s:\nmac_key = %q\n", paths.Config, sealed)
	return 0
}
