package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// The regressions of issue 9, each on both stores: validation no longer
// floods vendors with comments, vendor text with NUL bytes or invalid
// UTF-8 is stored (repaired) instead of failing a batch, caps hold, and a
// pile of conflicting verdicts reaches the vendor as its final state once.

func countActions(t *testing.T, st *storetest.Both, action string) (n int) {
	t.Helper()
	items, err := st.OutboxList(context.Background(), store.OutboxListParams{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Action == action && it.State != store.OutboxSkipped {
			n++
		}
	}
	return n
}

func manyAlerts(n int, host func(i int) string) []connector.Item {
	items := make([]connector.Item, n)
	for i := range items {
		items[i] = vendorAlert(fmt.Sprintf("a%05d", i), "New", host(i))
	}
	return items
}

// Ingest no longer puts alerts under validation unless the integration's
// policy says so, and then only within its cap; passes comment only on
// news.
func TestIngestDoesNotFloodComments(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		pol := engine.DefaultPolicy()
		pol.CommentSync = true
		h := setupOn(t, st, pol)
		ctx := context.Background()
		mustIngest(t, h, manyAlerts(600, func(i int) string { return fmt.Sprintf("ws-%d", i%50) })...)
		if _, err := h.eng.RunDuePasses(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countActions(t, st, engine.ActionAddComment); n != 0 {
			t.Fatalf("comments queued by ingest without auto-validate = %d, want 0", n)
		}

		pol.AutoValidate = engine.AutoValidate{Enabled: true, MinSeverity: model.SeverityHigh, MaxActive: 20}
		h.eng.AddIntegration(engine.Integration{ID: "edr", Kind: "fake", Policy: pol, Connector: h.vendor})
		mustIngest(t, h, manyAlerts(1200, func(i int) string { return fmt.Sprintf("ws-%d", i%50) })[600:]...)
		if n, err := st.ValidationActive(ctx, "edr", 1000); err != nil || n != 20 {
			t.Fatalf("alerts under validation = %d, %v; want the cap of 20", n, err)
		}
		if _, err := h.eng.RunDuePasses(ctx); err != nil {
			t.Fatal(err)
		}
		// Each validated alert found related alerts on its first pass:
		// one comment each, never more than one per validated alert.
		if n := countActions(t, st, engine.ActionAddComment); n == 0 || n > 20 {
			t.Fatalf("comments after the first passes = %d, want between 1 and 20", n)
		}
	})
}

// limitedVendor documents Sentinel's comment limits.
type limitedVendor struct{ fakeVendor }

func (l *limitedVendor) CommentLimits(model.Kind) connector.CommentLimits {
	return connector.CommentLimits{MaxPerObject: 100, MaxChars: 300}
}

// Automatic comments stay within half the vendor's documented limit, even
// with a comment at each pass, and text is cut to the vendor's length.
func TestAutomaticCommentsRespectVendorLimits(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		pol := validating(engine.DefaultPolicy())
		pol.CommentSync, pol.CommentEachPass = true, true
		h := setupOn(t, st, pol)
		lv := &limitedVendor{}
		h.eng.AddIntegration(engine.Integration{ID: "edr", Kind: "fake", Policy: pol, Connector: lv})
		ctx := context.Background()
		mustIngest(t, h, vendorAlert("a1", "New"))
		for range 100 {
			if _, err := h.eng.RunDuePasses(ctx); err != nil {
				t.Fatal(err)
			}
			h.deliverAll(t)
			h.clk.Add(30 * time.Minute)
		}
		if n := len(lv.comments); n != 50 {
			t.Fatalf("automatic comments = %d, want 50 (half of the vendor's 100)", n)
		}
		a := h.alert(t, "a1")
		c, err := h.eng.AddComment(ctx, model.KindAlert, a.ID, analyst("kim"), strings.Repeat("long words ", 100))
		if err != nil {
			t.Fatal(err)
		}
		h.deliverAll(t)
		last := lv.comments[len(lv.comments)-1].Body
		if len([]rune(last)) > 300 || !strings.HasSuffix(last, model.TruncationMarker) || c.Body == last {
			t.Fatalf("analyst comment as sent = %d chars %q; want it cut to 300 with the marker", len([]rune(last)), last)
		}
	})
}

// A batch holding NUL bytes, invalid UTF-8, an unusable vendor id and
// oversized text: the good and the repairable are stored, the bad alone is
// quarantined, and the alert notes what was repaired.
func TestHostileBatchIsIngestedAroundTheBadItem(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		h := setupOn(t, st, engine.DefaultPolicy())
		nul := vendorAlert("nul", "New")
		nul.Alert.Title = "evil\x00title"
		utf := vendorAlert("utf", "New", "ws-\xff")
		utf.Alert.Description = "bad \xff\xfe bytes"
		big := vendorAlert("big", "New")
		big.Alert.Title = strings.Repeat("T", 200_000)
		big.Alert.Description = strings.Repeat("d", 3<<20)
		badID := vendorAlert("id\x00bad", "New")
		res := mustIngest(t, h, vendorAlert("good-1", "New"), nul, utf, badID, big, vendorAlert("good-2", "New"))
		if res.Created != 5 || res.Quarantined != 1 {
			t.Fatalf("ingest = %+v, want 5 created and the bad vendor id quarantined", res)
		}
		for _, id := range []string{"good-1", "good-2"} {
			if a := h.alert(t, id); len(a.Notes) != 0 {
				t.Fatalf("%s has notes %v", id, a.Notes)
			}
		}
		if a := h.alert(t, "nul"); a.Title != "evil\uFFFDtitle" || len(a.Notes) == 0 {
			t.Fatalf("nul alert = %q notes %v", a.Title, a.Notes)
		}
		if a := h.alert(t, "utf"); !strings.Contains(a.Description, "\uFFFD") || a.Entities.Hosts[0] != "ws-\uFFFD" {
			t.Fatalf("utf alert = %q %v", a.Description, a.Entities.Hosts)
		}
		a := h.alert(t, "big")
		if len(a.Title) > model.MaxTitleLen || len(a.Description) > model.MaxDescriptionLen ||
			!strings.HasSuffix(a.Description, model.TruncationMarker) || len(a.Notes) != 2 {
			t.Fatalf("big alert: title %d bytes, description %d bytes, notes %v", len(a.Title), len(a.Description), a.Notes)
		}
		q, err := st.QuarantineList(context.Background(), store.QuarantineListParams{Integration: "edr"})
		if err != nil || len(q) != 1 || !strings.Contains(q[0].Reason, "vendor id") {
			t.Fatalf("quarantine = %+v, %v", q, err)
		}
	})
}

// A verdict reason over the cap is refused, naming the field and limit.
func TestVerdictReasonCap(t *testing.T) {
	t.Parallel()
	h := setup(t, engine.DefaultPolicy())
	mustIngest(t, h, vendorAlert("a1", "New"))
	_, err := h.eng.SetAlertVerdict(context.Background(), engine.VerdictParams{ID: h.alert(t, "a1").ID,
		Verdict: model.VerdictNotAThreat, Reason: strings.Repeat("r", 1<<20), Actor: analyst("kim")})
	if err == nil || !strings.Contains(err.Error(), "reason") || !strings.Contains(err.Error(), "4096") {
		t.Fatalf("err = %v, want the reason refused with its limit", err)
	}
}

// Fifty conflicting verdicts on one alert: the vendor gets the final state
// and the final verdict's comment, once; an analyst's comments all go.
func TestConflictingVerdictsCoalesce(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		pol := engine.DefaultPolicy()
		pol.CommentSync = true
		h := setupOn(t, st, pol)
		ctx := context.Background()
		mustIngest(t, h, vendorAlert("a1", "New"))
		id := h.alert(t, "a1").ID
		verdicts := []model.Verdict{model.VerdictNotAThreat, model.VerdictSuspicious}
		for i := range 50 {
			if _, err := h.eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: id, Verdict: verdicts[i%2], Actor: analyst("kim")}); err != nil {
				t.Fatal(err)
			}
			if i%10 == 0 {
				if _, err := h.eng.AddComment(ctx, model.KindAlert, id, analyst("kim"), fmt.Sprintf("note %d", i)); err != nil {
					t.Fatal(err)
				}
			}
		}
		h.deliverAll(t)
		if len(h.vendor.states) != 1 || h.vendor.states[0].Status != model.StatusInProgress {
			t.Fatalf("state writes sent = %+v, want the final in progress once", h.vendor.states)
		}
		var verdictComments, notes int
		for _, c := range h.vendor.comments {
			switch c.Origin {
			case connector.OriginVerdict:
				verdictComments++
			case connector.OriginAnalyst:
				notes++
			}
		}
		if verdictComments != 1 || notes != 5 {
			t.Fatalf("verdict comments %d, analyst comments %d; want 1 and all 5", verdictComments, notes)
		}
	})
}
