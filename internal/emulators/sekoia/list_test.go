package sekoia

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestListPaging: limit 1-100 (else 400), offset, has_more, total, and
// with_count=false leaving total out.
func TestListPaging(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 30})
	all, _ := h.list(t, "limit=100")
	if len(all.Items) != 30 || all.Total == nil || *all.Total != 30 || all.HasMore {
		t.Fatalf("everything: %d items, total %v, more %v", len(all.Items), all.Total, all.HasMore)
	}
	var seen []string
	for off := 0; ; off += 7 {
		page, _ := h.list(t, "limit=7&offset="+strconv.Itoa(off))
		for _, a := range page.Items {
			seen = append(seen, a.UUID)
		}
		if !page.HasMore {
			break
		}
	}
	want := make([]string, len(all.Items))
	for i, a := range all.Items {
		want[i] = a.UUID
	}
	if !slices.Equal(seen, want) {
		t.Errorf("paging by 7 gave %d alerts in another order", len(seen))
	}
	def, _ := h.list(t, "")
	if len(def.Items) != 20 || !def.HasMore {
		t.Errorf("default page: %d items", len(def.Items))
	}
	if r := h.call(t, http.MethodGet, "/v1/sic/alerts?with_count=false", "", nil); strings.Contains(string(r.body), `"total"`) {
		t.Errorf("with_count=false still has a total")
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "offset=-1", "sort=severity", "direction=up",
		"date[updated_at]=2026-03-01", "date[created_at]=yesterday,today"} {
		if _, r := h.list(t, q); r.status != http.StatusBadRequest || r.message(t) == "" {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
}

// TestListFilters: match[...] filters (comma-separated OR), the
// date[updated_at] range with inclusive bounds, and sort/direction.
func TestListFilters(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 30})
	ours, _ := h.list(t, "limit=100&match[community_uuid]="+DefaultCommunity)
	theirs, _ := h.list(t, "limit=100&match[community_uuid]="+OtherCommunity)
	if len(ours.Items) != 20 || len(theirs.Items) != 10 {
		t.Errorf("communities: %d and %d", len(ours.Items), len(theirs.Items))
	}
	a, b := ours.Items[0], ours.Items[1]
	byUUID, _ := h.list(t, "match[uuid]="+a.UUID+","+b.UUID)
	none, _ := h.list(t, "match[uuid]="+a.UUID+"&match[short_id]="+b.ShortID)
	if len(byUUID.Items) != 2 || len(none.Items) != 0 {
		t.Errorf("match[uuid] of two: %d; ANDed with another's short_id: %d", len(byUUID.Items), len(none.Items))
	}
	byShort, _ := h.list(t, "match[short_id]="+a.ShortID+","+b.ShortID)
	if len(byShort.Items) != 2 {
		t.Errorf("match[short_id]: %d", len(byShort.Items))
	}
	pending, _ := h.list(t, "limit=100&match[status_name]=Pending")
	for _, x := range pending.Items {
		if x.Status != Pending {
			t.Errorf("status filter let %s through", x.Status.Name)
		}
	}
	at := time.Unix(a.UpdatedAt, 0).UTC()
	rng := url.QueryEscape(at.Format(time.RFC3339) + "," + at.Format(time.RFC3339))
	exact, _ := h.list(t, "limit=100&date[updated_at]="+rng)
	if !slices.ContainsFunc(exact.Items, func(x Alert) bool { return x.UUID == a.UUID }) {
		t.Error("a range of one second misses the alert updated in it")
	}
	for _, x := range exact.Items {
		if x.UpdatedAt != a.UpdatedAt {
			t.Errorf("range let %d through", x.UpdatedAt)
		}
	}
	open, _ := h.list(t, "limit=100&date[updated_at]="+url.QueryEscape(at.Format(time.RFC3339)+","))
	for _, x := range open.Items {
		if x.UpdatedAt < a.UpdatedAt {
			t.Errorf("open range let %d through", x.UpdatedAt)
		}
	}
	asc, _ := h.list(t, "limit=100&sort=updated_at&direction=asc")
	desc, _ := h.list(t, "limit=100")
	if !slices.IsSortedFunc(asc.Items, func(x, y Alert) int { return int(x.UpdatedAt - y.UpdatedAt) }) ||
		!slices.IsSortedFunc(desc.Items, func(x, y Alert) int { return int(y.CreatedAt - x.CreatedAt) }) {
		t.Error("sort order")
	}
}

// TestGetAlert: by uuid or short id, comments and history unless turned
// off, 404 otherwise; both base paths.
func TestGetAlert(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 3})
	a := h.emu.Alerts()[0]
	for _, p := range []string{"/v1/sic/alerts/" + a.UUID, "/v1/sic/alerts/" + a.ShortID, "/api/v1/sic/alerts/" + a.UUID} {
		r := h.call(t, http.MethodGet, p, "", nil)
		var d map[string]any
		r.json(t, &d)
		if r.status != http.StatusOK || d["uuid"] != a.UUID || d["comments"] == nil || d["history"] == nil || d["kill_chain_short_id"] != nil {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	if r := h.call(t, http.MethodGet, "/v1/sic/alerts/"+a.UUID+"?comments=false&history=false", "", nil); strings.Contains(string(r.body), `"comments":[{`) {
		t.Errorf("comments=false: %s", r.body)
	}
	if r := h.call(t, http.MethodGet, "/v1/sic/alerts/nope", "", nil); r.status != http.StatusNotFound || r.message(t) != "Unknown alert" {
		t.Errorf("unknown: %d %s", r.status, r.body)
	}
}
