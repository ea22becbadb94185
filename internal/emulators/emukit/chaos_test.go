package emukit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// faultServer serves an API whose one route counts the calls it handled,
// behind f.
func faultServer(t *testing.T, f *Faults) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var handled atomic.Int64
	api := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		handled.Add(1)
		WriteJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
	})
	srv := httptest.NewServer(Stack{Faults: f, Errors: testErrors{}}.Handler(api))
	t.Cleanup(srv.Close)
	return srv, &handled
}

// answer is what a test reads of a response: its status and headers.
type answer struct {
	StatusCode int
	Header     http.Header
}

func get(ctx context.Context, t *testing.T, url string) (answer, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	_ = resp.Body.Close()
	return answer{resp.StatusCode, resp.Header}, nil
}

func TestFaultRates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		errors, throttles      float64
		wantStatus             map[int]bool
		wantErrors, wantThrott bool
	}{
		{"throttle rate only", 0, 0.5, map[int]bool{200: true, 429: true}, false, true},
		{"both rates", 0.3, 0.3, map[int]bool{200: true, 429: true, 503: true}, true, true},
		{"every request throttled", 0, 1, map[int]bool{429: true}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := NewFaults(7)
			f.SetErrorRate(tt.errors, 0)
			f.SetThrottleRate(tt.throttles, 2*time.Second)
			srv, handled := faultServer(t, f)
			seen := map[int]int{}
			for range 60 {
				resp, err := get(t.Context(), t, srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				seen[resp.StatusCode]++
				if resp.StatusCode == 429 && resp.Header.Get("Retry-After") != "2" {
					t.Errorf("429 Retry-After %q, want the vendor's header set to 2", resp.Header.Get("Retry-After"))
				}
			}
			for status := range seen {
				if !tt.wantStatus[status] {
					t.Errorf("status %d answered; want only %v (saw %v)", status, tt.wantStatus, seen)
				}
			}
			c := f.Counts()
			if c.Throttles != seen[429] || c.ServerErrors != seen[503] || int(handled.Load()) != seen[200] {
				t.Errorf("counts %+v, handled %d; answers %v", c, handled.Load(), seen)
			}
			if (c.ServerErrors > 0) != tt.wantErrors || (c.Throttles > 0) != tt.wantThrott {
				t.Errorf("counts %+v, want errors %t throttles %t", c, tt.wantErrors, tt.wantThrott)
			}
		})
	}
}

// TestHang: a hung request gets no answer until its caller gives up; one
// not applied never reaches the API, one applied does, and freeing the
// hangs (rate 0) lets the waiting ones go at once.
func TestHang(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		applied     float64
		wantHandled int64
	}{
		{"not applied", 0, 0},
		{"applied, answer lost", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := NewFaults(3)
			f.SetHangRate(1, tt.applied)
			srv, handled := faultServer(t, f)
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			_, err := get(ctx, t, srv.URL)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("hung request: err %v, want the caller's deadline", err)
			}
			if handled.Load() != tt.wantHandled {
				t.Errorf("handled %d, want %d", handled.Load(), tt.wantHandled)
			}
			if c := f.Counts(); c.Hangs != 1 || c.HangsApplied != int(tt.wantHandled) {
				t.Errorf("counts %+v", c)
			}
		})
	}
	t.Run("freed", func(t *testing.T) {
		t.Parallel()
		f := NewFaults(3)
		f.SetHangRate(1, 0)
		srv, _ := faultServer(t, f)
		done := make(chan error, 1)
		go func() { _, err := get(t.Context(), t, srv.URL); done <- err }()
		for f.Counts().Hangs == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		f.SetHangRate(0, 0)
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("a freed hang was answered; want the connection dropped")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("hang not freed")
		}
		if resp, err := get(t.Context(), t, srv.URL); err != nil || resp.StatusCode != 200 {
			t.Fatalf("after hangs off: %v %v", resp, err)
		}
	})
}

func TestDown(t *testing.T) {
	t.Parallel()
	f := NewFaults(1)
	srv, handled := faultServer(t, f)
	f.SetDown(true)
	for range 3 {
		if resp, err := get(t.Context(), t, srv.URL); err != nil || resp.StatusCode != 503 {
			t.Fatalf("while down: %v %v", resp, err)
		}
	}
	f.SetDown(false)
	if resp, err := get(t.Context(), t, srv.URL); err != nil || resp.StatusCode != 200 {
		t.Fatalf("back up: %v %v", resp, err)
	}
	if c := f.Counts(); c.Outage != 3 || handled.Load() != 1 {
		t.Errorf("counts %+v, handled %d; want 3 refused while down, 1 handled", c, handled.Load())
	}
	f.SetDown(true)
	f.Reset()
	if resp, err := get(t.Context(), t, srv.URL); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after Reset: %v %v", resp, err)
	}
}

func TestLedger(t *testing.T) {
	t.Parallel()
	type step struct {
		changed     bool
		field, text string
		kind, id    string
	}
	tests := []struct {
		name                 string
		steps                []step
		wantStates, wantComs int
	}{
		{"distinct writes", []step{{false, WriteState, `{"status":"resolved"}`, "alert", "1"}, {false, WriteComment, "a", "alert", "1"}, {false, WriteComment, "b", "alert", "1"}}, 0, 0},
		{"state twice", []step{{false, WriteState, `{"status":"resolved","c":1}`, "alert", "1"}, {false, WriteState, `{"c":1, "status":"resolved"}`, "alert", "1"}}, 1, 0},
		{"same state on two objects", []step{{false, WriteState, "closed", "alert", "1"}, {false, WriteState, "closed", "alert", "2"}}, 0, 0},
		{"state back and forth", []step{{false, WriteState, "a", "alert", "1"}, {false, WriteState, "b", "alert", "1"}, {false, WriteState, "a", "alert", "1"}}, 0, 0},
		{"vendor change between", []step{{false, WriteState, "a", "alert", "1"}, {true, "", "", "alert", "1"}, {false, WriteState, "a", "alert", "1"}}, 0, 0},
		{"comment twice", []step{{false, WriteComment, "x", "alert", "1"}, {false, WriteComment, "x", "alert", "1"}, {false, WriteComment, "x", "alert", "1"}}, 0, 2},
		{"same comment on another kind", []step{{false, WriteComment, "x", "alert", "1"}, {false, WriteComment, "x", "incident", "1"}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := NewLedger(NewFakeClock(t0))
			for _, s := range tt.steps {
				switch {
				case s.changed:
					l.Changed(s.kind, s.id)
				case s.field == WriteState:
					l.State(s.kind, s.id, s.text)
				default:
					l.Comment(s.kind, s.id, s.text)
				}
			}
			states, coms := l.Duplicates()
			if states != tt.wantStates || coms != tt.wantComs {
				t.Errorf("duplicates: %d states, %d comments; want %d, %d (writes %+v)", states, coms, tt.wantStates, tt.wantComs, l.Writes())
			}
		})
	}
}

func TestLedgerStateOfStruct(t *testing.T) {
	t.Parallel()
	l := NewLedger(nil)
	type patch struct {
		Status string `json:"status"`
	}
	l.State("alert", "1", patch{"Resolved"})
	l.State("alert", "1", map[string]string{"status": "Resolved"})
	if w := l.Writes(); len(w) != 2 || w[0].Value != `{"status":"Resolved"}` || !w[1].Duplicate {
		t.Fatalf("writes %+v: a struct and a map with one content are one write", w)
	}
	l.Reset()
	if len(l.Writes()) != 0 {
		t.Fatal("Reset kept writes")
	}
}

// TestLedgerStateWithComment: a state write that carries a comment,
// applied twice, is one duplicate, not two.
func TestLedgerStateWithComment(t *testing.T) {
	t.Parallel()
	l := NewLedger(nil)
	l.Apply("alert", "1", map[string]string{"status": "Resolved"}, "closed by alertsync [demo-0001]")
	l.Apply("alert", "1", map[string]string{"status": "Resolved"}, "closed by alertsync [demo-0001]")
	l.Comment("alert", "1", "closed by alertsync [demo-0001]")
	states, comments := l.Duplicates()
	if states != 1 || comments != 1 {
		t.Fatalf("duplicates %d states, %d comments; want 1 and 1 (%+v)", states, comments, l.Writes())
	}
	l.Apply("alert", "2", nil, "")
	if n := len(l.Writes()); n != 3 {
		t.Errorf("an empty write was recorded: %d writes", n)
	}
}
