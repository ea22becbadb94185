package ui_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/alertsync/alertsync/internal/emulators/crowdstrike"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// chromiumPath is where Debian's chromium package puts the browser (.ci/run
// installs it when missing).
const chromiumPath = "/usr/bin/chromium"

// artifactsDir is the git-ignored folder the browser tests write their
// screenshots to (ALERTSYNC_ARTIFACTS overrides it).
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("ALERTSYNC_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts", "console")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts a headless Chromium with a fresh profile. Without a
// Chromium the test is skipped on a developer's machine, and fails in CI.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			path = p
		} else if os.Getenv("CI") != "" {
			t.Fatalf("CI needs Chromium at %s for the browser tests (.ci/run installs it)", chromiumPath)
		} else {
			t.Skip("no Chromium installed; the browser tests run in CI")
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-dev-shm-usage", true),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// csHub is the hub against the CrowdStrike emulator (comment sync on, as
// its registration configures it), polled once so its alerts are stored.
type csHub struct {
	*hub
	cs *crowdstrike.Emulator
}

func startCrowdStrikeHub(t *testing.T) *csHub {
	t.Helper()
	set, err := registry.Start(registry.Options{Alerts: map[string]int{"crowdstrike": 6}, WorldSeed: 7})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(set.Handler())
	t.Cleanup(srv.Close)
	cs, err := registry.As[*crowdstrike.Emulator](set, "crowdstrike")
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(t)
	cfg.Engine.PollInterval = time.Hour
	for _, in := range set.Integrations(srv.URL, nil, time.Hour) {
		if in.Kind == "crowdstrike" {
			cfg.Integrations = append(cfg.Integrations, in)
		}
	}
	h := run(t, cfg)
	if err := h.app.PollOnce(context.Background(), "crowdstrike"); err != nil {
		t.Fatal(err)
	}
	list, err := h.app.Store().AlertList(context.Background(), store.AlertListParams{Integration: "crowdstrike", Limit: 100})
	if err != nil || len(list) < 3 {
		t.Fatalf("the poll stored %d alerts (%v)", len(list), err)
	}
	for _, a := range list {
		h.alerts = append(h.alerts, a.ID)
	}
	return &csHub{hub: h, cs: cs}
}

// TestConsoleInBrowser drives the console in a real Chromium against the
// whole hub and the CrowdStrike emulator: log in, read the capability
// table, switch comment sync off and see a later comment stay home, set a
// verdict and watch its write-back turn confirmed on the timeline as the
// emulator closes the alert, retry a dead letter, and check that a viewer
// gets no edit buttons and is refused the forms. Each page is saved as a
// screenshot in the artifacts folder.
func TestConsoleInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	h := startCrowdStrikeHub(t)
	shots := &screenshots{t: t, ctx: ctx, dir: artifactsDir(t)}
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	at := func(path string) string { return h.base + path }

	// Log in as an admin by pasting the token.
	run(chromedp.Navigate(at("/alerts")), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), adminToken), chromedp.Submit(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#alerts")))
	shots.take("alerts", "/alerts")

	// The capability table: CrowdStrike ingests and syncs state and comments.
	run(chromedp.Navigate(at("/integrations")), chromedp.WaitVisible(chromedp.CSS("#row-crowdstrike")))
	row := text("#row-crowdstrike")
	if !strings.Contains(row, "✔") || !strings.Contains(row, "Edit configuration") {
		t.Fatalf("capability row: %q", row)
	}
	for i, c := range []string{"Ingest", "State sync", "Comment sync"} {
		if got := text(fmt.Sprintf("#row-crowdstrike td:nth-of-type(%d)", i+1)); !strings.Contains(got, "yes") {
			t.Errorf("%s column = %q, want yes", c, got)
		}
	}
	run(chromedp.Click(chromedp.CSS("#row-crowdstrike button")), chromedp.WaitVisible(chromedp.CSS("#health-crowdstrike .state.ok")))
	shots.take("integrations", "/integrations")

	// Untick comment sync and save; the policy shows it off and a later
	// comment is not written to CrowdStrike.
	run(chromedp.Click(chromedp.CSS("#row-crowdstrike a.button")), chromedp.WaitVisible(chromedp.CSS("#policy-comment_sync:checked")),
		chromedp.Click(chromedp.CSS("#policy-comment_sync")), chromedp.Submit(chromedp.CSS("#policy")),
		chromedp.WaitVisible(chromedp.CSS(".flash")), chromedp.WaitNotPresent(chromedp.CSS("#policy-comment_sync:checked")))
	shots.take("edit", "/integrations/crowdstrike/edit")
	if in, _ := h.app.Engine().Integration("crowdstrike"); in.Policy.CommentSync {
		t.Fatal("comment sync still on in the engine")
	}
	quiet := h.alerts[0]
	quietAlert, _ := h.app.Store().AlertGet(context.Background(), quiet)
	run(chromedp.Navigate(at(fmt.Sprintf("/alerts/%d", quiet))), chromedp.WaitVisible(chromedp.CSS("#comment-body")),
		chromedp.SendKeys(chromedp.CSS("#comment-body"), "kept in alertsync only"), chromedp.Submit(chromedp.CSS("#comment-form")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if !strings.Contains(text("#timeline"), "kept in alertsync only") {
		t.Error("the comment is not on the timeline")
	}
	items, _ := h.app.Store().OutboxList(context.Background(), store.OutboxListParams{OriginKind: model.KindAlert, OriginID: quiet, Limit: 100})
	for _, it := range items {
		if it.Action == "add_comment" {
			t.Errorf("a comment was queued for CrowdStrike with comment sync off: %+v", it)
		}
	}
	for _, c := range h.cs.Comments(quietAlert.VendorID) {
		if strings.Contains(c.Value, "kept in alertsync only") {
			t.Error("CrowdStrike got the comment")
		}
	}

	// A verdict's write-back turns confirmed on the timeline as it lands,
	// and CrowdStrike's console shows the alert closed.
	target := h.alerts[1]
	targetAlert, _ := h.app.Store().AlertGet(context.Background(), target)
	run(chromedp.Navigate(at(fmt.Sprintf("/alerts/%d", target))), chromedp.WaitVisible(chromedp.CSS("#verdict-form")),
		chromedp.SetValue(chromedp.CSS("#verdict"), "not_a_threat"), chromedp.Submit(chromedp.CSS("#verdict-form")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.WaitVisible(chromedp.CSS(`#timeline span.state.confirmed[id^="tl-delivery-"]`)))
	shots.take("alert", fmt.Sprintf("/alerts/%d", target))
	if got, _ := h.cs.Alert(targetAlert.VendorID); got.Status != "closed" {
		t.Errorf("CrowdStrike shows the alert %q, want closed", got.Status)
	}

	// A write-back CrowdStrike refuses becomes a dead letter; once it
	// accepts again, an admin retries it and it is confirmed.
	deadAlert, _ := h.app.Store().AlertGet(context.Background(), h.alerts[2])
	h.cs.FailItems(deadAlert.VendorID)
	run(chromedp.Navigate(at(fmt.Sprintf("/alerts/%d", deadAlert.ID))), chromedp.WaitVisible(chromedp.CSS("#verdict-form")),
		chromedp.SetValue(chromedp.CSS("#verdict"), "not_a_threat"), chromedp.Submit(chromedp.CSS("#verdict-form")),
		chromedp.WaitVisible(chromedp.CSS("#delivery-table tr.delivery.dead")))
	if !strings.Contains(text("#why"), "dead-lettered") {
		t.Errorf("why-not-synced: %q", text("#why"))
	}
	h.cs.FailItems()
	dead := h.stateWrite(deadAlert.ID)
	run(chromedp.Navigate(at("/outbox?state=dead")), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#retry-%d", dead))))
	shots.take("outbox", "/outbox?state=dead")
	run(chromedp.Click(chromedp.CSS(fmt.Sprintf("#retry-%d", dead))), chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.Navigate(at(fmt.Sprintf("/alerts/%d", deadAlert.ID))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#tl-delivery-%d.confirmed", dead))))
	if got, _ := h.cs.Alert(deadAlert.VendorID); got.Status != "closed" {
		t.Errorf("after the retry CrowdStrike shows %q, want closed", got.Status)
	}

	run(chromedp.Navigate(at("/")), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	shots.take("dashboard", "/")
	run(chromedp.Navigate(at("/incidents")), chromedp.WaitVisible(chromedp.CSS("#incidents")))
	shots.take("incidents", "/incidents")
	run(chromedp.Navigate(at("/runs")), chromedp.WaitVisible(chromedp.CSS("#runs")))
	shots.take("runs", "/runs")
	run(chromedp.EmulateViewport(390, 844), chromedp.Navigate(at(fmt.Sprintf("/alerts/%d", target))),
		chromedp.WaitVisible(chromedp.CSS("#timeline")))
	shots.take("alert-narrow", "narrow screen")
	run(chromedp.EmulateViewport(1280, 900))

	// A viewer sees no edit buttons and is refused the forms it has not
	// got, even posted from its own logged-in page.
	run(chromedp.Submit(chromedp.CSS("form.who")), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), viewerToken), chromedp.Submit(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")), chromedp.Navigate(at("/integrations")),
		chromedp.WaitVisible(chromedp.CSS("#row-crowdstrike")))
	if row := text("#row-crowdstrike"); strings.Contains(row, "Edit configuration") || strings.Contains(row, "Test connection") {
		t.Errorf("a viewer sees buttons: %q", row)
	}
	run(chromedp.Navigate(at(fmt.Sprintf("/alerts/%d", quiet))), chromedp.WaitVisible(chromedp.CSS("#timeline")),
		chromedp.WaitNotPresent(chromedp.CSS("#verdict-form")))
	post := `fetch(%q, {method: "POST", body: new URLSearchParams({verdict: "threat", csrf: document.querySelector("input[name=csrf]").value})}).then(r => r.status)`
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, path := range []string{fmt.Sprintf("/alerts/%d/verdict", quiet), "/integrations/crowdstrike/policy", fmt.Sprintf("/outbox/%d/retry", dead)} {
		status, err := chromedp.Run(tctx, chromedp.Evaluate[int](fmt.Sprintf(post, path), chromedp.EvalAwaitPromise))
		if err != nil || status != 403 {
			t.Errorf("a viewer's POST %s = %d (%v), want 403", path, status, err)
		}
	}
	if a, _ := h.app.Store().AlertGet(context.Background(), quiet); a.Verdict != model.VerdictNone {
		t.Errorf("a viewer set a verdict: %q", a.Verdict)
	}
}

// screenshots saves the page as PNG files named after it.
type screenshots struct {
	t   *testing.T
	ctx context.Context
	dir string
}

func (s *screenshots) take(name, what string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot of %s: %v", what, err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, name+".png"), png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// TestPasswordLoginInBrowser: in a real Chromium, a configured user logs
// in with a username and a password, lands where they were going, and
// logs out; a wrong password leaves them on the login page with a reason.
func TestPasswordLoginInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	h := startHub(t)
	shots := &screenshots{t: t, ctx: ctx, dir: artifactsDir(t)}
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	run(chromedp.Navigate(h.base+"/incidents"), chromedp.WaitVisible(chromedp.CSS("#password-login")))
	shots.take("login", "/login")
	run(chromedp.SendKeys(chromedp.CSS("#username"), "ada"), chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
		chromedp.Submit(chromedp.CSS("#password-login")), chromedp.WaitVisible(chromedp.CSS(".problem")))
	if got := text(".problem"); !strings.Contains(got, "do not match a user") {
		t.Errorf("a wrong password says %q", got)
	}
	run(chromedp.SendKeys(chromedp.CSS("#username"), "ada"), chromedp.SendKeys(chromedp.CSS("#password"), adaPassword),
		chromedp.Submit(chromedp.CSS("#password-login")), chromedp.WaitVisible(chromedp.CSS("#incidents")))
	if got := text("form.who span"); !strings.Contains(got, "ada") || !strings.Contains(got, "admin") {
		t.Errorf("logged in as %q, want ada (admin)", got)
	}
	run(chromedp.Submit(chromedp.CSS("form.who")), chromedp.WaitVisible(chromedp.CSS("#password-login")))
}
