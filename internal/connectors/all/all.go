// Package all is the one list of connectors compiled into alertsync. Each
// blank import runs the vendor package's init(), which registers its kind
// and config spec; add a vendor here and nowhere else.
package all

import (
	_ "github.com/alertsync/alertsync/internal/connectors/cortexxdr"     // Palo Alto Networks Cortex XDR alerts and incidents (public API)
	_ "github.com/alertsync/alertsync/internal/connectors/crowdstrike"   // CrowdStrike Falcon Insight alerts API
	_ "github.com/alertsync/alertsync/internal/connectors/defendercloud" // Microsoft Defender for Cloud alerts (ARM)
	_ "github.com/alertsync/alertsync/internal/connectors/elastic"       // Elastic Security detection alerts (Kibana)
	_ "github.com/alertsync/alertsync/internal/connectors/graph"         // Microsoft Graph security alerts_v2 and incidents (Defender family)
	_ "github.com/alertsync/alertsync/internal/connectors/httpintake"    // generic authenticated HTTP intake
	_ "github.com/alertsync/alertsync/internal/connectors/lacework"      // Lacework FortiCNAPP alerts API v2
	_ "github.com/alertsync/alertsync/internal/connectors/mde"           // Microsoft Defender for Endpoint alerts API
	_ "github.com/alertsync/alertsync/internal/connectors/o365"          // Office 365 Management Activity API audit log (evidence)
	_ "github.com/alertsync/alertsync/internal/connectors/sekoia"        // Sekoia.io XDR alerts (SIC alert API) and HTTP intake
	_ "github.com/alertsync/alertsync/internal/connectors/sentinel"      // Microsoft Sentinel incidents (ARM)
	_ "github.com/alertsync/alertsync/internal/connectors/sentinelone"   // SentinelOne Singularity threats and STAR alerts (v2.1)
)
