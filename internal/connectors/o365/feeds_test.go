package o365

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	o365emu "github.com/alertsync/alertsync/internal/emulators/o365"
)

// A subscription an admin disabled is noted on its feed and restarted,
// but not within 15 minutes of alertsync's last start; the other feeds
// are read meanwhile. What was made while it was disabled is lost, as
// Microsoft documents; what comes after the restart is read.
func TestDisabledSubscriptionIsRestarted(t *testing.T) {
	t.Parallel()
	e := setup(t, testOptions(), nil)
	cursor := e.enable(t)
	e.emu.DisableSubscription(o365emu.Exchange, "a tenant admin")
	e.clock.Advance(time.Minute)
	during := e.emu.Generate(30)
	e.clock.Advance(time.Minute)
	items, cursor := e.drain(t, cursor)
	feed := feedNamed(t, e, "Audit.Exchange")
	if feed.Status != "disabled" || !strings.Contains(feed.LastError, "may ask again at 2026-03-01T09:15:00Z") {
		t.Errorf("disabled feed %+v", feed)
	}
	got := ids(items)
	for _, r := range during {
		want := 1
		if r.ContentType == o365emu.Exchange {
			want = 0
		}
		if got[r.ID] != want {
			t.Errorf("%s record %s read %d times, want %d", r.ContentType, r.ID, got[r.ID], want)
		}
	}
	e.clock.Advance(15 * time.Minute)
	cursor = firstPageOf(t, e.conn, cursor)
	if f := feedNamed(t, e, "Audit.Exchange"); f.Status != "enabled" || f.LastError != "" {
		t.Errorf("restarted feed %+v", f)
	}
	e.clock.Advance(time.Minute)
	after := e.emu.Generate(30)
	e.clock.Advance(time.Minute)
	got = ids(mustDrain(t, e, cursor))
	for _, r := range after {
		if got[r.ID] != 1 {
			t.Errorf("%s record %s made after the restart read %d times", r.ContentType, r.ID, got[r.ID])
		}
	}
}

func feedNamed(t *testing.T, e *env, name string) connector.Feed {
	t.Helper()
	feeds, err := e.conn.Feeds(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(feeds, func(f connector.Feed) bool { return f.Name == name })
	if i < 0 {
		t.Fatalf("no feed %s in %v", name, feeds)
	}
	return feeds[i]
}

// Feeds say unknown before contact, enabled with the newest content after
// a poll, and the error (without a secret) after a failed one, which the
// next successful poll clears.
func TestFeedStatus(t *testing.T) {
	t.Parallel()
	e := setup(t, testOptions(), nil)
	if f := feedNamed(t, e, "DLP.All"); f.Status != "unknown" || !f.LastContentAt.IsZero() {
		t.Errorf("before contact %+v", f)
	}
	cursor := e.enable(t)
	e.seed(10)
	cursor = firstPageOf(t, e.conn, cursor)
	f := feedNamed(t, e, "Audit.AzureActiveDirectory")
	if f.Status != "enabled" || !f.LastContentAt.Equal(t0.Add(time.Minute)) || f.LastError != "" {
		t.Errorf("after a poll %+v", f)
	}
	e.seed(2)
	e.emu.Faults().SetErrorRate(1, http.StatusServiceUnavailable)
	if _, err := e.conn.FetchEvidence(t.Context(), cursor); connector.ClassOf(err) != connector.ClassRetryable {
		t.Fatalf("5xx poll: %v", err)
	}
	failed := 0
	feeds, _ := e.conn.Feeds(t.Context())
	for _, f := range feeds {
		if strings.Contains(f.LastError, "AF50000") && !f.LastErrorAt.IsZero() {
			failed++
		}
		if strings.Contains(f.LastError, o365emu.DefaultClientSecret) {
			t.Errorf("feed error carries the secret: %s", f.LastError)
		}
	}
	if failed != 1 {
		t.Errorf("%d feeds show the failure, want the one polled: %+v", failed, feeds)
	}
	e.emu.Faults().Reset()
	mustDrain(t, e, cursor)
	feeds, _ = e.conn.Feeds(t.Context())
	for _, f := range feeds {
		if f.LastError != "" || f.Status != "enabled" {
			t.Errorf("after recovery %+v", f)
		}
	}
}

// A blob the service says expired (AF20051) is skipped with a note; the
// rest of the window is read and the poll moves on.
func TestExpiredBlobIsSkipped(t *testing.T) {
	t.Parallel()
	var expired atomic.Value
	expired.Store("")
	e := setupWith(t, testOptions(), nil, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if id := expired.Load().(string); id != "" && strings.HasSuffix(r.URL.Path, "/audit/"+id) {
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "AF20051",
					"message": "Content requested with the key " + id + " has already expired. Content older than 7 days cannot be retrieved."}})
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	cursor := e.enable(t)
	e.clock.Advance(time.Minute)
	expired.Store(e.emu.Publish(o365emu.SharePoint, connectortest.Golden(t, "record_factsheet.json")))
	e.emu.Publish(o365emu.SharePoint, connectortest.Golden(t, "record_sharepoint_filedownloaded.json"))
	e.clock.Advance(time.Minute)
	items, cursor := e.drain(t, cursor)
	if len(items) != 1 || items[0].VendorID != "c4a9e2f7-8d31-4b6a-a0f2-08dc3c2a9d54" {
		t.Fatalf("items %v", ids(items))
	}
	if f := feedNamed(t, e, "Audit.SharePoint"); !strings.Contains(f.LastError, "skipped") || !strings.Contains(f.LastError, "AF20051") {
		t.Errorf("feed %+v", f)
	}
	if again, _ := e.drain(t, cursor); len(again) != 0 {
		t.Errorf("read again: %v", ids(again))
	}
}
