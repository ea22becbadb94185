// Command alertsync keeps every security console a SOC runs in agreement.
package main

import (
	"os"

	"github.com/alertsync/alertsync/internal/app"
	_ "github.com/alertsync/alertsync/internal/bench"          // the bench subcommand
	_ "github.com/alertsync/alertsync/internal/connectors/all" // the compiled-in connectors
	_ "github.com/alertsync/alertsync/internal/demo"           // the demo subcommand
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
}
