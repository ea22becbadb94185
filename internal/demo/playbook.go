package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/store"
)

const playbookSection = "Playbook: the seed's playbook pushes every new alert to an external tool"

// Demo playbook settings: the seed's "Synchronize Alerts with an external
// tool", its Request URL pointed at a receiver the demo starts.
const (
	demoPlaybookID    = "seed-sync-alerts"
	demoToolToken     = "demo-external-tool-token-7c2e"
	demoPushKey       = "demo-push-intake-key-0123456789"
	demoPushID        = "push"
	hostileAlertID    = "H-1"
	hostileAlertTitle = `Mimikatz "sekurlsa::logonpasswords" from C:\Users\Public\<x>.exe & more`
)

// demoPlaybook is the seed's playbook as YAML: Alert Created → Get Alert
// → Request URL with the seed's JSON body as written.
const demoPlaybook = `id: ` + demoPlaybookID + `
name: Synchronize alerts with an external tool (seed 003)
trigger:
  type: alert_created
# The receiver runs on this machine: it must be allowlisted.
allow: [RECEIVER_HOST]
concurrency: 8
steps:
  - name: Get Alert
    type: get_alert
  - name: Request URL
    type: http
    method: post
    url: RECEIVER_URL
    json: '{"alert_short_id":"{{ node.0[''alert_uuid''] }}", "rule_name":"{{ node.1[''rule''][''name''] }}","rule_severity":"{{ node.1[''rule''][''severity''] }}","description":"This is a description"}'
    auth:
      type: bearer
      token_secret: external_tool
`

// receiver is the external tool: it checks every request is what the
// playbook promises (JSON, the bearer token) and keeps the bodies.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	bodies  []map[string]any
	invalid []string
}

func startReceiver() *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var doc map[string]any
		err := json.Unmarshal(b, &doc)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		switch {
		case r.Header.Get("Authorization") != "Bearer "+demoToolToken:
			rc.invalid = append(rc.invalid, "no bearer token")
		case err != nil:
			rc.invalid = append(rc.invalid, fmt.Sprintf("not JSON (%v): %.200s", err, b))
		default:
			rc.bodies = append(rc.bodies, doc)
		}
		w.WriteHeader(http.StatusCreated)
	}))
	return rc
}

func (rc *receiver) close() { rc.srv.Close() }

// received returns the bodies received for an alert id, and counts.
func (rc *receiver) received(alertID string) (bodies []map[string]any, total, invalid int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, b := range rc.bodies {
		if b["alert_short_id"] == alertID {
			bodies = append(bodies, b)
		}
	}
	return bodies, len(rc.bodies) + len(rc.invalid), len(rc.invalid)
}

// withPlaybook adds the seed's playbook, pointed at rc, and a generic
// push intake (for an alert whose title no vendor emulator writes) to the
// hub's config.
func withPlaybook(cfg *config.Config, rc *receiver) error {
	u, _ := url.Parse(rc.srv.URL)
	dir := filepath.Join(cfg.DataDir, "playbooks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("playbooks dir: %w", err)
	}
	src := strings.NewReplacer("RECEIVER_HOST", u.Host, "RECEIVER_URL", rc.srv.URL+"/api/alerts").Replace(demoPlaybook)
	if err := os.WriteFile(filepath.Join(dir, demoPlaybookID+".yaml"), []byte(src), 0o644); err != nil {
		return fmt.Errorf("write the demo playbook: %w", err)
	}
	cfg.Playbooks = config.Playbooks{Dir: dir, Secrets: []config.NamedSecret{{Name: "external_tool", Value: config.NewSecret(demoToolToken)}}}
	cfg.Integrations = append(cfg.Integrations, config.Integration{ID: demoPushID, Kind: "httpintake", Name: "Demo push intake",
		Settings: map[string]any{"intake_key": demoPushKey}})
	return nil
}

// playbook pushes an alert with a hostile title through the intake and
// checks the seed's playbook ran for every new alert, each request valid
// JSON carrying the alert's real values, the hostile title intact.
func (s *scenario) playbook(rc *receiver) error {
	body := fmt.Sprintf(`[{"id":%q,"title":%q,"severity":"high","host":"ws-fin-0142"}]`, hostileAlertID, hostileAlertTitle)
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, s.sum.API+"/api/v1/intake/"+demoPushID, bytes.NewReader([]byte(body)))
	if err != nil {
		return fmt.Errorf("push request: %w", err)
	}
	req.Header.Set("X-Alertsync-Intake-Key", demoPushKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("push the hostile alert: %w", err)
	}
	_ = resp.Body.Close()
	var got []map[string]any
	took, ok := s.waitUntil(60*time.Second, func() bool {
		got, _, _ = rc.received(hostileAlertID)
		return len(got) > 0
	})
	intact := ok && len(got) == 1 && got[0]["rule_name"] == hostileAlertTitle
	s.row(playbookSection, "a title with quotes, backslashes and <>& arrives intact in valid JSON, once", intact, took,
		"%d request(s) for alert %s; rule_name %q", len(got), hostileAlertID, first(got, "rule_name"))
	var counts runCounts
	took, ok = s.waitUntil(60*time.Second, func() bool {
		counts = s.runCounts()
		_, total, _ := rc.received("")
		return counts.Running == 0 && total >= counts.Succeeded && counts.Succeeded > 0
	})
	_, total, invalid := rc.received("")
	alerts := s.alertCount()
	s.row(playbookSection, "every alert created ran the playbook; every request valid, none failed", ok && invalid == 0 && counts.Failed == 0 && counts.Succeeded >= alerts, took,
		"%d runs succeeded, %d failed%s, %d running for %d alerts; the receiver got %d requests, %d invalid",
		counts.Succeeded, counts.Failed, failedWhy(counts.Errors), counts.Running, alerts, total, invalid)
	return nil
}

// failedWhy says why the first failed runs failed, if any did.
func failedWhy(errs []string) string {
	if len(errs) == 0 {
		return ""
	}
	return " (" + strings.Join(errs, "; ") + ")"
}

func first(bodies []map[string]any, key string) any {
	if len(bodies) == 0 {
		return nil
	}
	return bodies[0][key]
}

// runCounts are the demo playbook's runs by status.
type runCounts struct {
	Succeeded, Failed, Running int
	// Errors are the first failed runs' reasons.
	Errors []string
}

func (s *scenario) runCounts() runCounts {
	var c runCounts
	before := int64(0)
	for {
		runs, err := s.st.RunList(s.ctx, store.RunListParams{PlaybookID: demoPlaybookID, BeforeID: before, Limit: 1000})
		if err != nil || len(runs) == 0 {
			return c
		}
		for _, r := range runs {
			switch r.Status {
			case store.RunSucceeded:
				c.Succeeded++
			case store.RunFailed:
				c.Failed++
				if len(c.Errors) < 3 {
					c.Errors = append(c.Errors, r.Error)
				}
			default:
				c.Running++
			}
		}
		before = runs[len(runs)-1].ID
	}
}

// alertCount is how many alerts the hub holds.
func (s *scenario) alertCount() int {
	n, after := 0, int64(0)
	for {
		page, err := s.st.AlertList(s.ctx, store.AlertListParams{AfterID: after, Limit: 5000})
		if err != nil || len(page) == 0 {
			return n
		}
		n += len(page)
		after = page[len(page)-1].ID
	}
}
