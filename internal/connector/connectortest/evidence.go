package connectortest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// testEvidence runs the checks of an EvidenceSource. An evidence source
// reads from its enablement on, with no history (Office 365 keeps none
// from before a subscription), so the suite first enables it with a
// fetch from the empty cursor, then seeds, then fetches from the cursor
// it got.
func testEvidence(t *testing.T, h Harness) {
	t.Run("FetchEvidence", func(t *testing.T) { testFetchEvidence(t, h) })
	t.Run("EvidenceRateLimited", func(t *testing.T) { testEvidenceThrottle(t, h) })
	t.Run("EvidenceCancel", func(t *testing.T) { testEvidenceCancel(t, h) })
	if h.Build != nil {
		t.Run("EvidenceSecretsStayOut", func(t *testing.T) { testEvidenceSecrets(t, h) })
	}
}

// evidencePass is the result of fetching evidence until More is false.
type evidencePass struct {
	items  []connector.EvidenceItem
	cursor string
	pages  int
}

func fetchEvidenceAll(t *testing.T, h Harness, cursor string) evidencePass {
	t.Helper()
	src := h.Connector.(connector.EvidenceSource)
	p := evidencePass{cursor: cursor}
	for p.pages < maxPolls {
		page, err := src.FetchEvidence(h.ctx(t), p.cursor)
		if err != nil {
			t.Fatalf("FetchEvidence(%q) after %d pages: %v", p.cursor, p.pages, err)
		}
		p.pages++
		if page.Cursor == "" {
			t.Fatalf("page %d has no cursor to resume from", p.pages)
		}
		p.items, p.cursor = append(p.items, page.Items...), page.Cursor
		if !page.More {
			return p
		}
	}
	t.Fatalf("FetchEvidence still reports More after %d pages", maxPolls)
	return p
}

// enableEvidence is the first fetch, from the empty cursor, and returns
// the cursor to read from.
func enableEvidence(t *testing.T, h Harness) string {
	t.Helper()
	need(t, h.SeedEvidence != nil, "SeedEvidence")
	return fetchEvidenceAll(t, h, "").cursor
}

// testFetchEvidence expects every seeded record exactly once, mapped,
// then none of them again from the cursor after them.
func testFetchEvidence(t *testing.T, h Harness) {
	cursor := enableEvidence(t, h)
	seeded := h.SeedEvidence(t)
	if len(seeded) == 0 {
		t.Fatal("SeedEvidence published no records")
	}
	p := fetchEvidenceAll(t, h, cursor)
	count := map[string]int{}
	for i, it := range p.items {
		checkEvidenceItem(t, h, i, it)
		count[it.VendorID]++
	}
	for _, id := range seeded {
		if count[id] != 1 {
			t.Errorf("seeded record %q delivered %d times, want once", id, count[id])
		}
	}
	again := fetchEvidenceAll(t, h, p.cursor)
	for _, it := range again.items {
		if count[it.VendorID] > 0 {
			t.Errorf("record %q fetched again from the cursor after it (duplicate)", it.VendorID)
		}
	}
}

func checkEvidenceItem(t *testing.T, h Harness, i int, it connector.EvidenceItem) {
	t.Helper()
	if len(it.Raw) == 0 || !json.Valid(it.Raw) {
		t.Errorf("item %d (%q): Raw must hold the vendor's JSON verbatim", i, it.VendorID)
	}
	if it.Err != nil {
		return // quarantined by the engine; only Raw is required
	}
	e := it.Evidence
	switch {
	case it.VendorID == "":
		t.Errorf("item %d: mapped item without VendorID", i)
	case e == nil:
		t.Errorf("item %q: no Evidence and no Err", it.VendorID)
	case e.Integration != h.Integration || e.VendorID != it.VendorID || strings.TrimSpace(e.Summary) == "":
		t.Errorf("item %q: Evidence has Integration %q, VendorID %q, Summary %q; want %q, %q, non-empty",
			it.VendorID, e.Integration, e.VendorID, e.Summary, h.Integration, it.VendorID)
	case e.OccurredAt.IsZero() || e.OccurredAt.Location() != time.UTC:
		t.Errorf("item %q: OccurredAt %v, want a time in UTC", it.VendorID, e.OccurredAt)
	}
}

// testEvidenceThrottle checks that the vendor's rate-limit answer, in
// whatever shape the vendor sends it, reaches the poller as rate limited
// with the vendor's wait, and that the next fetch goes through.
func testEvidenceThrottle(t *testing.T, h Harness) {
	need(t, h.Throttle != nil, "Throttle")
	src := h.Connector.(connector.EvidenceSource)
	cursor := enableEvidence(t, h)
	h.SeedEvidence(t) // something to read, so the fetch calls out
	h.Throttle(t, throttleWait)
	_, err := src.FetchEvidence(h.ctx(t), cursor)
	if got := connector.ClassOf(err); err == nil || got != connector.ClassRateLimited {
		t.Fatalf("throttled FetchEvidence: err %v (class %q), want rate_limited", err, got)
	}
	if d := connector.RetryAfterOf(err); d < throttleWait-throttleTolerance || d > throttleWait+throttleTolerance {
		t.Errorf("throttled FetchEvidence: RetryAfter = %v, the vendor asked for %v", d, throttleWait)
	}
	if _, err := src.FetchEvidence(h.ctx(t), cursor); err != nil {
		t.Errorf("FetchEvidence after the throttle: %v", err)
	}
}

// testEvidenceCancel checks that a fetch ends promptly once its context
// is cancelled, while the vendor is slow to answer.
func testEvidenceCancel(t *testing.T, h Harness) {
	need(t, h.Slow != nil, "Slow")
	src := h.Connector.(connector.EvidenceSource)
	cursor := enableEvidence(t, h)
	h.SeedEvidence(t)
	h.Slow(t, time.Minute)
	defer h.Slow(t, 0)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := src.FetchEvidence(ctx, cursor)
	took := time.Since(start)
	cancel()
	if err == nil {
		t.Error("FetchEvidence succeeded although its context was cancelled before the vendor answered")
	}
	if took > cancelBound {
		t.Errorf("FetchEvidence returned %v after its context was cancelled, want within %v", took, cancelBound)
	}
}

// testEvidenceSecrets fetches evidence with good and wrong credentials
// and looks for every secret in the errors and the debug log; wrong
// credentials must fail as an auth error.
func testEvidenceSecrets(t *testing.T, h Harness) {
	if len(h.Secrets) == 0 {
		t.Fatal("connectortest: Harness.Build needs Harness.Secrets, the credential values it uses")
	}
	logs := &capture{}
	var errs []error
	for _, wrong := range []bool{false, true} {
		src := h.Build(t, logs.logger(), wrong).(connector.EvidenceSource)
		_, err := src.FetchEvidence(h.ctx(t), "")
		switch {
		case wrong && err == nil:
			t.Error("FetchEvidence with wrong credentials succeeded")
		case wrong && connector.ClassOf(err) != connector.ClassAuth:
			t.Errorf("FetchEvidence with wrong credentials: class %q, want auth: %v", connector.ClassOf(err), err)
		case !wrong && err != nil:
			t.Errorf("FetchEvidence with good credentials: %v", err)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range h.Secrets {
		for _, err := range errs {
			if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v", err), s) {
				t.Errorf("an error carries a secret: %v", err)
			}
		}
		if logs.contains(s) {
			t.Error("a log line carries a secret")
		}
	}
}
