package sekoia

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

// TestMapAlert maps the golden payloads (testdata/SOURCES.md).
func TestMapAlert(t *testing.T) {
	t.Parallel()
	created := connectortest.Time("2019-09-06T07:32:00Z")
	tests := []struct {
		file, title  string
		sev          model.Severity
		status       model.Status
		remote, src  string
		updated      time.Time
		ips, hosts   []string
		users        []string
		wantErr      bool
		wantVendorID string
	}{
		{file: "alert_factsheet.json", title: "RAT LightSteelBlue", sev: model.SeverityCritical, status: model.StatusInProgress,
			remote: "Ongoing", src: "Sekoia.io (Vessel 1235)", updated: created.Add(2 * time.Second), ips: []string{"10.227.10.91", "192.0.0.241"}},
		{file: "alert_rejected.json", title: "RAT LightSteelBlue", sev: model.SeverityCritical, status: model.StatusResolved,
			remote: "Rejected", src: "Sekoia.io (Vessel 1235)", updated: connectortest.Time("2019-09-06T08:32:02Z"), ips: []string{"10.227.10.91", "192.0.0.241"}},
		{file: "alert_pending_host_user.json", title: "RAT LightSteelBlue", sev: model.SeverityMedium, status: model.StatusNew,
			remote: "Pending", src: "Sekoia.io (Vessel 1235)", updated: created.Add(2 * time.Second),
			hosts: []string{"ws-fin-0142.contoso.com"}, users: []string{"adele.vance@contoso.com"}},
		{file: "alert_status_by_name_display_only.json", title: "RAT LightSteelBlue", sev: model.SeverityCritical, status: model.StatusResolved,
			remote: "Closed", src: "Sekoia.io (Vessel 1235)", updated: created, ips: []string{"10.227.10.91", "192.0.0.241"}},
		{file: "alert_custom_status.json", title: "RAT LightSteelBlue", sev: model.SeverityUnknown, status: model.StatusUnknown,
			remote: "Escalated to CERT", src: "Sekoia.io", updated: created.Add(2 * time.Second), ips: []string{"10.227.10.91", "192.0.0.241"}},
		{file: "alert_missing_uuid.json", wantErr: true},
		{file: "alert_missing_created_at.json", wantErr: true, wantVendorID: "af0a370f-2e44-433c-99b2-2d0e4b348d0c"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := connectortest.Golden(t, tt.file)
			it := mapAlert("it-sekoia", raw)
			if string(it.Raw) != string(raw) {
				t.Error("Raw is not the payload verbatim")
			}
			if tt.wantErr {
				if it.Err == nil || it.Alert != nil || it.VendorID != tt.wantVendorID {
					t.Fatalf("want a quarantined item with vendor id %q, got %+v", tt.wantVendorID, it)
				}
				return
			}
			if it.Err != nil {
				t.Fatal(it.Err)
			}
			a := it.Alert
			if a.VendorID != "af0a370f-2e44-433c-99b2-2d0e4b348d0c" || a.Integration != "it-sekoia" || a.Title != tt.title ||
				a.Description != "Traffic associated to a Remote Administration Tool" || a.Source != tt.src {
				t.Errorf("identity: %+v", a)
			}
			if a.Severity != tt.sev || a.Status != tt.status || a.RemoteStatus != tt.remote {
				t.Errorf("severity/status/remote = %s/%s/%s, want %s/%s/%s", a.Severity, a.Status, a.RemoteStatus, tt.sev, tt.status, tt.remote)
			}
			if !a.CreatedAt.Equal(created) || !a.UpdatedAt.Equal(tt.updated) {
				t.Errorf("times %v / %v", a.CreatedAt, a.UpdatedAt)
			}
			if !slices.Equal(a.Entities.IPs, tt.ips) || !slices.Equal(a.Entities.Hosts, tt.hosts) || !slices.Equal(a.Entities.Users, tt.users) {
				t.Errorf("entities %+v", a.Entities)
			}
		})
	}
}

// TestUrgencyBands: current_value first, then value, then the display
// word; the band edges are the swagger's.
func TestUrgencyBands(t *testing.T) {
	t.Parallel()
	n := func(v int) *int { return &v }
	tests := []struct {
		current, value *int
		display        string
		want           model.Severity
	}{
		{n(0), nil, "", model.SeverityLow},
		{n(19), nil, "", model.SeverityLow},
		{n(20), nil, "", model.SeverityMedium},
		{n(39), nil, "", model.SeverityMedium},
		{n(40), nil, "", model.SeverityHigh},
		{n(59), nil, "", model.SeverityHigh},
		{n(60), nil, "Low", model.SeverityHigh}, // the number wins over the word
		{n(79), nil, "", model.SeverityHigh},
		{n(80), nil, "", model.SeverityCritical},
		{n(100), nil, "", model.SeverityCritical},
		{n(101), nil, "", model.SeverityUnknown},
		{n(-1), nil, "", model.SeverityUnknown},
		{nil, n(45), "", model.SeverityHigh},
		{nil, nil, "moderate", model.SeverityMedium},
		{nil, nil, "Major", model.SeverityHigh},
		{nil, nil, "extreme", model.SeverityUnknown},
	}
	for _, tt := range tests {
		var w alertWire
		b, _ := json.Marshal(map[string]any{"urgency": map[string]any{"current_value": tt.current, "value": tt.value, "display": tt.display}})
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
		if got := severityOf(w); got != tt.want {
			t.Errorf("urgency %s: %s, want %s", b, got, tt.want)
		}
	}
}

// TestTargetOf is the write-back table of docs/mappings.md.
func TestTargetOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status  model.Status
		verdict model.Verdict
		pub     bool
		class   string
		want    string
	}{
		{model.StatusNew, model.VerdictNone, false, "", "Pending"},
		{model.StatusInProgress, model.VerdictNone, false, "", "Acknowledged"},
		{model.StatusInProgress, model.VerdictSuspicious, false, "", "Acknowledged"},
		{model.StatusInProgress, model.VerdictHighlySuspicious, false, "", "Acknowledged"},
		{model.StatusInProgress, model.VerdictNotAThreat, false, "", "Acknowledged"},
		{model.StatusInProgress, model.VerdictThreat, false, "", "Ongoing"},
		{model.StatusInProgress, model.VerdictThreat, true, "", "Ongoing"},
		{model.StatusResolved, model.VerdictNotAThreat, false, "", "Rejected"},
		{model.StatusResolved, model.VerdictThreat, true, "", "Closed"},
		{model.StatusResolved, model.VerdictThreat, false, "", "Closed"},
		{model.StatusResolved, model.VerdictSuspicious, false, "", "Closed"},
		{model.StatusResolved, model.VerdictHighlySuspicious, false, "", "Closed"},
		{model.StatusResolved, model.VerdictNone, false, "", "Closed"},
		{model.StatusSuppressed, model.VerdictNone, false, "", "Rejected"},
		{model.StatusResolved, model.VerdictThreat, true, "rejected", "Rejected"},
		{model.StatusResolved, model.VerdictThreat, true, "Escalated", ""},
		{model.StatusUnknown, model.VerdictNone, false, "", ""},
	}
	for _, tt := range tests {
		got, err := targetOf(connector.StateChange{Status: tt.status, Verdict: tt.verdict, Published: tt.pub, Classification: tt.class})
		if tt.want == "" {
			if connector.ClassOf(err) != connector.ClassPermanent {
				t.Errorf("%s/%s/%q: %v, want a permanent error", tt.status, tt.verdict, tt.class, err)
			}
			continue
		}
		if err != nil || got.name != tt.want {
			t.Errorf("%s/%s/%v/%q: %q (%v), want %q", tt.status, tt.verdict, tt.pub, tt.class, got.name, err, tt.want)
		}
	}
}
