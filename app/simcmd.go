package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"tilldesk/devices/sim"
)

// simCommand runs `tilldesk sim`: virtual devices on pseudo-terminals for a till on
// this machine (or a second till started with --config pointing at these ports).
// It prints the port paths; each line typed on stdin is scanned; every receipt the
// printer simulator receives is printed as text and saved as PNG in the out folder.
func simCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	outDir := filepath.Join(os.TempDir(), "tilldesk-sim")
	if len(args) > 0 {
		outDir = args[0]
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		fmt.Fprintln(stderr, "tilldesk sim:", err)
		return 1
	}
	sc, err := sim.StartScanner("\r")
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk sim:", err)
		return 1
	}
	defer sc.Close()
	pr, err := sim.StartPrinter(sim.PrinterColumns(32))
	if err != nil {
		fmt.Fprintln(stderr, "tilldesk sim:", err)
		return 1
	}
	defer pr.Close()
	fmt.Fprintf(stdout, "scanner (suffix CR): %s\nprinter + cash drawer (ESC/POS): %s\n", sc.Path(), pr.Path())
	fmt.Fprintf(stdout, "Point the till at them in config.toml:\n  [devices.scanner]\n  kind = \"serial\"\n  [devices.scanner.serial]\n  path = %q\n  [devices.printer]\n  kind = \"serial\"\n  [devices.printer.serial]\n  path = %q\n", sc.Path(), pr.Path())
	fmt.Fprintln(stdout, "Type a barcode and Enter to scan it; 'paper out', 'paper in', 'cover open', 'cover closed'; Ctrl-D or Ctrl-C quits.")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		printed := 0
		for ctx.Err() == nil {
			if err := pr.WaitReceipts(ctx, printed+1); err != nil {
				return
			}
			printed++
			png := filepath.Join(outDir, fmt.Sprintf("receipt-%03d.png", printed))
			if err := pr.SavePNG(png); err != nil {
				fmt.Fprintln(stderr, "tilldesk sim: save receipt:", err)
			}
			fmt.Fprintf(stdout, "--- receipt %d (%s), drawer kicks %d ---\n%s\n", printed, png, pr.DrawerKicks(), pr.LastReceiptText())
		}
	}()
	return runConsole(ctx, stdin, func(line string) {
		switch line {
		case "":
		case "paper out", "paper in":
			pr.SetPaperOut(line == "paper out")
		case "cover open", "cover closed":
			pr.SetCoverOpen(line == "cover open")
		default:
			if err := sc.Scan(line); err != nil {
				fmt.Fprintln(stderr, "tilldesk sim: scan:", err)
			}
		}
	})
}

// runConsole hands each line typed on stdin (trimmed) to handle until stdin ends or ctx
// is done (Ctrl-C): the simulator commands' interactive loop.
func runConsole(ctx context.Context, stdin io.Reader, handle func(line string)) int {
	lines := make(chan string)
	go func() {
		defer close(lines)
		in := bufio.NewScanner(stdin)
		for in.Scan() {
			lines <- strings.TrimSpace(in.Text())
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return 0
		case line, ok := <-lines:
			if !ok {
				return 0
			}
			handle(line)
		}
	}
}
