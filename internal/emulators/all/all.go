// Package all is the one list of vendor emulators compiled into the demo
// and `alertsync emulate`. Each blank import runs the emulator package's
// init(), which registers it; add a vendor here and nowhere else.
package all

import (
	_ "github.com/alertsync/alertsync/internal/emulators/cortexxdr"     // Palo Alto Networks Cortex XDR public API
	_ "github.com/alertsync/alertsync/internal/emulators/crowdstrike"   // CrowdStrike Falcon Insight alerts API
	_ "github.com/alertsync/alertsync/internal/emulators/defendercloud" // Microsoft Defender for Cloud alerts (ARM)
	_ "github.com/alertsync/alertsync/internal/emulators/elastic"       // Elastic Security detection alerts (Kibana)
	_ "github.com/alertsync/alertsync/internal/emulators/graph"         // Microsoft Graph security alerts_v2 and incidents
	_ "github.com/alertsync/alertsync/internal/emulators/lacework"      // Lacework FortiCNAPP alerts API v2
	_ "github.com/alertsync/alertsync/internal/emulators/mde"           // Microsoft Defender for Endpoint alerts API
	_ "github.com/alertsync/alertsync/internal/emulators/o365"          // Office 365 Management Activity API audit log
	_ "github.com/alertsync/alertsync/internal/emulators/sekoia"        // Sekoia.io SIC alert API and HTTP intake
	_ "github.com/alertsync/alertsync/internal/emulators/sentinel"      // Microsoft Sentinel incidents (ARM)
	_ "github.com/alertsync/alertsync/internal/emulators/sentinelone"   // SentinelOne Singularity threats and STAR alerts (v2.1)
)
