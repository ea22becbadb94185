package connectortest

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// The fuzz targets of the vendor packages feed arbitrary bytes to the
// function that turns the vendor's wire payload into a model object, and
// hold it to one property, checked here so that every vendor is held to
// the same one: no panic, and either an error that names the reason (the
// engine quarantines the payload with it) or an object that, completed
// and sanitised the way ingest does, has what the engine relies on.

// FuzzIntegration is the integration id fuzz targets map under.
const FuzzIntegration = "it-fuzz"

// AddGoldenSeeds adds the testdata files of the test's package whose
// names match pattern (filepath.Match syntax) to f's seed corpus, so the
// golden payloads of the mapping tests are fuzzed from too. It fails when
// none match, so a renamed file cannot silently empty the seeds.
func AddGoldenSeeds(f *testing.F, pattern string) {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(names) == 0 {
		f.Fatalf("no golden payload matches testdata/%s (err %v)", pattern, err)
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// CheckFuzzedAlert checks the item a mapper made of raw.
func CheckFuzzedAlert(t *testing.T, raw []byte, it connector.Item) {
	t.Helper()
	if !mapped(t, raw, it.Raw, it.Err, it.Alert != nil, "Alert (the engine would quarantine it as \"connector returned no alert\")") {
		return
	}
	a := *it.Alert
	if a.VendorID != "" && it.VendorID != "" && a.VendorID != it.VendorID {
		t.Errorf("Alert.VendorID %q differs from Item.VendorID %q", a.VendorID, it.VendorID)
	}
	if a.Integration != FuzzIntegration {
		t.Errorf("Integration %q, want %q", a.Integration, FuzzIntegration)
	}
	id := cmp.Or(a.VendorID, it.VendorID)
	if id == "" {
		t.Fatal("mapped alert without a vendor id")
	}
	if model.CheckVendorID(id) != nil {
		return // the engine quarantines it with that reason
	}
	a.VendorID = id
	prepareAlert(&a)
	checkAlert(t, a)
}

// prepareAlert completes and sanitises a mapped alert as engine ingest
// does before it stores one.
func prepareAlert(a *model.Alert) {
	a.Entities = a.Entities.Normalize()
	if a.Severity == "" {
		a.Severity = model.SeverityUnknown
	}
	if a.Status == "" {
		a.Status = model.StatusNew
	}
	if a.RemoteStatus == "" {
		a.RemoteStatus = string(a.Status)
	}
	a.Sanitize()
}

func checkAlert(t *testing.T, a model.Alert) {
	t.Helper()
	if strings.TrimSpace(a.Title) == "" {
		t.Error("mapped alert without a title")
	}
	if !validSeverity(a.Severity) || !validStatus(a.Status) {
		t.Errorf("Severity %q / Status %q are not canonical values", a.Severity, a.Status)
	}
	if a.Verdict != model.VerdictNone {
		t.Errorf("a vendor payload set the verdict %q; verdicts are alertsync's", a.Verdict)
	}
	checkTexts(t, map[string]textBound{
		"title": {a.Title, model.MaxTitleLen}, "description": {a.Description, model.MaxDescriptionLen},
		"source": {a.Source, model.MaxShortLen}, "remote_status": {a.RemoteStatus, model.MaxShortLen},
		"remote_parent": {a.RemoteParent, model.MaxVendorIDLen},
	})
	checkEntities(t, a.Entities)
	for i, n := range a.Notes {
		checkTexts(t, map[string]textBound{fmt.Sprintf("ingest_notes[%d]", i): {n, model.MaxReasonLen}})
	}
	if a.SameAs != "" {
		kind, id, ok := strings.Cut(a.SameAs, ":")
		if !ok || kind == "" || model.CheckVendorID(id) != nil {
			t.Errorf("SameAs %q is not <kind>:<a vendor id the store takes>", a.SameAs)
		}
	}
	checkTimes(t, map[string]time.Time{"created_at": a.CreatedAt, "updated_at": a.UpdatedAt})
	checkRaw(t, a.Raw)
}

// mapped checks what every mapped answer shares: the payload kept
// verbatim, and either a reason to refuse it or an object (what names
// it); it reports whether there is an object to check further.
func mapped(t *testing.T, raw, kept []byte, err error, has bool, what string) bool {
	t.Helper()
	if !bytes.Equal(kept, raw) {
		t.Errorf("Raw is not the payload verbatim: %d bytes, the payload has %d", len(kept), len(raw))
	}
	if err != nil {
		checkReason(t, err)
		return false
	}
	if !has {
		t.Fatalf("no %s and no Err", what)
	}
	return true
}

// CheckFuzzedIncident is CheckFuzzedAlert for incident mappers.
func CheckFuzzedIncident(t *testing.T, raw []byte, it connector.IncidentItem) {
	t.Helper()
	if !mapped(t, raw, it.Raw, it.Err, it.Incident != nil, "Incident") {
		return
	}
	in := *it.Incident
	if in.Integration != FuzzIntegration {
		t.Errorf("Integration %q, want %q", in.Integration, FuzzIntegration)
	}
	in.VendorID = cmp.Or(in.VendorID, it.VendorID)
	if in.VendorID == "" {
		t.Fatal("mapped incident without a vendor id")
	}
	if model.CheckVendorID(in.VendorID) != nil {
		return // the engine quarantines it with that reason
	}
	if in.Status == "" {
		in.Status = model.StatusNew
	}
	in.Sanitize()
	if strings.TrimSpace(in.Title) == "" {
		t.Error("mapped incident without a title")
	}
	if !validSeverity(in.Severity) || !validStatus(in.Status) {
		t.Errorf("Severity %q / Status %q are not canonical values", in.Severity, in.Status)
	}
	known := []string{"", model.ClassTruePositive, model.ClassBenignPositive, model.ClassFalsePositive, model.ClassUndetermined}
	if !slices.Contains(known, in.Classification) {
		t.Errorf("Classification %q is not a canonical value", in.Classification)
	}
	checkTexts(t, map[string]textBound{
		"title": {in.Title, model.MaxTitleLen}, "description": {in.Description, model.MaxDescriptionLen},
		"remote_status": {in.RemoteStatus, model.MaxShortLen},
	})
	for i, id := range in.RemoteAlerts {
		checkTexts(t, map[string]textBound{fmt.Sprintf("remote_alert_ids[%d]", i): {id, model.MaxEntityLen}})
	}
	checkTimes(t, map[string]time.Time{"created_at": in.CreatedAt, "updated_at": in.UpdatedAt})
	checkRaw(t, in.Raw)
}

// CheckFuzzedEvidence is CheckFuzzedAlert for audit-record mappers.
func CheckFuzzedEvidence(t *testing.T, raw []byte, it connector.EvidenceItem) {
	t.Helper()
	if !mapped(t, raw, it.Raw, it.Err, it.Evidence != nil, "Evidence") {
		return
	}
	ev := *it.Evidence
	ev.VendorID = cmp.Or(ev.VendorID, it.VendorID)
	if ev.Integration != FuzzIntegration {
		t.Errorf("Integration %q, want %q", ev.Integration, FuzzIntegration)
	}
	if model.CheckVendorID(ev.VendorID) != nil {
		return // the engine quarantines it with that reason
	}
	if ev.OccurredAt.IsZero() || ev.OccurredAt.Location() != time.UTC {
		t.Errorf("OccurredAt %v, want a time in UTC", ev.OccurredAt)
	}
	ev.Entities = ev.Entities.Normalize()
	ev.Sanitize()
	if strings.TrimSpace(ev.Summary) == "" {
		t.Error("mapped record without a summary")
	}
	checkTexts(t, map[string]textBound{
		"source": {ev.Source, model.MaxShortLen}, "operation": {ev.Operation, model.MaxShortLen},
		"summary": {ev.Summary, model.MaxTitleLen}, "result": {ev.Result, model.MaxShortLen},
	})
	checkEntities(t, ev.Entities)
	checkTimes(t, map[string]time.Time{"occurred_at": ev.OccurredAt})
	checkRaw(t, ev.Raw)
}

// CheckFuzzedStamp checks a time a connector read from a payload for its
// cursor (the record's last change): the cursor is stored as JSON, so the
// time must be one JSON can carry, or the cursor would be lost.
func CheckFuzzedStamp(t *testing.T, at time.Time) {
	t.Helper()
	checkTimes(t, map[string]time.Time{"cursor stamp": at})
}

// checkReason checks that an error can be a quarantine reason: it says
// something, in text any store and any reader takes.
func checkReason(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if strings.TrimSpace(msg) == "" {
		t.Errorf("error %#v has no message to quarantine with", err)
	}
}

type textBound struct {
	s   string
	max int
}

// checkTexts checks text the engine stores: valid UTF-8, no NUL byte (both
// refused by PostgreSQL), within its limit.
func checkTexts(t *testing.T, texts map[string]textBound) {
	t.Helper()
	for field, v := range texts {
		if err := model.CheckText(field, v.s, v.max); err != nil {
			t.Errorf("after sanitising, %v", err)
		}
	}
}

func checkEntities(t *testing.T, e model.Entities) {
	t.Helper()
	for name, list := range map[string][]string{"hosts": e.Hosts, "users": e.Users, "ips": e.IPs,
		"file_hashes": e.FileHashes, "processes": e.Processes} {
		if len(list) > model.MaxEntities {
			t.Errorf("entities.%s: %d values, over the limit of %d", name, len(list), model.MaxEntities)
		}
		for i, v := range list {
			checkTexts(t, map[string]textBound{fmt.Sprintf("entities.%s[%d]", name, i): {v, model.MaxEntityLen}})
		}
	}
}

// checkTimes checks that times are zero (the engine fills them) or
// within the years JSON and both stores can hold: time.Time refuses to
// encode a year past 9999, and every revision is stored as JSON.
func checkTimes(t *testing.T, times map[string]time.Time) {
	t.Helper()
	for field, v := range times {
		if v.IsZero() {
			continue
		}
		if _, err := v.MarshalJSON(); err != nil {
			t.Errorf("%s %v cannot be stored: %v", field, v, err)
		}
	}
}

// checkRaw checks the payload kept verbatim: the text policy leaves it
// valid UTF-8 (invalid bytes replaced; one over the limit kept as a JSON
// string beside its size).
func checkRaw(t *testing.T, raw []byte) {
	t.Helper()
	if !utf8.Valid(raw) {
		t.Error("raw payload is not valid UTF-8 after sanitising")
	}
}
