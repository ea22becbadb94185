package sentinel

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

var readGolden = connectortest.Golden

func goldenIncident(t *testing.T, name string) rawIncident {
	t.Helper()
	var r rawIncident
	if err := json.Unmarshal(readGolden(t, name), &r); err != nil {
		t.Fatalf("decode golden: %v", err)
	}
	return r
}

func TestMapGolden(t *testing.T) {
	t.Parallel()
	members := []string{"a1", "a2"}
	tests := []struct {
		file    string
		want    *model.Incident
		wantErr bool
	}{
		{file: "create_incident_response.json", want: &model.Incident{
			VendorID: "73e01a99-5cd7-4139-a149-9f2736ff2ab5", Title: "My incident", Description: "This is a demo incident",
			Severity: model.SeverityHigh, Status: model.StatusResolved, RemoteStatus: "Closed", Classification: model.ClassFalsePositive,
			CreatedAt: time.Date(2019, 1, 1, 13, 15, 30, 0, time.UTC), UpdatedAt: time.Date(2019, 1, 1, 13, 15, 30, 0, time.UTC),
			RemoteAlerts: members,
		}},
		{file: "emulator_dfc_incident.json", want: &model.Incident{
			VendorID: "4f9d2c1a-8b7e-4d6c-9a5b-3e2f1d0c9b8a", Title: "Suspicious PowerShell command line",
			Description: "An encoded PowerShell command line was run on the machine.",
			Severity:    model.SeverityMedium, Status: model.StatusInProgress, RemoteStatus: "Active",
			CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 1000, time.UTC), UpdatedAt: time.Date(2026, 3, 1, 12, 30, 15, 123456000, time.UTC),
			RemoteAlerts: members,
		}},
		{file: "unknown_status.json", want: &model.Incident{
			VendorID: "n3", Title: "Future", Severity: model.SeverityUnknown, Status: model.StatusUnknown, RemoteStatus: "Snoozed",
			CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
			RemoteAlerts: members,
		}},
		{file: "missing_title.json", wantErr: true},
		{file: "bad_time.json", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			r := goldenIncident(t, tt.file)
			it := mapItem("sen-1", r, members)
			if !json.Valid(it.Raw) || it.VendorID == "" {
				t.Fatalf("item lost Raw or VendorID: %+v", it)
			}
			if tt.wantErr {
				if it.Err == nil || it.Incident != nil {
					t.Fatalf("want a quarantined item, got err %v", it.Err)
				}
				return
			}
			if it.Err != nil {
				t.Fatalf("map: %v", it.Err)
			}
			want := *tt.want
			want.Integration, want.Raw = "sen-1", r.raw
			if diff := cmp.Diff(&want, it.Incident); diff != "" {
				t.Errorf("incident mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMemberIDsGolden(t *testing.T) {
	t.Parallel()
	var l alertList
	if err := json.Unmarshal(readGolden(t, "incident_alerts.json"), &l); err != nil {
		t.Fatal(err)
	}
	want := []string{"baa8a239-6fde-4ab7-a093-d09f7b75c58c", "2517000000000000077_1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"}
	if got := memberIDs(l); !slices.Equal(got, want) {
		t.Errorf("memberIDs = %v, want %v", got, want)
	}
}

func TestClassificationFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ch            connector.StateChange
		class, reason string
	}{
		{connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat}, "BenignPositive", "SuspiciousButExpected"},
		{connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat}, "TruePositive", "SuspiciousActivity"},
		{connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictSuspicious}, "Undetermined", ""},
		{connector.StateChange{Status: model.StatusResolved}, "Undetermined", ""},
		{connector.StateChange{Status: model.StatusSuppressed}, "BenignPositive", "SuspiciousButExpected"},
		{connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat, Classification: "FalsePositive", ClassificationReason: "InaccurateData"}, "FalsePositive", "InaccurateData"},
	}
	for _, tt := range tests {
		if c, r := classificationFor(tt.ch); c != tt.class || r != tt.reason {
			t.Errorf("classificationFor(%+v) = %s/%s, want %s/%s", tt.ch, c, r, tt.class, tt.reason)
		}
	}
}

// TestApplyChange checks the PUT body built from a golden incident: only
// our fields change, read-only ones are dropped, the etag is carried.
func TestApplyChange(t *testing.T) {
	t.Parallel()
	var cur current
	if err := json.Unmarshal(readGolden(t, "emulator_dfc_incident.json"), &cur); err != nil {
		t.Fatal(err)
	}
	reason := "alertsync closed this incident: its Defender for Cloud alert was dismissed."
	tests := []struct {
		name    string
		ch      connector.StateChange
		target  string
		changed bool
		set     map[string]string // property -> JSON value expected
		absent  []string
	}{
		{"close benign", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Reason: reason}, "Closed", true,
			map[string]string{"status": `"Closed"`, "classification": `"BenignPositive"`, "classificationReason": `"SuspiciousButExpected"`, "classificationComment": mustString(reason)}, nil},
		{"close mapped", connector.StateChange{Status: model.StatusResolved, Classification: "TruePositive", ClassificationReason: "SuspiciousActivity"}, "Closed", true,
			map[string]string{"classification": `"TruePositive"`, "classificationReason": `"SuspiciousActivity"`}, []string{"classificationComment"}},
		{"close undetermined", connector.StateChange{Status: model.StatusResolved}, "Closed", true,
			map[string]string{"classification": `"Undetermined"`}, []string{"classificationReason"}},
		{"reopen", connector.StateChange{Status: model.StatusNew}, "New", true,
			map[string]string{"status": `"New"`}, []string{"classification", "classificationReason", "classificationComment"}},
		{"already active", connector.StateChange{Status: model.StatusInProgress}, "Active", false, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body, changed, err := applyChange(cur, tt.ch, tt.target)
			if err != nil || changed != tt.changed {
				t.Fatalf("applyChange: changed %v err %v, want changed %v", changed, err, tt.changed)
			}
			if !changed {
				return
			}
			if body.Etag != `"0300bf09-0000-0000-0000-00000000002a"` {
				t.Errorf("etag %q not carried", body.Etag)
			}
			for k, v := range tt.set {
				if string(body.Properties[k]) != v {
					t.Errorf("%s = %s, want %s", k, body.Properties[k], v)
				}
			}
			for _, k := range append(tt.absent, readOnlyProperties...) {
				if _, ok := body.Properties[k]; ok {
					t.Errorf("%s sent", k)
				}
			}
			for _, k := range []string{"title", "description", "severity", "owner", "firstActivityTimeUtc", "lastActivityTimeUtc"} {
				if string(body.Properties[k]) != string(cur.Properties[k]) {
					t.Errorf("%s changed: %s -> %s", k, cur.Properties[k], body.Properties[k])
				}
			}
			if got := string(body.Properties["labels"]); got != `[{"labelName":"dfc"},{"labelName":"tier1"}]` {
				t.Errorf("labels %s, want names only", got)
			}
		})
	}
	closed := current{Etag: `"e"`, Properties: map[string]json.RawMessage{"status": json.RawMessage(`"Closed"`), "classification": json.RawMessage(`"FalsePositive"`)}}
	if _, changed, _ := applyChange(closed, connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat}, "Closed"); changed {
		t.Error("re-closing an incident closed by someone else overwrote its classification")
	}
}

func mustString(s string) string { b, _ := json.Marshal(s); return string(b) }

var uuidV8 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCommentID(t *testing.T) {
	t.Parallel()
	a, b := CommentID("sen-1/incident/x/comment/1"), CommentID("sen-1/incident/x/comment/2")
	if a != CommentID("sen-1/incident/x/comment/1") {
		t.Error("CommentID is not deterministic")
	}
	if a == b {
		t.Error("different keys gave the same comment id")
	}
	for _, id := range []string{a, b, CommentID("")} {
		if !uuidV8.MatchString(id) {
			t.Errorf("CommentID %q is not a version 8 RFC 9562 UUID", id)
		}
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	c, err := parseCursor("")
	if err != nil || !c.from().IsZero() {
		t.Fatalf("empty cursor: %+v %v", c, err)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c.record("old", t0.Format(time.RFC3339Nano), t0)
	t1 := t0.Add(10 * time.Minute)
	c.record("new", t1.Format(time.RFC3339Nano), t1)
	c.prune()
	got, err := parseCursor(c.String())
	if err != nil {
		t.Fatal(err)
	}
	if !got.Since.Equal(t1) || !got.from().Equal(t1.Add(-overlap)) {
		t.Errorf("since %v from %v", got.Since, got.from())
	}
	if got.delivered("old", t0.Format(time.RFC3339Nano)) || !got.delivered("new", t1.Format(time.RFC3339Nano)) || got.delivered("new", "other") {
		t.Errorf("seen set after prune: %v", got.Seen)
	}
	if _, err := parseCursor(`{"v":9}`); err == nil {
		t.Error("accepted a cursor of another version")
	}
}
