package demo

import (
	"encoding/json"
	"fmt"
	"github.com/alertsync/alertsync/internal/procstat"
	"io"
	"os"
	"strings"
	"time"
)

// Row is one checked step of the scenario.
type Row struct {
	Section string        `json:"section"`
	Name    string        `json:"name"`
	OK      bool          `json:"ok"`
	Detail  string        `json:"detail"`
	Took    time.Duration `json:"took_ns"`
}

// Latency is how long verdicts took to show at the vendors.
type Latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	N   int     `json:"-"`
}

// Summary is what a demo run shows and what its test asserts.
type Summary struct {
	API             string
	DataDir         string
	Ingest          map[string]int
	Rows            []Row
	Outbox          map[string]int
	Duration        time.Duration
	Integrations    []IntegrationReport
	VerdictToRemote Latency
	RSSMB           float64
	Playbooks       ReportPlaybooks
	// Err is why the run stopped early, if it did.
	Err error
}

// fail records why the run stopped and returns the summary with err.
func (s *Summary) fail(err error) (*Summary, error) {
	s.Err = err
	if s.RSSMB == 0 {
		s.RSSMB = procstat.PeakRSSMB()
	}
	return s, err
}

// Failed lists the rows that did not hold.
func (s *Summary) Failed() []Row {
	var out []Row
	for _, r := range s.Rows {
		if !r.OK {
			out = append(out, r)
		}
	}
	return out
}

// Report is the summary as `demo --summary-json` writes it. Its shape is
// a contract documented in docs/demo.md: change it only by adding keys.
type Report struct {
	DurationS       float64             `json:"duration_s"`
	Checks          ReportChecks        `json:"checks"`
	Integrations    []IntegrationReport `json:"integrations"`
	Outbox          ReportOutbox        `json:"outbox"`
	VerdictToRemote Latency             `json:"verdict_to_remote_ms"`
	RSSMB           float64             `json:"rss_mb"`
	Playbooks       ReportPlaybooks     `json:"playbooks"`
}

// ReportPlaybooks is the demo playbook's runs at the end, and what the
// external tool it posts to received.
type ReportPlaybooks struct {
	RunsSucceeded    int `json:"runs_succeeded"`
	RunsFailed       int `json:"runs_failed"`
	ReceiverRequests int `json:"receiver_requests"`
}

// ReportChecks counts the checked rows; a run that stopped early counts
// as one more failed check named by its error.
type ReportChecks struct {
	Passed      int      `json:"passed"`
	Failed      int      `json:"failed"`
	FailedNames []string `json:"failed_names"`
}

// ReportOutbox is the hub's outbox at the end of the run.
type ReportOutbox struct {
	Delivered int `json:"delivered"`
	Pending   int `json:"pending"`
	Dead      int `json:"dead"`
}

// Report builds the machine-readable summary.
func (s *Summary) Report() Report {
	r := Report{
		DurationS:       float64(s.Duration.Milliseconds()) / 1000,
		Checks:          ReportChecks{FailedNames: []string{}},
		Integrations:    s.Integrations,
		Outbox:          ReportOutbox{Delivered: s.Outbox["done"], Pending: s.Outbox["pending"] + s.Outbox["leased"], Dead: s.Outbox["dead"]},
		VerdictToRemote: s.VerdictToRemote,
		RSSMB:           s.RSSMB,
		Playbooks:       s.Playbooks,
	}
	if r.Integrations == nil {
		r.Integrations = []IntegrationReport{}
	}
	for _, row := range s.Rows {
		if row.OK {
			r.Checks.Passed++
			continue
		}
		r.Checks.Failed++
		r.Checks.FailedNames = append(r.Checks.FailedNames, row.Name)
	}
	if s.Err != nil {
		r.Checks.Failed++
		r.Checks.FailedNames = append(r.Checks.FailedNames, "run stopped: "+s.Err.Error())
	}
	return r
}

// WriteJSON writes the report to path.
func (s *Summary) WriteJSON(path string) error {
	b, err := json.MarshalIndent(s.Report(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// Print writes the summary as a readable report.
func (s *Summary) Print(w io.Writer) {
	_, _ = fmt.Fprintln(w, "alertsync demo — hub on embedded SQLite against the vendor emulators")
	_, _ = fmt.Fprintf(w, "API %s   data dir %s\n", s.API, s.DataDir)
	section := ""
	for _, r := range s.Rows {
		if r.Section != section {
			section = r.Section
			_, _ = fmt.Fprintf(w, "\n%s\n", section)
		}
		mark := "PASS"
		if !r.OK {
			mark = "FAIL"
		}
		took := ""
		if r.Took > 0 {
			took = fmt.Sprintf(" (%.1fs)", r.Took.Seconds())
		}
		_, _ = fmt.Fprintf(w, "  [%s] %s%s\n", mark, r.Name, took)
		if r.Detail != "" {
			_, _ = fmt.Fprintf(w, "         %s\n", strings.ReplaceAll(r.Detail, "\n", "\n         "))
		}
	}
	_, _ = fmt.Fprintf(w, "\nOutbox: %d delivered, %d pending, %d dead\n", s.Outbox["done"], s.Outbox["pending"]+s.Outbox["leased"], s.Outbox["dead"])
	if s.Duration > 0 {
		_, _ = fmt.Fprintf(w, "Ran %.0fs; verdict → vendor p50 %.0f ms, p99 %.0f ms; peak RSS %.0f MB\n",
			s.Duration.Seconds(), s.VerdictToRemote.P50, s.VerdictToRemote.P99, s.RSSMB)
	}
	if f := s.Failed(); len(f) > 0 {
		_, _ = fmt.Fprintf(w, "%d of %d checks FAILED\n", len(f), len(s.Rows))
		return
	}
	_, _ = fmt.Fprintf(w, "All %d checks passed.\n", len(s.Rows))
}
