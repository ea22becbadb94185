package o365

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	o365emu "github.com/alertsync/alertsync/internal/emulators/o365"
)

func TestConformance(t *testing.T) {
	e := setup(t, testOptions(), nil)
	connectortest.Run(t, connectortest.Harness{
		Connector:       e.conn,
		Integration:     "it-o365",
		SeedEvidence:    func(t *testing.T) []string { return e.seed(20) },
		InjectRateLimit: func(t *testing.T) { e.emu.Throttle(1, 0) },
		Throttle:        func(t *testing.T, d time.Duration) { e.emu.Throttle(1, d) },
		Slow:            func(t *testing.T, d time.Duration) { e.emu.Faults().SetLatency(d) },
		ExpireToken:     func(t *testing.T) { e.emu.Issuer().ExpireAll() },
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return e.build(t, log, map[string]any{"client_secret": wrongSecret})
			}
			return e.build(t, log, nil)
		},
		Secrets: []string{o365emu.DefaultClientSecret, wrongSecret},
		// One blob: a record whose CreationTime is no time between two
		// good ones.
		Malformed: func(t *testing.T) connectortest.MalformedCase {
			e.clock.Advance(time.Minute)
			var raws []json.RawMessage
			for _, f := range []string{"record_exchange_new_inboxrule.json", "record_bad_creationtime.json", "record_exchange_set_mailbox.json"} {
				raws = append(raws, connectortest.Golden(t, f))
			}
			e.emu.Publish(o365emu.Exchange, raws...)
			e.clock.Advance(time.Minute)
			return connectortest.MalformedCase{Bad: "3c1f0e2d-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
				Good: []string{"5b3c0a7e-4f1d-4c39-9a6e-08dc3c1f2a11", "9a7f2c3e-61b4-4d2a-8c0e-08dc3c1f2c90"}}
		},
	})
}

// Every call carries PublisherIdentifier (the tenant's GUID by default):
// subscription calls, listings, NextPageUri follow-ups (in the service's
// /api/v1/ form) and blob retrievals.
func TestPublisherIdentifierOnEveryCall(t *testing.T) {
	t.Parallel()
	e := setup(t, testOptions(), nil)
	cursor := e.enable(t)
	seeded := e.seed(60)
	items, _ := e.drain(t, cursor)
	if got := ids(items); len(got) != len(seeded) {
		t.Fatalf("read %d records, seeded %d", len(got), len(seeded))
	}
	kinds := map[string]int{}
	for _, r := range e.apiRequests() {
		switch {
		case strings.HasPrefix(r.Path, "/api/v1/"):
			kinds["next page"]++
		case strings.Contains(r.Path, "/activity/feed/audit/"):
			kinds["blob"]++
		default:
			kinds[r.Path[strings.LastIndexByte(r.Path, '/')+1:]]++
		}
		if got := r.Query.Get("PublisherIdentifier"); got != o365emu.DefaultTenantID {
			t.Errorf("%s %s?%s: PublisherIdentifier %q", r.Method, r.Path, r.Query.Encode(), got)
		}
	}
	for _, k := range []string{"list", "start", "content", "next page", "blob"} {
		if kinds[k] == 0 {
			t.Errorf("no %s request made (made %v)", k, kinds)
		}
	}
	other := setup(t, testOptions(), map[string]any{"publisher_identifier": "46b472a7-c68e-4adf-8ade-3db49497518e"})
	other.enable(t)
	for _, r := range other.apiRequests() {
		if r.Query.Get("PublisherIdentifier") != "46b472a7-c68e-4adf-8ade-3db49497518e" {
			t.Errorf("configured publisher not sent: %s %v", r.Path, r.Query)
		}
	}
}

// The first poll subscribes and starts reading from then on: records an
// earlier subscriber could read are not, and a subscription already
// enabled (HTTP 400 AF20024) is success.
func TestNoHistoricalData(t *testing.T) {
	t.Parallel()
	opts := testOptions()
	opts.Subscribed = o365emu.ContentTypes
	e := setup(t, opts, nil)
	old := e.seed(15)
	e.clock.Advance(10 * time.Minute)
	cursor := e.enable(t)
	starts := 0
	for _, r := range e.apiRequests() {
		if strings.HasSuffix(r.Path, "/subscriptions/start") {
			starts++
		}
	}
	if starts != 0 {
		t.Errorf("%d start requests for subscriptions the list showed enabled", starts)
	}
	feeds, _ := e.conn.Feeds(t.Context())
	for _, f := range feeds {
		if f.Status != "enabled" || f.LastError != "" {
			t.Errorf("feed %+v", f)
		}
	}
	fresh := e.seed(15)
	got := ids(mustDrain(t, e, cursor))
	for _, id := range old {
		if got[id] > 0 {
			t.Errorf("record %s from before enablement was read", id)
		}
	}
	for _, id := range fresh {
		if got[id] != 1 {
			t.Errorf("record %s read %d times", id, got[id])
		}
	}
}

func mustDrain(t *testing.T, e *env, cursor string) []connector.EvidenceItem {
	t.Helper()
	items, _ := e.drain(t, cursor)
	return items
}

func TestAlreadyEnabledIsSuccess(t *testing.T) {
	t.Parallel()
	e := setup(t, testOptions(), nil)
	e.emu.Subscribe(o365emu.ContentTypes...)
	for _, ct := range ContentTypes {
		if err := e.conn.startSubscription(t.Context(), ct); err != nil {
			t.Errorf("start %s again: %v", ct, err)
		}
	}
	n := 0
	for _, r := range e.apiRequests() {
		if r.Status == http.StatusBadRequest && strings.HasSuffix(r.Path, "/subscriptions/start") {
			n++
		}
	}
	if n != len(ContentTypes) {
		t.Errorf("%d starts answered 400, want %d", n, len(ContentTypes))
	}
}

// AF429 comes as HTTP 403: it is rate limited with a wait, never an auth
// error; other AF codes are classified by the reference's table.
func TestErrorClasses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		body   string
		header http.Header
		class  connector.Class
		wait   time.Duration
	}{
		{403, string(connectortest.Golden(t, "error_af429.json")), nil, connector.ClassRateLimited, time.Minute},
		{403, `{"error":{"code":"AF429","message":"Too many requests."}}`, http.Header{"Retry-After": {"12"}}, connector.ClassRateLimited, 12 * time.Second},
		{403, `{"error":{"code":"AF10001","message":"The permission set () sent in the request did not include the expected permission ActivityFeed.Read."}}`, nil, connector.ClassAuth, 0},
		{403, `{"error":{"code":"AF20010","message":"The tenant ID passed in the URL (a) does not match the tenant ID passed in the access token (b)."}}`, nil, connector.ClassPermanent, 0},
		{400, `{"error":{"code":"AF20055","message":"Start time and end time must both be specified."}}`, nil, connector.ClassPermanent, 0},
		{500, `{"error":{"code":"AF50000","message":"An internal error occurred. Retry the request."}}`, nil, connector.ClassRetryable, 0},
		{403, `{"error":{"code":"Forbidden","message":"no"}}`, nil, connector.ClassAuth, 0},
	}
	for _, tt := range tests {
		e := setupWith(t, testOptions(), nil, func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/api/") {
					for k, v := range tt.header {
						w.Header()[k] = v
					}
					w.WriteHeader(tt.status)
					_, _ = w.Write([]byte(tt.body))
					return
				}
				next.ServeHTTP(w, r)
			})
		})
		err := e.conn.Health(t.Context())
		if got := connector.ClassOf(err); got != tt.class || connector.RetryAfterOf(err) != tt.wait {
			t.Errorf("%d %s: class %q wait %v, want %q %v (%v)", tt.status, tt.body, got, connector.RetryAfterOf(err), tt.class, tt.wait, err)
		}
	}
}

func TestThrottledPollIsRateLimited(t *testing.T) {
	t.Parallel()
	e := setup(t, testOptions(), nil)
	cursor := e.enable(t)
	e.seed(3)
	e.emu.Throttle(1, 0)
	_, err := e.conn.FetchEvidence(t.Context(), cursor)
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Class != connector.ClassRateLimited || ce.Status != http.StatusForbidden || ce.Code != "AF429" || ce.RetryAfter != throttleWait {
		t.Fatalf("throttled poll: %#v", err)
	}
	if items := mustDrain(t, e, cursor); len(items) != 3 {
		t.Errorf("after the throttle %d records, want 3", len(items))
	}
}

func TestMalformedRecordsAreQuarantined(t *testing.T) {
	t.Parallel()
	opts := testOptions()
	opts.Subscribed = o365emu.ContentTypes
	e := setup(t, opts, nil)
	cursor := e.enable(t)
	e.clock.Advance(time.Minute)
	var raws []json.RawMessage
	for _, f := range []string{"record_not_object.json", "record_missing_id.json", "record_bad_creationtime.json", "record_exchange_new_inboxrule.json"} {
		raws = append(raws, connectortest.Golden(t, f))
	}
	e.emu.Publish(o365emu.Exchange, raws...)
	e.clock.Advance(time.Minute)
	items := mustDrain(t, e, cursor)
	if len(items) != 4 {
		t.Fatalf("%d items, want all 4 (none dropped)", len(items))
	}
	for i, it := range items[:3] {
		if it.Err == nil || it.Evidence != nil || !json.Valid(it.Raw) {
			t.Errorf("item %d: %+v", i, it)
		}
	}
	if items[3].Err != nil || items[3].Evidence == nil {
		t.Errorf("good record: %+v", items[3])
	}
}
