package mde

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

var (
	golden = connectortest.Golden
	ts     = connectortest.Time
)

func TestMapAlertGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		want    *model.Alert
		wantErr string
	}{
		{file: "alert_docs.json", want: &model.Alert{
			VendorID: "da637472900382838869_1364969609", Title: "Low-reputation arbitrary code executed by signed executable",
			Description: "...", Severity: model.SeverityLow, Status: model.StatusNew, RemoteStatus: "New", Source: "WindowsDefenderAtp",
			CreatedAt: ts("2021-01-26T20:33:57.7220239Z"), UpdatedAt: ts("2021-01-26T20:33:59.2Z"), RemoteParent: "1126093",
			Entities: model.Entities{Hosts: []string{"temp123.middleeast.corp.microsoft.com"}, Users: []string{"temp123"}, Processes: []string{"rundll32.exe"}},
		}},
		{file: "alert_emulator_indicator.json", want: &model.Alert{
			VendorID: "da637122727747361161_1422930252", Title: "Connection to a custom network indicator",
			Description: "Connection to a custom network indicator was observed on srv-web-0692.contoso.com.",
			Severity:    model.SeverityMedium, Status: model.StatusInProgress, RemoteStatus: "InProgress", Source: "WindowsDefenderAtp",
			CreatedAt: ts("2026-02-15T17:51:05.0749734Z"), UpdatedAt: ts("2026-02-15T17:53:03.0749734Z"), RemoteParent: "1131317",
			Entities: model.Entities{Hosts: []string{"srv-web-0692.contoso.com"}, Users: []string{"jtanaka@contoso.com"}, IPs: []string{"185.248.42.147"},
				FileHashes: []string{"43ce7a0e82de4d95f2aba7855128d5fed8c2b9529e4b109f8401dfaccbae3bca"}},
		}},
		{file: "alert_emulator_ip.json", want: &model.Alert{
			VendorID: "da637412265907092012_453058525", Title: "RDP connection from an external address",
			Description: "RDP connection from an external address was observed on srv-sql-0914.contoso.com.",
			Severity:    model.SeverityMedium, Status: model.StatusNew, RemoteStatus: "New", Source: "CustomDetection",
			CreatedAt: ts("2026-02-17T07:17:49.261694553Z"), UpdatedAt: ts("2026-02-17T07:18:55.261694553Z"), RemoteParent: "1131313",
			Entities: model.Entities{Hosts: []string{"srv-sql-0914.contoso.com"}, Users: []string{"iarchie@contoso.com"}, IPs: []string{"203.221.106.197"},
				FileHashes: []string{"f431c52d1cdbceb8bda15bcba98cb5bb238ef97e6f32ea2f7ab1a1cb977ef087"}},
		}},
		{file: "alert_emulator_resolved.json", want: &model.Alert{
			VendorID: "da637877229748575486_2135493730", Title: "'Emotet' malware was detected",
			Description: "'Emotet' malware was detected was observed on srv-dc-0396.contoso.com.",
			Severity:    model.SeverityHigh, Status: model.StatusResolved, RemoteStatus: "Resolved", Source: "WindowsDefenderAv",
			CreatedAt: ts("2026-02-15T20:43:44.727410426Z"), UpdatedAt: ts("2026-02-15T20:44:12.727410426Z"), RemoteParent: "1131295",
			Entities: model.Entities{Hosts: []string{"srv-dc-0396.contoso.com"}, Users: []string{"hfernandez@contoso.com"},
				FileHashes: []string{"e4ad55e3af2378e92317b21461244fc90a9193a29aaf406da68c45698577038b"}},
		}},
		{file: "alert_missing_title.json", wantErr: "without id or title"},
		{file: "alert_unknown_severity.json", wantErr: `unknown severity "Critical"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			raw := golden(t, tt.file)
			it := mapAlert("it-1", raw)
			if string(it.Raw) != string(raw) {
				t.Error("Raw is not the payload verbatim")
			}
			if tt.wantErr != "" {
				if it.Err == nil || !strings.Contains(it.Err.Error(), tt.wantErr) || it.Alert != nil {
					t.Fatalf("got err %v, alert %v; want error containing %q", it.Err, it.Alert, tt.wantErr)
				}
				return
			}
			if it.Err != nil {
				t.Fatalf("unexpected error: %v", it.Err)
			}
			tt.want.Integration = "it-1"
			if diff := cmp.Diff(tt.want, it.Alert, cmpopts.IgnoreFields(model.Alert{}, "Raw"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("alert mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVerdictTable pins docs/mappings.md for MDE.
func TestVerdictTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ch   connector.StateChange
		want updateBody
	}{
		{"not a threat closed", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat},
			updateBody{Status: "Resolved", Classification: "FalsePositive", Determination: "NotMalicious"}},
		{"published threat closed", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true},
			updateBody{Status: "Resolved", Classification: "TruePositive", Determination: "Other"}},
		{"published threat kept open", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictThreat, Published: true},
			updateBody{Status: "InProgress", Classification: "TruePositive", Determination: "Other"}},
		{"unpublished threat kept open", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictThreat}, updateBody{Status: "InProgress"}},
		{"suspicious kept open", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictSuspicious}, updateBody{Status: "InProgress"}},
		{"highly suspicious closed by policy", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictHighlySuspicious}, updateBody{Status: "Resolved"}},
		{"plain status", connector.StateChange{Status: model.StatusNew}, updateBody{Status: "New"}},
		{"suppressed", connector.StateChange{Status: model.StatusSuppressed}, updateBody{Status: "Resolved"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := updateFor(tt.ch)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(got, tt.want, cmp.AllowUnexported(updateBody{})) {
				t.Errorf("updateFor = %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := updateFor(connector.StateChange{Kind: model.KindIncident, Status: model.StatusResolved}); !errors.Is(err, connector.Unsupported) {
		t.Errorf("incident: err %v, want Unsupported", err)
	}
	if _, err := updateFor(connector.StateChange{Status: model.StatusUnknown}); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("unknown status: err %v, want permanent", err)
	}
}

// Spellings update-alert.md documents, and those only other pages use.
var (
	updateAlertStatuses = []string{"New", "InProgress", "Resolved"}
	updateAlertClasses  = map[string][]string{
		"TruePositive":                  {"MultiStagedAttack", "MaliciousUserActivity", "CompromisedUser", "Malware", "Phishing", "UnwantedSoftware", "Other"},
		"InformationalExpectedActivity": {"SecurityTesting", "LineOfBusinessApplication", "ConfirmedActivity", "Other"},
		"FalsePositive":                 {"NotMalicious", "InsufficientData", "Other"},
	}
	otherPageSpellings = []string{"Clean", "ConfirmedUserActivity"}
)

func TestOnlyUpdateAlertSpellings(t *testing.T) {
	t.Parallel()
	for _, st := range []model.Status{model.StatusNew, model.StatusInProgress, model.StatusResolved, model.StatusSuppressed} {
		for _, v := range []model.Verdict{model.VerdictNone, model.VerdictNotAThreat, model.VerdictSuspicious, model.VerdictHighlySuspicious, model.VerdictThreat} {
			for _, pub := range []bool{false, true} {
				b, err := updateFor(connector.StateChange{Status: st, Verdict: v, Published: pub})
				if err != nil {
					t.Fatal(err)
				}
				checkSpelling(t, b)
			}
		}
	}
}

func checkSpelling(t *testing.T, b updateBody) {
	t.Helper()
	if b.Status != "" && !slices.Contains(updateAlertStatuses, b.Status) {
		t.Errorf("status %q", b.Status)
	}
	if b.Classification == "" {
		if b.Determination != "" {
			t.Errorf("determination %q without a classification", b.Determination)
		}
		return
	}
	dets, ok := updateAlertClasses[b.Classification]
	if !ok || (b.Determination != "" && !slices.Contains(dets, b.Determination)) {
		t.Errorf("classification %q / determination %q not as update-alert.md documents", b.Classification, b.Determination)
	}
	if slices.Contains(otherPageSpellings, b.Determination) {
		t.Errorf("determination %q is another page's spelling", b.Determination)
	}
}

// TestBatchSpellings: batchUpdate bodies use batch-update-alerts.md's
// spelling (Clean, ConfirmedUserActivity), never update-alert.md's, and
// differ from the PATCH body in nothing else.
func TestBatchSpellings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ch   connector.StateChange
		want string
	}{
		{connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat}, "Clean"},
		{connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true}, "Other"},
		{connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictSuspicious}, ""},
	}
	for _, tt := range tests {
		b, err := batchUpdateFor(tt.ch)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := updateFor(tt.ch)
		p.Determination = tt.want
		if !reflect.DeepEqual(b, p) {
			t.Errorf("batch body for %+v: %+v, want %+v", tt.ch, b, p)
		}
	}
}
