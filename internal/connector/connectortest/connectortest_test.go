package connectortest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
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
	mu       *sync.Mutex
	seq      int
	alerts   map[string]*fakeAlert
	comments map[string][]string
	keys     map[string]bool
	throttle time.Duration
	slow     time.Duration
	refuse   map[string]bool
	// secret is the credential this connector was built with; the vendor
	// accepts only "s3cret-key".
	secret string
	log    *slog.Logger
	// broken names the defect the negative self-test plants.
	broken string
}

type fakeAlert struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status string `json:"status"`
	seq    int
}

// malformed is an alert the vendor serves without the title the
// connector requires.
func (a *fakeAlert) malformed() bool { return a.Title == "" }

const pageSize = 3

func init() {
	connector.Register(connector.Registration{
		Kind: "conformance-fake", Title: "Fake", Description: "In-memory vendor for the suite's own test.",
		Spec: connector.ConfigSpec{{Name: "key", Type: connector.TypeSecret, Description: "Push key."}},
		New:  func(connector.Deps, map[string]any) (connector.Connector, error) { return newFake(), nil },
	})
}

func newFake() *fake {
	return &fake{mu: &sync.Mutex{}, alerts: map[string]*fakeAlert{}, comments: map[string][]string{}, keys: map[string]bool{},
		refuse: map[string]bool{}, secret: "s3cret-key", log: slog.New(slog.DiscardHandler), broken: os.Getenv(brokenEnv)}
}

// with returns a connector on the same vendor with its own credentials
// and logger, as Harness.Build does.
func (f *fake) with(secret string, log *slog.Logger) *fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := *f // shares the vendor's state and its lock
	c.secret, c.log = secret, log
	return &c
}

func (f *fake) Kind() string { return "conformance-fake" }

// call is the fake vendor's front door: credentials, throttling and slow
// answers, as the emulators do them.
func (f *fake) call(ctx context.Context) error {
	f.log.DebugContext(ctx, "calling the fake vendor", "key_len", len(f.secret))
	if f.secret != "s3cret-key" {
		msg := "invalid key"
		if f.broken == "leak" {
			msg = "invalid key " + f.secret
		}
		return &connector.Error{Class: connector.ClassAuth, Status: 401, Message: msg}
	}
	if f.throttle > 0 {
		d := f.throttle
		f.throttle = 0
		if f.broken == "retry-hint" {
			d = time.Second
		}
		return &connector.Error{Class: connector.ClassRateLimited, Status: 429, RetryAfter: d}
	}
	if f.slow > 0 {
		if f.broken == "ignore-ctx" {
			f.broken = "" // once is enough to be caught
			time.Sleep(2500 * time.Millisecond)
			return errors.New("slow vendor")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(f.slow):
		}
	}
	return nil
}

func (f *fake) item(a *fakeAlert) connector.Item {
	raw, _ := json.Marshal(a)
	if a.malformed() {
		return connector.Item{VendorID: a.ID, Raw: raw, Err: fmt.Errorf("fake alert %s has no title", a.ID)}
	}
	return connector.Item{VendorID: a.ID, Raw: raw, Alert: &model.Alert{
		Integration: "it-1", VendorID: a.ID, Title: a.Title, Severity: model.SeverityHigh,
		Status: model.StatusNew, RemoteStatus: a.Status,
	}}
}

func (f *fake) FetchAlerts(ctx context.Context, cursor string) (connector.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(ctx); err != nil {
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
		p.Cursor = strconv.Itoa(a.seq)
		switch {
		case !a.malformed():
		case f.broken == "malformed-dropped":
			continue
		case f.broken == "malformed-fails-page":
			return connector.Page{}, connector.Permanent("alert %s does not decode", a.ID)
		}
		p.Items = append(p.Items, f.item(a))
	}
	return p, nil
}

func (f *fake) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(ctx); err != nil {
		return connector.RemoteState{}, err
	}
	return f.setState(ch)
}

func (f *fake) setState(ch connector.StateChange) (connector.RemoteState, error) {
	a, ok := f.alerts[ch.VendorID]
	if !ok {
		return connector.RemoteState{}, &connector.Error{Class: connector.ClassNotFound}
	}
	f.seq++
	a.Status, a.seq = "Vendor"+string(ch.Status), f.seq
	if f.broken == "wrong-status" {
		return connector.RemoteState{RemoteStatus: string(ch.Status)}, nil
	}
	return connector.RemoteState{RemoteStatus: a.Status}, nil
}

// SetStates writes every change in one call; the vendor refuses the
// objects in f.refuse one by one.
func (f *fake) SetStates(ctx context.Context, changes []connector.StateChange) ([]connector.ItemResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(ctx); err != nil {
		return nil, err
	}
	out := make([]connector.ItemResult, len(changes))
	for i, ch := range changes {
		if f.refuse[ch.VendorID] {
			if f.broken == "bulk-whole" {
				return nil, connector.Permanent("alert %s is locked", ch.VendorID)
			}
			out[i].Err = connector.Permanent("alert %s is locked", ch.VendorID)
			continue
		}
		rs, err := f.setState(ch)
		out[i] = connector.ItemResult{State: rs, Err: err}
	}
	return out, nil
}

func (f *fake) AddComment(ctx context.Context, c connector.CommentAction) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(ctx); err != nil {
		return err
	}
	if !f.keys[c.IdempotencyKey] || f.broken == "dup-comment" {
		f.keys[c.IdempotencyKey] = true
		f.comments[c.VendorID] = append(f.comments[c.VendorID], c.Body)
	}
	return nil
}

func (f *fake) Health(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.call(ctx)
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

// seedMalformed adds an alert without a title between two good ones.
func (f *fake) seedMalformed(t *testing.T) connectortest.MalformedCase {
	f.mu.Lock()
	defer f.mu.Unlock()
	var mc connectortest.MalformedCase
	for i := range 3 {
		f.seq++
		id := fmt.Sprintf("a-%d", f.seq)
		a := &fakeAlert{ID: id, Title: "Alert " + id, Status: "VendorNew", seq: f.seq}
		if i == 1 {
			a.Title, mc.Bad = "", id
		} else {
			mc.Good = append(mc.Good, id)
		}
		f.alerts[id] = a
	}
	return mc
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
			f.throttle = time.Second
		},
		Throttle: func(t *testing.T, d time.Duration) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.throttle = d
		},
		Slow: func(t *testing.T, d time.Duration) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.slow = d
		},
		FailItems: func(t *testing.T, ids []string) {
			f.mu.Lock()
			defer f.mu.Unlock()
			clear(f.refuse)
			for _, id := range ids {
				f.refuse[id] = true
			}
		},
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return f.with("wrong-key", log)
			}
			return f.with("s3cret-key", log)
		},
		Secrets:     []string{"s3cret-key", "wrong-key"},
		ExpireToken: func(t *testing.T) {},
		Malformed:   f.seedMalformed,
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

// brokenEnv names the defect a re-run of TestRunAgainstFake plants.
const brokenEnv = "CONNECTORTEST_BROKEN"

// TestSuiteCatchesBrokenConnectors is the suite's negative self-test: for
// each planted defect it runs the suite against the broken fake in a
// child process and expects the check that guards against it to fail.
func TestSuiteCatchesBrokenConnectors(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("this is the child")
	}
	tests := []struct{ defect, check string }{
		{"leak", "SecretsStayOut"},
		{"retry-hint", "VendorRetryHeader"},
		{"ignore-ctx", "CancelEndsCalls"},
		{"bulk-whole", "BulkPartialFailure"},
		{"wrong-status", "SetState"},
		{"dup-comment", "AddComment"},
		{"malformed-dropped", "MalformedQuarantined"},
		{"malformed-fails-page", "MalformedQuarantined"},
	}
	expectCaught(t, "TestRunAgainstFake", tests)
}

// expectCaught runs test in a child process once per planted defect and
// expects the named check of the suite to fail on it.
func expectCaught(t *testing.T, test string, defects []struct{ defect, check string }) {
	t.Helper()
	for _, tt := range defects {
		t.Run(tt.defect, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+test+"$", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tt.defect)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed %s with defect %q:\n%s", test, tt.defect, out)
			}
			if !strings.Contains(string(out), "--- FAIL: "+test+"/"+tt.check+" ") {
				t.Errorf("defect %q was not caught by %s:\n%s", tt.defect, tt.check, out)
			}
		})
	}
}
