package demo

import (
	"fmt"
	"io"
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

// Summary is what a demo run shows and what its test asserts.
type Summary struct {
	API     string         `json:"api"`
	DataDir string         `json:"data_dir"`
	Ingest  map[string]int `json:"ingested_alerts"`
	Rows    []Row          `json:"rows"`
	Outbox  map[string]int `json:"outbox"`
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

// Print writes the summary as a readable report.
func (s *Summary) Print(w io.Writer) {
	fmt.Fprintln(w, "alertsync demo — hub on embedded SQLite against the vendor emulators")
	fmt.Fprintf(w, "API %s   data dir %s\n", s.API, s.DataDir)
	section := ""
	for _, r := range s.Rows {
		if r.Section != section {
			section = r.Section
			fmt.Fprintf(w, "\n%s\n", section)
		}
		mark := "PASS"
		if !r.OK {
			mark = "FAIL"
		}
		took := ""
		if r.Took > 0 {
			took = fmt.Sprintf(" (%.1fs)", r.Took.Seconds())
		}
		fmt.Fprintf(w, "  [%s] %s%s\n", mark, r.Name, took)
		if r.Detail != "" {
			fmt.Fprintf(w, "         %s\n", strings.ReplaceAll(r.Detail, "\n", "\n         "))
		}
	}
	fmt.Fprintf(w, "\nOutbox: %d delivered, %d pending, %d dead\n", s.Outbox["done"], s.Outbox["pending"]+s.Outbox["leased"], s.Outbox["dead"])
	if f := s.Failed(); len(f) > 0 {
		fmt.Fprintf(w, "%d of %d checks FAILED\n", len(f), len(s.Rows))
		return
	}
	fmt.Fprintf(w, "All %d checks passed.\n", len(s.Rows))
}
