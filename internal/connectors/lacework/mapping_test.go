package lacework

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

var (
	golden = connectortest.Golden
	ts     = connectortest.Time
)

func TestMapAlertGolden(t *testing.T) {
	t.Parallel()
	seedText := "For account: xxxxxxxxxxx  : User johndoe accessed using AWS for the first time"
	sdk := model.Alert{
		VendorID: "967272", Title: "Clone of Files Changed", Description: "Custom Policy Violation",
		Severity: model.SeverityMedium, Status: model.StatusNew, RemoteStatus: "Open", Source: "Agent",
		CreatedAt: ts("2022-09-29T15:00:00Z"), UpdatedAt: ts("2022-09-29T16:00:00Z"),
	}
	with := func(f func(*model.Alert)) *model.Alert {
		a := sdk
		f(&a)
		return &a
	}
	tests := []struct {
		file    string
		id      string
		want    *model.Alert
		wantErr string
	}{
		{file: "seed_assembled.json", id: "2688", want: &model.Alert{
			VendorID: "2688", Title: seedText, Description: seedText, Severity: model.SeverityHigh, Status: model.StatusNew,
			RemoteStatus: "Open", Source: "aws", CreatedAt: ts("2023-08-08T21:00:00Z"), UpdatedAt: ts("2023-08-08T22:00:00Z"),
		}},
		{file: "factsheet_alert.json", id: "967278", want: &model.Alert{
			VendorID: "967278", Title: "Clone of Cloud Activity log ingestion failure detected",
			Description: "New integration failure detected for kiki-intg-2 (and 3 more)", Severity: model.SeverityHigh,
			Status: model.StatusNew, RemoteStatus: "Open", CreatedAt: ts("2022-09-29T16:00:00Z"), UpdatedAt: ts("2022-09-29T17:00:00Z"),
		}},
		{file: "sdk_assembled.json", id: "967272", want: &sdk},
		{file: "sdk_assembled_entities_closed.json", id: "967272", want: with(func(a *model.Alert) {
			a.Severity, a.Status, a.RemoteStatus, a.UpdatedAt = model.SeverityCritical, model.StatusResolved, "Closed", ts("2022-09-29T17:10:00Z")
			a.Entities = model.Entities{
				Hosts: []string{"ip-10-0-1-17.eu-central-1.compute.internal"}, Users: []string{"ec2-user"},
				IPs:        []string{"3.121.18.22", "10.0.1.17", "185.220.101.4", "203.0.113.9"},
				FileHashes: []string{"9c2d6a8d8e1f4b0a7e3c5d2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b"}, Processes: []string{"/usr/bin/curl"},
			}.Normalize()
		})},
		{file: "sdk_assembled_timeline_gap.json", id: "967272", want: with(func(a *model.Alert) {
			a.Status, a.RemoteStatus, a.Notes = model.StatusInProgress, "In progress", []string{"scope Timeline unavailable: 404 not found"}
		})},
		{file: "alert_missing_id.json", wantErr: "without alertId or name"},
		{file: "alert_bad_start.json", id: "967278", wantErr: `startTime "yesterday"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			raw := golden(t, tt.file)
			it := mapAlert("it-1", raw)
			if string(it.Raw) != string(raw) || it.VendorID != tt.id {
				t.Errorf("Raw kept %v, VendorID %q", string(it.Raw) == string(raw), it.VendorID)
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
	if it := mapAlert("it-1", []byte(`{"alertId": "x"}`)); it.Err == nil || it.Alert != nil {
		t.Errorf("undecodable alert: %+v", it)
	}
}

func TestSeverityAndStatusTables(t *testing.T) {
	t.Parallel()
	sev := map[string]model.Severity{
		"Critical": model.SeverityCritical, "High": model.SeverityHigh, "Medium": model.SeverityMedium, "Low": model.SeverityLow,
		"Info": model.SeverityInformational, "info": model.SeverityInformational, "Severe": model.SeverityUnknown, "": model.SeverityUnknown,
	}
	for in, want := range sev {
		if got := severityOf(in); got != want {
			t.Errorf("severity %q: %s, want %s", in, got, want)
		}
	}
	st := map[string]model.Status{
		"Open": model.StatusNew, "In progress": model.StatusInProgress, "InProgress": model.StatusInProgress,
		"IN_PROGRESS": model.StatusInProgress, "Closed": model.StatusResolved, "Snoozed": model.StatusUnknown,
	}
	for in, want := range st {
		if got := statusOf(in); got != want {
			t.Errorf("status %q: %s, want %s", in, got, want)
		}
	}
}

func TestUserUpdatedForms(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`"0"`: "", `0`: "", `"1664471400000"`: "2022-09-29T17:10:00Z", `1664471400000`: "2022-09-29T17:10:00Z",
		`"2022-09-29T17:10:00.000Z"`: "2022-09-29T17:10:00Z", `"soon"`: "", ``: "",
	}
	for in, want := range tests {
		got := userUpdated([]byte(in))
		if (want == "" && !got.IsZero()) || (want != "" && !got.Equal(ts(want))) {
			t.Errorf("lastUserUpdatedTime %s: %v, want %q", in, got, want)
		}
	}
}
