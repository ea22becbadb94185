package crowdstrike

import (
	"errors"
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

const docsID = "8693deb4bf134cfb8855ee118d9a0243:ind:c36c42b64ce54b39a32e1d57240704c8:625985642593750673-20151-7049"

func TestMapAlertGolden(t *testing.T) {
	t.Parallel()
	docs := model.Alert{
		VendorID: docsID, Title: "EICARTestFileWrittenMac",
		Description: "A process has written a known EICAR test file. Review the files written by the triggered process.",
		Severity:    model.SeverityInformational, Status: model.StatusNew, RemoteStatus: "new", Source: "Falcon Insight",
		CreatedAt: ts("2025-06-16T18:47:56.231503572Z"), UpdatedAt: ts("2025-06-16T19:46:56.218762664Z"),
		RemoteParent: "inc:c36c42b64ce54b39a32e1d57240704c8:2343cc08b2f54a3a9c1c0b5e0b7d6f41",
		Entities: model.Entities{Hosts: []string{"mlx40lwgrk.localdomain"}, Users: []string{"joe"}, IPs: []string{"192.168.1.15", "209.122.93.17"},
			FileHashes: []string{"9844bd3abe6c59d9cc1ddba3ba35aab555d5ec483db326c183af3c4a6caefbc1"}, Processes: []string{"cat"}}.Normalize(),
	}
	with := func(f func(*model.Alert)) *model.Alert {
		a := docs
		f(&a)
		return &a
	}
	tests := []struct {
		file    string
		want    *model.Alert
		wantErr string
	}{
		{file: "alert_docs.json", want: &docs},
		{file: "alert_docs_closed_ignored.json", want: with(func(a *model.Alert) {
			a.Status, a.RemoteStatus, a.UpdatedAt = model.StatusSuppressed, "closed", ts("2025-06-17T08:02:11.5Z")
		})},
		{file: "alert_docs_reopened_numeric_severity.json", want: with(func(a *model.Alert) {
			a.Status, a.RemoteStatus, a.Severity = model.StatusNew, "reopened", model.SeverityHigh
		})},
		{file: "alert_docs_short_hostname.json", want: with(func(a *model.Alert) {
			a.Entities = model.Entities{Hosts: []string{"ws-fin-0142.contoso.com"}, Users: []string{"jdoe"}, IPs: []string{"10.1.4.22", "198.51.100.7"},
				FileHashes: docs.Entities.FileHashes, Processes: docs.Entities.Processes}.Normalize()
		})},
		{file: "alert_missing_name.json", wantErr: "without composite_id or name"},
		{file: "alert_unknown_severity.json", wantErr: `unknown severity "Severe"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			raw := golden(t, tt.file)
			it := mapAlert("it-1", raw)
			if string(it.Raw) != string(raw) || it.VendorID != docsID {
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
	if it := mapAlert("it-1", []byte(`{"composite_id": 7}`)); it.Err == nil || it.Alert != nil {
		t.Errorf("undecodable alert: %+v", it)
	}
}

func TestSeverityBands(t *testing.T) {
	t.Parallel()
	for n, want := range map[float64]model.Severity{0: model.SeverityInformational, 19: model.SeverityInformational, 20: model.SeverityLow,
		50: model.SeverityMedium, 70: model.SeverityHigh, 89: model.SeverityHigh, 90: model.SeverityCritical, 100: model.SeverityCritical} {
		if got, err := severityOf(alertWire{Severity: &n}); err != nil || got != want {
			t.Errorf("severity %v: %s %v, want %s", n, got, err, want)
		}
	}
	bad := 101.0
	if _, err := severityOf(alertWire{Severity: &bad}); err == nil {
		t.Error("severity 101 accepted")
	}
}

// docCell reads a doc table cell: "—" and "none" are absent values.
func docCell(s string) string {
	if s == "—" || s == "none" {
		return ""
	}
	return s
}

// TestDocStateTable pins docs/mappings.md's state-write table to
// actionsFor, and checks every verdict has a row.
func TestDocStateTable(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "CrowdStrike state write")[0]
	seen := map[model.Verdict]bool{}
	for _, r := range rows {
		ch := connector.StateChange{Status: model.Status(r[0]), Verdict: model.Verdict(docCell(r[1])), Published: r[2] == "yes"}
		seen[ch.Verdict] = true
		acts, status, err := actionsFor(ch, "")
		if err != nil || status != r[3] || acts[0] != (action{"update_status", r[3]}) {
			t.Errorf("row %v: status %q (%v)", r, status, err)
			continue
		}
		tag := ""
		var removed []string
		for _, a := range acts[1:] {
			switch a.Name {
			case "add_tag":
				tag = a.Value
			case "remove_tag":
				removed = append(removed, a.Value)
			}
		}
		if tag != docCell(r[4]) {
			t.Errorf("row %v: code writes tag %q", r, tag)
		}
		if tag != "" && (len(removed) != 2 || slices.Contains(removed, tag)) {
			t.Errorf("row %v: removes %v before adding %s, want the other two resolutions", r, removed, tag)
		}
	}
	for _, v := range []model.Verdict{model.VerdictNone, model.VerdictNotAThreat, model.VerdictSuspicious, model.VerdictHighlySuspicious, model.VerdictThreat} {
		if !seen[v] {
			t.Errorf("state table has no row for verdict %q", v)
		}
	}
	if len(rows) != 13 {
		t.Errorf("%d rows, want 13", len(rows))
	}
}

// TestDocReadBackTable pins the read-back table to statusOf.
func TestDocReadBackTable(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "CrowdStrike status read back")[0]
	for _, r := range rows {
		var resolutions []string
		switch r[1] {
		case "any":
			resolutions = append(slices.Clone(resolutionTags), "")
		case "true_positive, false_positive or none":
			resolutions = []string{tagTruePositive, tagFalsePositive, ""}
		default:
			resolutions = []string{r[1]}
		}
		for _, res := range resolutions {
			if got := statusOf(r[0], res); got != model.Status(r[2]) {
				t.Errorf("row %v with resolution %q: code gives %s", r, res, got)
			}
		}
	}
	if got := statusOf("pending", ""); got != model.StatusUnknown {
		t.Errorf("unknown status: %s", got)
	}
}

// TestWriteReadRoundTrip: what a write stores reads back as the status
// written (the echo the engine relies on).
func TestWriteReadRoundTrip(t *testing.T) {
	t.Parallel()
	for _, st := range []model.Status{model.StatusNew, model.StatusInProgress, model.StatusResolved, model.StatusSuppressed} {
		ch := connector.StateChange{Status: st}
		_, status, _ := actionsFor(ch, "")
		if got := statusOf(status, resolutionFor(ch)); got != st {
			t.Errorf("%s written as %s/%s reads back as %s", st, status, resolutionFor(ch), got)
		}
	}
	if _, _, err := actionsFor(connector.StateChange{Kind: model.KindIncident, Status: model.StatusResolved}, ""); !errors.Is(err, connector.Unsupported) {
		t.Errorf("incident: %v", err)
	}
	if _, _, err := actionsFor(connector.StateChange{Status: model.StatusUnknown}, ""); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("unknown status: %v", err)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	build := func(extra map[string]any) (*Connector, error) {
		s := map[string]any{"client_id": "id", "client_secret": "secret"}
		for k, v := range extra {
			s[k] = v
		}
		c, err := connector.Build(Kind, connector.Deps{ID: "x"}, s)
		if err != nil {
			return nil, err
		}
		return c.(*Connector), nil
	}
	c, err := build(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.s.base != "https://api.crowdstrike.com" || c.cfg.PageSize != 500 || c.cfg.RequestsPerMinute != 6000 || !c.cfg.Autodiscover || c.MaxBatch() != 1000 {
		t.Errorf("defaults: %+v %+v", c.cfg, c.s)
	}
	if c, err := build(map[string]any{"cloud": "eu-1"}); err != nil || c.s.base != "https://api.eu-1.crowdstrike.com" {
		t.Errorf("eu-1: %v %v", c, err)
	}
	for _, bad := range []map[string]any{{"page_size": 1001}, {"cloud": "mars-1"}, {"base_url": "ftp://x"}, {"overlap": "-1m"}} {
		if _, err := build(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if reg, _ := connector.Lookup(Kind); !slices.Equal(reg.Spec.SecretFields(), []string{"client_secret"}) {
		t.Errorf("secret fields %v", reg.Spec.SecretFields())
	}
}
