package demo

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/emulators/microsoft"
	"github.com/alertsync/alertsync/internal/emulators/sentinel"
)

// seededAlert is one walk-through alert with the Sentinel incidents that
// hold it, its own first.
type seededAlert struct {
	alert     defendercloud.Alert
	incidents []string
}

// emulateSeed is what the walk-through seeded, read back from the
// emulators.
type emulateSeed struct {
	alerts []seededAlert
	multi  string // the incident holding two Defender for Cloud alerts
}

// seededWorld starts the emulate world with its walk-through and an ARM
// token.
func seededWorld(t *testing.T) (*world, emulateSeed, string) {
	t.Helper()
	w, err := newWorld(slog.New(slog.DiscardHandler), map[string]int{"graph": 1, "mde": 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.close)
	if err := seedWalkthroughs(w); err != nil {
		t.Fatal(err)
	}
	var seed emulateSeed
	for _, a := range w.dfc.Alerts() {
		sa := seededAlert{alert: a}
		for _, in := range w.sentinel.IncidentsForAlert(a.Properties.SystemAlertID) {
			sa.incidents = append(sa.incidents, in.Name)
			if len(w.sentinel.IncidentAlertIDs(in.Name)) == 2 {
				seed.multi = in.Name
			}
		}
		seed.alerts = append(seed.alerts, sa)
	}
	entra, err := microsoft.EntraOf(w.set.Logins()[microsoft.Login])
	if err != nil {
		t.Fatal(err)
	}
	tok, err := entra.Issuer().Issue(microsoft.TenantID, microsoft.ClientID, defendercloud.Audience)
	if err != nil {
		t.Fatal(err)
	}
	return w, seed, tok.AccessToken
}

// call sends one ARM request to the emulate world and decodes a JSON
// answer into out when given.
func call(t *testing.T, token, method, url string, body, out any) int {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, raw, err)
		}
	}
	return res.StatusCode
}

// TestEmulateSeedWalksBehaviourTable walks the six rows of the seed's
// behaviour summary against `emulate` alone, over HTTP, with the request
// shapes emulate prints.
func TestEmulateSeedWalksBehaviourTable(t *testing.T) {
	t.Parallel()
	type state struct{ dfc, alert, incident string }
	dfcAction := func(action string) func(*testing.T, *world, string, string, string) {
		return func(t *testing.T, w *world, tok, alertURL, _ string) {
			if st := call(t, tok, http.MethodPost, strings.Replace(alertURL, "?", "/"+action+"?", 1), nil, nil); st != http.StatusNoContent {
				t.Fatalf("%s: %d", action, st)
			}
		}
	}
	putIncident := func(status string) func(*testing.T, *world, string, string, string) {
		return func(t *testing.T, w *world, tok, _, incURL string) {
			var inc sentinel.Incident
			call(t, tok, http.MethodGet, incURL, nil, &inc)
			props := map[string]any{"title": inc.Properties.Title, "severity": inc.Properties.Severity, "status": status}
			if status == sentinel.StatusClosed {
				props["classification"], props["classificationReason"] = "TruePositive", "SuspiciousActivity"
			}
			if st := call(t, tok, http.MethodPut, incURL, map[string]any{"etag": inc.Etag, "properties": props}, nil); st != http.StatusOK {
				t.Fatalf("PUT incident %s: %d", status, st)
			}
		}
	}
	rows := []struct {
		name string
		act  func(t *testing.T, w *world, tok, alertURL, incURL string)
		want state
	}{
		{"DfC new alert", func(*testing.T, *world, string, string, string) {}, state{"Active", "New", "New"}},
		{"DfC set alert to in progress", dfcAction("inProgress"), state{"InProgress", "InProgress", "New"}},
		{"DfC dismiss alert", dfcAction("dismiss"), state{"Dismissed", "Dismissed", "New"}},
		{"DfC resolve alert", dfcAction("resolve"), state{"Resolved", "Resolved", "New"}},
		{"Sentinel incident to active", putIncident(sentinel.StatusActive), state{"Active", "New", "Active"}},
		{"Sentinel resolve incident", putIncident(sentinel.StatusClosed), state{"Resolved", "Resolved", "Closed"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			w, seed, tok := seededWorld(t)
			a := seed.alerts[0]
			alertURL := w.base("defendercloud") + a.alert.ID + "?api-version=" + defendercloud.APIVersion
			incURL := w.base("sentinel") + w.sentinel.BasePath() + "/incidents/" + a.incidents[0] + "?api-version=" + sentinel.APIVersion
			row.act(t, w, tok, alertURL, incURL)

			var d defendercloud.Alert
			call(t, tok, http.MethodGet, alertURL, nil, &d)
			var members struct{ Value []sentinel.SecurityAlert }
			call(t, tok, http.MethodPost, strings.Replace(incURL, "?", "/alerts?", 1), nil, &members)
			var inc sentinel.Incident
			call(t, tok, http.MethodGet, incURL, nil, &inc)
			if len(members.Value) != 1 {
				t.Fatalf("incident holds %d alerts", len(members.Value))
			}
			got := state{d.Properties.Status, members.Value[0].Properties.Status, inc.Properties.Status}
			if got != row.want {
				t.Fatalf("got %+v, want %+v", got, row.want)
			}
		})
	}
}

// TestEmulateSeedMultiAlertIncident: the seeded multi-alert incident holds
// both vm-db-01 alerts through a relation, and the printout names every
// request shape a person needs.
func TestEmulateSeedMultiAlertIncident(t *testing.T) {
	t.Parallel()
	w, seed, tok := seededWorld(t)
	if len(seed.alerts) != 4 || len(w.dfc.Alerts()) != 4 || len(w.sentinel.Incidents()) != 4 {
		t.Fatalf("seeded %d alerts, dfc holds %d, sentinel %d incidents", len(seed.alerts), len(w.dfc.Alerts()), len(w.sentinel.Incidents()))
	}
	base := w.base("sentinel") + w.sentinel.BasePath() + "/incidents/" + seed.multi
	v := "?api-version=" + sentinel.APIVersion
	var members struct{ Value []sentinel.SecurityAlert }
	if st := call(t, tok, http.MethodPost, base+"/alerts"+v, nil, &members); st != http.StatusOK {
		t.Fatalf("alerts: %d", st)
	}
	var ids []string
	for _, m := range members.Value {
		ids = append(ids, m.Properties.SystemAlertID)
	}
	want := []string{seed.alerts[2].alert.Name, seed.alerts[3].alert.Name}
	if !slices.Equal(ids, want) {
		t.Fatalf("multi-alert incident holds %v, want %v", ids, want)
	}
	var rels struct{ Value []sentinel.Relation }
	call(t, tok, http.MethodGet, base+"/relations"+v, nil, &rels)
	if len(rels.Value) != 2 || rels.Value[1].Name != sentinel.WalkthroughRelation {
		t.Fatalf("relations %+v", rels.Value)
	}
	var inc sentinel.Incident
	call(t, tok, http.MethodGet, base+v, nil, &inc)
	if inc.Properties.AdditionalData.AlertsCount != 2 {
		t.Fatalf("alertsCount %d", inc.Properties.AdditionalData.AlertsCount)
	}
	if n := len(seed.alerts[3].incidents); n != 2 {
		t.Fatalf("the related alert is in %d incidents, want its own and the multi-alert one", n)
	}

	var out strings.Builder
	describe(&out, w)
	for _, s := range []string{
		"/providers/Microsoft.Security/locations/westeurope/alerts/{alertName}/{inProgress|dismiss|resolve|activate}?api-version=2022-01-01",
		"/alerts/default/simulate?api-version=2022-01-01",
		w.sentinel.BasePath() + "/incidents/{incidentName}?api-version=2025-09-01",
		"/incidents/" + seed.multi + "/relations/" + sentinel.WalkthroughRelation,
		seed.alerts[0].alert.Name,
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("printout lacks %q:\n%s", s, out.String())
		}
	}
}
