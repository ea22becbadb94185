package emukit

import (
	"bufio"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestLatencyAbandoned: a caller that gives up while the latency holds
// its answer gets none, not even when it can still read. A TLS client
// that cancels sends close_notify, which ends the request's context on
// the server, and shuts its socket only after; before that, an empty 200
// written for the abandoned request reached it, and a connector read the
// cancelled call as the vendor's success (the conformance suite's
// CancelEndsCalls failed under load).
func TestLatencyAbandoned(t *testing.T) {
	t.Parallel()
	f := NewFaults(1)
	f.SetLatency(time.Minute)
	rec := NewRecorder(nil)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "Open"})
	})
	srv := httptest.NewTLSServer(Stack{Faults: f, Recorder: rec, Errors: testErrors{}}.Handler(api))
	t.Cleanup(srv.Close)

	d := tls.Dialer{Config: &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, ServerName: "example.com"}}
	c, err := d.DialContext(t.Context(), "tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn := c.(*tls.Conn)
	defer func() { _ = conn.Close() }()
	if _, err := conn.Write([]byte("GET /api/ping HTTP/1.1\r\nHost: emu\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	// What tls.Conn.Close sends before it closes the socket: the caller is
	// gone for the server, yet still reads.
	if err := conn.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
		_ = resp.Body.Close()
		t.Fatalf("abandoned request answered %s (Content-Length %d), want no answer", resp.Status, resp.ContentLength)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("connection dropped after %v, want at once", d)
	}
	if reqs := rec.Requests(); len(reqs) != 1 || reqs[0].Path != "/api/ping" || reqs[0].Status != 0 {
		t.Errorf("recorded %+v, want the request with status 0 (not answered)", reqs)
	}
}
