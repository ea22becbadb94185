package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

func TestIntake(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := `[{"id":"p1","title":"Pushed one","host":"kiosk-1"},{"id":"p2","host":"kiosk-2"}]`
	tests := []struct {
		name, path, key, body string
		status                int
		code                  string
	}{
		{"no key", "/api/v1/intake/fake", "", body, http.StatusUnauthorized, "unauthorized"},
		{"wrong key", "/api/v1/intake/fake", "nope", body, http.StatusUnauthorized, "unauthorized"},
		{"bad body", "/api/v1/intake/fake", intakeKey, `{"not":"a list"}`, http.StatusBadRequest, "invalid"},
		{"unknown integration", "/api/v1/intake/ghost", intakeKey, body, http.StatusUnauthorized, "unauthorized"},
		{"not a receiver", "/api/v1/intake/plain", intakeKey, body, http.StatusUnauthorized, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.push(tt.path, tt.key, tt.body).want(t, tt.status)
			if c := r.errCode(t); c != tt.code {
				t.Errorf("code %q, want %q", c, tt.code)
			}
		})
	}
	res := decode[engine.IngestResult](t, e.push("/api/v1/intake/fake", intakeKey, body).want(t, http.StatusAccepted))
	if res != (engine.IngestResult{Created: 1, Quarantined: 1}) {
		t.Errorf("result = %+v", res)
	}
	a, err := e.store.AlertGetByVendor(e.ctx, "fake", "p1")
	if err != nil || a.Title != "Pushed one" || a.Status != model.StatusNew {
		t.Errorf("pushed alert = %+v, %v", a, err)
	}
	again := decode[engine.IngestResult](t, e.push("/api/v1/intake/fake", intakeKey, body[:len(body)-len(`,{"id":"p2","host":"kiosk-2"}]`)]+"]").want(t, http.StatusAccepted))
	if again != (engine.IngestResult{Unchanged: 1}) {
		t.Errorf("re-push result = %+v", again)
	}
}

// TestIntakeUnknownLooksLikeWrongKey checks that nothing in the answer
// (status, headers, body) tells an integration that does not exist, or
// takes no pushes, from a wrong key for one that does. Only the request
// id differs, as it does between any two requests.
func TestIntakeUnknownLooksLikeWrongKey(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := `[{"id":"x","title":"t"}]`
	withoutID := func(r response) string {
		return strings.ReplaceAll(string(r.body), r.header.Get(api.RequestIDHeader), "<request id>")
	}
	want := e.pushTo("/api/v1/intake/hook", "X-Alertsync-Intake-Key", "not-the-hook-key", body).want(t, http.StatusUnauthorized)
	for _, path := range []string{"/api/v1/intake/ghost", "/api/v1/intake/plain", "/api/v1/intake/%20hook"} {
		for _, key := range []string{"not-the-hook-key", hookKey, ""} {
			got := e.pushTo(path, "X-Alertsync-Intake-Key", key, body).want(t, http.StatusUnauthorized)
			if withoutID(got) != withoutID(want) {
				t.Errorf("%s with key %q: body %s, want %s", path, key, got.body, want.body)
			}
			for _, h := range []string{"Content-Type", "Content-Length", "WWW-Authenticate", "X-Content-Type-Options"} {
				if got.header.Get(h) != want.header.Get(h) {
					t.Errorf("%s: header %s = %q, want %q", path, h, got.header.Get(h), want.header.Get(h))
				}
			}
		}
	}
}

// TestIntakeBodyLimit checks the one push limit: at it the push is read,
// over it the answer is 413 naming the limit, and the key is still checked
// first.
func TestIntakeBodyLimit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	// A single object padded with spaces to exactly n bytes.
	sized := func(n int) string {
		obj := `{"id":"big","title":"Big push"}`
		return obj + strings.Repeat(" ", n-len(obj))
	}
	tests := []struct {
		name   string
		key    string
		size   int
		status int
	}{
		{"at the limit", hookKey, api.MaxIntakeBody, http.StatusAccepted},
		{"one byte over", hookKey, api.MaxIntakeBody + 1, http.StatusRequestEntityTooLarge},
		{"over with a wrong key", "wrong-key-0000000000", api.MaxIntakeBody + 1, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.pushTo("/api/v1/intake/hook", "X-Alertsync-Intake-Key", tt.key, sized(tt.size)).want(t, tt.status)
			if tt.status == http.StatusRequestEntityTooLarge {
				if c, msg := r.errBody(t); c != "too_large" || !strings.Contains(msg, "10485760 bytes") {
					t.Errorf("413 body %s", r.body)
				}
			}
		})
	}
}

// push posts body to an intake route with the fake connector's key
// header and no bearer token.
func (e *env) push(path, key, body string) response {
	e.t.Helper()
	return e.pushTo(path, "X-Intake-Key", key, body)
}

// pushTo posts body with the key in the named header.
func (e *env) pushTo(path, header, key, body string) response {
	e.t.Helper()
	return e.send("POST", path, body, func(h http.Header) {
		if key != "" {
			h.Set(header, key)
		}
	})
}

// racingStore is a store on which every insert of a "race-" alert loses
// a race with another writer, as it would while another replica keeps
// taking the same alert.
type racingStore struct{ store.Store }

func (s racingStore) Scope(tenant string) store.Scoped { return racingScope{s.Store.Scope(tenant)} }

type racingScope struct{ store.Scoped }

func (s racingScope) WithTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Scoped.WithTx(ctx, func(tx store.Tx) error { return fn(racingTx{tx}) })
}

type racingTx struct{ store.Tx }

func (t racingTx) AlertInsert(ctx context.Context, a *model.Alert) error {
	return t.AlertInsertBatch(ctx, []*model.Alert{a})
}

func (t racingTx) AlertInsertBatch(ctx context.Context, alerts []*model.Alert) error {
	for _, a := range alerts {
		if strings.HasPrefix(a.VendorID, "race-") {
			return fmt.Errorf("%w: another writer stored %s first", store.ErrConflict, a.VendorID)
		}
	}
	return t.Tx.AlertInsertBatch(ctx, alerts)
}

// TestIntakeRaceLostAsksForARetry: a push whose alert keeps losing races
// in the store is neither kept in quarantine nor refused as a conflict a
// sender would not retry: the answer is 503 with Retry-After, which
// webhook senders retry.
func TestIntakeRaceLostAsksForARetry(t *testing.T) {
	t.Parallel()
	e := setupWith(t, func(tb testing.TB) store.Store { return racingStore{storetest.OpenSQLite(tb)} })
	r := e.pushTo("/api/v1/intake/hook", "X-Alertsync-Intake-Key", hookKey, `[{"id":"race-1","title":"Pushed while another replica stores it"}]`).
		want(t, http.StatusServiceUnavailable)
	if got := r.header.Get("Retry-After"); got == "" {
		t.Error("no Retry-After")
	}
	if c := r.errCode(t); c != "unavailable" {
		t.Errorf("code %q, want unavailable", c)
	}
	q, err := e.store.QuarantineList(e.ctx, store.QuarantineListParams{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range q {
		if strings.HasPrefix(entry.VendorID, "race-") {
			t.Errorf("quarantined %s: %s", entry.VendorID, entry.Reason)
		}
	}
}
