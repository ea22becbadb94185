package crowdstrike

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 1})
	res := h.form(t, "/oauth2/token", url.Values{"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "member_cid": {"child"}}, false)
	body := res.json(t)
	if res.status != http.StatusCreated || body["expires_in"] != 1799.0 || body["token_type"] != "bearer" || res.header.Get("X-CS-Region") != "us-1" {
		t.Fatalf("token: %d %v region %q", res.status, body, res.header.Get("X-CS-Region"))
	}
	bad := h.form(t, "/oauth2/token", url.Values{"client_id": {DefaultClientID}, "client_secret": {"wrong"}}, false)
	if bad.status != http.StatusForbidden || !strings.Contains(bad.errMessage(t), "Client authentication failed") {
		t.Errorf("wrong secret: %d %s", bad.status, bad.body)
	}
	tok := body["access_token"].(string)
	if rv := h.form(t, "/oauth2/revoke", url.Values{"token": {tok}}, true); rv.status != 200 {
		t.Fatalf("revoke: %d %s", rv.status, rv.body)
	}
	if res := h.do(t, http.MethodGet, "/alerts/queries/alerts/v2", nil, tok); res.status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", res.status)
	}
}

func TestAuthRefused(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 2})
	for name, tok := range map[string]string{"missing": "", "forged": "forged"} {
		res := h.do(t, http.MethodGet, "/alerts/queries/alerts/v2", nil, tok)
		if res.status != 401 || res.errMessage(t) != "access denied, invalid bearer token" {
			t.Errorf("%s token: %d %s", name, res.status, res.body)
		}
		if res.header.Get("X-CS-TRACEID") == "" || res.header.Get("X-RateLimit-Limit") == "" {
			t.Errorf("%s token: headers %v", name, res.header)
		}
	}
	h.clock.Advance(TokenTTL)
	if res := h.call(t, http.MethodGet, "/alerts/queries/alerts/v2", nil); res.status != 401 {
		t.Errorf("after 1799 s: %d", res.status)
	}
}

// TestForeignRegion: a client homed in us-2 gets a token from us-1 with
// X-CS-Region us-2, and us-1's API refuses it.
func TestForeignRegion(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 1})
	h.emu.AddClient("eu-client", "eu-secret", "us-2")
	res := h.form(t, "/oauth2/token", url.Values{"client_id": {"eu-client"}, "client_secret": {"eu-secret"}}, false)
	if res.status != 201 || res.header.Get("X-CS-Region") != "us-2" {
		t.Fatalf("token: %d region %q", res.status, res.header.Get("X-CS-Region"))
	}
	if got := h.do(t, http.MethodGet, "/alerts/queries/alerts/v2", nil, res.json(t)["access_token"].(string)); got.status != 401 {
		t.Errorf("foreign token: %d", got.status)
	}
}

func TestPatchRefusals(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 3})
	id := h.emu.Alerts()[0].CompositeID
	ids := []string{id}
	tests := []struct {
		name string
		body any
		want string
	}{
		{"bad status", patchBody(ids, "update_status", "true_positive"), statusError},
		{"ids key", map[string]any{"ids": ids, "action_parameters": []any{map[string]any{"name": "update_status", "value": "closed"}}}, "invalid element in the request"},
		{"boolean show_in_ui", map[string]any{"composite_ids": ids, "action_parameters": []any{map[string]any{"name": "show_in_ui", "value": true}}}, "invalid element in the request"},
		{"boolean unassign", map[string]any{"composite_ids": ids, "action_parameters": []any{map[string]any{"name": "unassign", "value": false}}}, "invalid element in the request"},
		{"unknown action", patchBody(ids, "set_verdict", "false_positive"), `invalid action param name "set_verdict"`},
		{"no ids", patchBody(nil, "update_status", "closed"), "invalid element in the request"},
		{"not json", []byte("{"), "invalid element in the request"},
	}
	for _, tt := range tests {
		res := h.call(t, http.MethodPatch, "/alerts/entities/alerts/v3", tt.body)
		if res.status != 400 || !strings.HasPrefix(res.errMessage(t), tt.want) {
			t.Errorf("%s: %d %s", tt.name, res.status, res.body)
		}
	}
	if a, _ := h.emu.Alert(id); len(a.Comments) != 0 {
		t.Errorf("a refused PATCH changed the alert: %+v", a)
	}
}

func TestPatchAppliesAndReportsPerItem(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 4})
	all := h.emu.Alerts()
	ok, failed := all[0].CompositeID, all[1].CompositeID
	h.emu.FailItems(failed)
	before := all[0].UpdatedAt
	body := patchBody([]string{ok, failed, "nope"}, "update_status", "closed", "add_tag", "false_positive", "append_comment", "benign")
	res := h.call(t, http.MethodPatch, "/alerts/entities/alerts/v3", body)
	m := res.json(t)
	if res.status != 200 || m["resources"] != nil {
		t.Fatalf("PATCH: %d %s", res.status, res.body)
	}
	if n := m["meta"].(map[string]any)["writes"].(map[string]any)["resources_affected"]; n != 1.0 {
		t.Errorf("resources_affected %v, want 1", n)
	}
	var got []string
	for _, e := range m["errors"].([]any) {
		em := e.(map[string]any)
		got = append(got, em["id"].(string)+"="+strconv.Itoa(int(em["code"].(float64))))
	}
	if !slices.Equal(got, []string{failed + "=500", "nope=404"}) {
		t.Errorf("errors %v", got)
	}
	a, _ := h.emu.Alert(ok)
	if a.Status != "closed" || *a.Resolution != "false_positive" || len(a.Comments) != 1 || !a.UpdatedAt.After(before) {
		t.Errorf("alert after PATCH: %s %v %v %v", a.Status, a.Resolution, a.Comments, a.UpdatedAt)
	}
	// A changed verdict: removals run before additions, whatever the order.
	body = patchBody([]string{ok}, "add_tag", "true_positive", "remove_tag", "false_positive")
	if res := h.call(t, http.MethodPatch, "/alerts/entities/alerts/v3", body); res.status != 200 {
		t.Fatalf("retag: %d %s", res.status, res.body)
	}
	if a, _ := h.emu.Alert(ok); !slices.Equal(a.Tags, []string{"true_positive"}) || *a.Resolution != "true_positive" {
		t.Errorf("tags %v resolution %v", a.Tags, *a.Resolution)
	}
	if a, _ := h.emu.Alert(failed); a.Status == "closed" {
		t.Error("a failed item was applied")
	}
}

func TestCombinedPaging(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 23})
	seen := map[string]bool{}
	after, pages := "", 0
	var last time.Time
	for {
		body := map[string]any{"filter": "updated_timestamp:>='2000-01-01T00:00:00Z'", "sort": "updated_timestamp|asc", "limit": 10}
		if after != "" {
			body["after"] = after
		}
		res := h.call(t, http.MethodPost, "/alerts/combined/alerts/v1", body)
		var out struct {
			Meta struct {
				Pagination struct {
					After string
					Total int
				}
			}
			Resources []Alert
		}
		if res.status != 200 || json.Unmarshal(res.body, &out) != nil {
			t.Fatalf("page %d: %d %s", pages, res.status, res.body)
		}
		pages++
		for _, a := range out.Resources {
			if seen[a.CompositeID] || a.UpdatedAt.Before(last) {
				t.Errorf("alert %s repeated or out of order", a.CompositeID)
			}
			seen[a.CompositeID], last = true, a.UpdatedAt
		}
		if after = out.Meta.Pagination.After; after == "" {
			break
		}
	}
	if len(seen) != 23 || pages != 3 {
		t.Errorf("%d alerts in %d pages, want 23 in 3", len(seen), pages)
	}
	for name, body := range map[string]any{
		"limit over 1000": map[string]any{"limit": 1001},
		"unknown field":   map[string]any{"filter": "verdict:'x'"},
		"bad sort":        map[string]any{"sort": "updated_timestamp|up"},
		"bad after":       map[string]any{"after": "xyz"},
		"ids key":         map[string]any{"ids": []string{"x"}},
	} {
		if res := h.call(t, http.MethodPost, "/alerts/combined/alerts/v1", body); res.status != 400 {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
}

func TestFilterAndQueries(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 30})
	all := h.emu.Alerts()
	var closed []string
	for _, a := range all {
		if a.Status == "closed" {
			closed = append(closed, a.CompositeID)
		}
	}
	res := h.call(t, http.MethodGet, "/alerts/queries/alerts/v2?filter="+url.QueryEscape("status:'closed'+created_timestamp:>='2000-01-01T00:00:00Z'")+"&limit=500", nil)
	var out struct {
		Meta struct {
			Pagination struct{ Offset, Limit, Total int }
		}
		Resources []string
	}
	if res.status != 200 || json.Unmarshal(res.body, &out) != nil {
		t.Fatalf("query: %d %s", res.status, res.body)
	}
	slices.Sort(out.Resources)
	slices.Sort(closed)
	if !slices.Equal(out.Resources, closed) || out.Meta.Pagination.Total != len(closed) || len(closed) == 0 {
		t.Errorf("closed: %v, want %v", out.Resources, closed)
	}
	if res := h.call(t, http.MethodGet, "/alerts/queries/alerts/v2?limit=10001", nil); res.status != 400 {
		t.Errorf("limit 10001: %d", res.status)
	}
	ent := h.call(t, http.MethodPost, "/alerts/entities/alerts/v2", map[string]any{"composite_ids": []string{all[0].CompositeID, "missing"}})
	var got struct {
		Resources []Alert
		Errors    []apiError
	}
	if ent.status != 200 || json.Unmarshal(ent.body, &got) != nil || len(got.Resources) != 1 || len(got.Errors) != 1 || got.Errors[0].ID != "missing" {
		t.Errorf("entities: %d %s", ent.status, ent.body)
	}
	if res := h.call(t, http.MethodPost, "/alerts/entities/alerts/v2", map[string]any{"ids": []string{"x"}}); res.status != 400 || res.errMessage(t) != "invalid element in the request" {
		t.Errorf("entities with ids: %d %s", res.status, res.body)
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 1})
	h.emu.ThrottleNext(4 * time.Second)
	res := h.call(t, http.MethodGet, "/alerts/queries/alerts/v2", nil)
	if res.status != 429 || res.errMessage(t) == "" {
		t.Fatalf("throttled: %d %s", res.status, res.body)
	}
	if got, want := res.header.Get("X-RateLimit-RetryAfter"), strconv.FormatInt(t0.Add(4*time.Second).Unix(), 10); got != want {
		t.Errorf("X-RateLimit-RetryAfter %q, want epoch %s", got, want)
	}
	if res.header.Get("Retry-After") != "" {
		t.Error("CrowdStrike sends no Retry-After")
	}
	h.emu.SetPerMinute(2)
	for i := range 3 {
		res = h.call(t, http.MethodGet, "/alerts/queries/alerts/v2", nil)
		if i < 2 && (res.status != 200 || res.header.Get("X-RateLimit-Remaining") != strconv.Itoa(1-i)) {
			t.Errorf("call %d: %d remaining %q", i, res.status, res.header.Get("X-RateLimit-Remaining"))
		}
	}
	if res.status != 429 || res.header.Get("X-RateLimit-RetryAfter") != strconv.FormatInt(t0.Add(time.Minute).Unix(), 10) {
		t.Errorf("over budget: %d retry %q", res.status, res.header.Get("X-RateLimit-RetryAfter"))
	}
}

func TestSeedRaiseAndConsole(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 10})
	ids := h.emu.SeedAlerts(4)
	if len(ids) != 4 || len(h.emu.Alerts()) != 14 {
		t.Fatalf("SeedAlerts: %v, %d alerts", ids, len(h.emu.Alerts()))
	}
	for _, id := range ids {
		a, ok := h.emu.Alert(id)
		if !ok || a.Status != "new" || !strings.HasPrefix(id, DefaultCID+":ind:") || a.Device == nil || a.FalconHostLink == "" {
			t.Errorf("seeded %s: %+v", id, a)
		}
	}
	if err := h.emu.SetAlertStatus(ids[0], "reopened"); err != nil {
		t.Fatal(err)
	}
	if o := object(must(h.emu.Alert(ids[0]))); o.State != "new" || o.Status != "reopened" {
		t.Errorf("console object %+v", o)
	}
}

func must[T any](v T, ok bool) T {
	if !ok {
		panic("missing")
	}
	return v
}
