package lacework

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// checkWhole fails unless every item's Raw holds all six scopes, each
// with content unless scopeGaps names it.
func checkWhole(t *testing.T, items []connector.Item) {
	t.Helper()
	for _, it := range items {
		var doc struct {
			Scopes map[string]json.RawMessage `json:"scopes"`
			Gaps   map[string]string          `json:"scopeGaps"`
		}
		if err := json.Unmarshal(it.Raw, &doc); err != nil || it.Err != nil {
			t.Fatalf("item %s: %v / %v", it.VendorID, err, it.Err)
		}
		for _, s := range scopes {
			raw, ok := doc.Scopes[s]
			if _, gap := doc.Gaps[s]; !ok || (string(raw) == "null") != gap {
				t.Errorf("item %s: scope %s = %s, gap %v: half assembled", it.VendorID, s, raw, gap)
			}
		}
	}
}

// TestConcurrencyBound: a page's alerts are assembled concurrently, each
// fetching its six scopes together: never more than alert_concurrency
// alerts, so six times that many scope calls, in flight.
func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	for _, bound := range []int{1, 4, 16} {
		e := setup(t, 0, map[string]any{"alert_concurrency": bound, "page_size": 10})
		e.emu.SeedAlerts(10)
		// Long enough for an alert's six scope calls to overlap even
		// under the race detector on a busy machine.
		e.emu.SetScopeLatency(40 * time.Millisecond)
		page, err := e.conn.FetchAlerts(t.Context(), "")
		if err != nil || len(page.Items) != pageSize {
			t.Fatalf("bound %d: %v, %d items", bound, err, len(page.Items))
		}
		calls, most := e.emu.ScopeStats()
		if calls != int64(len(scopes)*pageSize) || most > int64(len(scopes)*bound) || most < int64(min(len(scopes)*bound, 4)) {
			t.Errorf("bound %d: %d scope calls, %d in flight at most", bound, calls, most)
		}
		checkWhole(t, page.Items)
	}
}

// TestScopeRetriedThenWhole: a scope failing twice with 5xx is asked
// again and the alert comes whole.
func TestScopeRetriedThenWhole(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	id := e.emu.SeedAlerts(1)[0]
	e.emu.FailScope(id, "Investigation", 2, http.StatusServiceUnavailable)
	items, _ := fetchAll(t, e.conn, "")
	it, ok := byID(items)[id]
	if !ok || it.Err != nil || len(it.Alert.Notes) != 0 {
		t.Fatalf("alert %s: %+v", id, it)
	}
	checkWhole(t, items)
	if calls, _ := e.emu.ScopeStats(); calls != int64(len(scopes)+2) {
		t.Errorf("%d scope calls, want six and two retries", calls)
	}
}

// TestScopeFailingFailsThePage: a scope that keeps failing retryably
// fails the call, returns nothing, and the cursor stays: the same
// cursor delivers the whole page once the scope answers.
func TestScopeFailingFailsThePage(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.emu.SeedAlerts(3)
	_, cursor := fetchAll(t, e.conn, "")
	fresh := e.emu.SeedAlerts(2)
	e.emu.FailScope(fresh[1], "Events", -1, http.StatusBadGateway)
	page, err := e.conn.FetchAlerts(t.Context(), cursor)
	if err == nil || connector.ClassOf(err) != connector.ClassRetryable || len(page.Items) != 0 || page.Cursor != "" {
		t.Fatalf("failing scope: err %v (class %s), %d items, cursor %q", err, connector.ClassOf(err), len(page.Items), page.Cursor)
	}
	e.emu.ThrottleNext(3 * time.Second)
	if _, err := e.conn.FetchAlerts(t.Context(), cursor); connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) != 3*time.Second {
		t.Fatalf("throttled: %v", err)
	}
	e.emu.ClearScopeFaults()
	items, _ := fetchAll(t, e.conn, cursor)
	got := vendorIDs(items)
	if !slices.Equal(got, fresh) {
		t.Errorf("after the scope recovered: %v, want %v (and none of %v)", got, fresh, ids)
	}
	checkWhole(t, items)
}

// TestScopeGoneIsANote: a scope Lacework refuses for good is left out,
// the alert is published, and the gap is recorded on it.
func TestScopeGoneIsANote(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	id := e.emu.SeedAlerts(2)[1]
	e.emu.DropScope(id, "Timeline")
	items, _ := fetchAll(t, e.conn, "")
	checkWhole(t, items)
	it := byID(items)[id]
	if it.Alert == nil || !slices.Equal(it.Alert.Notes, []string{"scope Timeline unavailable: 404 not found"}) {
		t.Fatalf("alert %s: %+v", id, it)
	}
	var doc struct {
		Gaps map[string]string `json:"scopeGaps"`
	}
	_ = json.Unmarshal(it.Raw, &doc)
	if doc.Gaps["Timeline"] != "404 not found" {
		t.Errorf("raw gaps %v", doc.Gaps)
	}
}

func vendorIDs(items []connector.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.VendorID
	}
	slices.Sort(out)
	return out
}
