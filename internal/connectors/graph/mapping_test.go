package graph

import (
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
			VendorID: "da637551227677560813_-961444813", Title: "Suspicious execution of hidden file",
			Description: "A hidden file has been launched. ...", Severity: model.SeverityLow,
			Status: model.StatusInProgress, RemoteStatus: "inProgress", Source: "microsoftDefenderForEndpoint",
			CreatedAt: ts("2021-04-27T12:19:27.7211305Z"), UpdatedAt: ts("2021-05-02T14:19:01.3266667Z"),
			RemoteParent: "28282",
		}},
		{file: "alert_emulator_mde.json", want: &model.Alert{
			VendorID: "da637810562151412746_524770998", Title: "Suspicious execution of hidden file",
			Description: "Suspicious execution of hidden file was observed. Review the evidence and the related activity.",
			Severity:    model.SeverityLow, Status: model.StatusNew, RemoteStatus: "new", Source: "microsoftDefenderForEndpoint",
			CreatedAt: ts("2026-02-15T04:38:25.921891532Z"), UpdatedAt: ts("2026-02-15T04:41:05.921891532Z"),
			RemoteParent: "29062",
			Entities: model.Entities{
				Hosts:      []string{"srv-dc-0211.contoso.com"},
				FileHashes: []string{"e3631c19f608c265d740782cc9a37d8115422c87eeb0d662986e6483ff436c80"},
				Processes:  []string{"mimikatz.exe"},
			},
		}},
		{file: "alert_emulator_cloud.json", want: &model.Alert{
			VendorID: "dc637908106603454193_68914749", Title: "Suspicious PowerShell Activity Detected",
			Description: "Suspicious PowerShell Activity Detected was observed. Review the evidence and the related activity.",
			Severity:    model.SeverityHigh, Status: model.StatusInProgress, RemoteStatus: "inProgress", Source: "microsoftDefenderForCloud",
			CreatedAt: ts("2026-02-15T04:18:27.534838007Z"), UpdatedAt: ts("2026-02-15T04:18:30.534838007Z"),
			RemoteParent: "29058",
			Entities:     model.Entities{Hosts: []string{"srv-sql-0914.contoso.com"}, Processes: []string{"anydesk.exe"}},
			// Listed on Defender for Cloud's behalf: the same alert as its
			// record there, by the ARM alert name in providerAlertId.
			SameAs: "defendercloud:dc637908106603454193_68914749",
		}},
		{file: "alert_emulator_idp.json", want: &model.Alert{
			VendorID: "ad637701569539747960_477800546", Title: "Unfamiliar sign-in properties",
			Description: "Unfamiliar sign-in properties was observed. Review the evidence and the related activity.",
			Severity:    model.SeverityMedium, Status: model.StatusNew, RemoteStatus: "new", Source: "azureAdIdentityProtection",
			CreatedAt: ts("2026-02-21T07:45:22.845712519Z"), UpdatedAt: ts("2026-02-21T07:45:33.845712519Z"),
			RemoteParent: "29064",
			Entities:     model.Entities{Users: []string{"avance@contoso.com"}, IPs: []string{"185.43.70.116"}},
		}},
		{file: "alert_missing_title.json", wantErr: "without id or title"},
		{file: "alert_unknown_severity.json", wantErr: `unknown severity "unknownFutureValue"`},
		{file: "alert_bad_time.json", wantErr: "createdDateTime"},
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
			if it.VendorID != tt.want.VendorID {
				t.Errorf("VendorID %q, want %q", it.VendorID, tt.want.VendorID)
			}
			if diff := cmp.Diff(tt.want, it.Alert, cmpopts.IgnoreFields(model.Alert{}, "Raw"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("alert mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapIncidentGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want *model.Incident
	}{
		{"incident_docs.json", &model.Incident{
			VendorID: "2972395", Title: "Multi-stage incident involving Initial access & Command and control on multiple endpoints reported by multiple sources",
			Description: "Microsoft observed Raspberry Robin worm activity spreading through infected USB on multiple devices in your environment.",
			Severity:    model.SeverityMedium, Status: model.StatusNew, RemoteStatus: "active",
			CreatedAt: ts("2021-08-13T08:43:35.5533333Z"), UpdatedAt: ts("2021-09-30T09:35:45.1133333Z"),
			RemoteAlerts: []string{"da637551227677560813_-961444813"},
		}},
		{"incident_emulator.json", &model.Incident{
			VendorID: "29089", Title: "'Mimikatz credential theft tool' on one endpoint",
			Severity: model.SeverityHigh, Status: model.StatusInProgress, RemoteStatus: "inProgress",
			RemoteAlerts: []string{"da637882294783595830_-505261097", "aa637122126726383633_-924981343"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			it := mapIncident("it-1", golden(t, tt.file))
			if it.Err != nil {
				t.Fatalf("map: %v", it.Err)
			}
			tt.want.Integration = "it-1"
			opts := []cmp.Option{cmpopts.IgnoreFields(model.Incident{}, "Raw"), cmpopts.EquateEmpty()}
			if tt.want.CreatedAt.IsZero() {
				opts = append(opts, cmpopts.IgnoreFields(model.Incident{}, "CreatedAt", "UpdatedAt"))
			}
			if diff := cmp.Diff(tt.want, it.Incident, opts...); diff != "" {
				t.Errorf("incident mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIncidentStatuses(t *testing.T) {
	t.Parallel()
	want := map[string]model.Status{
		"active": model.StatusNew, "inProgress": model.StatusInProgress, "awaitingAction": model.StatusInProgress,
		"resolved": model.StatusResolved, "redirected": model.StatusResolved, "somethingNew": model.StatusUnknown,
	}
	for vendor, canon := range want {
		if got := statusOr(incidentStatuses, vendor); got != canon {
			t.Errorf("incident status %q -> %q, want %q", vendor, got, canon)
		}
	}
}

// TestVerdictTable pins docs/mappings.md: what each verdict writes.
func TestVerdictTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ch   connector.StateChange
		want patchBody
	}{
		{"not a threat closed", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat},
			patchBody{Status: "resolved", Classification: "falsePositive", Determination: "notMalicious"}},
		{"published threat closed", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true},
			patchBody{Status: "resolved", Classification: "truePositive", Determination: "other"}},
		{"published threat kept open", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictThreat, Published: true},
			patchBody{Status: "inProgress", Classification: "truePositive", Determination: "other"}},
		{"unpublished threat kept open", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictThreat},
			patchBody{Status: "inProgress"}},
		{"suspicious kept open", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictSuspicious},
			patchBody{Status: "inProgress"}},
		{"highly suspicious kept open", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictHighlySuspicious},
			patchBody{Status: "inProgress"}},
		{"suspicious closed by policy", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictSuspicious},
			patchBody{Status: "resolved"}},
		{"published flag ignored without threat", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictSuspicious, Published: true},
			patchBody{Status: "resolved"}},
		{"plain status", connector.StateChange{Status: model.StatusNew}, patchBody{Status: "new"}},
		{"suppressed", connector.StateChange{Status: model.StatusSuppressed, Verdict: model.VerdictNotAThreat},
			patchBody{Status: "resolved", Classification: "falsePositive", Determination: "notMalicious"}},
		{"incident open", connector.StateChange{Kind: model.KindIncident, Status: model.StatusNew}, patchBody{Status: "active"}},
		{"incident in progress", connector.StateChange{Kind: model.KindIncident, Status: model.StatusInProgress}, patchBody{Status: "active"}},
		{"incident threat kept open", connector.StateChange{Kind: model.KindIncident, Status: model.StatusInProgress, Verdict: model.VerdictThreat, Published: true},
			patchBody{Status: "active", Classification: "truePositive", Determination: "other"}},
		{"incident resolved with reason: the reason is not in the PATCH", connector.StateChange{Kind: model.KindIncident, Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Reason: "benign"},
			patchBody{Status: "resolved", Classification: "falsePositive", Determination: "notMalicious"}},
		{"incident resolved, comment queued", connector.StateChange{Kind: model.KindIncident, Status: model.StatusResolved, Reason: "benign", CommentQueued: true},
			patchBody{Status: "resolved"}},
		{"alert resolved with reason", connector.StateChange{Status: model.StatusResolved, Reason: "benign"},
			patchBody{Status: "resolved"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := patchFor(tt.ch)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("patchFor = %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := patchFor(connector.StateChange{Status: model.StatusUnknown}); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("unknown status: err %v, want permanent", err)
	}
}

// CSDL members (msgraph-metadata, namespace microsoft.graph.security) and the
// documentation-table values that do not exist in it. Statuses are the
// members the update pages list as settable: for incidents that is active,
// resolved and redirected; inProgress is a CSDL member but not documented
// as settable, so writing it could meet a live 400.
var (
	csdlStatuses        = []string{"new", "inProgress", "resolved"}
	settableIncident    = []string{"active", "resolved", "redirected"}
	csdlClassifications = []string{"falsePositive", "truePositive", "informationalExpectedActivity"}
	csdlDeterminations  = []string{"unknown", "apt", "malware", "securityPersonnel", "securityTesting", "unwantedSoftware", "other", "multiStagedAttack", "compromisedAccount", "phishing", "maliciousUserActivity", "notMalicious", "notEnoughDataToValidate", "confirmedActivity", "lineOfBusinessApplication"}
	docsOnlyValues      = []string{"clean", "compromisedUser", "insufficientData", "confirmedUserActivity"}
)

// TestNoDocsTableEnums walks every state change alertsync can ask for and
// checks that only CSDL members are ever written.
func TestNoDocsTableEnums(t *testing.T) {
	t.Parallel()
	for _, kind := range []model.Kind{model.KindAlert, model.KindIncident} {
		for _, st := range []model.Status{model.StatusNew, model.StatusInProgress, model.StatusResolved, model.StatusSuppressed} {
			for _, v := range []model.Verdict{model.VerdictNone, model.VerdictNotAThreat, model.VerdictSuspicious, model.VerdictHighlySuspicious, model.VerdictThreat} {
				for _, pub := range []bool{false, true} {
					p, err := patchFor(connector.StateChange{Kind: kind, Status: st, Verdict: v, Published: pub})
					if err != nil {
						t.Fatalf("%s %s %s %v: %v", kind, st, v, pub, err)
					}
					checkCSDL(t, kind, p)
				}
			}
		}
	}
}

func checkCSDL(t *testing.T, kind model.Kind, p patchBody) {
	t.Helper()
	statuses := csdlStatuses
	if kind == model.KindIncident {
		statuses = settableIncident
	}
	if !slices.Contains(statuses, p.Status) {
		t.Errorf("%s status %q is not a settable CSDL member", kind, p.Status)
	}
	if p.Classification != "" && !slices.Contains(csdlClassifications, p.Classification) {
		t.Errorf("classification %q is not a CSDL member", p.Classification)
	}
	if p.Determination != "" && !slices.Contains(csdlDeterminations, p.Determination) {
		t.Errorf("determination %q is not a CSDL member", p.Determination)
	}
	for _, bad := range docsOnlyValues {
		if p.Classification == bad || p.Determination == bad {
			t.Errorf("docs-table value %q written", bad)
		}
	}
}
