// Command tilldesk is the Tilldesk (收银台) POS cashier application.
package main

import (
	"os"

	"tilldesk/app"
	"tilldesk/app/desktop"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr, desktop.Frontend{}))
}
