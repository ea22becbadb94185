package elastic

import (
	"encoding/json"
	"errors"
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

const captureID = "3390cb159697656ff943da9e53b9c9d64054203c7b1795014a8da6c9d0389eb8"

// TestMapAlertGolden maps Kibana's hits, whose _source mixes nested ECS
// objects with dotted kibana.alert.* keys (and, after a status change,
// may hold kibana.alert.* nested too).
func TestMapAlertGolden(t *testing.T) {
	t.Parallel()
	const rule = "PKINIT Certificate Authentication - Administrator TGT Request"
	const reason = "event on DC01.lab2019.local created high alert " + rule + "."
	tests := []struct {
		file    string
		want    *model.Alert
		wantErr string
	}{
		{file: "hit_kibana_8_19_capture.json", want: &model.Alert{
			VendorID: captureID, Title: rule, Description: reason, Severity: model.SeverityHigh,
			Status: model.StatusNew, RemoteStatus: "open", Source: "query",
			CreatedAt: ts("2026-03-31T08:10:54.778Z"), UpdatedAt: ts("2026-03-31T08:10:54.778Z"),
			Entities: model.Entities{Hosts: []string{"dc01.lab2019.local"}},
		}},
		{file: "hit_closed_network.json", want: &model.Alert{
			VendorID: captureID, Title: rule, Description: reason, Severity: model.SeverityHigh,
			Status: model.StatusResolved, RemoteStatus: "closed", Source: "query",
			CreatedAt: ts("2026-03-31T08:10:54.778Z"), UpdatedAt: ts("2026-03-31T09:02:11.406Z"),
			Entities: model.Entities{Hosts: []string{"dc01.lab2019.local"}, Users: []string{"administrator", "administrator@lab2019.local"},
				IPs: []string{"192.0.2.44", "10.0.0.10"}},
		}},
		{file: "hit_risk_score_only.json", want: &model.Alert{
			VendorID: captureID, Title: rule, Description: reason, Severity: model.SeverityCritical,
			Status: model.StatusInProgress, RemoteStatus: "in-progress", Source: "query",
			CreatedAt: ts("2026-03-31T08:10:54.778Z"), UpdatedAt: ts("2026-03-31T08:10:54.778Z"),
			Entities: model.Entities{Hosts: []string{"dc01.lab2019.local"}},
		}},
		{file: "hit_missing_rule_name.json", wantErr: "without _id or kibana.alert.rule.name"},
		{file: "hit_unknown_severity.json", wantErr: `unknown severity "severe"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			raw := golden(t, tt.file)
			it := mapAlert("it-1", raw)
			if string(it.Raw) != string(raw) || it.VendorID != captureID {
				t.Errorf("Raw is not the hit verbatim, or VendorID %q", it.VendorID)
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
			if diff := cmp.Diff(tt.want, it.Alert, cmpopts.IgnoreFields(model.Alert{}, "Raw"), cmpopts.EquateEmpty(),
				cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("alert mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSourceShapes reads the fields the mapping uses in every shape the
// index may hold them, and the ones only Raw keeps (close reason,
// original time, index).
func TestSourceShapes(t *testing.T) {
	t.Parallel()
	var h hitWire
	if err := json.Unmarshal(golden(t, "hit_closed_network.json"), &h); err != nil {
		t.Fatal(err)
	}
	src := source(h.Source)
	checks := map[string]string{
		"kibana.alert.workflow_status":  "closed",                   // nested kibana.alert object
		"kibana.alert.workflow_reason":  "false_positive",           // nested
		"kibana.alert.original_time":    "2026-03-31T08:07:31.757Z", // dotted at the root
		"kibana.alert.rule.name":        "PKINIT Certificate Authentication - Administrator TGT Request",
		"host.name":                     "DC01.lab2019.local", // nested ECS object
		"event.kind":                    "signal",             // dotted ECS key
		"destination.ip":                "10.0.0.10",
		"kibana.alert.workflow_user":    "u_mGBROF_q5bmFCATbLXAcCwKa0k8JvONAwSruelyKA5E_0",
		"kibana.alert.does_not_exist":   "",
		"kibana.alert.status.not.there": "",
	}
	for path, want := range checks {
		if got := src.str(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if n, ok := src.num("kibana.alert.risk_score"); !ok || n != 73 {
		t.Errorf("risk_score %v %v", n, ok)
	}
	if h.Index != ".internal.alerts-security.alerts-default-000001" {
		t.Errorf("_index %q", h.Index)
	}
}

// allChanges are every verdict with and without publication.
func allChanges() []verdictKey {
	var out []verdictKey
	for _, v := range []model.Verdict{model.VerdictNone, model.VerdictNotAThreat, model.VerdictSuspicious, model.VerdictHighlySuspicious, model.VerdictThreat} {
		out = append(out, verdictKey{v, false}, verdictKey{v, true})
	}
	return out
}

// TestDocWriteBackTable pins docs/mappings.md's write-back table to
// writeFor. A verdict cell is "any", "any other" (every verdict no other
// row of the status names), "not_a_threat" (published or not) or
// "threat, published".
func TestDocWriteBackTable(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "Elastic Security write-back")[0]
	named := map[string][]verdictKey{}
	for _, r := range rows {
		named[r[0]] = append(named[r[0]], verdictsOf(r[1])...)
	}
	covered := map[model.Status]bool{}
	for _, r := range rows {
		st := model.Status(r[0])
		covered[st] = true
		var keys []verdictKey
		switch r[1] {
		case "any":
			keys = allChanges()
		case "any other":
			for _, k := range allChanges() {
				if !containsKey(named[r[0]], k) {
					keys = append(keys, k)
				}
			}
		default:
			keys = verdictsOf(r[1])
		}
		wantReason := strings.ReplaceAll(r[3], "—", "")
		for _, k := range keys {
			w, err := writeFor(connector.StateChange{Status: st, Verdict: k.verdict, Published: k.published})
			if err != nil || w.status != r[2] || w.reason != wantReason {
				t.Errorf("row %v, verdict %v: code gives %+v (%v)", r, k, w, err)
			}
		}
	}
	for _, st := range []model.Status{model.StatusNew, model.StatusInProgress, model.StatusSuppressed, model.StatusResolved} {
		if !covered[st] {
			t.Errorf("write-back table has no row for %s", st)
		}
	}
}

func verdictsOf(cell string) []verdictKey {
	switch cell {
	case "not_a_threat":
		return []verdictKey{{model.VerdictNotAThreat, false}, {model.VerdictNotAThreat, true}}
	case "threat, published":
		return []verdictKey{{model.VerdictThreat, true}}
	}
	return nil
}

func containsKey(ks []verdictKey, k verdictKey) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// TestDocStatusTable pins the read-back table to statusIn.
func TestDocStatusTable(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "Elastic Security status read back")[0]
	if len(rows) != len(statusIn) {
		t.Errorf("doc has %d rows, code %d", len(rows), len(statusIn))
	}
	for _, r := range rows {
		if got, ok := statusIn[r[0]]; !ok || string(got) != r[1] {
			t.Errorf("row %v: code maps %q to %q", r, r[0], got)
		}
	}
}

// TestWriteFor covers what the tables do not: incidents, unknown
// statuses, a reconciliation mapping's own reason, and that a reason is
// only ever written with closed.
func TestWriteFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ch   connector.StateChange
		want write
		err  func(error) bool
	}{
		{"incident", connector.StateChange{Kind: model.KindIncident, Status: model.StatusResolved}, write{},
			func(err error) bool { return errors.Is(err, connector.Unsupported) }},
		{"unknown status", connector.StateChange{Status: model.StatusUnknown}, write{},
			func(err error) bool { return connector.ClassOf(err) == connector.ClassPermanent }},
		{"classification is the reason", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Classification: "benign_positive"},
			write{"closed", "benign_positive"}, nil},
		{"classification ignored when open", connector.StateChange{Status: model.StatusInProgress, Classification: "benign_positive"},
			write{status: "acknowledged"}, nil},
		{"threat kept open", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictThreat, Published: true},
			write{status: "acknowledged"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := writeFor(tt.ch)
			if tt.err != nil {
				if !tt.err(err) {
					t.Errorf("err %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("writeFor = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	for _, st := range []model.Status{model.StatusNew, model.StatusInProgress} {
		for _, k := range allChanges() {
			if w, _ := writeFor(connector.StateChange{Status: st, Verdict: k.verdict, Published: k.published}); w.reason != "" {
				t.Errorf("%s %v carries reason %q", st, k, w.reason)
			}
		}
	}
}
