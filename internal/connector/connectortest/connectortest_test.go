package connectortest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

// fake is an in-memory vendor and its connector in one, with every
// capability, so the suite itself is exercised.
type fake struct {
	mu       sync.Mutex
	seq      int
	alerts   map[string]*fakeAlert
	comments map[string][]string
	keys     map[string]bool
	throttle bool
}

type fakeAlert struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status string `json:"status"`
	seq    int
}

const pageSize = 3

func init() {
	connector.Register(connector.Registration{
		Kind: "conformance-fake", Title: "Fake", Description: "In-memory vendor for the suite's own test.",
		Spec: connector.ConfigSpec{{Name: "key", Type: connector.TypeSecret, Description: "Push key."}},
		New:  func(connector.Deps, map[string]any) (connector.Connector, error) { return newFake(), nil },
	})
}

func newFake() *fake {
	return &fake{alerts: map[string]*fakeAlert{}, comments: map[string][]string{}, keys: map[string]bool{}}
}

func (f *fake) Kind() string { return "conformance-fake" }

func (f *fake) throttled() error {
	if f.throttle {
		f.throttle = false
		return &connector.Error{Class: connector.ClassRateLimited, Status: 429, RetryAfter: time.Second}
	}
	return nil
}

func (f *fake) item(a *fakeAlert) connector.Item {
	raw, _ := json.Marshal(a)
	return connector.Item{VendorID: a.ID, Raw: raw, Alert: &model.Alert{
		Integration: "it-1", VendorID: a.ID, Title: a.Title, Severity: model.SeverityHigh,
		Status: model.StatusNew, RemoteStatus: a.Status,
	}}
}

func (f *fake) FetchAlerts(_ context.Context, cursor string) (connector.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.throttled(); err != nil {
		return connector.Page{}, err
	}
	after, _ := strconv.Atoi(cursor)
	var list []*fakeAlert
	for _, a := range f.alerts {
		if a.seq > after {
			list = append(list, a)
		}
	}
	slices.SortFunc(list, func(a, b *fakeAlert) int { return a.seq - b.seq })
	p := connector.Page{Cursor: cursor, More: len(list) > pageSize}
	for _, a := range list[:min(pageSize, len(list))] {
		p.Items = append(p.Items, f.item(a))
		p.Cursor = strconv.Itoa(a.seq)
	}
	return p, nil
}

func (f *fake) SetState(_ context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.throttled(); err != nil {
		return connector.RemoteState{}, err
	}
	a, ok := f.alerts[ch.VendorID]
	if !ok {
		return connector.RemoteState{}, &connector.Error{Class: connector.ClassNotFound}
	}
	f.seq++
	a.Status, a.seq = "Vendor"+string(ch.Status), f.seq
	return connector.RemoteState{RemoteStatus: a.Status}, nil
}

func (f *fake) AddComment(_ context.Context, c connector.CommentAction) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.throttled(); err != nil {
		return err
	}
	if !f.keys[c.IdempotencyKey] {
		f.keys[c.IdempotencyKey] = true
		f.comments[c.VendorID] = append(f.comments[c.VendorID], c.Body)
	}
	return nil
}

func (f *fake) Health(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.throttled()
}

func (f *fake) Receive(_ context.Context, r *http.Request) ([]connector.Item, error) {
	if r.Header.Get("X-Key") != "good" {
		return nil, &connector.Error{Class: connector.ClassAuth, Status: http.StatusUnauthorized}
	}
	var a fakeAlert
	if err := json.NewDecoder(r.Body).Decode(&a); err != nil {
		return nil, connector.Permanent("decode push: %v", err)
	}
	return []connector.Item{f.item(&a)}, nil
}

func (f *fake) seed(t *testing.T) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for range pageSize*2 + 1 {
		f.seq++
		id := fmt.Sprintf("a-%d", f.seq)
		f.alerts[id] = &fakeAlert{ID: id, Title: "Alert " + id, Status: "VendorNew", seq: f.seq}
		ids = append(ids, id)
	}
	return ids
}

func TestRunAgainstFake(t *testing.T) {
	f := newFake()
	connectortest.Run(t, connectortest.Harness{
		Connector:   f,
		Integration: "it-1",
		Seed:        f.seed,
		RemoteState: func(t *testing.T, id string) string {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.alerts[id].Status
		},
		RemoteComments: func(t *testing.T, id string) []string {
			f.mu.Lock()
			defer f.mu.Unlock()
			return slices.Clone(f.comments[id])
		},
		InjectRateLimit: func(t *testing.T) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.throttle = true
		},
		ExpireToken: func(t *testing.T) {},
		Push: func(t *testing.T, authentic bool) (*http.Request, []string) {
			req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/intake", strings.NewReader(`{"id":"p-1","title":"Pushed","status":"VendorNew"}`))
			if authentic {
				req.Header.Set("X-Key", "good")
			}
			return req, []string{"p-1"}
		},
		IdempotentComments: true,
		CheckEcho:          true,
		PageSize:           pageSize,
	})
}
