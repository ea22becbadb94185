package sentinel

import (
	"fmt"
	"io"
)

// WalkthroughRelation names the relation that puts the second alert on a
// VM into the first one's incident in the `alertsync emulate` walk-through.
const WalkthroughRelation = "emulate-seed-related-alert"

// SeedWalkthrough relates the second alert on a VM to the first one's
// incident the documented way (an incident relation whose
// relatedResourceId is the alert's entity id); the alert keeps its own
// incident too. The Defender for Cloud alerts it needs were raised before
// (the vendor runs after Defender for Cloud).
func (d demo) SeedWalkthrough() error {
	inc, second, err := d.e.SharedHostPair()
	if err != nil {
		return fmt.Errorf("seed multi-alert incident: %w", err)
	}
	if _, _, err := d.e.PutRelation(inc, WalkthroughRelation, nil, d.e.AlertResourceID(second), "alertsync emulate"); err != nil {
		return fmt.Errorf("seed multi-alert incident: %w", err)
	}
	return nil
}

// Describe lists the incidents and the requests that act on them: rows 5
// and 6 of the seed's table are incident PUTs.
func (d demo) Describe(w io.Writer, base string) {
	sen, v := base+d.e.BasePath(), "?api-version="+APIVersion
	_, _ = fmt.Fprintln(w, "  Incidents (rule \"Create incidents based on Microsoft Defender for Cloud\"):")
	multi := ""
	for _, in := range d.e.Incidents() {
		ids := d.e.IncidentAlertIDs(in.Name)
		_, _ = fmt.Fprintf(w, "    %s  %-55s  alerts %v\n", in.Name, in.Properties.Title, ids)
		if len(ids) > 1 && multi == "" {
			multi = in.Name
		}
	}
	_, _ = fmt.Fprintf(w, "  Incident         GET|PUT %s/incidents/{incidentName}%s  (PUT: etag + properties title, severity, status New|Active|Closed)\n", sen, v)
	_, _ = fmt.Fprintf(w, "  Incident alerts  POST %s/incidents/{incidentName}/alerts%s\n", sen, v)
	if multi != "" {
		_, _ = fmt.Fprintf(w, "  Multi-alert incident %s holds two alerts on one VM (relation %s); the second keeps its own incident too.\n", multi, WalkthroughRelation)
		_, _ = fmt.Fprintf(w, "  Relations        GET|PUT|DELETE %s/incidents/%s/relations/%s%s  body {\"properties\":{\"relatedResourceId\":\"%s\"}}\n",
			sen, multi, WalkthroughRelation, v, d.e.AlertResourceID("{systemAlertId}"))
	}
	_, _ = fmt.Fprintln(w, "  Seed table rows 5-6: PUT an incident Active, then Closed (its Defender for Cloud alerts resolve).")
}
