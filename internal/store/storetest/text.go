package storetest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// hostile is vendor text that once made PostgreSQL fail (NUL, invalid
// UTF-8) or that no store should keep whole (over the caps).
var hostile = []struct {
	name string
	edit func(a *model.Alert)
}{
	{"nul in title", func(a *model.Alert) { a.Title = "evil\x00title" }},
	{"invalid utf-8 in description", func(a *model.Alert) { a.Description = "bad \xff\xfe bytes" }},
	{"200k title", func(a *model.Alert) { a.Title = strings.Repeat("T", 200_000) }},
	{"3 MB description", func(a *model.Alert) { a.Description = strings.Repeat("d", 3<<20) }},
	{"nul in entity", func(a *model.Alert) { a.Entities.Hosts = []string{"ws\x00-1"} }},
	{"invalid utf-8 in raw", func(a *model.Alert) { a.Raw = json.RawMessage("{\"t\":\"\xff\"}") }},
	{"2 MB raw", func(a *model.Alert) { a.Raw = json.RawMessage(`{"blob":"` + strings.Repeat("x", 2<<20) + `"}`) }},
}

// testTextPolicy: whatever the text policy makes of hostile vendor text,
// both stores keep it and give it back unchanged, with the notes saying
// what was repaired. Raw payloads and quarantined bytes round-trip byte
// for byte.
func testTextPolicy(t *testing.T, s *Both) {
	ctx := t.Context()
	for i, h := range hostile {
		a := newAlert("edr-1", "hostile-"+string(rune('a'+i)))
		h.edit(&a)
		if notes := a.Sanitize(); len(notes) == 0 {
			t.Fatalf("%s: Sanitize changed nothing", h.name)
		}
		inTx(t, s, func(tx store.Tx) error { return tx.AlertInsert(ctx, &a) })
		got, err := s.AlertGet(ctx, a.ID)
		if err != nil {
			t.Fatalf("%s: %v", h.name, err)
		}
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("%s: stored alert differs (-want +got):\n%.2000s", h.name, diff)
		}
		if len(got.Title) > model.MaxTitleLen || len(got.Description) > model.MaxDescriptionLen || len(got.Raw) > model.MaxRawLen+1024 {
			t.Errorf("%s: over a cap after sanitizing: title %d, description %d, raw %d", h.name, len(got.Title), len(got.Description), len(got.Raw))
		}
	}
	payload := []byte("{\"id\":\"q\x00\xff\"}")
	inTx(t, s, func(tx store.Tx) error {
		return tx.QuarantineAdd(ctx, store.QuarantineEntry{Integration: "edr-1", VendorID: "q\uFFFD",
			Reason: "vendor id contains a NUL byte or invalid UTF-8", Payload: payload, At: t0})
	})
	q, err := s.QuarantineList(ctx, store.QuarantineListParams{Integration: "edr-1"})
	if err != nil || len(q) != 1 {
		t.Fatalf("QuarantineList = %+v, %v", q, err)
	}
	if !bytes.Equal(q[0].Payload, payload) {
		t.Errorf("quarantined payload = %q, want the bytes as received %q", q[0].Payload, payload)
	}
}
