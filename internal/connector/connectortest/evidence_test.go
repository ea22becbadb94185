package connectortest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

// evidenceFake is an in-memory audit log and its evidence source in one,
// so the suite's evidence checks are exercised. Like an audit log it
// keeps no history for a new reader: the first fetch starts at the end.
type evidenceFake struct {
	mu       *sync.Mutex
	seq      *int
	throttle *time.Duration
	slow     *time.Duration
	secret   string
	log      *slog.Logger
	broken   string
	// bad holds the sequence numbers of records served without a time.
	bad map[int]bool
}

const evidencePage = 3

func init() {
	connector.Register(connector.Registration{
		Kind: "conformance-evidence-fake", Title: "Fake audit log", Description: "In-memory audit log for the suite's own test.",
		Spec: connector.ConfigSpec{{Name: "key", Type: connector.TypeSecret, Description: "API key."}},
		New:  func(connector.Deps, map[string]any) (connector.Connector, error) { return newEvidenceFake(), nil },
	})
}

func newEvidenceFake() *evidenceFake {
	return &evidenceFake{mu: &sync.Mutex{}, seq: new(int), throttle: new(time.Duration), slow: new(time.Duration),
		secret: "s3cret-key", log: slog.New(slog.DiscardHandler), broken: os.Getenv(brokenEnv), bad: map[int]bool{}}
}

func (f *evidenceFake) Kind() string { return "conformance-evidence-fake" }

// with returns a reader of the same log with its own key and logger.
func (f *evidenceFake) with(secret string, log *slog.Logger) *evidenceFake {
	c := *f
	c.secret, c.log = secret, log
	return &c
}

func (f *evidenceFake) call(ctx context.Context) error {
	f.log.DebugContext(ctx, "calling the fake audit log", "key_len", len(f.secret))
	if f.secret != "s3cret-key" {
		msg := "invalid key"
		if f.broken == "evidence-leak" {
			msg += " " + f.secret
		}
		return &connector.Error{Class: connector.ClassAuth, Status: 401, Message: msg}
	}
	f.mu.Lock()
	throttle, slow := *f.throttle, *f.slow
	*f.throttle = 0
	f.mu.Unlock()
	if throttle > 0 {
		if f.broken == "evidence-retry-hint" {
			throttle = time.Second
		}
		return &connector.Error{Class: connector.ClassRateLimited, Status: 429, RetryAfter: throttle}
	}
	if slow > 0 {
		if f.broken == "evidence-ignore-ctx" {
			time.Sleep(2500 * time.Millisecond)
			return errors.New("slow vendor")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(slow):
		}
	}
	return nil
}

// FetchEvidence pages through records after the cursor, a record's id
// being its sequence number.
func (f *evidenceFake) FetchEvidence(ctx context.Context, cursor string) (connector.EvidencePage, error) {
	if err := f.call(ctx); err != nil {
		return connector.EvidencePage{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	last := *f.seq
	if cursor == "" {
		return connector.EvidencePage{Cursor: strconv.Itoa(last)}, nil
	}
	after, _ := strconv.Atoi(cursor)
	p := connector.EvidencePage{Cursor: cursor}
	for n := after + 1; n <= last && len(p.Items) < evidencePage; n++ {
		id := fmt.Sprintf("r-%d", n)
		raw, _ := json.Marshal(map[string]string{"Id": id})
		p.Cursor = strconv.Itoa(n)
		if f.bad[n] {
			p.Items = append(p.Items, connector.EvidenceItem{VendorID: id, Raw: raw, Err: fmt.Errorf("record %s has no time", id)})
			continue
		}
		p.Items = append(p.Items, connector.EvidenceItem{VendorID: id, Raw: raw, Evidence: &model.Evidence{
			Integration: "it-1", VendorID: id, Operation: "FileDownloaded", Summary: "File downloaded by adele@contoso.com",
			OccurredAt: time.Date(2026, 3, 1, 9, 0, n, 0, time.UTC),
		}})
	}
	p.More = after+len(p.Items) < last
	if f.broken == "evidence-dup" && !p.More {
		p.Cursor = cursor // the last page is read again next time
	}
	return p, nil
}

func (f *evidenceFake) seed(t *testing.T) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for range evidencePage*2 + 1 {
		*f.seq++
		ids = append(ids, fmt.Sprintf("r-%d", *f.seq))
	}
	return ids
}

// seedMalformed publishes a record without a time between two good ones.
func (f *evidenceFake) seedMalformed(t *testing.T) connectortest.MalformedCase {
	f.mu.Lock()
	defer f.mu.Unlock()
	var mc connectortest.MalformedCase
	for i := range 3 {
		*f.seq++
		id := fmt.Sprintf("r-%d", *f.seq)
		if i == 1 {
			f.bad[*f.seq], mc.Bad = true, id
		} else {
			mc.Good = append(mc.Good, id)
		}
	}
	return mc
}

func TestRunAgainstEvidenceFake(t *testing.T) {
	f := newEvidenceFake()
	connectortest.Run(t, connectortest.Harness{
		Connector:    f,
		Integration:  "it-1",
		SeedEvidence: f.seed,
		Throttle: func(t *testing.T, d time.Duration) {
			f.mu.Lock()
			defer f.mu.Unlock()
			*f.throttle = d
		},
		Slow: func(t *testing.T, d time.Duration) {
			f.mu.Lock()
			defer f.mu.Unlock()
			*f.slow = d
		},
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return f.with("wrong-key", log)
			}
			return f.with("s3cret-key", log)
		},
		Secrets:   []string{"s3cret-key", "wrong-key"},
		Malformed: f.seedMalformed,
	})
}

// TestSuiteCatchesBrokenEvidenceSources is the evidence checks' negative
// self-test, run like TestSuiteCatchesBrokenConnectors.
func TestSuiteCatchesBrokenEvidenceSources(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("this is the child")
	}
	tests := []struct{ defect, check string }{
		{"evidence-dup", "FetchEvidence"},
		{"evidence-retry-hint", "EvidenceRateLimited"},
		{"evidence-ignore-ctx", "EvidenceCancel"},
		{"evidence-leak", "EvidenceSecretsStayOut"},
	}
	expectCaught(t, "TestRunAgainstEvidenceFake", tests)
}
