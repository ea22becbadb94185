// Package all is the one list of connectors compiled into alertsync. Each
// blank import runs the vendor package's init(), which registers its kind
// and config spec; add a vendor here and nowhere else.
package all

import (
	_ "github.com/alertsync/alertsync/internal/connectors/httpintake" // generic authenticated HTTP intake
)
